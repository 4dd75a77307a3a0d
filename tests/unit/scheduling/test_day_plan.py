"""Salon.optimize_day / apply_day_plan: a waitlist entry fits only if a booking moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from itertools import combinations

import pendulum
import pytest

from salonkit import Salon
from salonkit.domain.actor import Actor
from salonkit.domain.catalogue import Service, ServiceStep
from salonkit.domain.money import Money
from salonkit.domain.staff import TimeOff
from salonkit.domain.time import TimeRange
from salonkit.errors import BookingConflict, ConcurrencyError, PermissionDenied, ValidationError
from salonkit.scheduling.day import (
    DayProblem,
    Request,
    Resource,
    ServiceSpec,
    Shift,
    StaffDay,
    Step,
    check_solution,
)
from salonkit.scheduling.day_plan import DayPlanner, fewest_moves
from salonkit.scheduling.model import Appointment, AppointmentStatus, BookingRequest
from salonkit.scheduling.sample import install_sample_salon
from salonkit.testing import FrozenClock, RecordingListener, SequentialIds

#: Monday 4 May 2026, 08:00 UTC; the day planned is Tuesday 5 May (London, BST).
T0 = pendulum.datetime(2026, 5, 4, 8)
DAY = dt.date(2026, 5, 5)
TZ = "Europe/London"


def at(hour: int, minute: int = 0) -> pendulum.DateTime:
    """A wall-clock time of the planned day in London."""
    return pendulum.datetime(2026, 5, 5, hour, minute, tz=TZ)


def open_salon(url: str, listener: RecordingListener | None = None) -> Salon:
    """One stylist (cut and colour), one chair, one basin, open 09:00-12:00, and:

    - Ann's cut 09:45-10:30 (booked, may move),
    - Cy's cut 11:15-12:00 (checked in: pinned),
    - Bea on the waitlist for a colour (90 minutes with its clean-up) starting 09:00-09:15.

    Bea fits only at 09:00-10:30, and then only if Ann moves to 10:30.
    """
    salon = Salon.open(
        url,
        clock=FrozenClock(T0),
        ids=SequentialIds(),
        load_entrypoints=False,
        plugins=[listener] if listener is not None else [],
    )
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


@pytest.fixture
def salon(any_url: str) -> Iterator[Salon]:
    """The day above on each backend (memory, SQLite, PostgreSQL when configured)."""
    made = open_salon(any_url)
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


def updo_day() -> tuple[Salon, str]:
    """One stylist and one chair, 09:00-12:00: an updo booked 09:15-11:45 that may not move,
    and six customers waiting for a blow-dry. Dropping the updo (400 points, 410 with its
    stylist) for six blow-dries (600) would score more: the plan must keep it anyway."""
    salon = Salon.open(
        "memory://", clock=FrozenClock(T0), ids=SequentialIds(), load_entrypoints=False
    )
    waiting = tuple(f"w{n}" for n in range(6))
    install_sample_salon(
        salon.context,
        customers=("ann", *waiting),
        staff=1,
        chairs=1,
        basins=1,
        opens="09:00",
        closes="12:00",
    )
    salon.catalogue.add_service(
        Service(
            id="updo",
            name="Bridal updo",
            price=Money(Decimal("150"), "GBP"),
            skill="cut",
            steps=(ServiceStep("updo", 150, True, ("chair",)),),
        )
    )
    updo = salon.bookings.book(
        BookingRequest(
            store_id="flagship",
            service_id="updo",
            customer_id="ann",
            staff_id="s01",
            starts_at=at(9, 15),
        )
    )
    for who in waiting:
        salon.bookings.join_waitlist(who, "blowdry", within=(at(9), at(12)), store="flagship")
    return salon, updo.id


def test_a_booking_the_optimiser_would_drop_is_kept_where_it_is() -> None:
    salon, updo = updo_day()
    plan = salon.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True, flex_minutes=0)
    assert plan.restored == {updo}  # the optimiser dropped it; the plan put it back
    assert plan.moves == () and plan.fitted == ()
    assert [(k.appointment_id, k.pinned) for k in plan.kept] == [(updo, "")]
    assert len(plan.not_fitted) == 6
    assert check_solution(plan.problem, plan.solution).valid


def test_the_plan_never_drops_a_booking_it_may_move() -> None:
    salon, updo = updo_day()
    plan = salon.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True, flex_minutes=15)
    placed = {a.request for a in plan.solution.assignments}
    assert f"booking:{updo}" in placed and plan.restored == {updo}
    assert check_solution(plan.problem, plan.solution).valid
    # the updo moves to 09:00 or 09:30, leaving room for one blow-dry at the other end
    assert [m.appointment_id for m in plan.moves] == [updo]
    assert len(plan.fitted) == 1
    applied = salon.apply_day_plan(plan)
    assert_no_double_booking(day_appointments(salon))
    assert len(applied.booked) == 1


def test_swapping_bookings_cannot_be_written_one_at_a_time() -> None:
    """Two bookings trading places: neither move can be written first."""
    problem = DayProblem(
        open=540,
        close=720,
        resources=[Resource("chair", 1)],
        staff=[StaffDay("s1", {"cut"}, [Shift(540, 720)])],
        services=[ServiceSpec("cut", "cut", [Step("cut", 60, True, ("chair",))])],
        requests=[
            Request(id=r, customer=f"c{r}", service="cut", earliest=540, latest_end=720)
            for r in "abc"
        ],
    )
    current = {"a": ("s1", 540), "b": ("s1", 600)}
    swapped = {"a": ("s1", 600), "b": ("s1", 540), "c": ("s1", 660)}
    order, stuck = DayPlanner._order(problem, current, swapped)
    assert order == ("c",) and sorted(stuck) == ["a", "b"]
    moved_on = {"a": ("s1", 660), "b": ("s1", 540), "c": ("s1", 600)}
    order, stuck = DayPlanner._order(problem, current, moved_on)
    assert order == ("a", "b", "c") and stuck == []


def test_who_may_re_arrange_the_day(salon: Salon) -> None:
    owner = salon.acting_as(Actor(user="mei", role="owner"))
    assert owner.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True).moves
    stylist = salon.acting_as(Actor(user="s01", role="stylist", store_id="flagship"))
    with pytest.raises(PermissionDenied):
        stylist.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True)
    desk = salon.acting_as(Actor(user="li", role="front_desk", store_id="flagship"))
    plan = desk.optimize_day(DAY, time_limit=1.0, workers=1, deterministic=True)
    with pytest.raises(PermissionDenied):  # the front desk proposes, a manager applies
        desk.apply_day_plan(plan)
    manager = salon.acting_as(Actor(user="wu", role="manager", store_id="flagship"))
    applied = manager.apply_day_plan(plan)
    assert len(applied.moved) == len(plan.moves) and applied.booked


def test_bad_input_names_the_field(salon: Salon) -> None:
    with pytest.raises(ValidationError) as caught:
        salon.optimize_day(pendulum.datetime(2026, 5, 5), time_limit=1.0)  # type: ignore[arg-type]
    assert caught.value.field == "date"
    with pytest.raises(ValidationError) as caught:
        salon.optimize_day(DAY, flex_minutes=-5)
    assert caught.value.field == "flex_minutes"


def test_a_proposal_emits_nothing_and_applying_emits_what_the_desk_would() -> None:
    listener = RecordingListener()
    salon = open_salon("memory://", listener)
    listener.events.clear()
    plan = propose(salon)  # rehearsed in a unit of work that is rolled back
    assert listener.events == []
    salon.apply_day_plan(plan)
    names = listener.names()
    assert names.count("AppointmentRescheduled") == 1 and names.count("AppointmentBooked") == 1
    # the time Ann's move frees is Bea's now: nobody is offered it on the way
    assert "WaitlistSlotOffered" not in names


@pytest.mark.parametrize("day", [dt.date(2026, 3, 29), dt.date(2026, 10, 25)])
def test_a_daylight_saving_day_is_planned_in_wall_clock_times(day: dt.date) -> None:
    """The same day as above on the Sundays the clocks change in London (23 and 25 hours)."""

    def wall(hour: int, minute: int = 0) -> pendulum.DateTime:
        return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=TZ)

    salon = Salon.open(
        "memory://",
        clock=FrozenClock(wall(9).subtract(days=1)),
        ids=SequentialIds(),
        load_entrypoints=False,
    )
    install_sample_salon(
        salon.context,
        customers=("ann", "bea"),
        staff=1,
        chairs=1,
        basins=1,
        opens="09:00",
        closes="12:00",
        weekdays=(6,),
    )
    salon.bookings.book(
        BookingRequest(
            store_id="flagship",
            service_id="cut",
            customer_id="ann",
            staff_id="s01",
            starts_at=wall(9, 45),
        )
    )
    salon.bookings.join_waitlist("bea", "colour", within=(wall(9), wall(9, 15)), store="flagship")
    plan = salon.optimize_day(day, time_limit=1.0, workers=1, deterministic=True)
    assert [(m.starts_at, m.new_starts_at) for m in plan.moves] == [(wall(9, 45), wall(10, 30))]
    assert [f.starts_at for f in plan.fitted] == [wall(9)]
    assert "moves 09:45->10:30" in plan.explain()
    salon.apply_day_plan(plan)
    assert_no_double_booking(
        salon.bookings.appointments(within=(wall(0), wall(23)), store="flagship")
    )


def test_fewest_moves_keeps_bookings_where_they_are_when_the_score_allows() -> None:
    problem = DayProblem(
        open=540,
        close=720,
        resources=[Resource("chair", 2)],
        staff=[
            StaffDay("s1", {"cut"}, [Shift(540, 720)]),
            StaffDay("s2", {"cut"}, [Shift(540, 720)]),
        ],
        services=[ServiceSpec("cut", "cut", [Step("cut", 60, True, ("chair",))])],
        requests=[
            Request(id="a", customer="ca", service="cut", earliest=540, latest_end=720, priority=3),
            Request(id="b", customer="cb", service="cut", earliest=540, latest_end=720, priority=3),
            Request(id="c", customer="cc", service="cut", earliest=540, latest_end=660),
        ],
    )
    current = {"a": ("s1", 540), "b": ("s2", 600)}
    shuffled = {"a": ("s2", 660), "b": ("s1", 600), "c": ("s1", 540)}  # valid, all moved
    settled = fewest_moves(
        problem, current, shuffled, time_limit=1.0, workers=1, seed=0, deterministic=True
    )
    assert settled is not None
    assert settled["a"] == current["a"] and settled["b"] == current["b"]
    assert "c" in settled
