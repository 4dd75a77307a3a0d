"""Booking services keep the calendar and reference data between calls; what another
connection commits is seen at the next call (checked on SQLite and PostgreSQL, where the two
services really use separate connections)."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from scheduling_race_worker import NOW, _PrefixedIds, open_backend

from salonkit.context import Context
from salonkit.domain.staff import TimeOff
from salonkit.domain.time import TimeRange
from salonkit.errors import BookingConflict
from salonkit.scheduling.model import BookingRequest
from salonkit.scheduling.sample import install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.storage.records import STAFF
from salonkit.testing import FrozenClock, SequentialIds

TZ = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 5, day, hour, minute, tz=TZ).in_timezone("UTC")


def req(staff: str, start: pendulum.DateTime, customer: str) -> BookingRequest:
    return BookingRequest(
        store_id="flagship", service_id="cut", customer_id=customer, staff_id=staff, starts_at=start
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def two_services(request: pytest.FixtureRequest, tmp_path: object) -> tuple[BookingService, ...]:
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("postgres_url")
    first = open_backend(url, create=True)
    second = open_backend(url)
    request.addfinalizer(first.close)
    request.addfinalizer(second.close)
    ctx = Context(backend=first, clock=FrozenClock(NOW), ids=SequentialIds())
    install_sample_salon(ctx, customers=("ana", "ben", "cai", "dee"), staff=2)
    other = Context(backend=second, clock=FrozenClock(NOW), ids=_PrefixedIds("b"))
    return BookingService(ctx, "flagship"), BookingService(other, "flagship")


def test_a_booking_made_elsewhere_is_seen_by_the_next_booking(
    two_services: tuple[BookingService, BookingService],
) -> None:
    here, there = two_services
    # warm this service's calendar for the whole day, then book from the other connection
    assert here.find_slots("cut", within=(at(5, 9), at(5, 19)), limit=None)
    here.book(req("s01", at(5, 9), "ana"))
    taken = there.book(req("s01", at(5, 11), "ben"))
    with pytest.raises(BookingConflict) as caught:
        here.book(req("s01", taken.starts_at, "cai"))
    assert caught.value.codes == {"staff_busy"}
    # and a cancellation made elsewhere frees the slot again
    there.cancel(taken.id, "changed plans")
    assert here.book(req("s01", taken.starts_at, "cai")).staff_id == "s01"


def test_a_staff_change_made_elsewhere_is_seen_by_the_next_booking(
    two_services: tuple[BookingService, BookingService],
) -> None:
    here, there = two_services
    here.book(req("s02", at(5, 9), "ana"))  # reads and keeps the staff member
    with there._ctx.unit_of_work() as uow:
        repo = uow.repo(STAFF)
        member = repo.get("s02")
        off = TimeOff(TimeRange(at(5, 12), at(5, 18)), "dentist")
        repo.update(attrs.evolve(member, time_off=(*member.time_off, off)))
    with pytest.raises(BookingConflict) as caught:
        here.book(req("s02", at(5, 14), "ben"))
    assert "staff_off" in caught.value.codes
    assert not here.find_slots("cut", within=(at(5, 12), at(5, 17)), staff="s02", limit=None)


def test_a_batch_booked_elsewhere_is_seen_by_the_next_booking(
    two_services: tuple[BookingService, BookingService],
) -> None:
    here, there = two_services
    here.book(req("s01", at(5, 9), "ana"))  # warm this service's copy of the day
    outcome = there.book_many(
        [req("s01", at(5, 10), "ben"), req("s02", at(5, 10), "cai"), req("s01", at(5, 10), "dee")],
        idempotency_keys=["b1", "b2", "b3"],
    )
    assert sorted(outcome.refused) == [2]
    for taken in outcome.booked:
        with pytest.raises(BookingConflict):
            here.book(req(taken.staff_id, taken.starts_at, "dee"))
    again = there.book_many(
        [req("s01", at(5, 10), "ben"), req("s02", at(5, 10), "cai")], idempotency_keys=["b1", "b2"]
    )
    assert [a.id for a in again.booked] == [a.id for a in outcome.booked]
