"""Recurring appointments: the same wall-clock time every N weeks, across DST changes.

Occurrences are built in the store's wall-clock time (the date moves by whole weeks and the
time of day stays), never by adding multiples of 24 hours, so a 10:00 appointment stays at
10:00 after the clocks change. A wall time that does not exist on an occurrence's date (it falls
in the hour skipped when clocks go forward) is reported, not moved.

>>> import pendulum
>>> first = pendulum.datetime(2026, 3, 21, 10, tz="Europe/London")
>>> [str(o.starts_at) for o in weekly(first, "Europe/London", every_weeks=1, count=2)]
['2026-03-21 10:00:00+00:00', '2026-03-28 10:00:00+00:00']
>>> str(weekly(first, "Europe/London", every_weeks=2, count=2)[1].starts_at)
'2026-04-04 09:00:00+00:00'
"""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from salonkit.domain.time import require_aware, wall_to_instant
from salonkit.errors import ValidationError


@attrs.frozen
class Occurrence:
    """One date of a series: its instant, or ``None`` with ``problem`` when the wall time does
    not exist that day."""

    index: int
    day: dt.date
    starts_at: pendulum.DateTime | None
    problem: str = ""


def weekly(
    first: dt.datetime, timezone: str, *, every_weeks: int = 1, count: int = 1
) -> list[Occurrence]:
    """``count`` occurrences ``every_weeks`` weeks apart at ``first``'s wall-clock time."""
    if isinstance(every_weeks, bool) or not isinstance(every_weeks, int) or every_weeks < 1:
        raise ValidationError("every_weeks", f"must be a positive integer, got {every_weeks!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 520:
        raise ValidationError("count", f"must be between 1 and 520, got {count!r}")
    local = pendulum.instance(require_aware(first, "starts_at")).in_timezone(timezone)
    clock = dt.time(local.hour, local.minute, local.second)
    out: list[Occurrence] = []
    for index in range(count):
        day = local.date() + dt.timedelta(weeks=every_weeks * index)
        try:
            out.append(Occurrence(index, day, wall_to_instant(day, clock, timezone, "starts_at")))
        except ValidationError as exc:
            out.append(Occurrence(index, day, None, exc.message))
    return out


__all__ = ["Occurrence", "weekly"]
