from __future__ import annotations

import datetime as dt
import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit import TimeRange, ValidationError
from salonkit.domain.time import (
    intersect_all,
    local_date,
    merge,
    plus_minutes,
    require_aware,
    subtract,
    wall_to_instant,
)

BASE = pendulum.datetime(2026, 5, 1, tz="UTC")


def rng(a: int, b: int) -> TimeRange:
    return TimeRange(BASE.add(minutes=a), BASE.add(minutes=b))


def test_naive_and_reversed_ranges_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        TimeRange(dt.datetime(2026, 5, 1, 9), dt.datetime(2026, 5, 1, 10))
    with pytest.raises(ValidationError, match="before start"):
        rng(60, 0)
    with pytest.raises(ValidationError, match="negative"):
        TimeRange.of_minutes(BASE, -5)


def test_half_open_overlap() -> None:
    assert not rng(0, 60).overlaps(rng(60, 120))
    assert rng(0, 61).overlaps(rng(60, 120))
    assert rng(0, 120).contains(rng(30, 60))
    assert rng(0, 60).intersection(rng(30, 90)) == rng(30, 60)
    assert rng(0, 60).intersection(rng(60, 90)) is None


def test_ranges_in_other_zones_are_normalised_to_utc() -> None:
    shanghai = pendulum.datetime(2026, 5, 1, 17, tz="Asia/Shanghai")
    assert TimeRange(shanghai, shanghai.add(hours=1)) == rng(540, 600)


@pytest.mark.parametrize(
    ("zone", "day", "gap"),
    [
        ("Europe/London", dt.date(2026, 3, 29), dt.time(1, 30)),
        ("America/New_York", dt.date(2026, 3, 8), dt.time(2, 30)),
        ("Australia/Sydney", dt.date(2026, 10, 4), dt.time(2, 30)),
    ],
)
def test_wall_time_that_does_not_exist_is_refused(zone: str, day: dt.date, gap: dt.time) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        wall_to_instant(day, gap, zone)


def test_opening_hours_on_dst_days_keep_wall_clock() -> None:
    # London springs forward on 2026-03-29: 09:00-18:00 is 8 hours of instants that day? No: the
    # jump happens at 01:00, so the working day itself is a normal 9 hours, but in BST.
    opens = wall_to_instant(dt.date(2026, 3, 29), dt.time(9), "Europe/London")
    closes = wall_to_instant(dt.date(2026, 3, 29), dt.time(18), "Europe/London")
    assert opens == pendulum.datetime(2026, 3, 29, 8, tz="UTC")
    assert TimeRange(opens, closes).minutes == 9 * 60
    # a day that spans the change: midnight to midnight is 23 hours of instants
    day = TimeRange(
        wall_to_instant(dt.date(2026, 3, 29), dt.time(0), "Europe/London"),
        wall_to_instant(dt.date(2026, 3, 30), dt.time(0), "Europe/London"),
    )
    assert day.minutes == 23 * 60
    # the repeated hour in autumn maps to its first occurrence
    first = wall_to_instant(dt.date(2026, 10, 25), dt.time(1, 30), "Europe/London")
    assert first == pendulum.datetime(2026, 10, 25, 0, 30, tz="UTC")
    assert local_date(first, "Europe/London") == dt.date(2026, 10, 25)


spans = st.lists(
    st.tuples(st.integers(0, 1000), st.integers(0, 120)).map(lambda t: rng(t[0], t[0] + t[1])),
    max_size=12,
)


def covered(ranges: list[TimeRange]) -> set[int]:
    out: set[int] = set()
    for r in ranges:
        start = int((r.start - BASE).total_seconds() // 60)
        out.update(range(start, start + r.minutes))
    return out


@given(spans)
def test_merge_covers_the_same_minutes_without_overlap(ranges: list[TimeRange]) -> None:
    merged = merge(ranges)
    assert covered(merged) == covered(ranges)
    assert all(a.end < b.start for a, b in itertools.pairwise(merged))


@given(spans, spans)
def test_subtract_and_intersect_agree_with_sets(a: list[TimeRange], b: list[TimeRange]) -> None:
    assert covered(subtract(a, b)) == covered(a) - covered(b)
    assert covered(intersect_all(a, b)) == covered(a) & covered(b)


@given(
    start=st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)),
    minutes=st.integers(-3000, 3000),
    zone=st.sampled_from(["UTC", "Europe/London", "America/New_York", "Australia/Sydney"]),
)
def test_plus_minutes_is_elapsed_time_like_pendulum(
    start: dt.datetime, minutes: int, zone: str
) -> None:
    instant = pendulum.instance(start, tz=zone)
    moved = plus_minutes(instant, minutes)
    assert isinstance(moved, pendulum.DateTime)
    assert moved == instant.add(minutes=minutes)
    assert moved.utcoffset() == instant.add(minutes=minutes).utcoffset()
    assert (moved - instant).total_seconds() == minutes * 60


def test_require_aware_returns_utc_instants_and_refuses_naive_ones() -> None:
    utc = pendulum.datetime(2026, 3, 29, 1, 30)
    assert require_aware(utc, "at") is utc
    local = require_aware(pendulum.datetime(2026, 3, 29, 0, 30, tz="Europe/London"), "at")
    assert local == pendulum.datetime(2026, 3, 29, 0, 30) and local.tzinfo is pendulum.UTC
    stdlib = require_aware(dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC), "at")
    assert type(stdlib) is pendulum.DateTime and stdlib == utc
    with pytest.raises(ValidationError, match="timezone-aware"):
        require_aware(dt.datetime(2026, 3, 29, 1, 30), "at")
