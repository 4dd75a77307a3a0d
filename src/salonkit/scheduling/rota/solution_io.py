"""The rota solution as JSON (the benchmark's solution format).

``{"instance": "Instance1", "roster": {"A": ["D", "", ...], ...}, "objective": 607,
"bound": 607, "status": "OPTIMAL", "wall_s": 3.2}``; ``roster`` holds one list of ``H`` entries
per employee, a shift id or ``""`` for a day off. salonkit adds an optional ``"explanations"``
list, which readers of the plain format may ignore.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from salonkit.errors import ValidationError
from salonkit.scheduling.rota.model import Explanation, RotaSolution

_STATUSES = ("OPTIMAL", "FEASIBLE", "UNKNOWN")


def solution_to_dict(solution: RotaSolution, explanations: bool = True) -> dict[str, Any]:
    """The JSON-ready dictionary of ``solution``."""
    out: dict[str, Any] = {
        "instance": solution.instance,
        "roster": {k: list(v) for k, v in solution.roster.items()},
        "objective": solution.objective,
        "bound": solution.bound,
        "status": solution.status,
        "wall_s": round(solution.wall_s, 3),
    }
    if explanations and solution.explanations:
        out["explanations"] = [
            {
                "kind": e.kind,
                "day": e.day,
                "shift": e.shift,
                "employee": e.employee,
                "penalty": e.penalty,
                "message": e.message,
                "reasons": list(e.reasons),
                "hour": e.hour,
                "skill": e.skill,
            }
            for e in solution.explanations
        ]
    return out


def solution_from_dict(data: object) -> RotaSolution:
    """Read a solution dictionary; raises :class:`ValidationError` naming the bad field."""
    if not isinstance(data, dict):
        raise ValidationError("solution", "must be a JSON object")
    roster = data.get("roster")
    if not isinstance(roster, dict):
        raise ValidationError("solution.roster", "must map employee ids to lists of shift ids")
    rows: dict[str, tuple[str, ...]] = {}
    for employee, row in roster.items():
        if not isinstance(row, list) or not all(isinstance(x, str) for x in row):
            raise ValidationError(f"solution.roster.{employee}", "must be a list of strings")
        rows[str(employee)] = tuple(row)
    objective = data.get("objective", 0)
    if objective is None:
        objective = 0
    if not isinstance(objective, int) or isinstance(objective, bool):
        raise ValidationError("solution.objective", f"must be an integer, got {objective!r}")
    bound = data.get("bound")
    if bound is not None and (not isinstance(bound, int) or isinstance(bound, bool)):
        raise ValidationError("solution.bound", f"must be an integer or null, got {bound!r}")
    status = data.get("status", "FEASIBLE")
    if status not in _STATUSES:
        raise ValidationError("solution.status", f"must be one of {_STATUSES}, got {status!r}")
    wall = data.get("wall_s", 0.0)
    if not isinstance(wall, int | float) or isinstance(wall, bool):
        raise ValidationError("solution.wall_s", f"must be a number, got {wall!r}")
    explanations = []
    for i, e in enumerate(data.get("explanations") or []):
        try:
            explanations.append(
                Explanation(
                    kind=str(e["kind"]),
                    day=int(e["day"]),
                    penalty=int(e["penalty"]),
                    message=str(e["message"]),
                    shift=e.get("shift"),
                    employee=e.get("employee"),
                    reasons=tuple(str(r) for r in e.get("reasons", ())),
                    hour=e.get("hour"),
                    skill=e.get("skill"),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValidationError(f"solution.explanations[{i}]", "malformed") from None
    return RotaSolution(
        roster=rows,
        objective=objective,
        bound=bound,
        status=status,
        wall_s=float(wall),
        instance=str(data.get("instance", "")),
        explanations=explanations,
    )


def load_solution(path: str | os.PathLike[str]) -> RotaSolution:
    """Read a solution JSON file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError("solution", f"not valid JSON: {exc}") from None
    return solution_from_dict(data)


def dump_solution(solution: RotaSolution) -> str:
    """The solution as a JSON text (one employee row per line)."""
    return json.dumps(solution_to_dict(solution), indent=1)


__all__ = ["dump_solution", "load_solution", "solution_from_dict", "solution_to_dict"]
