"""A time-indexed linear relaxation of the day, solved with GLOP, for a tighter bound.

One column per (request, staff member, start) and per (break, start); at every time unit a
staff member serves at most one step or break, a resource holds at most its capacity and a
customer is in at most one service; each request is served at most once (exactly once when
pinned) and each break placed once. Its optimum is an upper bound on the score of every valid
plan, usually much tighter than the relaxation CP-SAT builds from intervals, but the LP grows
with staff x requests x starts, so it is only used on small and mid-sized days.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict

from ortools.linear_solver.python import model_builder as mb

from salonkit.scheduling.day.prepare import Prepared, Ranges

logger = logging.getLogger(__name__)

#: Every score is a multiple of this (100, 200, 400 per request, 10 per preference).
SCORE_STEP = 10


def time_indexed_bound(
    prep: Prepared, options: dict[int, dict[str, Ranges]], time_limit: float
) -> int | None:
    """A proven upper bound on the day's score, or None if GLOP does not finish in time."""
    model = mb.Model()  # type: ignore[no-untyped-call]
    staff_rows: dict[tuple[str, int], list[mb.Variable]] = defaultdict(list)
    resource_rows: dict[tuple[str, int], list[mb.Variable]] = defaultdict(list)
    customer_rows: dict[tuple[str, int], list[mb.Variable]] = defaultdict(list)
    customers: dict[str, int] = defaultdict(int)
    for i, opts in options.items():
        if opts:
            customers[prep.requests[i].request.customer] += 1
    columns: list[mb.Variable] = []
    weights: list[float] = []
    for i, opts in options.items():
        if not opts:
            continue
        pr = prep.requests[i]
        mine: list[mb.Variable] = []
        shared = customers[pr.request.customer] > 1
        for staff_id, ranges in opts.items():
            gain = pr.value + pr.bonus(staff_id)
            for lo, hi in ranges:
                for t in range(lo, hi + 1):
                    y = model.new_var(0.0, 1.0, False, None)
                    mine.append(y)
                    columns.append(y)
                    weights.append(gain)
                    for b in pr.staff_blocks:
                        for u in range(t + b.offset, t + b.offset + b.size):
                            staff_rows[(staff_id, u)].append(y)
                    for name, blocks in pr.resource_blocks.items():
                        for b in blocks:
                            for u in range(t + b.offset, t + b.offset + b.size):
                                resource_rows[(name, u)].append(y)
                    if shared:
                        for u in range(t, t + pr.length):
                            customer_rows[(pr.request.customer, u)].append(y)
        total = mb.LinearExpr.sum(mine)
        if pr.request.pinned is not None:
            model.add(total == 1)
        else:
            model.add(total <= 1)
    unit = prep.unit
    for member in prep.problem.staff:
        for window in member.breaks:
            size = window.duration_min // unit
            starts = range(window.earliest // unit, window.latest_end // unit - size + 1)
            placed = [model.new_var(0.0, 1.0, False, None) for _ in starts]
            model.add(mb.LinearExpr.sum(placed) == 1)
            for t, var in zip(starts, placed, strict=True):
                for u in range(t, t + size):
                    staff_rows[(member.id, u)].append(var)
    capacity = {r.id: r.capacity for r in prep.problem.resources}
    for rows, per_name in ((staff_rows, None), (resource_rows, capacity), (customer_rows, None)):
        for (name, _), items in rows.items():
            cap = 1 if per_name is None else per_name[name]
            if len(items) > cap:
                model.add(mb.LinearExpr.sum(items) <= cap)
    model.maximize(mb.LinearExpr.weighted_sum(columns, weights))
    solver = mb.Solver("glop")
    if not solver.solver_is_supported():  # pragma: no cover - GLOP ships with OR-Tools
        return None
    solver.set_time_limit_in_seconds(max(0.1, time_limit))
    status = solver.solve(model)
    if status != mb.SolveStatus.OPTIMAL:
        logger.info("time-indexed LP not solved (%s)", status)
        return None
    value = solver.objective_value
    # A margin against the solver's tolerances, then down to the grid of possible scores.
    value += 1e-6 * abs(value) + 1e-3
    return math.floor(value / SCORE_STEP) * SCORE_STEP
