"""Appointments, slots and waitlist entries: the pure values of the booking side.

An :class:`Appointment` records where each step of its service was placed (minutes from the
start, whether the staff member is needed, which resource units it holds), its status and its
``version`` for optimistic concurrency. Statuses move along :data:`TRANSITIONS`; held, booked,
confirmed, checked-in and completed appointments occupy the calendar (:meth:`Appointment.blocks`),
a hold only until it expires.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

import attrs
import pendulum

from salonkit.domain.time import TimeRange, plus_minutes, require_aware
from salonkit.domain.validation import non_empty, non_negative_int, positive_int
from salonkit.errors import ConflictReason, ValidationError
from salonkit.scheduling.shape import Shape, Span, StepShape


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "appointment.starts_at")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _optional_instant(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else require_aware(value, "datetime")


class AppointmentStatus(StrEnum):
    """Where an appointment is in its life."""

    HELD = "held"
    BOOKED = "booked"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


#: Statuses that occupy staff, resources and the customer (a hold only until it expires).
BLOCKING = frozenset(
    {
        AppointmentStatus.HELD,
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.COMPLETED,
    }
)

#: Allowed status changes.
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.HELD: frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED}),
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NO_SHOW,
        }
    ),
    AppointmentStatus.CONFIRMED: frozenset(
        {AppointmentStatus.CHECKED_IN, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}
    ),
    AppointmentStatus.CHECKED_IN: frozenset({AppointmentStatus.COMPLETED}),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
}


@attrs.frozen
class StepPlacement:
    """Where one step of a booked service sits: ``offset`` minutes after the appointment's start,
    ``minutes`` long, needing the staff member or not, holding the resource ``units`` listed."""

    name: str
    offset: int = attrs.field(validator=non_negative_int)
    minutes: int = attrs.field(validator=positive_int)
    staff_busy: bool = True
    units: tuple[str, ...] = attrs.field(default=(), converter=_strings)


@attrs.frozen
class Cancellation:
    """Why and when an appointment was cancelled. ``late`` is True when it happened inside the
    store's cancellation cut-off (a host may charge a fee for it)."""

    reason: str
    at: pendulum.DateTime = attrs.field(converter=_instant)
    late: bool
    by: str = "customer"


def _placements(value: tuple[StepPlacement, ...]) -> tuple[StepPlacement, ...]:
    steps = tuple(value)
    if not steps:
        raise ValidationError("appointment.steps", "an appointment needs at least one step")
    expected = 0
    for step in steps:
        if step.offset != expected:
            raise ValidationError("appointment.steps", "steps must run back to back from offset 0")
        expected = step.offset + step.minutes
    return steps


@attrs.frozen(kw_only=True)
class Appointment:
    """A customer's appointment for one service with one staff member in one store.

    ``starts_at`` is the first step's start (a UTC instant); ``steps`` place every step and its
    resource units; ``buffer_before`` / ``buffer_after`` are the service's buffers in minutes at
    the time of booking. ``visit_id`` links the appointments of a multi-service visit and
    ``series_id`` those of a recurring series.
    """

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    service_id: str = attrs.field(validator=non_empty)
    staff_id: str = attrs.field(validator=non_empty)
    starts_at: pendulum.DateTime = attrs.field(converter=_instant)
    steps: tuple[StepPlacement, ...] = attrs.field(converter=_placements)
    buffer_before: int = attrs.field(default=0, validator=non_negative_int)
    buffer_after: int = attrs.field(default=0, validator=non_negative_int)
    status: AppointmentStatus = AppointmentStatus.BOOKED
    hold_expires_at: pendulum.DateTime | None = attrs.field(
        default=None, converter=_optional_instant
    )
    cancellation: Cancellation | None = None
    visit_id: str | None = None
    series_id: str | None = None
    channel: str = "desk"
    notes: str = ""
    created_at: pendulum.DateTime = attrs.field(converter=_instant)
    idempotency_key: str | None = None
    version: int = 0

    @property
    def minutes(self) -> int:
        """Customer time in minutes (buffers excluded)."""
        last = self.steps[-1]
        return last.offset + last.minutes

    @property
    def ends_at(self) -> pendulum.DateTime:
        """When the last step ends."""
        return plus_minutes(self.starts_at, self.minutes)

    @property
    def held_from(self) -> pendulum.DateTime:
        """Start of everything held, ``buffer_before`` included."""
        return plus_minutes(self.starts_at, -self.buffer_before)

    @property
    def held_until(self) -> pendulum.DateTime:
        """End of everything held, ``buffer_after`` included."""
        return plus_minutes(self.starts_at, self.minutes + self.buffer_after)

    @property
    def period(self) -> TimeRange:
        """The customer's time, first step start to last step end."""
        return TimeRange(self.starts_at, self.ends_at)

    def shape(self) -> Shape:
        """The booked timing as a :class:`~salonkit.scheduling.shape.Shape`."""
        steps = tuple(StepShape(s.name, s.offset, s.minutes, s.staff_busy, ()) for s in self.steps)
        return Shape(self.service_id, steps, self.buffer_before, self.buffer_after)

    def blocks(self, now: dt.datetime) -> bool:
        """True while this appointment occupies the calendar (an expired hold does not)."""
        if self.status not in BLOCKING:
            return False
        if self.status is AppointmentStatus.HELD:
            return self.hold_expires_at is not None and self.hold_expires_at > now
        return True

    def staff_spans(self) -> list[Span]:
        """Epoch-second spans when the staff member is busy (buffers included)."""
        base = int(self.starts_at.timestamp())
        return [(base + a, base + b) for a, b in self.shape().staff_spans()]

    def unit_spans(self) -> list[tuple[str, Span]]:
        """``(unit, span)`` for every resource unit held, in epoch seconds."""
        base = int(self.starts_at.timestamp())
        shape = self.shape()
        out: list[tuple[str, Span]] = []
        for index, step in enumerate(self.steps):
            a, b = shape.step_span(index)
            out.extend((unit, (base + a, base + b)) for unit in step.units)
        return out

    def customer_span(self) -> Span:
        """Epoch-second span the customer is in the salon."""
        base = int(self.starts_at.timestamp())
        return (base, base + self.minutes * 60)

    def can_become(self, status: AppointmentStatus) -> bool:
        """True when :data:`TRANSITIONS` allows moving to ``status``."""
        return status in TRANSITIONS[self.status]


@attrs.frozen(kw_only=True)
class Slot:
    """A bookable start found by the availability engine, ready to pass to ``book``.

    ``steps`` already name the resource units the booking would hold; ``other_staff`` lists other
    qualified staff members free at the same start (in preference order).
    """

    store_id: str
    service_id: str
    staff_id: str
    starts_at: pendulum.DateTime
    steps: tuple[StepPlacement, ...]
    buffer_before: int = 0
    buffer_after: int = 0
    customer_id: str | None = None
    other_staff: tuple[str, ...] = ()

    @property
    def minutes(self) -> int:
        """Customer time in minutes."""
        last = self.steps[-1]
        return last.offset + last.minutes

    @property
    def ends_at(self) -> pendulum.DateTime:
        """When the last step ends."""
        return plus_minutes(self.starts_at, self.minutes)

    def units(self) -> tuple[str, ...]:
        """Every resource unit the slot would hold, step by step."""
        return tuple(u for s in self.steps for u in s.units)


@attrs.frozen(kw_only=True)
class BookingRequest:
    """What to book when not taking a found :class:`Slot`: a service for a customer with a
    staff member at a start. ``steps`` may name preferred resource units (a slot's)."""

    store_id: str = attrs.field(validator=non_empty)
    service_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    staff_id: str = attrs.field(validator=non_empty)
    starts_at: pendulum.DateTime = attrs.field(converter=_instant)
    steps: tuple[StepPlacement, ...] = ()
    visit_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.starts_at.second or self.starts_at.microsecond:
            raise ValidationError("starts_at", "must be a whole minute")

    @classmethod
    def from_slot(cls, slot: Slot, customer_id: str | None = None) -> BookingRequest:
        """The request that books ``slot`` for ``customer_id`` (or the slot's customer)."""
        who = customer_id or slot.customer_id
        if who is None:
            raise ValidationError("customer", "the slot was searched without a customer: name one")
        return cls(
            store_id=slot.store_id,
            service_id=slot.service_id,
            customer_id=who,
            staff_id=slot.staff_id,
            starts_at=slot.starts_at,
            steps=slot.steps,
        )


@attrs.frozen(kw_only=True)
class VisitSlot:
    """Several services in sequence for one customer (cut after colour), possibly with different
    staff; each leg starts when the previous ends or within the allowed hand-off wait."""

    legs: tuple[Slot, ...]

    @property
    def starts_at(self) -> pendulum.DateTime:
        """Start of the first leg."""
        return self.legs[0].starts_at

    @property
    def ends_at(self) -> pendulum.DateTime:
        """End of the last leg."""
        return self.legs[-1].ends_at


@attrs.frozen(kw_only=True)
class SeriesResult:
    """What ``book_recurring`` made: the series id, the booked appointments and, when conflicts
    were skipped, each skipped date with its reasons."""

    series_id: str
    appointments: tuple[Appointment, ...]
    skipped: tuple[tuple[dt.date, tuple[ConflictReason, ...]], ...] = ()


@attrs.frozen
class Suggestion:
    """An alternative offered with a :class:`~salonkit.BookingConflict`.

    ``kind`` is ``"other_staff"`` (same time, someone else), ``"same_staff_later"`` (the next
    free time with the same person) or ``"another_day"``.
    """

    kind: str
    slot: Slot


class WaitlistStatus(StrEnum):
    """Where a waitlist entry is."""

    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    WITHDRAWN = "withdrawn"


@attrs.frozen(kw_only=True)
class WaitlistOffer:
    """A slot offered to a waiting customer; it is not held, the first to book it wins."""

    staff_id: str
    starts_at: pendulum.DateTime = attrs.field(converter=_instant)
    minutes: int = attrs.field(validator=positive_int)
    offered_at: pendulum.DateTime = attrs.field(converter=_instant)
    expires_at: pendulum.DateTime = attrs.field(converter=_instant)


@attrs.frozen(kw_only=True)
class WaitlistEntry:
    """A customer waiting for ``service_id`` (optionally with ``staff_id``) to start within
    ``[earliest, latest)``. Entries are served in ``created_at`` order."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    service_id: str = attrs.field(validator=non_empty)
    staff_id: str | None = None
    earliest: pendulum.DateTime = attrs.field(converter=_instant)
    latest: pendulum.DateTime = attrs.field(converter=_instant)
    status: WaitlistStatus = WaitlistStatus.WAITING
    offer: WaitlistOffer | None = None
    declined: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    created_at: pendulum.DateTime = attrs.field(converter=_instant)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if self.latest <= self.earliest:
            raise ValidationError("waitlistentry.latest", "must be after earliest")


__all__ = [
    "BLOCKING",
    "TRANSITIONS",
    "Appointment",
    "AppointmentStatus",
    "BookingRequest",
    "Cancellation",
    "SeriesResult",
    "Slot",
    "StepPlacement",
    "Suggestion",
    "VisitSlot",
    "WaitlistEntry",
    "WaitlistOffer",
    "WaitlistStatus",
]
