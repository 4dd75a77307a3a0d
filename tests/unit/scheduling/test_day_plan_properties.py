"""Properties of day plans on random days: valid, nothing dropped, pins kept, applicable."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit import Salon
from salonkit.errors import BookingConflict
from salonkit.scheduling.day import check_solution
from salonkit.scheduling.model import Appointment, BookingRequest
from salonkit.scheduling.sample import install_sample_salon
from salonkit.testing import FrozenClock, SequentialIds

T0 = pendulum.datetime(2026, 5, 4, 8)
DAY = dt.date(2026, 5, 5)
CUSTOMERS = tuple(f"c{n}" for n in range(8))
SERVICES = ("cut", "colour", "blowdry")


def at(minute: int) -> pendulum.DateTime:
    return pendulum.datetime(2026, 5, 5, tz="Europe/London").add(minutes=minute)


bookings = st.lists(
    st.tuples(
        st.sampled_from(CUSTOMERS),
        st.sampled_from(SERVICES),
        st.sampled_from(("s01", "s02", "s03")),
        st.integers(9 * 12, 13 * 12).map(lambda n: n * 5),
        st.booleans(),  # checked in
    ),
    max_size=7,
)
entries = st.lists(
    st.tuples(
        st.sampled_from(CUSTOMERS),
        st.sampled_from(SERVICES),
        st.integers(9 * 4, 13 * 4).map(lambda n: n * 15),
        st.integers(1, 8).map(lambda n: n * 15),
    ),
    max_size=4,
)


def no_double_booking(appointments: list[Appointment]) -> bool:
    for a, b in combinations(appointments, 2):
        if a.staff_id == b.staff_id and any(
            x < q and p < y for x, y in a.staff_spans() for p, q in b.staff_spans()
        ):
            return False
        if any(
            u == v and x < q and p < y
            for u, (x, y) in a.unit_spans()
            for v, (p, q) in b.unit_spans()
        ):
            return False
    return True


@settings(max_examples=12, deadline=None)
@given(bookings, entries, st.sampled_from([0, 30, None]), st.booleans())
def test_a_plan_keeps_every_booking_and_can_be_written(
    booked: list[tuple[str, str, str, int, bool]],
    waiting: list[tuple[str, str, int, int]],
    flex: int | None,
    keep_staff: bool,
) -> None:
    salon = Salon.open(
        "memory://", clock=FrozenClock(T0), ids=SequentialIds(), load_entrypoints=False
    )
    install_sample_salon(
        salon.context,
        customers=CUSTOMERS,
        staff=3,
        chairs=2,
        basins=1,
        opens="09:00",
        closes="14:00",
    )
    checked_in = set()
    for customer, service, staff, minute, arrived in booked:
        try:
            appt = salon.bookings.book(
                BookingRequest(
                    store_id="flagship",
                    service_id=service,
                    customer_id=customer,
                    staff_id=staff,
                    starts_at=at(minute),
                )
            )
        except BookingConflict:
            continue
        if arrived:
            salon.bookings.check_in(appt.id)
            checked_in.add(appt.id)
    for customer, service, minute, length in waiting:
        salon.bookings.join_waitlist(
            customer, service, within=(at(minute), at(minute + length)), store="flagship"
        )
    day = (at(0), at(24 * 60 - 1))
    before = {a.id: a for a in salon.bookings.appointments(within=day, store="flagship")}

    plan = salon.day_plans.propose(
        DAY,
        time_limit=0.5,
        workers=1,
        seed=3,
        deterministic=True,
        flex_minutes=flex,
        keep_staff=keep_staff,
    )

    assert check_solution(plan.problem, plan.solution).valid
    moved = {m.appointment_id for m in plan.moves}
    assert moved | {k.appointment_id for k in plan.kept} == set(before)
    assert not moved & checked_in
    placed = {a.request for a in plan.solution.assignments}
    assert all(r.id in placed for r in plan.problem.requests if r.id.startswith("booking:"))
    assert plan.score_after >= plan.score_before
    for move in plan.moves:
        assert not keep_staff or move.new_staff_id == move.staff_id
        if flex is not None:
            assert abs((move.new_starts_at - move.starts_at).in_minutes()) <= flex

    applied = salon.apply_day_plan(plan)

    after = salon.bookings.appointments(within=day, store="flagship")
    assert {a.id for a in after} == set(before) | {a.id for a in applied.booked}
    assert len(applied.booked) == len(plan.fitted)
    assert no_double_booking(after)
    for appt in after:
        if appt.id in checked_in:
            assert appt == before[appt.id]
