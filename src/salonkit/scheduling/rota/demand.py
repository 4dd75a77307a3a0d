"""Cover per hour and skill from the salon's own data: bookings, and past weeks.

Two steps turn a salon's diary into the :class:`~salonkit.scheduling.rota.model.HourlyCover`
rows of a rota:

1. :func:`demand_from_bookings` counts, for each day, hour and skill, the most bookings needing
   that skill in progress at the same moment within the hour (the peak, so one stylist per
   simultaneous client). Times are read in the salon's time zone.
2. :func:`forecast` predicts a future day from past ones: the mean of the same weekday over
   the last ``weeks`` weeks before the rota starts, rounded up (weeks with no data count as
   zero only when ``missing_as_zero``; by default they are left out of the mean).

:func:`hourly_cover` then turns a demand table into cover rows with under/over weights.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import attrs
import pendulum

from salonkit.errors import ValidationError
from salonkit.scheduling.rota.model import HourlyCover

#: ``(date, hour, skill)`` -> staff needed.
DatedDemand = dict[tuple[dt.date, int, str], int]
#: ``(day index, hour, skill)`` -> staff needed, day 0 being the rota's first day.
Demand = dict[tuple[int, int, str], int]


@attrs.frozen
class DemandBooking:
    """One booking as the rota sees it: when it runs and which skill it needs.

    ``start`` and ``end`` are timezone-aware datetimes (``end`` after ``start``).
    """

    start: dt.datetime
    end: dt.datetime
    skill: str

    def __attrs_post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, dt.datetime) or value.tzinfo is None:
                raise ValidationError(f"demandbooking.{name}", "must be a timezone-aware datetime")
        if self.end <= self.start:
            raise ValidationError("demandbooking.end", "must be after the start")
        if not isinstance(self.skill, str) or not self.skill.strip():
            raise ValidationError("demandbooking.skill", "must be a non-empty string")


def demand_from_bookings(bookings: Iterable[DemandBooking], timezone: str) -> DatedDemand:
    """Peak simultaneous bookings per local date, hour and skill.

    A booking from 10:30 to 11:15 counts in the hours 10 and 11. Within one hour the number
    reported is the largest number of bookings of that skill running at the same moment.
    """
    try:
        tz = pendulum.timezone(timezone)
    except Exception:  # pendulum raises its own "invalid timezone" error
        raise ValidationError("timezone", f"unknown time zone {timezone!r}") from None
    # events per (date, hour, skill): (minute within the hour, +1/-1)
    events: dict[tuple[dt.date, int, str], list[tuple[int, int]]] = defaultdict(list)
    key: tuple[dt.date, int, str]
    for b in bookings:
        start = pendulum.instance(b.start).in_timezone(tz)
        end = pendulum.instance(b.end).in_timezone(tz)
        cursor = start.replace(minute=0, second=0, microsecond=0)
        while cursor < end:
            nxt = cursor.add(hours=1)
            lo, hi = max(start, cursor), min(end, nxt)
            if lo < hi:
                key = (dt.date(cursor.year, cursor.month, cursor.day), cursor.hour, b.skill)
                events[key].append((int((lo - cursor).total_seconds()), +1))
                events[key].append((int((hi - cursor).total_seconds()), -1))
            cursor = nxt
    out: DatedDemand = {}
    for key, evs in events.items():
        evs.sort()  # an end (-1) sorts before a start (+1) at the same moment
        level = peak = 0
        for _t, step in evs:
            level += step
            peak = max(peak, level)
        out[key] = peak
    return out


def forecast(
    history: Mapping[tuple[dt.date, int, str], int],
    start: dt.date,
    days: int,
    weeks: int = 4,
    missing_as_zero: bool = False,
) -> Demand:
    """Demand for ``days`` days from ``start``: the same weekday's mean over ``weeks`` weeks.

    For day ``d`` (date ``start + d``) and each hour and skill seen in the history, the value
    is the mean, rounded up, of that hour and skill over the ``weeks`` latest dates before
    ``start`` with the same weekday. A past date present in the history with no row for that
    hour and skill counts as 0; a past date absent from the history is left out of the mean
    (or counts as 0 with ``missing_as_zero``).
    """
    if weeks < 1:
        raise ValidationError("weeks", f"must be at least 1, got {weeks}")
    if days < 1:
        raise ValidationError("days", f"must be at least 1, got {days}")
    seen_dates = {d for d, _h, _s in history}
    slots = sorted({(h, s) for _d, h, s in history})
    out: Demand = {}
    for d in range(days):
        day = start + dt.timedelta(days=d)
        # the latest `weeks` dates before `start` with the same weekday
        back = (day - start).days // 7 + 1
        past = [day - dt.timedelta(days=7 * (back + k)) for k in range(weeks)]
        used = past if missing_as_zero else [p for p in past if p in seen_dates]
        if not used:
            continue
        for hour, skill in slots:
            total = sum(history.get((p, hour, skill), 0) for p in used)
            value = math.ceil(total / len(used))
            if value:
                out[d, hour, skill] = value
    return out


def dated_to_days(
    demand: Mapping[tuple[dt.date, int, str], int], start: dt.date, days: int
) -> Demand:
    """Re-key a dated demand table by day index from ``start`` (rows outside are dropped)."""
    out: Demand = {}
    for (date, hour, skill), n in demand.items():
        d = (date - start).days
        if 0 <= d < days and n:
            out[d, hour, skill] = n
    return out


def hourly_cover(
    demand: Mapping[tuple[int, int, str], int], under_weight: int = 100, over_weight: int = 0
) -> tuple[HourlyCover, ...]:
    """Cover rows for a rota from a demand table (sorted by day, hour, skill)."""
    return tuple(
        HourlyCover(
            day=d,
            hour=h,
            skill=s,
            requirement=n,
            under_weight=under_weight,
            over_weight=over_weight,
        )
        for (d, h, s), n in sorted(demand.items())
    )


__all__ = [
    "DatedDemand",
    "Demand",
    "DemandBooking",
    "dated_to_days",
    "demand_from_bookings",
    "forecast",
    "hourly_cover",
]
