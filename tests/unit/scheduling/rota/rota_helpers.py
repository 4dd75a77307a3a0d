"""Small hand-made rotas shared by the rota tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from salonkit.scheduling.rota import (
    Contract,
    CoverRequirement,
    Employee,
    RotaProblem,
    ShiftRequest,
    ShiftType,
)

ROOT = Path(__file__).resolve().parents[4]
INSTANCES = ROOT / "benchmarks" / "rota_instances"

DAY = ShiftType("D", 480)


def contract(shifts: Iterable[str] = ("D",), **limits: Any) -> Contract:
    """A contract allowing ``shifts`` without limits, except those given."""
    limits.setdefault("max_minutes", 100_000)
    per_type = limits.pop("max_shifts", None)
    c = Contract.unlimited(list(shifts), **limits)
    if per_type:
        c = Contract(**{**_fields(c), "max_shifts": {**c.max_shifts, **per_type}})
    return c


def _fields(c: Contract) -> dict[str, Any]:
    return {
        "max_shifts": c.max_shifts,
        "max_minutes": c.max_minutes,
        "min_minutes": c.min_minutes,
        "max_consecutive": c.max_consecutive,
        "min_consecutive": c.min_consecutive,
        "min_days_off": c.min_days_off,
        "max_weekends": c.max_weekends,
    }


def on(who: str, day: int, weight: int, shift: str = "D") -> ShiftRequest:
    """A request to work."""
    return ShiftRequest(who, day, shift, weight, "on")


def off(who: str, day: int, weight: int, shift: str = "D") -> ShiftRequest:
    """A request not to work."""
    return ShiftRequest(who, day, shift, weight, "off")


def one(
    horizon: int,
    requests: Iterable[ShiftRequest] = (),
    shifts: Iterable[ShiftType] = (DAY,),
    days_off: Iterable[int] = (),
    cover: Iterable[CoverRequirement] = (),
    **limits: Any,
) -> RotaProblem:
    """A rota of one employee ``A``."""
    shifts = tuple(shifts)
    return RotaProblem(
        horizon=horizon,
        shifts=shifts,
        employees=[Employee("A", contract([s.id for s in shifts], **limits), days_off=days_off)],
        requests=requests,
        cover=cover,
        name="hand-made",
    )
