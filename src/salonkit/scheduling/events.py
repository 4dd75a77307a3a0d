"""Domain events of the booking side, delivered to listeners after the unit of work commits."""

from __future__ import annotations

import attrs
import pendulum

from salonkit.domain.events import DomainEvent


@attrs.frozen(kw_only=True)
class AppointmentBooked(DomainEvent):
    """An appointment was booked (or a hold was turned into a booking)."""

    appointment_id: str
    customer_id: str
    staff_id: str
    service_id: str
    starts_at: pendulum.DateTime
    held: bool = False


@attrs.frozen(kw_only=True)
class AppointmentRescheduled(DomainEvent):
    """An appointment moved to another time and/or staff member."""

    appointment_id: str
    customer_id: str
    previous_staff_id: str
    previous_starts_at: pendulum.DateTime
    staff_id: str
    starts_at: pendulum.DateTime


@attrs.frozen(kw_only=True)
class AppointmentCancelled(DomainEvent):
    """An appointment was cancelled; ``late`` when inside the store's cancellation cut-off."""

    appointment_id: str
    customer_id: str
    staff_id: str
    starts_at: pendulum.DateTime
    reason: str
    late: bool


@attrs.frozen(kw_only=True)
class AppointmentStatusChanged(DomainEvent):
    """An appointment was confirmed, checked in, completed or marked as a no-show."""

    appointment_id: str
    customer_id: str
    status: str


@attrs.frozen(kw_only=True)
class WaitlistSlotOffered(DomainEvent):
    """A freed slot was offered to the customer first in line on the waitlist."""

    entry_id: str
    customer_id: str
    service_id: str
    staff_id: str
    starts_at: pendulum.DateTime
    expires_at: pendulum.DateTime


__all__ = [
    "AppointmentBooked",
    "AppointmentCancelled",
    "AppointmentRescheduled",
    "AppointmentStatusChanged",
    "WaitlistSlotOffered",
]
