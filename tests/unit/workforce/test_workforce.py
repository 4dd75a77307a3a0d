"""Commission, attendance, performance and the floor's running-late flags, in memory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.orders import tenders as pay
from salonkit.orders.model import LineKind
from salonkit.scheduling.model import Appointment, StepPlacement
from salonkit.testing import RecordingPrinter
from salonkit.workforce.commission import CommissionPlan, CommissionRule
from salonkit.workforce.floor import delays, projected_steps

DAY = dt.date(2026, 11, 23)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


@pytest.fixture
def shop() -> Iterator[DemoSalon]:
    opened = open_demo_salon("memory://", DAY, printer=RecordingPrinter())
    yield opened
    opened.salon.close()


def test_the_most_specific_commission_rule_wins() -> None:
    plan = CommissionPlan(
        rules=(
            CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.3")),
            CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.4"), level="senior"),
            CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.2"), category="colour"),
            CommissionRule(
                kind=LineKind.SERVICE, rate=Decimal("0.5"), level="senior", category="colour"
            ),
        )
    )
    assert plan.rate_for(LineKind.SERVICE) == Decimal("0.3")
    assert plan.rate_for(LineKind.SERVICE, category="colour") == Decimal("0.2")
    assert plan.rate_for(LineKind.SERVICE, level="senior", category="cut") == Decimal("0.4")
    assert plan.rate_for(LineKind.SERVICE, level="senior", category="colour") == Decimal("0.5")
    assert plan.rate_for(LineKind.PRODUCT) == Decimal(0)
    with pytest.raises(ValidationError):
        CommissionRule(kind=LineKind.SERVICE, rate=Decimal("1.5"))


@given(
    st.sampled_from(["", "senior", "director", "junior"]), st.sampled_from(["", "cut", "colour"])
)
def test_a_rate_is_always_one_of_the_plans_rates(level: str, category: str) -> None:
    plan = CommissionPlan.standard()
    rate = plan.rate_for(LineKind.SERVICE, level=level, category=category)
    assert rate in {r.rate for r in plan.rules}


def test_commission_and_performance_of_a_day(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    cut = shop.book("mens-cut", "cust-03", hour=12, staff="bo")
    later = shop.book("mens-cut", "cust-03", hour=15, staff="bo")
    shop.clock.set(shop.at(13))
    order = salon.orders.open(appointment=cut.id)
    salon.orders.add_product(order.id, "SHAMPOO-R", staff="bo")
    salon.orders.add_tip(order.id, cny("15"), staff="bo")
    salon.orders.checkout(order.id, [pay.card()])
    (bo,) = salon.workforce.commissions("flagship", days=(DAY, DAY))
    # services 128 - 7.25 tax = 120.75 at 35 % (senior) = 42.2625; shampoo 148.67 at 10 %
    assert bo.service_revenue == cny("120.75") and bo.product_revenue == cny("148.67")
    assert bo.commission == cny("57.13") and bo.tips == cny("15")
    perf = {p.staff_id: p for p in salon.workforce.performance("flagship", days=(DAY, DAY))}
    assert perf["bo"].services == 1 and perf["bo"].customers == 1
    assert perf["bo"].average_ticket == cny("296")  # 128 + 168 (tip excluded)
    # bo works 12:00-21:00 less 30 min lunch = 510 min; two men's cuts of 35 min are booked
    assert perf["bo"].available_minutes == 510 and perf["bo"].busy_minutes == 70
    assert perf["bo"].rebooked_customers == 0  # the later booking is the same day
    assert later.id


def test_clocking_in_late_shows_in_attendance(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    shop.clock.set(shop.at(10, 12))
    salon.workforce.clock_in("chen")
    with pytest.raises(ValidationError):
        salon.workforce.clock_in("chen")
    shop.clock.set(shop.at(19))
    entry = salon.workforce.clock_out("chen")
    assert entry.minutes == 528
    rows = {a.staff_id: a for a in salon.workforce.attendance("flagship", DAY)}
    assert rows["chen"].late_minutes == 12 and rows["chen"].worked_minutes == 528
    assert rows["chen"].scheduled_minutes == 510 and not rows["chen"].clocked_in
    assert rows["ana"].worked_minutes == 0


def test_a_service_running_over_flags_the_bookings_it_delays(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    first = shop.book("womens-cut", "cust-10", hour=10, staff="ana")  # 10:00-10:45 (+5)
    second = shop.book("womens-cut", "cust-12", hour=10, staff="ana")  # next free start: 11:00
    assert second.starts_at == shop.at(11)
    salon.bookings.check_in(first.id)
    shop.clock.set(shop.at(10, 5))
    salon.workforce.start_step(first.id)  # wash, 10 min, started 5 late
    shop.clock.set(shop.at(10, 35))
    progress = salon.workforce.start_step(first.id)  # the wash took 30; cut starts 10:35
    assert progress.finished[0] == shop.at(10, 35)
    (flag,) = salon.workforce.late_flags("flagship", DAY)
    # the cut (35) ends at 11:10, +5 buffer = 11:15, the next booking holds from 11:00
    assert (flag.id, flag.caused_by, flag.minutes_late) == (second.id, first.id, 15)
    shop.clock.set(shop.at(10, 50))
    salon.workforce.finish_step(first.id)  # done early after all: 10:50 + 5 < 11:00
    assert salon.workforce.late_flags("flagship", DAY) == []


def _appt(
    id: str, start: pendulum.DateTime, steps: list[tuple[str, int, bool]], after: int = 0
) -> Appointment:
    placed, offset = [], 0
    for name, minutes, busy in steps:
        placed.append(StepPlacement(name=name, offset=offset, minutes=minutes, staff_busy=busy))
        offset += minutes
    return Appointment(
        id=id,
        store_id="s",
        customer_id=f"c-{id}",
        service_id="svc",
        staff_id="chen",
        starts_at=start,
        steps=tuple(placed),
        buffer_after=after,
        created_at=start,
    )


COLOUR = [("apply", 30, True), ("process", 40, False), ("rinse", 15, True)]


def test_processing_time_absorbs_or_passes_on_a_delay() -> None:
    t = pendulum.datetime(2026, 11, 23, 2)  # 10:00 in Shanghai
    colour = _appt("colour", t, COLOUR)
    inside = _appt("inside", t.add(minutes=30), [("cut", 30, True)])  # during processing
    after = _appt("after", t.add(minutes=85), [("cut", 30, True)], after=5)
    # the application runs 15 minutes over: the cut booked into the processing gap is 15 late,
    # and it then collides with the rinse, which pushes the booking after the colour too
    steps = projected_steps(colour, None, t)
    steps[0] = (steps[0][0], steps[0][1].add(minutes=15))
    steps[1:] = [(a.add(minutes=15), b.add(minutes=15)) for a, b in steps[1:]]
    found = delays(colour, steps, [inside, after], tolerance_minutes=0)
    assert [(a.id, m) for a, m in found] == [("inside", 15), ("after", 15)]
    # an over-run of 5 minutes only delays the cut in the gap
    steps = projected_steps(colour, None, t)
    steps[0] = (steps[0][0], steps[0][1].add(minutes=5))
    steps[1:] = [(a.add(minutes=5), b.add(minutes=5)) for a, b in steps[1:]]
    assert [(a.id, m) for a, m in delays(colour, steps, [inside, after], tolerance_minutes=0)] == [
        ("inside", 5),
        ("after", 5),
    ]
    # on time: nobody is late
    assert delays(colour, projected_steps(colour, None, t), [inside, after]) == []


@given(over=st.integers(min_value=0, max_value=120))
def test_a_delay_is_never_more_than_the_over_run(over: int) -> None:
    t = pendulum.datetime(2026, 11, 23, 2)
    colour = _appt("colour", t, COLOUR)
    later = [
        _appt("inside", t.add(minutes=30), [("cut", 30, True)]),
        _appt("next", t.add(minutes=90), [("cut", 30, True)]),
    ]
    steps = projected_steps(colour, None, t)
    steps = [(steps[0][0], steps[0][1].add(minutes=over))] + [
        (a.add(minutes=over), b.add(minutes=over)) for a, b in steps[1:]
    ]
    for _, minutes in delays(colour, steps, later, tolerance_minutes=0):
        assert 0 < minutes <= over
