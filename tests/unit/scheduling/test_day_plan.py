"""Salon.optimize_day / apply_day_plan: a waitlist entry fits only if a booking moves."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

import pendulum
import pytest

from salonkit import Salon
from salonkit.domain.staff import TimeOff
from salonkit.domain.time import TimeRange
from salonkit.errors import BookingConflict, ConcurrencyError
from salonkit.scheduling.day import check_solution
from salonkit.scheduling.model import Appointment, AppointmentStatus, BookingRequest
from salonkit.scheduling.sample import install_sample_salon
from salonkit.testing import FrozenClock, SequentialIds

#: Monday 4 May 2026, 08:00 UTC; the day planned is Tuesday 5 May (London, BST).
T0 = pendulum.datetime(2026, 5, 4, 8)
DAY = dt.date(2026, 5, 5)
TZ = "Europe/London"


def at(hour: int, minute: int = 0) -> pendulum.DateTime:
    """A wall-clock time of the planned day in London."""
    return pendulum.datetime(2026, 5, 5, hour, minute, tz=TZ)


def open_salon(url: str) -> Salon:
    """One stylist (cut and colour), one chair, one basin, open 09:00-12:00, and:

    - Ann's cut 09:45-10:30 (booked, may move),
    - Cy's cut 11:15-12:00 (checked in: pinned),
    - Bea on the waitlist for a colour (90 minutes with its clean-up) starting 09:00-09:15.

    Bea fits only at 09:00-10:30, and then only if Ann moves to 10:30.
    """
    salon = Salon.open(url, clock=FrozenClock(T0), ids=SequentialIds(), load_entrypoints=False)
    install_sample_salon(
        salon.context,
        customers=("ann", "bea", "cy"),
        staff=1,
        chairs=1,
        basins=1,
        opens="09:00",
        closes="12:00",
    )
    book = salon.bookings.book
    book(
        BookingRequest(
            store_id="flagship",
            service_id="cut",
            customer_id="ann",
            staff_id="s01",
            starts_at=at(9, 45),
        )
    )
    cy = book(
        BookingRequest(
            store_id="flagship",
            service_id="cut",
            customer_id="cy",
            staff_id="s01",
            starts_at=at(11, 15),
        )
    )
    salon.bookings.check_in(cy.id)
    salon.bookings.join_waitlist("bea", "colour", within=(at(9), at(9, 15)), store="flagship")
    return salon


@pytest.fixture(params=["memory", "sqlite"])
def salon(request: pytest.FixtureRequest, tmp_path: object) -> Salon:
    if request.param == "sqlite":
        request.applymarker(pytest.mark.sqlite)
        url = f"sqlite:///{tmp_path}/salon.db"
    else:
        url = "memory://"
    made = open_salon(url)
    yield made
    made.close()


def day_appointments(salon: Salon) -> list[Appointment]:
    return salon.bookings.appointments(within=(at(0), at(23, 59)), store="flagship")


def assert_no_double_booking(appointments: list[Appointment]) -> None:
    for a, b in combinations(appointments, 2):
        if a.staff_id == b.staff_id:
            assert all(y <= p or q <= x for x, y in a.staff_spans() for p, q in b.staff_spans()), (
                a.id,
                b.id,
            )
        units_a, units_b = a.unit_spans(), b.unit_spans()
        for unit, (x, y) in units_a:
            for other, (p, q) in units_b:
                assert unit != other or y <= p or q <= x, (a.id, b.id, unit)
        if a.customer_id == b.customer_id:
            (x, y), (p, q) = a.customer_span(), b.customer_span()
            assert y <= p or q <= x


def propose(salon: Salon):  # type: ignore[no-untyped-def]
    return salon.optimize_day(DAY, time_limit=1.0, workers=1, seed=1, deterministic=True)


def test_the_plan_moves_ann_to_fit_bea_and_keeps_cy(salon: Salon) -> None:
    before = {a.customer_id: a for a in day_appointments(salon)}
    plan = propose(salon)

    assert check_solution(plan.problem, plan.solution).valid
    assert [(m.customer, m.starts_at, m.new_starts_at, m.new_staff_id) for m in plan.moves] == [
        ("Ann", at(9, 45), at(10, 30), "s01")
    ]
    assert [(f.customer_id, f.starts_at, f.staff_id) for f in plan.fitted] == [
        ("bea", at(9), "s01")
    ]
    kept = {k.appointment_id: k.pinned for k in plan.kept}
    assert kept == {before["cy"].id: "checked in"}
    assert not plan.solution.unscheduled
    assert plan.score_after > plan.score_before
    assert plan.score_after == check_solution(plan.problem, plan.solution).score
    assert plan.bound is not None and plan.bound >= plan.score_after
    text = plan.explain()
    assert "Ann's Cut and finish moves 10:45->11:30" not in text
    assert (
        "Ann's Cut and finish moves 09:45->10:30 with Stylist 1 to make room for Bea's Full colour"
        in text
    )
    assert "+ Bea's Full colour from the waitlist" in text and "at 09:00 with Stylist 1" in text
    # nothing is written by a proposal
    assert {a.customer_id: a for a in day_appointments(salon)} == before


def test_apply_writes_the_plan_in_one_go(salon: Salon) -> None:
    plan = propose(salon)
    applied = salon.apply_day_plan(plan)

    assert [(a.customer_id, a.starts_at) for a in applied.moved] == [("ann", at(10, 30))]
    assert [(a.customer_id, a.starts_at, a.staff_id) for a in applied.booked] == [
        ("bea", at(9), "s01")
    ]
    after = day_appointments(salon)
    assert sorted((a.customer_id, a.starts_at, a.status) for a in after) == [
        ("ann", at(10, 30), AppointmentStatus.BOOKED),
        ("bea", at(9), AppointmentStatus.BOOKED),
        ("cy", at(11, 15), AppointmentStatus.CHECKED_IN),
    ]
    assert_no_double_booking(after)
    assert salon.bookings.waitlist(store="flagship") == []  # Bea's entry is booked
    # the same plan again is stale now
    with pytest.raises(ConcurrencyError):
        salon.apply_day_plan(plan)


def test_a_stale_plan_is_refused_and_writes_nothing(salon: Salon) -> None:
    plan = propose(salon)
    ann = next(a for a in day_appointments(salon) if a.customer_id == "ann")
    salon.bookings.confirm(ann.id)  # the calendar changed since the proposal
    before = day_appointments(salon)
    entries = salon.bookings.waitlist(store="flagship")

    with pytest.raises(ConcurrencyError):
        salon.apply_day_plan(plan)

    assert day_appointments(salon) == before
    assert salon.bookings.waitlist(store="flagship") == entries


def test_a_refused_step_rolls_back_the_moves_already_made(salon: Salon) -> None:
    """The move of Ann is written first; booking Bea is then refused (the stylist took the
    morning off after the proposal): Ann stays where she was."""
    plan = propose(salon)
    salon.staff.change("s01", time_off=(TimeOff(TimeRange(at(9), at(9, 30)), "dentist"),))
    before = day_appointments(salon)
    with pytest.raises(BookingConflict):
        salon.apply_day_plan(plan)
    assert day_appointments(salon) == before
    assert [e.customer_id for e in salon.bookings.waitlist(store="flagship")] == ["bea"]


def test_pinning_ann_leaves_no_room_for_bea(salon: Salon) -> None:
    ann = next(a for a in day_appointments(salon) if a.customer_id == "ann")
    plan = salon.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True, pinned=[ann.id])
    assert plan.moves == () and plan.fitted == ()
    assert not plan.changes
    assert list(plan.not_fitted.values()) == ["no room"]
    assert check_solution(plan.problem, plan.solution).valid
