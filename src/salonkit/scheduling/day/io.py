"""Reading and writing the salon-day exchange format (JSON, version 1).

Times are wall-clock ``"HH:MM"`` strings in the format and minutes since midnight in
:mod:`salonkit.scheduling.day.model`. A malformed document raises
:class:`salonkit.errors.ValidationError` whose field is the JSON path (``"requests[3].priority"``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salonkit.errors import ValidationError
from salonkit.scheduling.day.model import (
    END_OF_DAY,
    Assignment,
    BreakPlacement,
    BreakWindow,
    DayProblem,
    DaySolution,
    Pin,
    Request,
    Resource,
    ServiceSpec,
    Shift,
    StaffDay,
    Status,
    Step,
)

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_clock(text: object, field: str) -> int:
    """Minutes since midnight of an ``"HH:MM"`` string (``"24:00"`` is the end of the day)."""
    match = _CLOCK.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(field, f"expected a time as HH:MM, got {text!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    value = hours * 60 + minutes
    if minutes >= 60 or value > END_OF_DAY:
        raise ValidationError(field, f"{text!r} is not a time of the day")
    return value


def format_clock(minutes: int) -> str:
    """``"HH:MM"`` for a minute of the day."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _get(data: Mapping[str, Any], key: str, path: str, default: Any = ...) -> Any:
    if not isinstance(data, Mapping):
        raise ValidationError(path, f"expected an object, got {type(data).__name__}")
    if key in data:
        return data[key]
    if default is ...:
        raise ValidationError(f"{path}.{key}" if path else key, "is missing")
    return default


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(field, f"expected a list, got {type(value).__name__}")
    return value


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"expected an integer, got {value!r}")
    return value


@contextmanager
def _at(path: str) -> Iterator[None]:
    """Rename the ``class.attr`` field of a constructor's error to ``path.attr``."""
    try:
        yield
    except ValidationError as exc:
        if "[" in exc.field:
            raise
        attr = exc.field.split(".", 1)[-1]
        raise ValidationError(f"{path}.{attr}" if path else attr, exc.message) from exc
    except TypeError as exc:  # a wrong type given to a converter (frozenset(3), ...)
        raise ValidationError(path or "instance", str(exc)) from exc


def _shift(data: Any, path: str) -> Shift:
    with _at(path):
        return Shift(
            parse_clock(_get(data, "start", path), f"{path}.start"),
            parse_clock(_get(data, "end", path), f"{path}.end"),
        )


def _break(data: Any, path: str) -> BreakWindow:
    with _at(path):
        return BreakWindow(
            parse_clock(_get(data, "earliest", path), f"{path}.earliest"),
            parse_clock(_get(data, "latest_end", path), f"{path}.latest_end"),
            _int(_get(data, "duration_min", path), f"{path}.duration_min"),
        )


def _staff(data: Any, path: str) -> StaffDay:
    shifts = [
        _shift(s, f"{path}.shifts[{k}]")
        for k, s in enumerate(_list(_get(data, "shifts", path), f"{path}.shifts"))
    ]
    breaks = [
        _break(b, f"{path}.breaks[{k}]")
        for k, b in enumerate(_list(_get(data, "breaks", path, []), f"{path}.breaks"))
    ]
    skills = _list(_get(data, "skills", path), f"{path}.skills")
    with _at(path):
        return StaffDay(_get(data, "id", path), skills, shifts, breaks)


def _step(data: Any, path: str) -> Step:
    staff = _get(data, "staff", path, True)
    if not isinstance(staff, bool):
        raise ValidationError(f"{path}.staff", f"expected true or false, got {staff!r}")
    with _at(path):
        return Step(
            str(_get(data, "name", path, "")),
            _int(_get(data, "duration_min", path), f"{path}.duration_min"),
            staff,
            _list(_get(data, "resources", path, []), f"{path}.resources"),
        )


def _service(data: Any, path: str) -> ServiceSpec:
    steps = [
        _step(s, f"{path}.steps[{k}]")
        for k, s in enumerate(_list(_get(data, "steps", path), f"{path}.steps"))
    ]
    with _at(path):
        return ServiceSpec(_get(data, "id", path), _get(data, "skill", path), steps)


def _request(data: Any, path: str) -> Request:
    pin_data = _get(data, "pinned", path, None)
    pin = None
    if pin_data is not None:
        pp = f"{path}.pinned"
        with _at(pp):
            pin = Pin(_get(pin_data, "staff", pp), parse_clock(_get(pin_data, "start", pp), pp))
    with _at(path):
        return Request(
            id=_get(data, "id", path),
            customer=_get(data, "customer", path),
            service=_get(data, "service", path),
            earliest=parse_clock(_get(data, "earliest", path), f"{path}.earliest"),
            latest_end=parse_clock(_get(data, "latest_end", path), f"{path}.latest_end"),
            preferred_staff=_list(
                _get(data, "preferred_staff", path, []), f"{path}.preferred_staff"
            ),
            priority=_get(data, "priority", path),
            pinned=pin,
        )


def _resource(data: Any, path: str) -> Resource:
    with _at(path):
        return Resource(
            _get(data, "id", path), _int(_get(data, "capacity", path), f"{path}.capacity")
        )


def problem_from_dict(data: Mapping[str, Any]) -> DayProblem:
    """Build a :class:`DayProblem` from a parsed instance document."""
    if not isinstance(data, Mapping):
        raise ValidationError("instance", "expected a JSON object")
    resources = [
        _resource(r, f"resources[{i}]")
        for i, r in enumerate(_list(_get(data, "resources", "", []), "resources"))
    ]
    staff = [
        _staff(s, f"staff[{i}]") for i, s in enumerate(_list(_get(data, "staff", ""), "staff"))
    ]
    services = [
        _service(s, f"services[{i}]")
        for i, s in enumerate(_list(_get(data, "services", ""), "services"))
    ]
    requests = [
        _request(r, f"requests[{i}]")
        for i, r in enumerate(_list(_get(data, "requests", "", []), "requests"))
    ]
    with _at(""):
        return DayProblem(
            name=str(_get(data, "name", "", "")),
            granularity_min=_int(_get(data, "granularity_min", "", 5), "granularity_min"),
            open=parse_clock(_get(data, "open", ""), "open"),
            close=parse_clock(_get(data, "close", ""), "close"),
            resources=resources,
            staff=staff,
            services=services,
            requests=requests,
        )


def problem_to_dict(problem: DayProblem) -> dict[str, Any]:
    """The instance document of a :class:`DayProblem` (inverse of :func:`problem_from_dict`)."""
    requests: list[dict[str, Any]] = []
    for r in problem.requests:
        item: dict[str, Any] = {
            "id": r.id,
            "customer": r.customer,
            "service": r.service,
            "earliest": format_clock(r.earliest),
            "latest_end": format_clock(r.latest_end),
            "preferred_staff": list(r.preferred_staff),
            "priority": r.priority,
        }
        if r.pinned is not None:
            item["pinned"] = {"staff": r.pinned.staff, "start": format_clock(r.pinned.start)}
        requests.append(item)
    return {
        "name": problem.name,
        "granularity_min": problem.granularity_min,
        "open": format_clock(problem.open),
        "close": format_clock(problem.close),
        "resources": [{"id": r.id, "capacity": r.capacity} for r in problem.resources],
        "staff": [
            {
                "id": s.id,
                "skills": sorted(s.skills),
                "shifts": [
                    {"start": format_clock(h.start), "end": format_clock(h.end)} for h in s.shifts
                ],
                "breaks": [
                    {
                        "earliest": format_clock(b.earliest),
                        "latest_end": format_clock(b.latest_end),
                        "duration_min": b.duration_min,
                    }
                    for b in s.breaks
                ],
            }
            for s in problem.staff
        ],
        "services": [
            {
                "id": s.id,
                "skill": s.skill,
                "steps": [
                    {
                        "name": t.name,
                        "duration_min": t.duration_min,
                        "staff": t.staff,
                        "resources": list(t.resources),
                    }
                    for t in s.steps
                ],
            }
            for s in problem.services
        ],
        "requests": requests,
    }


def _read(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    try:
        data = json.loads(Path(source).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError("instance", f"{source}: not valid JSON ({exc})") from exc
    if not isinstance(data, Mapping):
        raise ValidationError("instance", f"{source}: expected a JSON object")
    return data


def load_problem(source: str | Path | Mapping[str, Any]) -> DayProblem:
    """Read an instance from a JSON file path or an already parsed document."""
    return problem_from_dict(_read(source))


def solution_to_dict(solution: DaySolution) -> dict[str, Any]:
    """The solution document of a :class:`DaySolution`."""
    return {
        "assignments": [
            {"request": a.request, "staff": a.staff, "start": format_clock(a.start)}
            for a in solution.assignments
        ],
        "breaks": [{"staff": b.staff, "start": format_clock(b.start)} for b in solution.breaks],
        "unscheduled": list(solution.unscheduled),
        "objective": solution.objective,
        "bound": solution.bound,
        "status": solution.status,
        "wall_s": round(solution.wall_s, 3),
    }


def solution_from_dict(data: Mapping[str, Any]) -> DaySolution:
    """Build a :class:`DaySolution` from a parsed solution document."""
    if not isinstance(data, Mapping):
        raise ValidationError("solution", "expected a JSON object")
    assignments = []
    for i, a in enumerate(_list(_get(data, "assignments", "", []), "assignments")):
        path = f"assignments[{i}]"
        assignments.append(
            Assignment(
                str(_get(a, "request", path)),
                str(_get(a, "staff", path)),
                parse_clock(_get(a, "start", path), f"{path}.start"),
            )
        )
    breaks = []
    for i, b in enumerate(_list(_get(data, "breaks", "", []), "breaks")):
        path = f"breaks[{i}]"
        breaks.append(
            BreakPlacement(
                str(_get(b, "staff", path)), parse_clock(_get(b, "start", path), f"{path}.start")
            )
        )
    bound = _get(data, "bound", "", None)
    status: Status
    raw_status = _get(data, "status", "", "FEASIBLE")
    if raw_status == "OPTIMAL":
        status = "OPTIMAL"
    elif raw_status == "FEASIBLE":
        status = "FEASIBLE"
    else:
        raise ValidationError("status", f"expected OPTIMAL or FEASIBLE, got {raw_status!r}")
    wall = _get(data, "wall_s", "", 0.0)
    if isinstance(wall, bool) or not isinstance(wall, int | float):
        raise ValidationError("wall_s", f"expected a number, got {wall!r}")
    return DaySolution(
        assignments=assignments,
        breaks=breaks,
        unscheduled=[str(x) for x in _list(_get(data, "unscheduled", "", []), "unscheduled")],
        objective=_int(_get(data, "objective", "", 0), "objective"),
        bound=None if bound is None else _int(bound, "bound"),
        status=status,
        wall_s=float(wall),
    )


def load_solution(source: str | Path | Mapping[str, Any]) -> DaySolution:
    """Read a solution from a JSON file path or an already parsed document."""
    return solution_from_dict(_read(source))


__all__ = [
    "format_clock",
    "load_problem",
    "load_solution",
    "parse_clock",
    "problem_from_dict",
    "problem_to_dict",
    "solution_from_dict",
    "solution_to_dict",
]
