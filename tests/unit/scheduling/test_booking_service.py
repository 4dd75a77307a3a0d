"""BookingService over the memory backend: the use cases, their events and their refusals."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.errors import BookingConflict, ConcurrencyError, IdempotencyConflict, ValidationError
from salonkit.scheduling.model import AppointmentStatus, BookingRequest, WaitlistStatus
from salonkit.scheduling.rules import template

TZ = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """May ``day`` 2026 at a London wall-clock time, as UTC."""
    return pendulum.datetime(2026, 5, day, hour, minute, tz=TZ).in_timezone("UTC")


def day_of(day: int) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    return at(day, 0), at(day, 23, 59)


def request(
    staff: str, start: pendulum.DateTime, customer: str = "ana", service: str = "cut"
) -> BookingRequest:
    return BookingRequest(
        store_id="flagship",
        service_id=service,
        customer_id=customer,
        staff_id=staff,
        starts_at=start,
    )


def test_book_emits_event_and_is_idempotent(setup) -> None:  # type: ignore[no-untyped-def]
    slot = setup.bookings.find_slots("cut", customer="ana", within=day_of(5), limit=1)[0]
    appt = setup.bookings.book(slot, idempotency_key="k1")
    assert appt.status is AppointmentStatus.BOOKED and appt.version == 0
    assert setup.bookings.book(slot, idempotency_key="k1") == appt
    assert setup.listener.names() == ["AppointmentBooked"]
    with pytest.raises(IdempotencyConflict):
        setup.bookings.book(slot, customer="ana", idempotency_key="k1", notes="x", channel="online")
    assert setup.bookings.get(appt.id) == appt
    assert setup.bookings.appointments(within=day_of(5)) == [appt]


def test_conflict_lists_reasons_and_suggests_alternatives(setup) -> None:  # type: ignore[no-untyped-def]
    first = setup.bookings.book(request("s01", at(5, 10)))
    with pytest.raises(BookingConflict) as caught:
        setup.bookings.book(request("s01", at(5, 10), customer="ben"))
    conflict = caught.value
    assert "staff_busy" in conflict.codes
    assert first.id in next(r.message for r in conflict.reasons if r.code == "staff_busy")
    kinds = {s.kind: s.slot for s in conflict.suggestions}  # type: ignore[attr-defined]
    assert kinds["other_staff"].starts_at == at(5, 10) and kinds["other_staff"].staff_id != "s01"
    assert kinds["same_staff_later"].staff_id == "s01"
    assert kinds["same_staff_later"].starts_at == at(5, 10, 45)
    assert kinds["another_day"].starts_at.in_timezone(TZ).date() == dt.date(2026, 5, 6)
    # the same customer cannot be in two places
    with pytest.raises(BookingConflict) as caught:
        setup.bookings.book(request("s02", at(5, 10, 15)))
    assert caught.value.codes == {"customer_busy"}


def test_holds_block_until_they_expire(setup) -> None:  # type: ignore[no-untyped-def]
    hold = setup.bookings.hold(request("s01", at(5, 10)), minutes=10)
    assert hold.status is AppointmentStatus.HELD
    with pytest.raises(BookingConflict):
        setup.bookings.book(request("s01", at(5, 10), customer="ben"))
    assert setup.bookings.book_hold(hold.id).status is AppointmentStatus.BOOKED
    hold2 = setup.bookings.hold(request("s02", at(5, 11)), minutes=10)
    setup.clock.advance(minutes=11)
    taken = setup.bookings.book(request("s02", at(5, 11), customer="ben"))
    assert taken.staff_id == "s02"
    with pytest.raises(BookingConflict) as caught:
        setup.bookings.book_hold(hold2.id)
    assert "staff_busy" in caught.value.codes


def test_reschedule_checks_versions_and_conflicts(setup) -> None:  # type: ignore[no-untyped-def]
    appt = setup.bookings.book(request("s01", at(5, 10)))
    other = setup.bookings.book(request("s01", at(5, 14), customer="ben"))
    moved = setup.bookings.reschedule(appt.id, at(5, 11), expected_version=0)
    assert moved.starts_at == at(5, 11) and moved.version == 1
    with pytest.raises(ConcurrencyError):
        setup.bookings.reschedule(appt.id, at(5, 12), expected_version=0)
    with pytest.raises(BookingConflict) as caught:
        setup.bookings.reschedule(appt.id, other.starts_at)
    assert caught.value.codes == {"staff_busy"}
    # moving onto its own old time is fine (it ignores itself)
    assert setup.bookings.reschedule(appt.id, at(5, 11, 15)).starts_at == at(5, 11, 15)
    moved_staff = setup.bookings.reschedule(appt.id, at(5, 14), staff="s02")
    assert moved_staff.staff_id == "s02"
    assert setup.listener.names().count("AppointmentRescheduled") == 3


def test_cancel_records_reason_and_cutoff(setup) -> None:  # type: ignore[no-untyped-def]
    early = setup.bookings.book(request("s01", at(7, 10)))
    late = setup.bookings.book(request("s02", at(4, 15), customer="ben"))
    a = setup.bookings.cancel(early.id, "moving away")
    b = setup.bookings.cancel(late.id, "ill", by="customer")
    assert a.status is AppointmentStatus.CANCELLED and a.cancellation is not None
    assert a.cancellation.reason == "moving away" and a.cancellation.late is False
    assert b.cancellation is not None and b.cancellation.late is True
    with pytest.raises(ValidationError):
        setup.bookings.cancel(early.id, "again")
    with pytest.raises(ValidationError):
        setup.bookings.cancel(late.id, " ")
    # the freed time is bookable again
    assert setup.bookings.book(request("s01", at(7, 10), customer="cai")).staff_id == "s01"


def test_status_lifecycle(setup) -> None:  # type: ignore[no-untyped-def]
    appt = setup.bookings.book(request("s01", at(4, 10)))
    assert setup.bookings.confirm(appt.id).status is AppointmentStatus.CONFIRMED
    with pytest.raises(ValidationError):
        setup.bookings.complete(appt.id)
    assert setup.bookings.check_in(appt.id).status is AppointmentStatus.CHECKED_IN
    assert setup.bookings.complete(appt.id).status is AppointmentStatus.COMPLETED
    other = setup.bookings.book(request("s02", at(4, 11), customer="ben"))
    with pytest.raises(ValidationError):
        setup.bookings.no_show(other.id)
    setup.clock.set(at(4, 11, 20))
    assert setup.bookings.no_show(other.id).status is AppointmentStatus.NO_SHOW


def test_booking_rules_refuse_with_named_rules(make_salon: Callable[..., object]) -> None:
    s = make_salon()
    b = s.bookings  # type: ignore[attr-defined]
    b.set_rules(template("standard", max_bookings_per_customer_per_day=1, vip_horizon_days=200))
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s01", at(4, 9, 30)))  # 30 minutes from now, 60 needed
    assert {(r.code, r.subject) for r in caught.value.reasons} == {("rule_violated", "min_notice")}
    far = pendulum.datetime(2026, 9, 1, 10, tz=TZ)
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s01", far))
    assert {r.subject for r in caught.value.reasons} == {"horizon"}
    b.book(request("s01", at(5, 10)))
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s02", at(5, 15)))
    assert {r.subject for r in caught.value.reasons} == {"max_per_day"}
    assert b.find_slots("cut", customer="ana", within=day_of(5)) == []
    assert b.find_slots("cut", customer="ben", within=day_of(5), limit=1)


def test_vip_books_beyond_the_horizon(make_salon: Callable[..., object]) -> None:
    s = make_salon()
    b = s.bookings  # type: ignore[attr-defined]
    b.set_rules(template("standard", horizon_days=30, vip_horizon_days=120))
    with s.ctx.unit_of_work() as uow:  # type: ignore[attr-defined]
        from salonkit.storage.records import CUSTOMERS

        ana = uow.repo(CUSTOMERS).get("ana")
        uow.repo(CUSTOMERS).update(attrs.evolve(ana, vip=True))
    july = pendulum.datetime(2026, 7, 7, 10, tz=TZ)
    assert b.book(request("s01", july)).starts_at == july
    with pytest.raises(BookingConflict):
        b.book(request("s02", july, customer="ben"))


def test_patch_test_allergy_and_online_rules(make_salon: Callable[..., object]) -> None:
    s = make_salon()
    b = s.bookings  # type: ignore[attr-defined]
    from salonkit.domain.customer import Customer, PatchTest
    from salonkit.storage.records import CUSTOMERS, SERVICES

    with s.ctx.unit_of_work() as uow:  # type: ignore[attr-defined]
        uow.repo(CUSTOMERS).add(Customer(id="dee", name="Dee"))  # no patch test
        uow.repo(CUSTOMERS).add(
            Customer(
                id="eve",
                name="Eve",
                allergies=frozenset({"PPD"}),
                patch_tests=(PatchTest(on=dt.date(2026, 5, 1), passed=True),),
            )
        )
        cut = uow.repo(SERVICES).get("cut")
        uow.repo(SERVICES).update(attrs.evolve(cut, online_bookable=False))
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s01", at(6, 10), customer="dee", service="colour"))
    assert {r.subject for r in caught.value.reasons} == {"patch_test"}
    assert b.find_slots("colour", customer="dee", within=day_of(6)) == []
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s01", at(6, 10), customer="eve", service="colour"))
    assert {r.subject for r in caught.value.reasons} == {"allergy"}
    with pytest.raises(BookingConflict) as caught:
        b.book(request("s01", at(6, 10), customer="ana"), channel="online")
    assert {r.subject for r in caught.value.reasons} == {"online_bookable"}
    assert b.find_slots("cut", customer="ana", within=day_of(6), channel="online") == []
    assert b.book(request("s01", at(6, 10), customer="ana")).channel == "desk"


def test_visit_books_all_legs_or_none(setup) -> None:  # type: ignore[no-untyped-def]
    visits = setup.bookings.find_visit_slots(
        ["colour", "cut"], customer="ana", within=day_of(5), limit=3
    )
    assert len(visits) == 3
    made = setup.bookings.book_visit(visits[0], idempotency_key="v1")
    assert [a.service_id for a in made] == ["colour", "cut"]
    assert made[0].visit_id == made[1].visit_id is not None
    assert setup.bookings.book_visit(visits[0], idempotency_key="v1") == made
    # an overlapping visit for another customer on the same staff fails as a whole
    clash = attrs.evolve(
        visits[0],
        legs=tuple(attrs.evolve(leg, customer_id="ben", other_staff=()) for leg in visits[0].legs),
    )
    before = len(setup.bookings.appointments(within=day_of(5)))
    with pytest.raises(BookingConflict):
        setup.bookings.book_visit(clash)
    assert len(setup.bookings.appointments(within=day_of(5))) == before


def test_recurring_every_two_weeks(setup) -> None:  # type: ignore[no-untyped-def]
    result = setup.bookings.book_recurring(
        request("s01", at(5, 10)), every_weeks=2, count=4, idempotency_key="r1"
    )
    starts = [a.starts_at.in_timezone(TZ) for a in result.appointments]
    assert [(s.month, s.day, s.hour) for s in starts] == [
        (5, 5, 10),
        (5, 19, 10),
        (6, 2, 10),
        (6, 16, 10),
    ]
    assert len({a.series_id for a in result.appointments}) == 1
    again = setup.bookings.book_recurring(
        request("s01", at(5, 10)), every_weeks=2, count=4, idempotency_key="r1"
    )
    assert again.appointments == result.appointments
    # ben's weekly series collides on the dates above: refused whole, or booked with skips
    with pytest.raises(BookingConflict) as caught:
        setup.bookings.book_recurring(request("s01", at(12, 10), "ben"), every_weeks=1, count=3)
    assert any("2026-05-19" in r.message for r in caught.value.reasons)
    partial = setup.bookings.book_recurring(
        request("s01", at(12, 10), "ben"), every_weeks=1, count=3, skip_conflicts=True
    )
    assert len(partial.appointments) == 2
    assert [d for d, _ in partial.skipped] == [dt.date(2026, 5, 19)]


def test_waitlist_offers_freed_slots_in_order(make_salon: Callable[..., object]) -> None:
    setup = make_salon(basins=4, customers=("ana", "ben", "cai", "dan", "eli", "fay"))
    b = setup.bookings  # type: ignore[attr-defined]
    # every stylist is busy 10:00-10:45 on the 5th
    taken = [
        b.book(request(s, at(5, 10), customer=c))
        for s, c in (("s01", "ana"), ("s02", "ben"), ("s03", "cai"), ("s04", "dan"))
    ]
    first = b.join_waitlist("eli", "cut", within=(at(5, 10), at(5, 10, 1)))
    second = b.join_waitlist("fay", "cut", within=(at(5, 10), at(5, 10, 1)))
    b.cancel(taken[1].id, "clash")
    assert setup.listener.names()[-1] == "WaitlistSlotOffered"  # type: ignore[attr-defined]
    offered = setup.listener.events[-1]  # type: ignore[attr-defined]
    assert offered.customer_id == "eli" and offered.starts_at == at(5, 10)  # type: ignore[attr-defined]
    entries = {e.id: e for e in b.waitlist()}
    assert entries[first.id].status is WaitlistStatus.OFFERED
    assert entries[second.id].status is WaitlistStatus.WAITING
    b.decline_offer(first.id)
    entries = {e.id: e for e in b.waitlist()}
    assert entries[second.id].status is WaitlistStatus.OFFERED
    assert entries[first.id].status is WaitlistStatus.WAITING
    b.book(request("s02", at(5, 10), customer="fay"))
    assert [e.id for e in b.waitlist()] == [first.id]


def test_a_move_may_leave_its_freed_time_to_be_offered_later(
    make_salon: Callable[..., object],
) -> None:
    setup = make_salon(staff=1, customers=("ana", "eli"))
    b = setup.bookings  # type: ignore[attr-defined]
    appt = b.book(request("s01", at(5, 10), customer="ana"))
    entry = b.join_waitlist("eli", "cut", within=(at(5, 10), at(5, 10, 1)))
    b.reschedule(appt.id, at(5, 14), offer_freed=False)
    assert "WaitlistSlotOffered" not in setup.listener.names()  # type: ignore[attr-defined]
    assert b.waitlist()[0].status is WaitlistStatus.WAITING
    b.offer_gaps((at(5, 10), at(5, 11)))
    assert b.waitlist()[0].id == entry.id
    assert b.waitlist()[0].status is WaitlistStatus.OFFERED


def test_calendars_export_in_store_time(setup) -> None:  # type: ignore[no-untyped-def]
    import icalendar

    appt = setup.bookings.book(request("s01", at(5, 10)))
    feed = setup.bookings.staff_calendar("s01", within=day_of(5))
    cal = icalendar.Calendar.from_ical(feed)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    start = events[0]["DTSTART"]
    assert start.params["TZID"] == TZ and start.dt.hour == 10
    assert str(events[0]["UID"]) == f"{appt.id}@salonkit"
    assert str(events[0]["SUMMARY"]) == "Cut and finish: Ana"
    assert list(cal.walk("VTIMEZONE"))
    mine = icalendar.Calendar.from_ical(setup.bookings.customer_calendar("ana", within=day_of(5)))
    assert str(next(iter(mine.walk("VEVENT")))["SUMMARY"]) == "Cut and finish with Stylist 1"


def test_cached_calendar_sees_writes_from_another_service(setup) -> None:  # type: ignore[no-untyped-def]
    from salonkit.scheduling.service import BookingService

    reader = setup.bookings
    writer = BookingService(setup.ctx, store_id="flagship")  # another process, same database
    first = reader.find_slots("cut", customer="ana", within=day_of(5), staff="s01", limit=1)[0]
    assert reader.find_slots("cut", within=day_of(5), staff="s01", limit=1)[0] == attrs.evolve(
        first, customer_id=None
    )
    writer.book(first)
    again = reader.find_slots("cut", within=day_of(5), staff="s01", limit=1)[0]
    assert again.starts_at == first.ends_at  # the booked 09:00 cut is no longer offered
    writer.cancel(reader.appointments(within=day_of(5))[0].id, "changed")
    assert (
        reader.find_slots("cut", within=day_of(5), staff="s01", limit=1)[0].starts_at
        == first.starts_at
    )


def test_bookings_far_apart_share_one_kept_calendar(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from salonkit.scheduling.service import BookingService

    reads: list[tuple[dt.datetime, dt.datetime]] = []
    window = BookingService._window_appointments

    def counted(uow: Any, store_id: str, lo: dt.datetime, hi: dt.datetime) -> Any:
        reads.append((lo, hi))
        return window(uow, store_id, lo, hi)

    monkeypatch.setattr(BookingService, "_window_appointments", staticmethod(counted))
    # a Tuesday and the Tuesday five weeks later, then alternating between the two weeks
    for n, (weeks, days) in enumerate([(0, 0), (5, 0), (0, 1), (5, 1), (0, 2), (5, 2), (0, 3)]):
        start = at(5, 10).add(weeks=weeks, days=days)
        setup.bookings.book(request("s01", start, customer=("ana", "ben", "cai")[n % 3]))
    # the first days, then the gap up to the far ones, then a day more at the edge now and
    # then: nothing is read twice, and the copy stays one window
    assert 2 <= len(reads) <= 4
    assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(reads))
    assert reads[-1][1] - reads[0][0] < dt.timedelta(days=62)


def test_a_wider_copy_kept_meanwhile_survives_the_booking(
    setup: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from salonkit.scheduling.service import BookingService

    bookings = setup.bookings
    near, far = at(5, 10), at(5, 10).add(weeks=5)
    bookings.book(request("s01", near))  # keeps a copy around the 5th
    place = BookingService._place

    def widened_meanwhile(self: BookingService, *args: Any, **kwargs: Any) -> Any:
        # another thread searches five weeks ahead while this booking holds the lock
        bookings.find_slots("cut", within=(far, far.add(hours=8)), limit=1)
        return place(self, *args, **kwargs)

    monkeypatch.setattr(BookingService, "_place", widened_meanwhile)
    made = bookings.book(request("s02", near.add(hours=1), customer="ben"))
    monkeypatch.undo()
    kept = bookings._calendars["flagship"]
    assert kept.covers(near, far.add(hours=8))  # the wider copy stayed
    assert kept.index.get(made.id) == made  # with the new booking in it
    reads: list[object] = []
    window = BookingService._window_appointments
    monkeypatch.setattr(
        BookingService,
        "_window_appointments",
        staticmethod(lambda *a: reads.append(a) or window(*a)),
    )
    bookings.book(request("s01", far, customer="cai"))
    # the far booking reads at most the day or so past the kept copy's edge, not the weeks before
    assert all(lo >= kept.hi for _uow, _store, lo, _hi in reads)


def test_rolled_back_writes_never_reach_the_search_cache(setup) -> None:  # type: ignore[no-untyped-def]
    bookings = setup.bookings  # one service (and one cache) reading and writing
    visit = bookings.find_visit_slots(["cut", "cut"], customer="ana", within=day_of(5), limit=1)[0]
    second = visit.legs[1]
    bookings.book(request(second.staff_id, second.starts_at, customer="ben"))
    # the visit's second leg now clashes: it rolls back after its first leg was written and
    # suggestions were computed inside that (doomed) transaction
    with pytest.raises(BookingConflict):
        bookings.book_visit(visit)
    # a new booking brings the store's stamp to the value the doomed transaction had reached
    bookings.book(request("s01", at(5, 15), customer="cai"))
    afternoon = bookings.find_slots("cut", within=(at(5, 12), at(5, 19)), staff="s01", limit=None)
    assert at(5, 15) not in {s.starts_at for s in afternoon}


def test_an_unanswered_offer_lapses_to_the_next_in_line(make_salon: Callable[..., object]) -> None:
    s = make_salon(customers=("ana", "ben", "cai"), staff=1)
    b = s.bookings  # type: ignore[attr-defined]
    taken = b.book(request("s01", at(5, 10), customer="ana"))
    first = b.join_waitlist("ben", "cut", within=(at(5, 10), at(5, 10, 1)))
    second = b.join_waitlist("cai", "cut", within=(at(5, 10), at(5, 10, 1)))
    b.cancel(taken.id, "cannot come")
    assert [e.id for e in b.waitlist() if e.offer is not None] == [first.id]
    s.clock.advance(minutes=61)  # type: ignore[attr-defined]  # the offer lasts 60 minutes
    offered = b.offer_gaps((at(5, 10), at(5, 10, 45)))
    assert [e.id for e in offered] == [second.id]
    entries = {e.id: e for e in b.waitlist()}
    assert entries[first.id].offer is None and entries[first.id].declined


@given(
    changes=st.lists(st.tuples(st.integers(1, 10**9), st.text(max_size=12)), max_size=64),
    version=st.integers(0, 10**9),
)
def test_calendar_stamp_is_stored_as_the_codec_would_store_it(
    changes: list[tuple[int, str]], version: int
) -> None:
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

    from salonkit.scheduling.records import CalendarStamp
    from salonkit.storage.codec import converter, structure, unstructure

    stamp = CalendarStamp(id="flagship", changes=tuple(changes), version=version)
    doc = unstructure(stamp)
    assert doc == make_dict_unstructure_fn(CalendarStamp, converter)(stamp)
    stored = json.loads(json.dumps(doc))
    assert structure(stored, CalendarStamp) == stamp
    assert make_dict_structure_fn(CalendarStamp, converter)(stored, CalendarStamp) == stamp


def test_a_malformed_calendar_stamp_fails_as_the_codec_would_fail() -> None:
    import cattrs

    from salonkit.scheduling.records import CalendarStamp
    from salonkit.storage.codec import structure

    with pytest.raises(cattrs.BaseValidationError):
        structure({"id": "flagship", "changes": [[1]], "version": 1}, CalendarStamp)
    with pytest.raises(cattrs.BaseValidationError):
        structure({"changes": []}, CalendarStamp)


def test_calendar_stamp_remembers_recent_changes() -> None:
    from salonkit.scheduling.records import RECENT_CHANGES, CalendarStamp

    stamp = CalendarStamp(id="flagship")
    for n in range(1, 4):
        stamp = attrs.evolve(stamp.bumped(f"a{n}"), version=n)  # storage bumps the version
    assert stamp.changed_since(1) == {"a2", "a3"}
    assert stamp.changed_since(3) == frozenset()
    anonymous = attrs.evolve(stamp.bumped(), version=4)
    assert anonymous.changed_since(2) is None  # an unnamed change forces a full reload
    for n in range(5, 5 + RECENT_CHANGES):
        stamp = attrs.evolve(stamp.bumped(f"a{n}"), version=n)
    assert stamp.changed_since(1) is None  # too old to tell
    assert len(stamp.changes) == RECENT_CHANGES
