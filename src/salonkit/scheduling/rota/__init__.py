"""The staff rota optimiser: plan weeks of shifts for a whole team.

Build a :class:`RotaProblem` (or read one with :func:`load_instance` from the Curtois & Qu
benchmark format), plan it with :func:`solve_rota` (CP-SAT), verify any roster with
:func:`check_roster` (which shares no code with the optimiser), and derive cover per hour and
skill from bookings or past weeks with :mod:`salonkit.scheduling.rota.demand`.
"""

from salonkit.scheduling.rota.checker import CheckReport, Violation, check_employee, check_roster
from salonkit.scheduling.rota.explain import explain_roster
from salonkit.scheduling.rota.model import (
    OFF,
    WEEKEND_DAYS,
    Contract,
    CoverRequirement,
    Employee,
    Explanation,
    HourlyCover,
    RotaProblem,
    RotaSolution,
    ShiftRequest,
    ShiftType,
)
from salonkit.scheduling.rota.solution_io import (
    dump_solution,
    load_solution,
    solution_from_dict,
    solution_to_dict,
)
from salonkit.scheduling.rota.solver import Progress, RotaInfeasible, solve_rota
from salonkit.scheduling.rota.text_format import load_instance, parse_instance

__all__ = [
    "OFF",
    "WEEKEND_DAYS",
    "CheckReport",
    "Contract",
    "CoverRequirement",
    "Employee",
    "Explanation",
    "HourlyCover",
    "Progress",
    "RotaInfeasible",
    "RotaProblem",
    "RotaSolution",
    "ShiftRequest",
    "ShiftType",
    "Violation",
    "check_employee",
    "check_roster",
    "dump_solution",
    "explain_roster",
    "load_instance",
    "load_solution",
    "parse_instance",
    "solution_from_dict",
    "solution_to_dict",
    "solve_rota",
]
