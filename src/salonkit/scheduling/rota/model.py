"""The staff rota problem and its solution, as plain frozen values.

A rota covers ``horizon`` consecutive days numbered from 0; day 0 is a Monday, so days
``5`` and ``6`` of every week (Saturday and Sunday) form its weekends. Each employee works at most
one :class:`ShiftType` a day. The hard rules come from each employee's :class:`Contract` and days
off; the soft ones (requests to work or not to work a shift, cover per day and shift, and cover
per hour and skill) are weighted penalties, summed into the objective to minimise.

A :class:`RotaProblem` checks its own consistency when it is built and raises
:class:`salonkit.errors.ValidationError` naming the field at fault, so the solver and the checker
can trust what they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from salonkit.errors import SalonkitError, ValidationError

#: Day indexes, within a week starting on Monday (0), that form the weekend.
WEEKEND_DAYS: tuple[int, int] = (5, 6)
#: A day off in a roster row.
OFF = ""
#: Minutes in a day; a shift may start at any minute of its day and may run past midnight.
DAY_MINUTES = 24 * 60

RequestKind = Literal["on", "off"]
Status = Literal["OPTIMAL", "FEASIBLE", "UNKNOWN"]


def _name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__.lower()}.{attribute.name}"


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _int(value) or value < 0:  # type: ignore[operator]
        raise ValidationError(
            _name(instance, attribute), f"must be a non-negative integer, got {value!r}"
        )


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _int(value) or value <= 0:  # type: ignore[operator]
        raise ValidationError(
            _name(instance, attribute), f"must be a positive integer, got {value!r}"
        )


def _optional_non_negative(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> None:
    if value is not None:
        _non_negative(instance, attribute, value)


def _text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise ValidationError(
            _name(instance, attribute), f"must be a non-empty name without spaces, got {value!r}"
        )


def _texts(instance: object, attribute: attrs.Attribute[Any], value: Iterable[object]) -> None:
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(_name(instance, attribute), f"holds a bad name {item!r}")


def _ints(instance: object, attribute: attrs.Attribute[Any], value: Iterable[object]) -> None:
    for item in value:
        if not _int(item) or item < 0:  # type: ignore[operator]
            raise ValidationError(_name(instance, attribute), f"holds a bad day {item!r}")


def _frozen_strs(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset([value])
    return frozenset(value)


def _frozen_ints(value: Iterable[int]) -> frozenset[int]:
    return frozenset(value)


def _mapping(value: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ValidationError("contract.max_shifts", f"must map shift ids to counts, got {value!r}")
    return dict(value)


class NoValidRow(SalonkitError):
    """No row of one employee meets their own rules (contract, rotation, fixed days off), so
    no roster exists whatever the cover."""

    def __init__(self, employee: str) -> None:
        super().__init__(f"no row of employee {employee} meets their rules")
        self.employee = employee


@attrs.frozen
class ShiftType:
    """A kind of shift: ``id``, its ``minutes`` of work, its ``start`` (minute of the day).

    ``forbidden_next`` names the shift types that may not be worked the day after this one
    (a late shift followed by an early one, for instance). ``start`` only matters for cover per
    hour; the benchmark format does not give it and leaves it at 0.
    """

    id: str = attrs.field(validator=_text)
    minutes: int = attrs.field(validator=_positive)
    start: int = attrs.field(default=0, validator=_non_negative)
    forbidden_next: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen_strs, validator=_texts
    )

    def __attrs_post_init__(self) -> None:
        if self.start >= DAY_MINUTES:
            raise ValidationError(
                "shifttype.start", f"must be a minute of the day, got {self.start}"
            )
        if self.minutes > DAY_MINUTES:
            raise ValidationError("shifttype.minutes", "a shift lasts at most 24 hours")


@attrs.frozen
class Contract:
    """The hard limits on one employee's work over the horizon.

    ``max_shifts`` maps a shift type to the most shifts of that type (a type left out may not be
    worked at all; use :meth:`unlimited` for no per-type limit). Minutes are inclusive bounds on
    the total worked. Runs of working days are between ``min_consecutive`` and
    ``max_consecutive`` long, runs of days off at least ``min_days_off`` long (runs touching
    either end of the horizon are exempt from the minimums), and at most ``max_weekends``
    weekends contain work.
    """

    max_shifts: dict[str, int] = attrs.field(converter=_mapping)
    max_minutes: int = attrs.field(validator=_non_negative)
    min_minutes: int = attrs.field(default=0, validator=_non_negative)
    max_consecutive: int = attrs.field(default=10_000, validator=_positive)
    min_consecutive: int = attrs.field(default=1, validator=_positive)
    min_days_off: int = attrs.field(default=1, validator=_positive)
    max_weekends: int = attrs.field(default=10_000, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        for shift, count in self.max_shifts.items():
            if not isinstance(shift, str) or not shift.strip():
                raise ValidationError("contract.max_shifts", f"bad shift id {shift!r}")
            if not _int(count) or count < 0:
                raise ValidationError(
                    "contract.max_shifts", f"{shift}: must be a non-negative integer, got {count!r}"
                )
        if self.min_minutes > self.max_minutes:
            raise ValidationError(
                "contract.min_minutes",
                f"{self.min_minutes} is above max_minutes {self.max_minutes}",
            )
        if self.min_consecutive > self.max_consecutive:
            raise ValidationError(
                "contract.min_consecutive",
                f"{self.min_consecutive} is above max_consecutive {self.max_consecutive}",
            )

    @classmethod
    def unlimited(cls, shifts: Iterable[str], max_minutes: int, **limits: int) -> Contract:
        """A contract allowing every one of ``shifts`` any number of times."""
        return cls(max_shifts={s: 10_000 for s in shifts}, max_minutes=max_minutes, **limits)


@attrs.frozen
class Employee:
    """A member of staff: ``id``, :class:`Contract`, days they must not work, and skills."""

    id: str = attrs.field(validator=_text)
    contract: Contract
    days_off: frozenset[int] = attrs.field(
        default=frozenset(), converter=_frozen_ints, validator=_ints
    )
    skills: frozenset[str] = attrs.field(
        default=frozenset(), converter=_frozen_strs, validator=_texts
    )


@attrs.frozen
class ShiftRequest:
    """A wish of ``employee`` to work (``kind="on"``) or not (``"off"``) ``shift`` on ``day``.

    Refusing the wish costs ``weight`` points.
    """

    employee: str = attrs.field(validator=_text)
    day: int = attrs.field(validator=_non_negative)
    shift: str = attrs.field(validator=_text)
    weight: int = attrs.field(validator=_non_negative)
    kind: RequestKind = "on"

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("on", "off"):
            raise ValidationError("shiftrequest.kind", f"must be 'on' or 'off', got {self.kind!r}")


@attrs.frozen
class CoverRequirement:
    """``requirement`` staff wanted on ``shift`` on ``day``.

    Each one missing costs ``under_weight``, each one too many ``over_weight``.
    """

    day: int = attrs.field(validator=_non_negative)
    shift: str = attrs.field(validator=_text)
    requirement: int = attrs.field(validator=_non_negative)
    under_weight: int = attrs.field(default=100, validator=_non_negative)
    over_weight: int = attrs.field(default=1, validator=_non_negative)


@attrs.frozen
class HourlyCover:
    """``requirement`` staff with ``skill`` (any staff when ``None``) at work in an hour.

    The hour is ``[hour:00, hour+1:00)`` of ``day``; an employee counts when the shift they
    work covers the whole hour (a shift started the day before and running past midnight counts
    too). Each one missing costs ``under_weight``, each one too many ``over_weight``.
    """

    day: int = attrs.field(validator=_non_negative)
    hour: int = attrs.field(validator=_non_negative)
    requirement: int = attrs.field(validator=_non_negative)
    skill: str | None = None
    under_weight: int = attrs.field(default=100, validator=_non_negative)
    over_weight: int = attrs.field(default=0, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if self.hour >= 24:
            raise ValidationError("hourlycover.hour", f"must be 0-23, got {self.hour}")
        if self.skill is not None and (not isinstance(self.skill, str) or not self.skill.strip()):
            raise ValidationError("hourlycover.skill", f"bad skill {self.skill!r}")


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen
class RotaProblem:
    """A whole rota to plan: horizon, shift types, staff, requests and cover.

    ``start_date``, when given, is the Monday of day 0 (for display and for demand built from
    dated bookings); the rules never need it.
    """

    horizon: int = attrs.field(validator=_positive)
    shifts: tuple[ShiftType, ...] = attrs.field(converter=_tuple)
    employees: tuple[Employee, ...] = attrs.field(converter=_tuple)
    requests: tuple[ShiftRequest, ...] = attrs.field(default=(), converter=_tuple)
    cover: tuple[CoverRequirement, ...] = attrs.field(default=(), converter=_tuple)
    hourly_cover: tuple[HourlyCover, ...] = attrs.field(default=(), converter=_tuple)
    name: str = ""
    start_date: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        _check_problem(self)

    @property
    def shift_ids(self) -> tuple[str, ...]:
        """The shift type ids, in the order given."""
        return tuple(s.id for s in self.shifts)

    @property
    def employee_ids(self) -> tuple[str, ...]:
        """The employee ids, in the order given."""
        return tuple(e.id for e in self.employees)

    def shift(self, shift_id: str) -> ShiftType:
        """The shift type named ``shift_id``."""
        for s in self.shifts:
            if s.id == shift_id:
                return s
        raise ValidationError("shift", f"unknown shift type {shift_id!r}")

    def weekends(self) -> list[tuple[int, ...]]:
        """The days of each weekend touching the horizon, in order (a cut weekend is shorter)."""
        out: list[tuple[int, ...]] = []
        for first in range(WEEKEND_DAYS[0], self.horizon, 7):
            days = tuple(d for d in range(first, first + len(WEEKEND_DAYS)) if d < self.horizon)
            out.append(days)
        return out


def _check_problem(p: RotaProblem) -> None:
    for i, s in enumerate(p.shifts):
        if not isinstance(s, ShiftType):
            raise ValidationError(f"rotaproblem.shifts[{i}]", "must be a ShiftType")
    if not p.shifts:
        raise ValidationError("rotaproblem.shifts", "needs at least one shift type")
    shift_ids = [s.id for s in p.shifts]
    _unique("rotaproblem.shifts", shift_ids)
    known = set(shift_ids)
    for i, s in enumerate(p.shifts):
        unknown = s.forbidden_next - known
        if unknown:
            raise ValidationError(
                f"rotaproblem.shifts[{i}].forbidden_next", f"unknown shift types {sorted(unknown)}"
            )
    for i, e in enumerate(p.employees):
        if not isinstance(e, Employee):
            raise ValidationError(f"rotaproblem.employees[{i}]", "must be an Employee")
        unknown_types = set(e.contract.max_shifts) - known
        if unknown_types:
            raise ValidationError(
                f"rotaproblem.employees[{i}].contract.max_shifts",
                f"unknown shift types {sorted(unknown_types)}",
            )
        late = [d for d in e.days_off if d >= p.horizon]
        if late:
            raise ValidationError(
                f"rotaproblem.employees[{i}].days_off", f"days {sorted(late)} are past the horizon"
            )
    _unique("rotaproblem.employees", [e.id for e in p.employees])
    staff = {e.id for e in p.employees}
    for i, r in enumerate(p.requests):
        field = f"rotaproblem.requests[{i}]"
        if not isinstance(r, ShiftRequest):
            raise ValidationError(field, "must be a ShiftRequest")
        if r.employee not in staff:
            raise ValidationError(f"{field}.employee", f"unknown employee {r.employee!r}")
        if r.shift not in known:
            raise ValidationError(f"{field}.shift", f"unknown shift type {r.shift!r}")
        if r.day >= p.horizon:
            raise ValidationError(f"{field}.day", f"day {r.day} is past the horizon {p.horizon}")
    seen: set[tuple[int, str]] = set()
    for i, c in enumerate(p.cover):
        field = f"rotaproblem.cover[{i}]"
        if not isinstance(c, CoverRequirement):
            raise ValidationError(field, "must be a CoverRequirement")
        if c.shift not in known:
            raise ValidationError(f"{field}.shift", f"unknown shift type {c.shift!r}")
        if c.day >= p.horizon:
            raise ValidationError(f"{field}.day", f"day {c.day} is past the horizon {p.horizon}")
        if (c.day, c.shift) in seen:
            raise ValidationError(field, f"a second cover row for day {c.day}, shift {c.shift}")
        seen.add((c.day, c.shift))
    hourly: set[tuple[int, int, str | None]] = set()
    for i, h in enumerate(p.hourly_cover):
        field = f"rotaproblem.hourly_cover[{i}]"
        if not isinstance(h, HourlyCover):
            raise ValidationError(field, "must be an HourlyCover")
        if h.day >= p.horizon:
            raise ValidationError(f"{field}.day", f"day {h.day} is past the horizon {p.horizon}")
        if (h.day, h.hour, h.skill) in hourly:
            raise ValidationError(field, f"a second row for day {h.day} {h.hour}:00 {h.skill}")
        hourly.add((h.day, h.hour, h.skill))
    if p.start_date is not None and p.start_date.weekday() != 0:
        raise ValidationError("rotaproblem.start_date", "day 0 of a rota must be a Monday")


def _unique(field: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValidationError(field, f"duplicate id {item!r}")
        seen.add(item)


@attrs.frozen
class Explanation:
    """Why part of the objective was paid: an unmet cover or a refused request.

    ``kind`` is ``"under_cover"``, ``"over_cover"``, ``"hourly_under"``, ``"hourly_over"``,
    ``"request_on"`` or ``"request_off"``; ``penalty`` the points it costs; ``reasons`` one
    sentence per cause found (which rule a change would break, or what it would cost instead).
    """

    kind: str
    day: int
    penalty: int
    message: str
    shift: str | None = None
    employee: str | None = None
    reasons: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    hour: int | None = None
    skill: str | None = None


def _rows(value: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in dict(value).items()}


@attrs.frozen
class RotaSolution:
    """A roster and what is known about it.

    ``roster`` maps each employee to ``horizon`` entries: a shift type id or ``""`` (off).
    ``bound`` is the best proven lower bound on the objective (``None`` when unknown) and
    ``status`` is ``"OPTIMAL"`` when the two meet.
    """

    roster: dict[str, tuple[str, ...]] = attrs.field(converter=_rows)
    objective: int
    bound: int | None = None
    status: Status = "FEASIBLE"
    wall_s: float = 0.0
    instance: str = ""
    explanations: tuple[Explanation, ...] = attrs.field(default=(), converter=_tuple)

    @property
    def gap(self) -> float | None:
        """``(objective - bound) / objective`` (0.0 when both are 0), or ``None`` without a bound."""
        if self.bound is None:
            return None
        if self.objective == 0:
            return 0.0
        return (self.objective - self.bound) / self.objective


__all__ = [
    "DAY_MINUTES",
    "OFF",
    "WEEKEND_DAYS",
    "Contract",
    "CoverRequirement",
    "Employee",
    "Explanation",
    "HourlyCover",
    "NoValidRow",
    "RequestKind",
    "RotaProblem",
    "RotaSolution",
    "ShiftRequest",
    "ShiftType",
    "Status",
]
