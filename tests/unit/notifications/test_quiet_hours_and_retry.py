"""Quiet hours hold messages until they end (DST-aware); back-off grows and is capped."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.errors import ValidationError
from salonkit.notifications import QuietHours, RetryPolicy

ZONES = ["Europe/London", "Asia/Shanghai", "America/New_York", "Australia/Sydney"]
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
instants = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31)).map(
    lambda d: pendulum.instance(d, tz="UTC")
)


def local_in_window(quiet: QuietHours, instant: pendulum.DateTime, zone: str) -> bool:
    """A direct reading of the definition on the local wall clock."""
    t = instant.in_timezone(zone).time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        return quiet.start <= t < quiet.end
    return t >= quiet.start or t < quiet.end


@given(times, times, instants, st.sampled_from(ZONES))
def test_release_is_never_inside_quiet_hours_and_never_early(
    start: dt.time, end: dt.time, instant: pendulum.DateTime, zone: str
) -> None:
    if start == end:
        return
    quiet = QuietHours(start, end)
    released = quiet.release(instant, zone)
    assert released >= instant
    assert not quiet.contains(released, zone)
    assert released - instant <= dt.timedelta(hours=25)
    if not quiet.contains(instant, zone):
        assert released == instant


@given(instants, st.sampled_from(ZONES))
def test_contains_matches_the_wall_clock_reading(instant: pendulum.DateTime, zone: str) -> None:
    for quiet in (QuietHours(dt.time(21), dt.time(8)), QuietHours(dt.time(12), dt.time(14))):
        # Away from DST transitions, the instant is quiet exactly when its wall time is.
        local = instant.in_timezone(zone)
        if local.utcoffset() != local.subtract(days=1).utcoffset():
            continue
        if local.utcoffset() != local.add(days=1).utcoffset():
            continue
        assert quiet.contains(instant, zone) == local_in_window(quiet, instant, zone)


def test_quiet_hours_follow_daylight_saving_in_london() -> None:
    quiet = QuietHours(dt.time(21), dt.time(8))
    # The night the clocks go forward (29 March 2026, 01:00 GMT → 02:00 BST).
    late = pendulum.datetime(2026, 3, 28, 23, 0, tz="Europe/London")
    released = quiet.release(late, "Europe/London")
    assert released.in_timezone("Europe/London").isoformat() == "2026-03-29T08:00:00+01:00"
    assert released == pendulum.datetime(2026, 3, 29, 7, 0)  # UTC
    # The night they go back (25 October 2026).
    late = pendulum.datetime(2026, 10, 24, 23, 0, tz="Europe/London")
    assert quiet.release(late, "Europe/London") == pendulum.datetime(2026, 10, 25, 8, 0)


def test_an_end_in_the_skipped_hour_moves_forward() -> None:
    quiet = QuietHours(dt.time(0, 30), dt.time(1, 30))  # 01:30 does not exist on 29 March
    at = pendulum.datetime(2026, 3, 29, 0, 45, tz="Europe/London")
    released = quiet.release(at, "Europe/London")
    assert not quiet.contains(released, "Europe/London")
    assert released.in_timezone("Europe/London").isoformat() == "2026-03-29T02:30:00+01:00"


def test_quiet_hours_need_two_different_times() -> None:
    with pytest.raises(ValidationError, match="quiet_hours"):
        QuietHours(dt.time(8), dt.time(8))


@given(st.integers(1, 10), st.integers(1, 600), st.integers(1, 5), st.integers(1, 100_000))
def test_back_off_grows_and_is_capped(attempts: int, first: int, factor: int, cap: int) -> None:
    policy = RetryPolicy(first_delay_seconds=first, factor=factor, max_delay_seconds=cap)
    now, nxt = policy.delay(attempts), policy.delay(attempts + 1)
    assert now <= nxt
    assert nxt <= dt.timedelta(seconds=cap)
    assert policy.delay(1) == dt.timedelta(seconds=min(first, cap))


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValidationError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
