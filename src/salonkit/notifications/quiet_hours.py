"""Quiet hours: a wall-clock window of the store's time zone in which no message goes out.

A message due inside quiet hours is held until they end. The window may cross midnight
(21:00-08:00). Wall times are read in the store's zone on the day in question, so the window
follows daylight saving; a wall time that does not exist on a DST day (the skipped hour) moves
forward by the length of the gap, and one that occurs twice is its first occurrence.

>>> import datetime as dt, pendulum
>>> quiet = QuietHours(dt.time(21), dt.time(8))
>>> late = pendulum.datetime(2026, 5, 5, 22, 30, tz="Asia/Shanghai")
>>> quiet.contains(late, "Asia/Shanghai")
True
>>> quiet.release(late, "Asia/Shanghai").in_timezone("Asia/Shanghai").isoformat()
'2026-05-06T08:00:00+08:00'
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
from pendulum.tz.exceptions import AmbiguousTime, NonExistingTime

from salonkit.domain.time import require_aware
from salonkit.errors import ValidationError


def _wall(day: dt.date, clock: dt.time, timezone: str) -> pendulum.DateTime:
    """The instant the wall clock shows ``clock`` on ``day``: a time in the skipped hour moves
    forward by the gap (01:30 → 02:30), a repeated time is its first occurrence."""
    zone = pendulum.timezone(timezone)
    naive = dt.datetime.combine(day, clock)
    try:
        local = zone.convert(naive, raise_on_unknown_times=True)
    except NonExistingTime:
        local = zone.convert(naive.replace(fold=1))
    except AmbiguousTime:
        local = zone.convert(naive.replace(fold=0))
    return pendulum.instance(local).in_timezone("UTC")


@attrs.frozen
class QuietHours:
    """From ``start`` to ``end`` (wall clock, store zone) nothing is sent; may cross midnight."""

    start: dt.time
    end: dt.time

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.start, dt.time) or not isinstance(self.end, dt.time):
            raise ValidationError("quiet_hours", "start and end must be datetime.time values")
        if self.start == self.end:
            raise ValidationError("quiet_hours.end", "must differ from start (use None for none)")

    def _window_around(self, instant: pendulum.DateTime, timezone: str) -> pendulum.DateTime | None:
        """The end of the quiet window that contains ``instant``, or ``None``."""
        local_day = instant.in_timezone(timezone).date()
        # A window starts on the local day before, or on the same day as, the instant.
        for offset in (-1, 0):
            day = local_day + dt.timedelta(days=offset)
            begins = _wall(day, self.start, timezone)
            end_day = day if self.end > self.start else day + dt.timedelta(days=1)
            ends = _wall(end_day, self.end, timezone)
            if begins <= instant < ends:
                return ends
        return None

    def contains(self, instant: dt.datetime, timezone: str) -> bool:
        """True when ``instant`` falls inside quiet hours in ``timezone``."""
        return self._window_around(require_aware(instant, "instant"), timezone) is not None

    def release(self, instant: dt.datetime, timezone: str) -> pendulum.DateTime:
        """``instant`` itself outside quiet hours, else the instant they end (UTC)."""
        utc = require_aware(instant, "instant")
        ends = self._window_around(utc, timezone)
        return utc if ends is None else ends


__all__ = ["QuietHours"]
