"""Staff members: skills, level, weekly working pattern with breaks, time off and duration overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from salonkit.domain.store import WallInterval
from salonkit.domain.time import TimeRange
from salonkit.domain.validation import field_name, non_empty, to_frozenset, to_tuple
from salonkit.errors import ValidationError


@attrs.frozen
class WeeklyShift:
    """Working hours on one weekday (0 = Monday) with the breaks taken inside them."""

    weekday: int
    hours: WallInterval
    breaks: tuple[WallInterval, ...] = attrs.field(default=(), converter=to_tuple)

    def __attrs_post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValidationError(
                "weeklyshift.weekday", f"must be 0 (Monday) to 6, got {self.weekday}"
            )
        for b in self.breaks:
            if b.opens < self.hours.opens or b.closes > self.hours.closes:
                raise ValidationError(
                    "weeklyshift.breaks", f"break {b.opens}-{b.closes} lies outside the shift"
                )


@attrs.frozen
class TimeOff:
    """An absence (holiday, sickness, training) as a range of instants."""

    period: TimeRange
    reason: str = ""


def _check_overrides(
    instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, tuple[int, ...]]
) -> None:
    for service_id, minutes in value.items():
        if not minutes or any(
            isinstance(m, bool) or not isinstance(m, int) or m < 0 for m in minutes
        ):
            raise ValidationError(
                field_name(instance, attribute),
                f"{service_id}: step durations must be non-negative integers, got {minutes!r}",
            )


def _overrides(value: Mapping[str, Any] | None) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v) for k, v in (value or {}).items()}


@attrs.frozen(kw_only=True)
class StaffMember:
    """A stylist, colourist or therapist working in one store.

    ``duration_overrides`` maps a service id to this person's own step durations in minutes
    (one per step of the service), for a senior who cuts faster or a junior who needs longer.
    """

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    skills: frozenset[str] = attrs.field(default=frozenset(), converter=to_frozenset)
    level: str = "stylist"
    working_pattern: tuple[WeeklyShift, ...] = attrs.field(default=(), converter=to_tuple)
    time_off: tuple[TimeOff, ...] = attrs.field(default=(), converter=to_tuple)
    duration_overrides: Mapping[str, tuple[int, ...]] = attrs.field(
        factory=dict, converter=_overrides, validator=_check_overrides, hash=False
    )
    active: bool = True
    version: int = 0

    def shifts_on(self, day: dt.date) -> tuple[WeeklyShift, ...]:
        """This person's pattern entries for ``day``'s weekday."""
        return tuple(s for s in self.working_pattern if s.weekday == day.weekday())

    def can_do(self, skill: str) -> bool:
        """True when this person has ``skill``."""
        return skill in self.skills
