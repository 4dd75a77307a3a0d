"""build_salon_day: a store's records as the day optimiser's problem."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.catalogue import Service, ServiceStep
from salonkit.domain.money import Money
from salonkit.domain.staff import TimeOff
from salonkit.domain.store import OpeningHours, WallInterval
from salonkit.domain.time import TimeRange
from salonkit.scheduling.day import Step
from salonkit.scheduling.salon_day import Busy, DayFrame, Demand, build_salon_day
from salonkit.scheduling.sample import sample_salon
from salonkit.scheduling.shape import Shape, StepShape

TZ = "Europe/London"
DAY = dt.date(2026, 5, 5)  # a Tuesday


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=TZ)


def build(salon=None, demands=(), busy=(), day=DAY):  # type: ignore[no-untyped-def]
    salon = salon or sample_salon(staff=2)
    return build_salon_day(
        store=salon.store,
        date=day,
        staff=salon.staff,
        services=salon.services,
        resources=salon.resources,
        demands=demands,
        busy=busy,
    )


def want(rid: str, service: str, earliest, latest, **extra):  # type: ignore[no-untyped-def]
    return Demand(
        id=rid,
        customer_id=f"c-{rid}",
        service_id=service,
        earliest=earliest,
        latest=latest,
        **extra,
    )


def test_staff_work_their_shifts_minus_breaks_and_time_off() -> None:
    salon = sample_salon(staff=2)
    s02 = attrs.evolve(
        salon.staff[1], time_off=(TimeOff(TimeRange(at(15), at(16, 30)), "training"),)
    )
    salon = attrs.evolve(salon, staff=(salon.staff[0], s02))
    day = build(salon)
    shifts = {s.id: [(x.start, x.end) for x in s.shifts] for s in day.problem.staff}
    # s01 lunches 12:30-13:00, s02 13:00-13:30 (sample salon); minutes from local midnight
    assert shifts == {
        "s01": [(540, 750), (780, 1140)],
        "s02": [(540, 780), (810, 900), (990, 1140)],
    }
    assert all(not s.breaks for s in day.problem.staff)
    assert {(r.id, r.capacity) for r in day.problem.resources} == {("chair", 4), ("basin", 2)}


def test_buffers_are_steps_and_the_problem_start_is_the_buffer_start() -> None:
    day = build(demands=[want("r1", "colour", at(10), at(11))])
    (request,) = day.problem.requests
    spec = day.problem.service_of(request)
    assert [s.name for s in spec.steps] == ["apply", "process", "rinse", "buffer after"]
    assert spec.steps[-1] == Step("buffer after", 5, True, ("basin",))
    assert (request.earliest, request.latest_end) == (600, 660 + 90)
    assert day.start_of("r1", 600) == at(10)
    assert day.minute_of("r1", at(10)) == 600


def test_a_buffer_before_moves_the_problem_start_earlier() -> None:
    salon = sample_salon(staff=1)
    cut = attrs.evolve(salon.service("cut"), buffer_before=10)
    salon = attrs.evolve(salon, services=(cut,))
    day = build(salon, demands=[want("r1", "cut", at(10), at(10, 30))])
    (request,) = day.problem.requests
    assert day.lead["r1"] == 10
    assert (request.earliest, request.latest_end) == (590, 630 + 45)
    assert day.start_of("r1", 590) == at(10)
    assert day.problem.service_of(request).steps[0] == Step("buffer before", 10, True, ("basin",))


def test_only_named_staff_or_one_duration_group_may_serve() -> None:
    salon = sample_salon(staff=3)
    fast = attrs.evolve(salon.staff[2], duration_overrides={"cut": (10, 20)})
    salon = attrs.evolve(salon, staff=(*salon.staff[:2], fast))
    day = build(
        salon,
        demands=[
            want("anyone", "cut", at(10), at(12)),
            want("named", "cut", at(10), at(12), staff=("s02",)),
            want("fan", "cut", at(10), at(12), preferred=("s03",)),
        ],
    )
    skills = {s.id: s.skills for s in day.problem.staff}

    def who(rid: str) -> set[str]:
        request = next(r for r in day.problem.requests if r.id == rid)
        skill = day.problem.service_of(request).skill
        return {s for s, held in skills.items() if skill in held}

    assert who("anyone") == {"s01", "s02"}  # s03's cut has another length
    assert who("named") == {"s02"}
    assert who("fan") == {"s03"}  # the group of the preferred stylist, with its own length
    fan = next(r for r in day.problem.requests if r.id == "fan")
    assert day.problem.service_of(fan).duration_min == 30


def test_split_opening_hours_keep_a_request_inside_one_interval() -> None:
    salon = sample_salon(staff=1)
    hours = (WallInterval(dt.time(9), dt.time(12)), WallInterval(dt.time(14), dt.time(18)))
    store = attrs.evolve(salon.store, opening_hours=(OpeningHours(DAY.weekday(), hours),))
    salon = attrs.evolve(salon, store=store)
    day = build(
        salon,
        demands=[
            want("morning", "cut", at(11), at(15)),  # 11:00-11:15 in the morning, 14:00-15:00 after
            want("anchored", "cut", at(9), at(17), anchor=("s01", at(15))),
            want("closed", "cut", at(12, 30), at(13, 30)),
        ],
    )
    windows = {r.id: (r.earliest, r.latest_end) for r in day.problem.requests}
    assert windows["morning"] == (14 * 60, 15 * 60 + 45)  # the longer part of its window
    assert windows["anchored"] == (14 * 60, 17 * 60 + 45)  # the interval holding the booking
    assert day.left_out == {"closed": "no time inside its window and the opening hours"}


def test_pinned_bookings_keep_their_recorded_steps_and_staff_time() -> None:
    salon = sample_salon(staff=1)
    shape = Shape("cut", (StepShape("cut", 0, 50, True, ("chair",)),), 0, 0)
    day = build(
        salon,
        demands=[
            # booked 18:30-19:20, after the (changed) closing time and the shift's end
            want("old", "cut", at(18, 30), at(18, 30), pinned=("s01", at(18, 30)), shape=shape),
            want("same-customer", "blowdry", at(17), at(19)),
        ],
    )
    old = next(r for r in day.problem.requests if r.id == "old")
    assert old.pinned is not None and (old.pinned.staff, old.pinned.start) == ("s01", 1110)
    assert day.problem.service_of(old).steps == (Step("cut", 50, True, ("chair",)),)
    (s01,) = day.problem.staff
    assert (s01.shifts[-1].start, s01.shifts[-1].end) == (780, 1160)


def test_a_customer_with_a_fixed_appointment_is_kept_clear_of_it() -> None:
    day = build(
        demands=[
            Demand(
                id="fixed",
                customer_id="ann",
                service_id="cut",
                earliest=at(11),
                latest=at(11),
                pinned=("s01", at(11)),
            ),
            Demand(
                id="more", customer_id="ann", service_id="blowdry", earliest=at(10), latest=at(13)
            ),
        ],
        busy=[Busy(start=at(12, 30), end=at(13), customer_id="ann")],  # another store
    )
    more = next(r for r in day.problem.requests if r.id == "more")
    # starts 10:00-10:30 (before the cut, 11:00-11:45), 11:45-12:00 (before the other store,
    # 12:30-13:00) or 13:00: the longest part is kept
    assert (more.earliest, more.latest_end) == (600, 630 + 30)


def test_busy_time_of_a_staff_member_leaves_their_shift() -> None:
    day = build(busy=[Busy(start=at(9), end=at(10), staff_id="s01")])
    s01 = next(s for s in day.problem.staff if s.id == "s01")
    assert s01.shifts[0].start == 600


@given(st.sampled_from([dt.date(2026, 3, 29), dt.date(2026, 10, 25), DAY]), st.integers(0, 23))
def test_minutes_and_instants_agree_on_every_day(day: dt.date, hour: int) -> None:
    frame = DayFrame.of(day, TZ)
    assert frame.length in (23 * 60, 24 * 60, 25 * 60)
    instant = frame.instant(hour * 60 + 7)
    assert frame.minute(instant) == hour * 60 + 7
    assert frame.minute_up(instant.add(seconds=1)) == hour * 60 + 8


def test_a_service_that_does_not_exist_is_left_out() -> None:
    day = build(demands=[want("r1", "perm", at(10), at(12))])
    assert day.left_out == {"r1": "unknown service 'perm'"}
    assert day.problem.requests == ()


def test_nobody_working_leaves_the_request_out() -> None:
    long = Service(
        id="updo",
        name="Updo",
        price=Money(Decimal("10"), "GBP"),
        skill="bridal",
        steps=(ServiceStep("updo", 60, True, ("chair",)),),
    )
    salon = sample_salon(staff=1)
    salon = attrs.evolve(salon, services=(*salon.services, long))
    day = build(salon, demands=[want("r1", "updo", at(10), at(12))])
    assert day.left_out == {"r1": "nobody who does it works that day"}
