"""Interval arithmetic on sorted lists of integer spans (epoch seconds), for the availability engine.

Every function takes and returns lists of half-open ``(start, end)`` spans, sorted and disjoint.
They run in time linear in the lists' lengths (or logarithmic with :class:`BusyIndex`), which is
what keeps slot search fast: no minute-by-minute scan anywhere.

>>> subtract([(0, 100)], [(10, 20), (50, 60)])
[(0, 10), (20, 50), (60, 100)]
>>> fit([(0, 100)], 10, 40)   # starts s with [s+10, s+40) inside [0, 100)
[(-10, 61)]
>>> at_least([[(0, 10)], [(5, 20)]], 2)
[(5, 10)]
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

import pendulum

Span = tuple[int, int]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def to_epoch(instant: dt.datetime) -> int:
    """Whole epoch seconds of an aware datetime."""
    return int(instant.timestamp())


def from_epoch(seconds: int) -> pendulum.DateTime:
    """The UTC :class:`pendulum.DateTime` at ``seconds`` after the epoch (a fast path)."""
    days, rest = divmod(seconds, 86400)
    day = dt.date.fromordinal(_EPOCH_ORDINAL + days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return pendulum.DateTime(
        day.year, day.month, day.day, hour, minute, second, tzinfo=pendulum.UTC
    )


@functools.lru_cache(maxsize=65536)
def wall_instant(day: dt.date, clock: dt.time, timezone: str) -> int:
    """Epoch seconds when the wall clock shows ``clock`` on ``day`` (cached).

    Same policy as :func:`~salonkit.domain.time.wall_to_instant` for a time that occurs twice
    (its first occurrence), but a wall time skipped by a DST change is moved forward past the
    gap instead of refused (a shift written as 01:30 starts at 02:30 on that day in London),
    since opening hours and shifts are fixed in advance and the day must still be usable.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    return int(dt.datetime.combine(day, clock, tzinfo=zone).replace(fold=0).timestamp())


def local_day(instant: dt.datetime | int, timezone: str) -> dt.date:
    """The date the wall clock in ``timezone`` shows at ``instant`` (an aware datetime or epoch
    seconds); a fast path of :func:`~salonkit.domain.time.local_date`."""
    seconds = instant if isinstance(instant, int) else instant.timestamp()
    return dt.datetime.fromtimestamp(seconds, zoneinfo.ZoneInfo(timezone)).date()


def day_bounds(day: dt.date, timezone: str) -> tuple[int, int]:
    """Epoch seconds of the start of ``day`` and of the next day in ``timezone`` (23, 24 or 25
    hours apart)."""
    midnight = dt.time(0, 0)
    return wall_instant(day, midnight, timezone), wall_instant(
        day + dt.timedelta(days=1), midnight, timezone
    )


def merge(spans: Iterable[Span]) -> list[Span]:
    """Sort and coalesce overlapping or touching spans; empty spans vanish."""
    out: list[Span] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def subtract(base: Sequence[Span], holes: Sequence[Span]) -> list[Span]:
    """``base`` minus ``holes`` (both sorted and disjoint)."""
    out: list[Span] = []
    j = 0
    n = len(holes)
    for a, b in base:
        start = a
        while j < n and holes[j][1] <= start:
            j += 1
        k = j
        while k < n and holes[k][0] < b:
            h0, h1 = holes[k]
            if h0 > start:
                out.append((start, h0))
            if h1 > start:
                start = h1
            if start >= b:
                break
            k += 1
        if start < b:
            out.append((start, b))
    return out


def intersect(left: Sequence[Span], right: Sequence[Span]) -> list[Span]:
    """The parts covered by both (each sorted and disjoint)."""
    out: list[Span] = []
    i = j = 0
    while i < len(left) and j < len(right):
        a0, a1 = left[i]
        b0, b1 = right[j]
        lo = a0 if a0 > b0 else b0
        hi = a1 if a1 < b1 else b1
        if lo < hi:
            out.append((lo, hi))
        if a1 < b1:
            i += 1
        else:
            j += 1
    return out


def fit(free: Sequence[Span], a: int, b: int) -> list[Span]:
    """The starts ``s`` for which ``[s + a, s + b)`` lies inside one span of ``free``.

    Returned as half-open spans of starts (so ``[f0 - a, f1 - b + 1)``).
    """
    need = b - a
    return [(f0 - a, f1 - b + 1) for f0, f1 in free if f1 - f0 >= need]


def at_least(groups: Sequence[Sequence[Span]], count: int) -> list[Span]:
    """Where at least ``count`` of the span lists ``groups`` cover (a sweep over their ends)."""
    if count <= 1:
        return merge(s for group in groups for s in group)
    events: list[tuple[int, int]] = []
    for group in groups:
        for a, b in group:
            events.append((a, 1))
            events.append((b, -1))
    events.sort()
    out: list[Span] = []
    depth = 0
    opened = 0
    for at, step in events:
        before = depth
        depth += step
        if before < count <= depth:
            opened = at
        elif depth < count <= before and at > opened:
            if out and out[-1][1] == opened:
                out[-1] = (out[-1][0], at)
            else:
                out.append((opened, at))
    return out


def covers(spans: Sequence[Span], a: int, b: int) -> bool:
    """True when ``[a, b)`` lies inside one span of the sorted, disjoint ``spans``."""
    i = bisect_right(spans, (a, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= a and b <= spans[i][1]


class BusyIndex:
    """Sorted, merged busy spans, their starts and ends in two arrays searched by bisection.

    The arrays hold plain 64-bit integers, not Python objects: copying one (each booking makes a
    new index for the staff member and units it occupies) is a memory copy, and the garbage
    collector has nothing in them to visit.
    """

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        merged = merge(spans)
        self.starts = array("q", [a for a, _ in merged])
        self.ends = array("q", [b for _, b in merged])

    @property
    def spans(self) -> list[Span]:
        """The busy spans, in order."""
        return list(zip(self.starts, self.ends, strict=True))

    def with_spans(self, spans: Iterable[Span]) -> BusyIndex:
        """A copy with ``spans`` added (merged in place of a full re-sort: adding a booking to
        a long calendar costs a bisect and a memory copy, not a sort)."""
        out = object.__new__(BusyIndex)
        starts = self.starts[:]
        ends = self.ends[:]
        for a, b in spans:
            if b <= a:
                continue
            i = bisect_left(starts, a)
            # merge with the neighbour before when they touch or overlap
            if i and ends[i - 1] >= a:
                i -= 1
                a = starts[i]
                b = max(b, ends[i])
                del starts[i], ends[i]
            # swallow every following span that starts before the end
            while i < len(starts) and starts[i] <= b:
                b = max(b, ends[i])
                del starts[i], ends[i]
            starts.insert(i, a)
            ends.insert(i, b)
        out.starts = starts
        out.ends = ends
        return out

    def between(self, lo: int, hi: int) -> list[Span]:
        """The busy spans that overlap ``[lo, hi)``."""
        starts, ends = self.starts, self.ends
        i = bisect_right(ends, lo)
        out: list[Span] = []
        while i < len(starts) and starts[i] < hi:
            out.append((starts[i], ends[i]))
            i += 1
        return out

    def is_free(self, a: int, b: int) -> bool:
        """True when nothing busy overlaps ``[a, b)``."""
        i = bisect_right(self.ends, a)
        return i == len(self.starts) or self.starts[i] >= b


EMPTY = BusyIndex(())

__all__ = [
    "EMPTY",
    "BusyIndex",
    "Span",
    "at_least",
    "covers",
    "day_bounds",
    "fit",
    "from_epoch",
    "intersect",
    "local_day",
    "merge",
    "subtract",
    "to_epoch",
    "wall_instant",
]
