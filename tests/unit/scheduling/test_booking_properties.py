"""Invariants of booking under any sequence of calls (hypothesis state machine, memory backend).

Whatever sequence of find/book/hold/reschedule/cancel calls succeeds:

- no staff member, resource unit or customer is ever double-booked (checked here from the
  stored appointments with an independent re-statement of what each one holds);
- every slot ``find_slots`` returns can actually be booked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from itertools import combinations

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from salonkit.errors import BookingConflict, ValidationError
from salonkit.scheduling.model import Appointment, BookingRequest
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.scheduling.rules import template
from salonkit.scheduling.sample import install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.testing import FrozenClock, memory_context

TZ = "Europe/London"
NOW = pendulum.datetime(2026, 5, 4, 7)  # Monday 08:00 in London
DAYS = (dt.date(2026, 5, 5), dt.date(2026, 5, 6))
CUSTOMERS = ("ana", "ben", "cai", "dan")
SERVICES = ("colour", "cut", "blowdry")


def wall(day: dt.date, minutes: int) -> pendulum.DateTime:
    local = pendulum.datetime(day.year, day.month, day.day, tz=TZ).add(minutes=minutes)
    return local.in_timezone("UTC")


def holds(
    appt: Appointment,
) -> tuple[list[tuple[float, float]], dict[str, list[tuple[float, float]]], tuple[float, float]]:
    """What an appointment occupies, restated from the documented rules (not the engine's code):
    staff during staff-busy steps and both buffers; each step's units for the step, the first
    extended by buffer_before and the last by buffer_after; the customer from first to last step."""
    t0 = appt.starts_at.timestamp()
    end = t0 + 60 * sum(s.minutes for s in appt.steps)
    staff = [
        (t0 + 60 * s.offset, t0 + 60 * (s.offset + s.minutes)) for s in appt.steps if s.staff_busy
    ]
    staff += [(t0 - 60 * appt.buffer_before, t0), (end, end + 60 * appt.buffer_after)]
    units: dict[str, list[tuple[float, float]]] = {}
    for i, s in enumerate(appt.steps):
        a = t0 + 60 * s.offset - (60 * appt.buffer_before if i == 0 else 0)
        b = (
            t0
            + 60 * (s.offset + s.minutes)
            + (60 * appt.buffer_after if i == len(appt.steps) - 1 else 0)
        )
        for u in s.units:
            units.setdefault(u, []).append((a, b))
    return [x for x in staff if x[1] > x[0]], units, (t0, end)


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class BookingMachine(RuleBasedStateMachine):
    """Random calls against a tight salon: 2 stylists, 2 chairs, 1 basin, 4 customers, through
    two booking services over the same storage (each keeps its own copy of the calendar, as two
    processes would)."""

    appointments = Bundle("appointments")

    def __init__(self) -> None:
        super().__init__()
        self.clock = FrozenClock(NOW)
        self.ctx = memory_context(self.clock)
        install_sample_salon(self.ctx, customers=CUSTOMERS, staff=2, chairs=2, basins=1)
        self.desks = (
            BookingService(self.ctx, store_id="flagship"),
            BookingService(self.ctx, store_id="flagship"),
        )
        self.desks[0].set_rules(
            template("standard", min_notice_minutes=0, max_bookings_per_customer_per_day=2)
        )

    @rule(
        target=appointments,
        service=st.sampled_from(SERVICES),
        customer=st.sampled_from(CUSTOMERS),
        staff=st.sampled_from(("s01", "s02")),
        day=st.sampled_from(DAYS),
        minutes=st.integers(8 * 12, 20 * 12).map(lambda m: m * 5),
        hold=st.booleans(),
        desk=st.sampled_from((0, 1)),
    )
    def book_anywhere(
        self,
        service: str,
        customer: str,
        staff: str,
        day: dt.date,
        minutes: int,
        hold: bool,
        desk: int,
    ) -> str:
        bookings = self.desks[desk]
        req = BookingRequest(
            store_id="flagship",
            service_id=service,
            customer_id=customer,
            staff_id=staff,
            starts_at=wall(day, minutes),
        )
        try:
            appt = bookings.hold(req) if hold else bookings.book(req)
        except BookingConflict:
            event("book: conflict")
            return ""
        event("book: booked")
        return appt.id

    @rule(
        target=appointments,
        service=st.sampled_from(SERVICES),
        customer=st.sampled_from(CUSTOMERS),
        day=st.sampled_from(DAYS),
        pick=st.integers(0, 200),
        staff=st.sampled_from((None, "s01", "s02")),
        desk=st.sampled_from((0, 1)),
    )
    def book_a_found_slot(
        self, service: str, customer: str, day: dt.date, pick: int, staff: str | None, desk: int
    ) -> str:
        bookings = self.desks[desk]
        slots = bookings.find_slots(
            service,
            customer=customer,
            within=(wall(day, 0), wall(day, 24 * 60)),
            staff=staff,
            limit=None,
        )
        if not slots:
            event("find_slots: none")
            return ""
        event("find_slots: booked one")
        slot = slots[pick % len(slots)]
        return self.desks[1 - desk].book(slot).id  # every offered slot is bookable, anywhere

    @rule(
        service=st.sampled_from(SERVICES),
        requests=st.lists(
            st.tuples(
                st.sampled_from(CUSTOMERS),
                st.sampled_from(("s01", "s02")),
                st.sampled_from(DAYS),
                st.integers(8 * 4, 20 * 4).map(lambda m: m * 15),
            ),
            min_size=1,
            max_size=5,
        ),
        desk=st.sampled_from((0, 1)),
    )
    def book_a_batch(
        self, service: str, requests: list[tuple[str, str, dt.date, int]], desk: int
    ) -> None:
        outcome = self.desks[desk].book_many(
            [
                BookingRequest(
                    store_id="flagship",
                    service_id=service,
                    customer_id=customer,
                    staff_id=staff,
                    starts_at=wall(day, minutes),
                )
                for customer, staff, day, minutes in requests
            ]
        )
        event(f"batch: {len(outcome.booked)} of {len(requests)} booked")

    @rule(
        appt=appointments,
        day=st.sampled_from(DAYS),
        minutes=st.integers(8 * 12, 20 * 12).map(lambda m: m * 5),
        staff=st.sampled_from((None, "s01", "s02")),
        desk=st.sampled_from((0, 1)),
    )
    def reschedule(
        self, appt: str, day: dt.date, minutes: int, staff: str | None, desk: int
    ) -> None:
        if not appt:
            return
        try:
            self.desks[desk].reschedule(appt, wall(day, minutes), staff=staff)
            event("reschedule: moved")
        except (BookingConflict, ValidationError):
            event("reschedule: refused")

    @rule(appt=appointments, desk=st.sampled_from((0, 1)))
    def cancel(self, appt: str, desk: int) -> None:
        if not appt:
            return
        with contextlib.suppress(ValidationError):
            self.desks[desk].cancel(appt, "changed plans")

    @rule(minutes=st.integers(1, 15))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @invariant()
    def nothing_is_double_booked(self) -> None:
        with self.ctx.unit_of_work(readonly=True) as uow:
            stored = uow.repo(APPOINTMENTS).select()
        live = [a for a in stored if a.blocks(self.clock.now())]
        for a, b in combinations(live, 2):
            sa, ua, ca = holds(a)
            sb, ub, cb = holds(b)
            if a.staff_id == b.staff_id:
                assert not any(overlap(x, y) for x in sa for y in sb), (a.id, b.id, "staff")
            for unit in set(ua) & set(ub):
                assert not any(overlap(x, y) for x in ua[unit] for y in ub[unit]), (
                    a.id,
                    b.id,
                    unit,
                )
            if a.customer_id == b.customer_id:
                assert not overlap(ca, cb), (a.id, b.id, "customer")


TestBookingMachine = BookingMachine.TestCase
TestBookingMachine.settings = settings(
    TestBookingMachine.settings, stateful_step_count=25, deadline=None
)
