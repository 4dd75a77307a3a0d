"""The salon-day optimiser: plan a whole day of requests on staff, chairs and basins.

Read a day with :func:`load_problem`, plan it with :func:`optimize` (CP-SAT) or
:func:`greedy_solution` (the booking-system baseline), and verify any plan with
:func:`check_solution`, which shares no code with either.
"""

from salonkit.scheduling.day.checker import CheckReport, Violation, check_solution
from salonkit.scheduling.day.errors import InfeasibleDay
from salonkit.scheduling.day.greedy import greedy_solution
from salonkit.scheduling.day.io import (
    load_problem,
    load_solution,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from salonkit.scheduling.day.model import (
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
    Step,
)
from salonkit.scheduling.day.solver import Progress, optimize

__all__ = [
    "Assignment",
    "BreakPlacement",
    "BreakWindow",
    "CheckReport",
    "DayProblem",
    "DaySolution",
    "InfeasibleDay",
    "Pin",
    "Progress",
    "Request",
    "Resource",
    "ServiceSpec",
    "Shift",
    "StaffDay",
    "Step",
    "Violation",
    "check_solution",
    "greedy_solution",
    "load_problem",
    "load_solution",
    "optimize",
    "problem_from_dict",
    "problem_to_dict",
    "solution_from_dict",
    "solution_to_dict",
]
