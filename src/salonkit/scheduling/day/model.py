"""The salon-day problem and its solution, as plain frozen values.

Every time is an integer number of minutes since midnight of the one day (``9 * 60`` is 09:00)
and every duration is in minutes. A :class:`DayProblem` checks its own consistency when it is
built and raises :class:`salonkit.errors.ValidationError` naming the field at fault, so the
solver, the greedy baseline and the checker can trust what they are given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import attrs

from salonkit.errors import ValidationError

#: Weight of a scheduled request per priority: ``100 * PRIORITY_WEIGHT[priority]`` points.
PRIORITY_WEIGHT: dict[int, int] = {1: 1, 2: 2, 3: 4}
#: Points per scheduled request, per unit of priority weight.
REQUEST_POINTS = 100
#: Extra points when the assigned staff member is one the customer prefers.
PREFERRED_POINTS = 10
#: The last minute of the day a time may name (``24:00``).
END_OF_DAY = 24 * 60

Status = Literal["OPTIMAL", "FEASIBLE"]


def _name(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__.lower()}.{attribute.name}"


def _minute(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= END_OF_DAY:
        raise ValidationError(
            _name(instance, attribute), f"must be a minute of the day (0-1440), got {value!r}"
        )


def _positive(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(
            _name(instance, attribute), f"must be a positive integer, got {value!r}"
        )


def _non_negative(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            _name(instance, attribute), f"must be a non-negative integer, got {value!r}"
        )


def _text(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_name(instance, attribute), "must be a non-empty string")


def _texts(instance: object, attribute: attrs.Attribute[Any], value: Iterable[str]) -> None:
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError(_name(instance, attribute), f"holds a bad name {item!r}")


def _no_duplicates(field: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValidationError(field, f"duplicate id {item!r}")
        seen.add(item)


@attrs.frozen
class Shift:
    """A working interval ``[start, end)`` of a staff member."""

    start: int = attrs.field(validator=_minute)
    end: int = attrs.field(validator=_minute)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError("shift.end", f"must be after the start ({self.start})")


@attrs.frozen
class BreakWindow:
    """A break of ``duration_min`` minutes to place inside ``[earliest, latest_end]``."""

    earliest: int = attrs.field(validator=_minute)
    latest_end: int = attrs.field(validator=_minute)
    duration_min: int = attrs.field(validator=_positive)

    def __attrs_post_init__(self) -> None:
        if self.latest_end - self.earliest < self.duration_min:
            raise ValidationError(
                "breakwindow.latest_end",
                f"the window {self.earliest}-{self.latest_end} cannot hold "
                f"{self.duration_min} minutes",
            )


def _strs(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _shifts(value: Iterable[Shift]) -> tuple[Shift, ...]:
    return tuple(value)


def _windows(value: Iterable[BreakWindow]) -> tuple[BreakWindow, ...]:
    return tuple(value)


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    return tuple(value)


@attrs.frozen
class StaffDay:
    """One staff member's day: skills, shifts and breaks."""

    id: str = attrs.field(validator=_text)
    skills: frozenset[str] = attrs.field(converter=frozenset, validator=_texts)
    shifts: tuple[Shift, ...] = attrs.field(converter=_shifts)
    breaks: tuple[BreakWindow, ...] = attrs.field(default=(), converter=_windows)

    def __attrs_post_init__(self) -> None:
        if not self.shifts:
            raise ValidationError("staffday.shifts", f"staff {self.id!r} needs at least one shift")


@attrs.frozen
class Resource:
    """A shared resource kind (chairs, basins) and how many units of it exist."""

    id: str = attrs.field(validator=_text)
    capacity: int = attrs.field(validator=_non_negative)


@attrs.frozen
class Step:
    """One step of a service. ``staff`` is False for processing time: the stylist is free."""

    name: str
    duration_min: int = attrs.field(validator=_positive)
    staff: bool = True
    resources: tuple[str, ...] = attrs.field(default=(), converter=_strs, validator=_texts)

    def __attrs_post_init__(self) -> None:
        _no_duplicates("step.resources", self.resources)


@attrs.frozen
class ServiceSpec:
    """A service as the day problem sees it: the skill it needs and its ordered steps."""

    id: str = attrs.field(validator=_text)
    skill: str = attrs.field(validator=_text)
    steps: tuple[Step, ...] = attrs.field(converter=_steps)

    def __attrs_post_init__(self) -> None:
        if not self.steps:
            raise ValidationError("servicespec.steps", f"service {self.id!r} needs a step")

    @property
    def duration_min(self) -> int:
        """Length of the whole service, first step start to last step end."""
        return sum(step.duration_min for step in self.steps)

    @property
    def staff_minutes(self) -> int:
        """Minutes during which the service occupies the staff member."""
        return sum(step.duration_min for step in self.steps if step.staff)

    def step_offsets(self) -> tuple[int, ...]:
        """Offset of each step's start from the first step's start."""
        offsets: list[int] = []
        total = 0
        for step in self.steps:
            offsets.append(total)
            total += step.duration_min
        return tuple(offsets)


@attrs.frozen
class Pin:
    """An existing booking a request must keep: exactly this staff member and start."""

    staff: str = attrs.field(validator=_text)
    start: int = attrs.field(validator=_minute)


def _priority(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or value not in PRIORITY_WEIGHT:
        raise ValidationError(_name(instance, attribute), f"must be 1, 2 or 3, got {value!r}")


@attrs.frozen(kw_only=True)
class Request:
    """A customer's wish for one service within ``[earliest, latest_end]``."""

    id: str = attrs.field(validator=_text)
    customer: str = attrs.field(validator=_text)
    service: str = attrs.field(validator=_text)
    earliest: int = attrs.field(validator=_minute)
    latest_end: int = attrs.field(validator=_minute)
    preferred_staff: tuple[str, ...] = attrs.field(default=(), converter=_strs, validator=_texts)
    priority: int = attrs.field(default=1, validator=_priority)
    pinned: Pin | None = None

    def __attrs_post_init__(self) -> None:
        if self.latest_end < self.earliest:
            raise ValidationError("request.latest_end", f"{self.id!r} ends before its earliest")

    @property
    def value(self) -> int:
        """Points for scheduling this request, preference bonus excluded."""
        return REQUEST_POINTS * PRIORITY_WEIGHT[self.priority]


def _resources(value: Iterable[Resource]) -> tuple[Resource, ...]:
    return tuple(value)


def _staff_days(value: Iterable[StaffDay]) -> tuple[StaffDay, ...]:
    return tuple(value)


def _services(value: Iterable[ServiceSpec]) -> tuple[ServiceSpec, ...]:
    return tuple(value)


def _requests(value: Iterable[Request]) -> tuple[Request, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class DayProblem:
    """One salon day to plan: opening hours, resources, staff, services and requests.

    Building one checks every cross reference (services, resources, preferred and pinned staff),
    duplicate ids and that every duration is a multiple of ``granularity_min``.
    """

    name: str = ""
    granularity_min: int = attrs.field(default=5, validator=_positive)
    open: int = attrs.field(validator=_minute)
    close: int = attrs.field(validator=_minute)
    resources: tuple[Resource, ...] = attrs.field(default=(), converter=_resources)
    staff: tuple[StaffDay, ...] = attrs.field(converter=_staff_days)
    services: tuple[ServiceSpec, ...] = attrs.field(converter=_services)
    requests: tuple[Request, ...] = attrs.field(default=(), converter=_requests)

    def __attrs_post_init__(self) -> None:
        _validate(self)

    def service_of(self, request: Request) -> ServiceSpec:
        """The service a request asks for."""
        for service in self.services:
            if service.id == request.service:
                return service
        raise ValidationError("request.service", f"unknown service {request.service!r}")


def _validate(problem: DayProblem) -> None:
    if problem.close <= problem.open:
        raise ValidationError("close", "must be after open")
    _no_duplicates("resources", (r.id for r in problem.resources))
    _no_duplicates("staff", (s.id for s in problem.staff))
    _no_duplicates("services", (s.id for s in problem.services))
    _no_duplicates("requests", (r.id for r in problem.requests))
    grain = problem.granularity_min
    resources = {r.id for r in problem.resources}
    staff = {s.id for s in problem.staff}
    services = {s.id for s in problem.services}
    for i, member in enumerate(problem.staff):
        for j, window in enumerate(member.breaks):
            if window.duration_min % grain:
                raise ValidationError(
                    f"staff[{i}].breaks[{j}].duration_min",
                    f"{window.duration_min} is not a multiple of the granularity {grain}",
                )
    for i, service in enumerate(problem.services):
        for j, step in enumerate(service.steps):
            if step.duration_min % grain:
                raise ValidationError(
                    f"services[{i}].steps[{j}].duration_min",
                    f"{step.duration_min} is not a multiple of the granularity {grain}",
                )
            for name in step.resources:
                if name not in resources:
                    raise ValidationError(
                        f"services[{i}].steps[{j}].resources", f"unknown resource {name!r}"
                    )
    for i, request in enumerate(problem.requests):
        if request.service not in services:
            raise ValidationError(f"requests[{i}].service", f"unknown service {request.service!r}")
        for name in request.preferred_staff:
            if name not in staff:
                raise ValidationError(
                    f"requests[{i}].preferred_staff", f"unknown staff member {name!r}"
                )
        if request.pinned is not None and request.pinned.staff not in staff:
            raise ValidationError(
                f"requests[{i}].pinned.staff", f"unknown staff member {request.pinned.staff!r}"
            )


@attrs.frozen
class Assignment:
    """A scheduled request: who serves it and when its first step starts."""

    request: str
    staff: str
    start: int


@attrs.frozen
class BreakPlacement:
    """Where one break of a staff member starts (in the order the instance lists them)."""

    staff: str
    start: int


def _assignments(value: Iterable[Assignment]) -> tuple[Assignment, ...]:
    return tuple(value)


def _placements(value: Iterable[BreakPlacement]) -> tuple[BreakPlacement, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class DaySolution:
    """A plan for the day with its score and, when known, a proven upper bound on the score.

    ``status`` is ``"OPTIMAL"`` only when ``objective == bound``; ``wall_s`` is the time spent.
    """

    assignments: tuple[Assignment, ...] = attrs.field(converter=_assignments)
    breaks: tuple[BreakPlacement, ...] = attrs.field(converter=_placements)
    unscheduled: tuple[str, ...] = attrs.field(default=(), converter=_strs)
    objective: int = 0
    bound: int | None = None
    status: Status = "FEASIBLE"
    wall_s: float = 0.0

    @property
    def gap(self) -> float | None:
        """Relative distance between objective and bound (0.0 is proven optimal)."""
        if self.bound is None:
            return None
        if self.bound <= 0:
            return 0.0
        return (self.bound - self.objective) / self.bound


__all__ = [
    "END_OF_DAY",
    "PREFERRED_POINTS",
    "PRIORITY_WEIGHT",
    "REQUEST_POINTS",
    "Assignment",
    "BreakPlacement",
    "BreakWindow",
    "DayProblem",
    "DaySolution",
    "Pin",
    "Request",
    "Resource",
    "ServiceSpec",
    "Shift",
    "StaffDay",
    "Status",
    "Step",
]
