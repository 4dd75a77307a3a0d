"""``book_many``: a batch decides exactly as the same bookings made one by one."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.errors import BookingConflict, ValidationError
from salonkit.scheduling.events import AppointmentBooked
from salonkit.scheduling.model import Appointment, BookingRequest, WaitlistStatus
from salonkit.scheduling.rules import template

TZ = "Europe/London"
CUSTOMERS = ("ana", "ben", "cai", "dee")


def at(hour: int, minute: int = 0, day: int = 5) -> pendulum.DateTime:
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


def test_a_batch_books_every_request_that_fits_and_reports_the_others(
    make_salon: Callable[..., Any],
) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    outcome = s.bookings.book_many(
        [
            req("s01", at(10), "ana"),
            req("s01", at(10), "ben"),  # the stylist was just booked in this batch
            req("s02", at(10), "ben"),
            req("s01", at(22), "cai"),  # the salon is closed
        ]
    )
    first, clash, other, late = outcome.results
    assert isinstance(first, Appointment) and isinstance(other, Appointment)
    assert isinstance(clash, BookingConflict) and clash.codes == {"staff_busy"}
    assert isinstance(late, BookingConflict) and "outside_hours" in late.codes
    assert set(outcome.refused) == {1, 3}
    stored = s.bookings.appointments(within=(at(0), at(23)))
    assert {a.id for a in stored} == {first.id, other.id}
    booked_events = [e for e in s.listener.events if isinstance(e, AppointmentBooked)]
    assert {e.appointment_id for e in booked_events} == {first.id, other.id}


def test_all_or_nothing_writes_nothing_when_one_request_is_refused(
    make_salon: Callable[..., Any],
) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    with pytest.raises(BookingConflict) as caught:
        s.bookings.book_many(
            [req("s01", at(10), "ana"), req("s01", at(10, 15), "ben")], all_or_nothing=True
        )
    assert "staff_busy" in caught.value.codes
    assert s.bookings.appointments(within=(at(0), at(23))) == []


def test_a_retried_batch_creates_nothing_twice(make_salon: Callable[..., Any]) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    batch = [req("s01", at(10), "ana"), req("s02", at(11), "ben")]
    keys = ["import-1", "import-2"]
    first = s.bookings.book_many(batch, idempotency_keys=keys)
    again = s.bookings.book_many(batch, idempotency_keys=keys)
    assert [a.id for a in again.booked] == [a.id for a in first.booked]
    assert len(s.bookings.appointments(within=(at(0), at(23)))) == 2
    # a single booking with the same key and request finds the same appointment
    assert s.bookings.book(batch[0], idempotency_key="import-1").id == first.booked[0].id


def test_bad_keys_are_refused_before_anything_is_read(make_salon: Callable[..., Any]) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    with pytest.raises(ValidationError, match="idempotency_keys"):
        s.bookings.book_many([req("s01", at(10), "ana")], idempotency_keys=["a", "b"])
    with pytest.raises(ValidationError, match="twice"):
        s.bookings.book_many(
            [req("s01", at(10), "ana"), req("s02", at(10), "ben")], idempotency_keys=["a", "a"]
        )
    assert s.bookings.book_many([]).results == ()


def test_the_per_day_limit_counts_the_bookings_earlier_in_the_batch(
    make_salon: Callable[..., Any],
) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    s.bookings.set_rules(template("standard", max_bookings_per_customer_per_day=1))
    outcome = s.bookings.book_many([req("s01", at(10), "ana"), req("s02", at(14), "ana")])
    assert isinstance(outcome.results[0], Appointment)
    refused = outcome.results[1]
    assert isinstance(refused, BookingConflict) and "rule_violated" in refused.codes


def test_booking_a_waited_for_service_closes_the_waitlist_entry(
    make_salon: Callable[..., Any],
) -> None:
    s = make_salon(customers=CUSTOMERS, staff=2)
    entry = s.bookings.join_waitlist("ana", "cut", within=(at(9), at(18)))
    s.bookings.book_many([req("s01", at(10), "ana")])
    assert s.bookings.waitlist(open_only=False)[0].id == entry.id
    assert s.bookings.waitlist(open_only=False)[0].status is WaitlistStatus.BOOKED


SERVICES = ("cut", "colour", "blowdry")


@st.composite
def batches(draw: st.DrawFn) -> list[BookingRequest]:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        out.append(
            req(
                draw(st.sampled_from(("s01", "s02"))),
                at(draw(st.integers(8, 19)), draw(st.sampled_from((0, 15, 30, 45)))),
                draw(st.sampled_from(CUSTOMERS)),
                draw(st.sampled_from(SERVICES)),
            )
        )
    return out


def picture(setup: Any) -> list[tuple[object, ...]]:
    return sorted(
        (a.id, a.staff_id, a.customer_id, a.starts_at, a.steps)
        for a in setup.bookings.appointments(within=(at(0), at(23, 59)))
    )


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches(), st.lists(st.sampled_from(range(12)), max_size=3))
def test_a_batch_decides_like_the_same_bookings_one_by_one(
    make_salon: Callable[..., Any], batch: list[BookingRequest], earlier: list[int]
) -> None:
    one_by_one = make_salon(customers=CUSTOMERS, staff=2, chairs=2, basins=1)
    batched = make_salon(customers=CUSTOMERS, staff=2, chairs=2, basins=1)
    # some bookings already in both calendars, made the ordinary way
    for n in earlier:
        if n < len(batch):
            for s in (one_by_one, batched):
                with contextlib.suppress(BookingConflict):
                    s.bookings.book(batch[n])
    expected: list[bool] = []
    for request in batch:
        try:
            one_by_one.bookings.book(request)
            expected.append(True)
        except BookingConflict:
            expected.append(False)
    outcome = batched.bookings.book_many(batch)
    assert [isinstance(r, Appointment) for r in outcome.results] == expected
    assert picture(batched) == picture(one_by_one)
