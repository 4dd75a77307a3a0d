"""Daylight-saving change days in London, New York and Sydney: opening hours, recurring
appointments and minimum notice all work in the store's wall-clock time."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
import pytest

from salonkit.scheduling.model import BookingRequest
from salonkit.scheduling.rules import template
from salonkit.scheduling.sample import install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.testing import FrozenClock, memory_context

EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

#: zone, the Sunday clocks go forward, the Sunday they go back (2026)
ZONES = [
    ("Europe/London", dt.date(2026, 3, 29), dt.date(2026, 10, 25)),
    ("America/New_York", dt.date(2026, 3, 8), dt.date(2026, 11, 1)),
    ("Australia/Sydney", dt.date(2026, 10, 4), dt.date(2026, 4, 5)),
]


def make(tz: str, now: pendulum.DateTime, **opts: object) -> BookingService:
    ctx = memory_context(FrozenClock(now))
    install_sample_salon(
        ctx, customers=("ana", "ben"), timezone=tz, weekdays=EVERY_DAY, staff=2, **opts
    )
    bookings = BookingService(ctx, store_id="flagship")
    bookings.set_rules(template("standard", min_notice_minutes=0, horizon_days=365))
    return bookings


def local_day(tz: str, day: dt.date) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    start = pendulum.datetime(day.year, day.month, day.day, tz=tz)
    return start, start.add(days=1)


@pytest.mark.parametrize(("tz", "forward", "back"), ZONES)
def test_opening_hours_hold_in_wall_clock_time_on_change_days(
    tz: str, forward: dt.date, back: dt.date
) -> None:
    now = pendulum.datetime(min(forward, back).year, 1, 2, tz=tz)
    bookings = make(tz, now)
    for day in (forward, back, forward - dt.timedelta(days=1)):
        slots = bookings.find_slots("blowdry", within=local_day(tz, day), limit=None, staff="s02")
        walls = [s.starts_at.in_timezone(tz) for s in slots]
        assert walls[0].time() == dt.time(9, 0) and walls[0].date() == day
        assert walls[-1].time() == dt.time(18, 30)  # 30 minutes before 19:00 closing
        # 09:00-18:30 in 15-minute steps (39), minus 12:45, 13:00, 13:15 (s02 lunches 13:00-13:30)
        assert len(walls) == 39 - 3
        assert all(w.minute % 15 == 0 for w in walls)


@pytest.mark.parametrize(("tz", "forward", "back"), ZONES)
def test_hours_across_the_change_itself(tz: str, forward: dt.date, back: dt.date) -> None:
    """A salon open 00:00-05:00 on the change day: the skipped hour offers nothing, the
    repeated hour is offered twice, every start sits on the wall-clock grid."""
    now = pendulum.datetime(min(forward, back).year, 1, 2, tz=tz)
    bookings = make(tz, now, opens="00:00", closes="05:00", chairs=2, basins=2)
    pendulum.timezone(tz)
    for day, real_hours in ((forward, 4), (back, 6)):
        slots = bookings.find_slots("blowdry", within=local_day(tz, day), limit=None, staff="s01")
        walls = [s.starts_at.in_timezone(tz) for s in slots]
        assert len(walls) == real_hours * 4 - 1  # a 30-minute service, every 15 real minutes
        assert all(w.minute % 15 == 0 for w in walls)
        instants = [s.starts_at for s in slots]
        assert all(b - a == dt.timedelta(minutes=15) for a, b in itertools.pairwise(instants))
        offsets = {w.utcoffset() for w in walls}
        assert len(offsets) == 2  # both sides of the change are offered


@pytest.mark.parametrize(("tz", "forward", "back"), ZONES)
def test_recurring_keeps_the_wall_clock_time(tz: str, forward: dt.date, back: dt.date) -> None:
    for change in (forward, back):
        first_day = change - dt.timedelta(days=13)  # a Monday two weeks before the change
        now = pendulum.datetime(first_day.year, first_day.month, first_day.day, tz=tz).subtract(
            days=3
        )
        bookings = make(tz, now)
        first = pendulum.datetime(first_day.year, first_day.month, first_day.day, 10, tz=tz)
        series = bookings.book_recurring(
            BookingRequest(
                store_id="flagship",
                service_id="cut",
                customer_id="ana",
                staff_id="s01",
                starts_at=first,
            ),
            every_weeks=1,
            count=4,
        )
        walls = [a.starts_at.in_timezone(tz) for a in series.appointments]
        assert [w.time() for w in walls] == [dt.time(10, 0)] * 4
        assert [w.weekday() for w in walls] == [0] * 4
        offsets = [w.utcoffset() for w in walls]
        assert offsets[0] != offsets[-1]  # the series crosses the change
        assert walls[2].date() - walls[1].date() == dt.timedelta(days=7)


@pytest.mark.parametrize(("tz", "forward", "back"), ZONES)
def test_minimum_notice_counts_real_time_on_change_days(
    tz: str, forward: dt.date, back: dt.date
) -> None:
    for change in (forward, back):
        # 00:30 local on the change day; two hours' notice are two real hours
        now = pendulum.datetime(change.year, change.month, change.day, 0, 30, tz=tz)
        bookings = make(tz, now, opens="00:00", closes="23:00")
        bookings.set_rules(template("standard", min_notice_minutes=120, horizon_days=30))
        first = bookings.find_slots("blowdry", within=local_day(tz, change), limit=1)[0]
        assert first.starts_at - now.in_timezone("UTC") == dt.timedelta(minutes=120)
        too_soon = first.starts_at.subtract(minutes=15)
        with pytest.raises(Exception) as caught:
            bookings.book(
                BookingRequest(
                    store_id="flagship",
                    service_id="blowdry",
                    customer_id="ana",
                    staff_id=first.staff_id,
                    starts_at=too_soon,
                )
            )
        assert "min_notice" in {r.subject for r in caught.value.reasons}  # type: ignore[attr-defined]
        bookings.book(first, customer="ana")
