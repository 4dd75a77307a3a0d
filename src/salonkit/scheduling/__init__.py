"""Scheduling: availability and booking, the salon-day optimiser and the staff rota optimiser.

The optimisers need OR-Tools, which takes seconds to import; their names (``optimize``,
``solve_rota``...) are loaded on first use, so booking code and ``import salonkit`` stay quick.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from salonkit.scheduling.availability import AvailabilityEngine
from salonkit.scheduling.model import (
    Appointment,
    AppointmentStatus,
    BookingRequest,
    Slot,
    VisitSlot,
    WaitlistEntry,
)
from salonkit.scheduling.rules import BookingRules
from salonkit.scheduling.service import BatchOutcome, BookingService

if TYPE_CHECKING:
    from salonkit.scheduling.day import DayProblem, DaySolution, check_solution, optimize
    from salonkit.scheduling.rota import RotaProblem, RotaSolution, check_roster, solve_rota

_LAZY = {
    "DayProblem": "salonkit.scheduling.day",
    "DaySolution": "salonkit.scheduling.day",
    "check_solution": "salonkit.scheduling.day",
    "optimize": "salonkit.scheduling.day",
    "RotaProblem": "salonkit.scheduling.rota",
    "RotaSolution": "salonkit.scheduling.rota",
    "check_roster": "salonkit.scheduling.rota",
    "solve_rota": "salonkit.scheduling.rota",
}


def __getattr__(name: str) -> Any:
    """Load the optimisers' names on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "Appointment",
    "AppointmentStatus",
    "AvailabilityEngine",
    "BatchOutcome",
    "BookingRequest",
    "BookingRules",
    "BookingService",
    "DayProblem",
    "DaySolution",
    "RotaProblem",
    "RotaSolution",
    "Slot",
    "VisitSlot",
    "WaitlistEntry",
    "check_roster",
    "check_solution",
    "optimize",
    "solve_rota",
]
