"""Stores: where the salon works, in which zone and currency, and when it is open."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import attrs

from salonkit.domain.money import check_currency
from salonkit.domain.time import TimeRange, wall_to_instant
from salonkit.domain.validation import field_name, non_empty, timezone_name, to_tuple, unique_ids
from salonkit.errors import ValidationError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@attrs.frozen
class WallInterval:
    """A wall-clock interval on one day, ``opens`` to ``closes`` (e.g. 09:00-18:00)."""

    opens: dt.time
    closes: dt.time

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.opens, dt.time) or not isinstance(self.closes, dt.time):
            raise ValidationError("wallinterval", "opens and closes must be datetime.time values")
        if self.closes <= self.opens:
            raise ValidationError("wallinterval.closes", f"{self.closes} is not after {self.opens}")

    def on(self, day: dt.date, timezone: str) -> TimeRange:
        """The instants this interval covers on ``day`` in ``timezone`` (DST-aware)."""
        return TimeRange(
            wall_to_instant(day, self.opens, timezone, "opening_hours.opens"),
            wall_to_instant(day, self.closes, timezone, "opening_hours.closes"),
        )


@attrs.frozen
class OpeningHours:
    """Opening intervals of one weekday (0 = Monday). Several intervals allow a lunch closure."""

    weekday: int
    intervals: tuple[WallInterval, ...] = attrs.field(converter=to_tuple)

    def __attrs_post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValidationError(
                "openinghours.weekday", f"must be 0 (Monday) to 6, got {self.weekday}"
            )
        ordered = sorted(self.intervals, key=lambda i: i.opens)
        for a, b in itertools.pairwise(ordered):
            if b.opens < a.closes:
                raise ValidationError(
                    "openinghours.intervals", f"{WEEKDAYS[self.weekday]} intervals overlap"
                )


@attrs.frozen
class Closure:
    """A date range (inclusive) when the store is closed: a holiday or a refit."""

    first_day: dt.date
    last_day: dt.date
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValidationError("closure.last_day", "is before first_day")

    def covers(self, day: dt.date) -> bool:
        """True when the store is closed on ``day``."""
        return self.first_day <= day <= self.last_day


def _unique_weekdays(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[OpeningHours, ...]
) -> None:
    days = [h.weekday for h in value]
    if len(days) != len(set(days)):
        raise ValidationError(field_name(instance, attribute), "a weekday is listed twice")


@attrs.frozen(kw_only=True)
class Store:
    """One salon of a chain (a single salon is a chain of one).

    ``timezone`` is an IANA name; ``currency`` an ISO 4217 code. Weekdays without an
    :class:`OpeningHours` entry are closed days.
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    timezone: str = attrs.field(validator=timezone_name)
    currency: str = attrs.field()
    opening_hours: tuple[OpeningHours, ...] = attrs.field(
        default=(), converter=to_tuple, validator=_unique_weekdays
    )
    closures: tuple[Closure, ...] = attrs.field(default=(), converter=to_tuple)
    address: str = ""
    phone: str | None = None
    version: int = 0

    @currency.validator
    def _check_currency(self, attribute: attrs.Attribute[Any], value: str) -> None:
        check_currency(value, "store.currency")

    def is_closed_on(self, day: dt.date) -> bool:
        """True on a closure day or a weekday without opening hours."""
        return any(c.covers(day) for c in self.closures) or not self.hours_for(day)

    def hours_for(self, day: dt.date) -> tuple[WallInterval, ...]:
        """The wall-clock opening intervals of ``day``'s weekday (ignoring closures)."""
        for hours in self.opening_hours:
            if hours.weekday == day.weekday():
                return hours.intervals
        return ()

    def open_ranges(self, day: dt.date) -> list[TimeRange]:
        """The instants the store is open on ``day``: empty on a closed day."""
        if any(c.covers(day) for c in self.closures):
            return []
        return [interval.on(day, self.timezone) for interval in self.hours_for(day)]


def weekly_hours(
    opens: str, closes: str, weekdays: range | tuple[int, ...] = range(7)
) -> tuple[OpeningHours, ...]:
    """Convenience: the same single interval on each of ``weekdays`` (``"09:00"``, ``"19:00"``)."""
    interval = WallInterval(dt.time.fromisoformat(opens), dt.time.fromisoformat(closes))
    return tuple(OpeningHours(d, (interval,)) for d in weekdays)


__all__ = [
    "WEEKDAYS",
    "Closure",
    "OpeningHours",
    "Store",
    "WallInterval",
    "unique_ids",
    "weekly_hours",
]
