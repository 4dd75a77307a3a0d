"""The booking service behaves the same on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pendulum
import pytest

from salonkit.errors import BookingConflict, ConcurrencyError
from salonkit.scheduling.model import AppointmentStatus, BookingRequest, WaitlistStatus

TZ = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 5, day, hour, minute, tz=TZ).in_timezone("UTC")


def req(
    staff: str, start: pendulum.DateTime, customer: str, service: str = "cut"
) -> BookingRequest:
    return BookingRequest(
        store_id="flagship",
        service_id=service,
        customer_id=customer,
        staff_id=staff,
        starts_at=start,
    )


def test_round_trip_of_the_booking_life(open_salon: Callable[..., tuple]) -> None:  # type: ignore[type-arg]
    bookings, _ctx = open_salon(customers=("ana", "ben", "cai"), staff=2)
    slots = bookings.find_slots("colour", customer="ana", within=(at(5, 9), at(5, 19)), limit=2)
    appt = bookings.book(slots[0], idempotency_key="one")
    assert bookings.get(appt.id) == appt
    assert bookings.book(slots[0], idempotency_key="one").id == appt.id
    assert len(bookings.appointments(within=(at(5, 0), at(6, 0)))) == 1
    # the colour's processing time leaves the stylist free for a blow-dry
    gap = bookings.find_slots(
        "blowdry", customer="ben", within=(at(5, 9, 30), at(5, 9, 31)), staff=appt.staff_id
    )
    assert gap and gap[0].staff_id == appt.staff_id
    bookings.book(gap[0])
    with pytest.raises(BookingConflict) as caught:
        bookings.book(req(appt.staff_id, appt.starts_at, "cai", "colour"))
    assert "staff_busy" in caught.value.codes and caught.value.suggestions
    moved = bookings.reschedule(appt.id, at(5, 14), expected_version=0)
    assert moved.version == 1 and moved.starts_at == at(5, 14)
    with pytest.raises(ConcurrencyError):
        bookings.cancel(appt.id, "late", expected_version=0)
    entry = bookings.join_waitlist("cai", "colour", within=(at(5, 14), at(5, 14, 1)))
    cancelled = bookings.cancel(appt.id, "ill", expected_version=1)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert bookings.waitlist()[0].id == entry.id
    assert bookings.waitlist()[0].status is WaitlistStatus.OFFERED
    ics = bookings.customer_calendar("ben", within=(at(5, 0), at(6, 0)))
    assert b"TZID=Europe/London" in ics


def test_visits_and_series_are_atomic(open_salon: Callable[..., tuple]) -> None:  # type: ignore[type-arg]
    bookings, _ = open_salon(customers=("ana", "ben"), staff=2)
    visit = bookings.find_visit_slots(
        ["colour", "cut"], customer="ana", within=(at(5, 9), at(5, 19))
    )[0]
    legs = bookings.book_visit(visit, idempotency_key="visit")
    assert len(legs) == 2 and legs[0].visit_id == legs[1].visit_id
    series = bookings.book_recurring(req("s02", at(6, 15), "ben"), every_weeks=1, count=3)
    assert len(series.appointments) == 3
    with pytest.raises(BookingConflict):
        bookings.book_recurring(req("s02", at(13, 15), "ana"), every_weeks=1, count=2)
    assert len(bookings.appointments(within=(at(13, 0), at(14, 0)))) == 1  # nothing half-written
