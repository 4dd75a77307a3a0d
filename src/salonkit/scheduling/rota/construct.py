"""A first roster built one employee at a time, for rotas too large to start from nothing.

Every hard rule concerns one employee's row, so a valid roster can be built row by row: each
employee's row is solved on its own (a small CP-SAT model of that employee only), against the
cover still missing once the rows before it are placed. The result is valid by construction
(when each row is) and gives the whole-model search a complete starting point.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import attrs
from ortools.sat.python import cp_model

from salonkit.scheduling.rota.cpsat_model import build_model
from salonkit.scheduling.rota.model import OFF, RotaProblem

logger = logging.getLogger(__name__)


def construct_roster(
    problem: RotaProblem, time_limit: float, seed: int = 0, workers: int = 1
) -> dict[str, tuple[str, ...]] | None:
    """A valid roster built row by row within ``time_limit`` seconds, or ``None``.

    ``None`` when some employee's row alone cannot meet their contract in the time given.
    Hourly cover is ignored here (the whole-model search takes it into account).
    """
    started = time.perf_counter()
    placed: Counter[tuple[int, str]] = Counter()
    roster: dict[str, tuple[str, ...]] = {}
    n = len(problem.employees)
    for i, e in enumerate(problem.employees):
        left = time_limit - (time.perf_counter() - started)
        if left <= 0:
            return None
        cover = [
            attrs.evolve(c, requirement=max(0, c.requirement - placed[(c.day, c.shift)]))
            for c in problem.cover
        ]
        sub = attrs.evolve(
            problem,
            employees=(e,),
            requests=tuple(r for r in problem.requests if r.employee == e.id),
            cover=tuple(cover),
            hourly_cover=(),
        )
        rm = build_model(sub)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        # one worker at the default linearisation does not find rows of long horizons
        solver.parameters.linearization_level = 2
        solver.parameters.random_seed = seed
        solver.parameters.max_time_in_seconds = max(0.05, left / (n - i))
        status = solver.solve(rm.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            logger.info("no row found for %s in the time given", e.id)
            return None
        row = [OFF] * problem.horizon
        for (_ei, d, si), var in rm.x.items():
            if solver.boolean_value(var):
                row[d] = problem.shifts[si].id
                placed[(d, row[d])] += 1
        roster[e.id] = tuple(row)
    logger.info("constructed a roster row by row in %.1f s", time.perf_counter() - started)
    return roster


__all__ = ["construct_roster"]
