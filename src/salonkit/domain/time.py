"""Instants, wall-clock time and interval arithmetic.

salonkit stores instants (timezone-aware, normalised to UTC) and each store's IANA zone. Opening
hours, shifts and recurrences are written in wall-clock time and turned into instants with
:func:`wall_to_instant`, which refuses a wall time that does not exist on a daylight-saving day
and takes the *first* occurrence of one that happens twice (documented policy).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
import pendulum
from pendulum.tz.exceptions import AmbiguousTime, NonExistingTime

from salonkit.domain.validation import aware_datetime
from salonkit.errors import ValidationError


def require_aware(value: object, field: str) -> pendulum.DateTime:
    """Return ``value`` as a UTC :class:`pendulum.DateTime`; raise if it is naive or not a datetime."""
    if value.__class__ is pendulum.DateTime and value.tzinfo is pendulum.UTC:
        return value  # already one (every stored instant is)
    if not isinstance(value, dt.datetime):
        raise ValidationError(field, f"must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must be timezone-aware (a naive datetime is ambiguous)")
    return pendulum.instance(value).in_timezone("UTC")


def to_utc(value: dt.datetime) -> pendulum.DateTime:
    """Normalise an aware datetime to a UTC :class:`pendulum.DateTime`."""
    return require_aware(value, "datetime")


def plus_minutes(instant: dt.datetime, minutes: int) -> pendulum.DateTime:
    """``instant`` moved by ``minutes`` of elapsed time (back when negative).

    A UTC instant, as salonkit keeps them, is moved by plain datetime arithmetic, more than ten
    times cheaper than pendulum's ``add``; any other zone goes through pendulum, which counts
    elapsed time across daylight-saving changes.

    >>> import pendulum
    >>> plus_minutes(pendulum.datetime(2026, 3, 29, 0, 30), 90)
    DateTime(2026, 3, 29, 2, 0, 0, tzinfo=Timezone('UTC'))
    >>> plus_minutes(pendulum.datetime(2026, 3, 29, 0, 30, tz="Europe/London"), 90)
    DateTime(2026, 3, 29, 3, 0, 0, tzinfo=Timezone('Europe/London'))
    """
    if instant.tzinfo is pendulum.UTC and isinstance(instant, pendulum.DateTime):
        return dt.datetime.__add__(instant, dt.timedelta(minutes=minutes))
    return pendulum.instance(instant).add(minutes=minutes)


def wall_to_instant(
    day: dt.date, clock_time: dt.time, timezone: str, field: str = "time"
) -> pendulum.DateTime:
    """The instant at which the wall clock in ``timezone`` shows ``clock_time`` on ``day``.

    Raises :class:`~salonkit.ValidationError` if that wall time does not exist (it falls in the
    hour skipped when clocks go forward). A wall time that occurs twice (clocks go back) maps to
    its first occurrence.
    """
    zone = pendulum.timezone(timezone)
    naive = dt.datetime.combine(day, clock_time)
    try:
        local = zone.convert(naive, raise_on_unknown_times=True)
    except NonExistingTime as exc:
        raise ValidationError(
            field, f"{naive:%Y-%m-%d %H:%M} does not exist in {timezone} (clocks go forward)"
        ) from exc
    except AmbiguousTime:
        local = zone.convert(naive.replace(fold=0))
    return pendulum.instance(local).in_timezone("UTC")


def local_date(instant: dt.datetime, timezone: str) -> dt.date:
    """The calendar date the wall clock in ``timezone`` shows at ``instant``."""
    return pendulum.instance(instant).in_timezone(timezone).date()


def _utc(value: Any) -> pendulum.DateTime:
    if (
        isinstance(value, dt.datetime)
        and value.tzinfo is not None
        and value.utcoffset() is not None
    ):
        return pendulum.instance(value).in_timezone("UTC")
    return value  # type: ignore[no-any-return]  # the validator rejects it with a clear message


@attrs.frozen(order=True)
class TimeRange:
    """A half-open interval ``[start, end)`` of instants.

    >>> import pendulum
    >>> a = TimeRange(pendulum.datetime(2026, 5, 1, 9), pendulum.datetime(2026, 5, 1, 10))
    >>> b = TimeRange(pendulum.datetime(2026, 5, 1, 10), pendulum.datetime(2026, 5, 1, 11))
    >>> a.overlaps(b)
    False
    >>> a.minutes
    60
    """

    start: pendulum.DateTime = attrs.field(converter=_utc, validator=aware_datetime)
    end: pendulum.DateTime = attrs.field(converter=_utc, validator=aware_datetime)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise ValidationError("timerange.end", f"end {self.end} is before start {self.start}")

    @classmethod
    def of_minutes(cls, start: dt.datetime, minutes: int) -> TimeRange:
        """The range of ``minutes`` starting at ``start``."""
        if minutes < 0:
            raise ValidationError("timerange.minutes", f"must not be negative, got {minutes}")
        begin = _utc(start)
        return cls(begin, begin.add(minutes=minutes))

    @property
    def duration(self) -> dt.timedelta:
        """Length as a timedelta (an instant difference, so DST never distorts it)."""
        return self.end - self.start

    @property
    def minutes(self) -> int:
        """Length in whole minutes."""
        return int(self.duration.total_seconds() // 60)

    @property
    def is_empty(self) -> bool:
        """True when start equals end."""
        return self.start == self.end

    def overlaps(self, other: TimeRange) -> bool:
        """True when the two half-open ranges share at least one instant."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: TimeRange) -> bool:
        """True when ``other`` lies wholly inside this range."""
        return self.start <= other.start and other.end <= self.end

    def contains_instant(self, instant: dt.datetime) -> bool:
        """True when ``start <= instant < end``."""
        return self.start <= instant < self.end

    def intersection(self, other: TimeRange) -> TimeRange | None:
        """The common part, or ``None`` when they do not overlap."""
        start, end = max(self.start, other.start), min(self.end, other.end)
        return TimeRange(start, end) if start < end else None

    def shift(self, delta: dt.timedelta) -> TimeRange:
        """The same range moved by ``delta``."""
        return TimeRange(self.start + delta, self.end + delta)

    def expand(self, before: dt.timedelta, after: dt.timedelta) -> TimeRange:
        """Widen by ``before`` at the start and ``after`` at the end (buffers)."""
        return TimeRange(self.start - before, self.end + after)


def merge(ranges: Iterable[TimeRange]) -> list[TimeRange]:
    """Sort and coalesce overlapping or touching ranges; empty ranges vanish."""
    result: list[TimeRange] = []
    for r in sorted(x for x in ranges if not x.is_empty):
        if result and r.start <= result[-1].end:
            if r.end > result[-1].end:
                result[-1] = TimeRange(result[-1].start, r.end)
        else:
            result.append(r)
    return result


def subtract(base: Iterable[TimeRange], holes: Iterable[TimeRange]) -> list[TimeRange]:
    """``base`` minus ``holes``: the parts of ``base`` that no hole covers, merged and sorted."""
    out: list[TimeRange] = []
    cut = merge(holes)
    for b in merge(base):
        start = b.start
        for h in cut:
            if h.end <= start or h.start >= b.end:
                continue
            if h.start > start:
                out.append(TimeRange(start, h.start))
            start = max(start, h.end)
            if start >= b.end:
                break
        if start < b.end:
            out.append(TimeRange(start, b.end))
    return out


def intersect_all(a: Iterable[TimeRange], b: Iterable[TimeRange]) -> list[TimeRange]:
    """The instants covered by both sets of ranges, merged and sorted."""
    left, right = merge(a), merge(b)
    out: list[TimeRange] = []
    i = j = 0
    while i < len(left) and j < len(right):
        part = left[i].intersection(right[j])
        if part is not None:
            out.append(part)
        if left[i].end < right[j].end:
            i += 1
        else:
            j += 1
    return out


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Each calendar date from ``start`` up to and including ``end``."""
    current = start
    while current <= end:
        yield current
        current += dt.timedelta(days=1)
