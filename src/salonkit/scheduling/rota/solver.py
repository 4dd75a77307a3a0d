"""The rota optimiser: CP-SAT on the model of :mod:`~salonkit.scheduling.rota.cpsat_model`.

:func:`solve_rota` builds the model once, warm-starts it from a hint (a previous roster) when
given, and solves it under a time limit. On large rotas it then runs a large-neighbourhood
search: it keeps the best roster, frees a window of days (or a group of employees), fixes every
other variable to its current value and re-solves that part, accepting strict improvements.
Every answer is verified by the independent checker before it is returned, and each unmet cover
and refused request is explained.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence

import attrs
from ortools.sat.python import cp_model

from salonkit.errors import SalonkitError, ValidationError
from salonkit.scheduling.rota.checker import check_roster
from salonkit.scheduling.rota.cpsat_model import RotaModel, build_model
from salonkit.scheduling.rota.explain import explain_roster
from salonkit.scheduling.rota.model import OFF, RotaProblem, RotaSolution, Status

logger = logging.getLogger(__name__)

#: Rotas with more (employee, day, shift) variables than this use the LNS loop after the
#: first full solve.
LNS_THRESHOLD = 60_000


class RotaInfeasible(SalonkitError):
    """No roster meets every hard rule, or none was found within the time limit."""


@attrs.frozen
class Progress:
    """A new best roster found: its objective, the bound so far, seconds elapsed, the phase."""

    objective: int
    bound: int | None
    wall_s: float
    phase: str = "search"


ProgressCallback = Callable[[Progress], None]


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(
        self, progress: ProgressCallback | None, offset: float, phase: str, best: int | None
    ) -> None:
        super().__init__()
        self._progress = progress
        self._offset = offset
        self._phase = phase
        self._best = best

    def on_solution_callback(self) -> None:
        objective = round(self.objective_value)
        if self._progress is None or (self._best is not None and objective >= self._best):
            return
        self._best = objective
        bound = math.ceil(self.best_objective_bound - 1e-6) if self._phase == "search" else None
        self._progress(Progress(objective, bound, self._offset + self.wall_time, self._phase))


def _roster_values(rm: RotaModel, roster: Mapping[str, Sequence[str]]) -> dict[int, int]:
    """Variable index -> 0/1 for a roster (entries the model cannot express are dropped)."""
    shift_index = {s.id: i for i, s in enumerate(rm.problem.shifts)}
    values: dict[int, int] = {}
    rows = [roster.get(e.id, ()) for e in rm.problem.employees]
    for (ei, d, si), var in rm.x.items():
        row = rows[ei]
        values[var.index] = int(d < len(row) and shift_index.get(row[d]) == si)
    for (ei, d), var in rm.work.items():
        row = rows[ei]
        values[var.index] = int(d < len(row) and row[d] != OFF and row[d] in shift_index)
    return values


def _read(rm: RotaModel, solver: cp_model.CpSolver) -> dict[str, tuple[str, ...]]:
    p = rm.problem
    rows = [[OFF] * p.horizon for _ in p.employees]
    for (ei, d, si), var in rm.x.items():
        if solver.boolean_value(var):
            rows[ei][d] = p.shifts[si].id
    return {e.id: tuple(rows[ei]) for ei, e in enumerate(p.employees)}


def _set_hint(rm: RotaModel, values: dict[int, int]) -> None:
    proto = rm.model.proto
    del proto.solution_hint.vars[:]
    del proto.solution_hint.values[:]
    proto.solution_hint.vars.extend(values.keys())
    proto.solution_hint.values.extend(values.values())


def _parameters(
    solver: cp_model.CpSolver, time_limit: float, workers: int, seed: int, deterministic: bool
) -> None:
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    if deterministic:
        solver.parameters.max_deterministic_time = max(0.05, time_limit)
        solver.parameters.interleave_search = workers > 1
    else:
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)


def solve_rota(
    problem: RotaProblem,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    hint: RotaSolution | Mapping[str, Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
    *,
    lns: bool | None = None,
    deterministic: bool = False,
    explain: bool = True,
) -> RotaSolution:
    """Plan ``problem`` with CP-SAT; returns the best valid roster found, its bound and status.

    ``time_limit`` bounds the whole run in seconds, ``workers`` the search threads, ``seed``
    the random seed. ``hint`` is a roster (or solution) to start from. ``progress`` is called
    with a :class:`Progress` at every improving roster. ``lns`` forces the large-neighbourhood
    phase on or off (by default it runs on rotas of more than :data:`LNS_THRESHOLD`
    variables). With ``deterministic=True`` the limit is CP-SAT's deterministic time instead
    of seconds, so the same seed and workers give the same roster on any machine load.
    ``explain`` adds an explanation of each unmet cover and refused request.

    Raises :class:`RotaInfeasible` when no valid roster is found (proved impossible, or none
    found in time).
    """
    if time_limit <= 0:
        raise ValidationError("time_limit", f"must be positive, got {time_limit}")
    if workers < 1:
        raise ValidationError("workers", f"must be at least 1, got {workers}")
    started = time.perf_counter()
    rm = build_model(problem)
    logger.info(
        "rota model of %s: %d shift variables, built in %.2f s",
        problem.name or "the rota",
        len(rm.x),
        rm.build_s,
    )
    start_roster: Mapping[str, Sequence[str]] | None = None
    if isinstance(hint, RotaSolution):
        start_roster = hint.roster
    elif hint is not None:
        start_roster = hint
    if start_roster is not None:
        _set_hint(rm, _roster_values(rm, start_roster))

    use_lns = lns if lns is not None else len(rm.x) > LNS_THRESHOLD
    elapsed = time.perf_counter() - started
    remaining = time_limit - elapsed
    first_limit = remaining * (0.35 if use_lns else 1.0)
    solver = cp_model.CpSolver()
    _parameters(solver, first_limit, workers, seed, deterministic)
    reporter = _Reporter(progress, elapsed, "search", None)
    status = solver.solve(rm.model, reporter)
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise RotaInfeasible(f"{problem.name or 'the rota'}: no roster meets every hard rule")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RotaInfeasible(
            f"{problem.name or 'the rota'}: no roster found within the time limit ({name})"
        )
    roster = _read(rm, solver)
    objective = round(solver.objective_value)
    bound = math.ceil(solver.best_objective_bound - 1e-6)
    optimal = status == cp_model.OPTIMAL
    if use_lns and not optimal:
        roster, objective = _lns(
            rm, roster, objective, started, time_limit, workers, seed, deterministic, progress
        )
    report = check_roster(problem, roster)
    if not report.valid:
        raise SalonkitError(
            f"internal error: the optimiser's roster breaks {len(report.violations)} rules: "
            + "; ".join(v.message for v in report.violations[:5])
        )
    if report.objective != objective:
        logger.warning(
            "model objective %d differs from the checker's %d; the checker's is reported",
            objective,
            report.objective,
        )
    objective = report.objective
    bound = min(bound, objective)
    status_name: Status = "OPTIMAL" if bound == objective else "FEASIBLE"
    explanations = explain_roster(problem, roster) if explain else ()
    wall = time.perf_counter() - started
    logger.info(
        "%s: %s objective %d bound %d in %.1f s",
        problem.name or "the rota",
        status_name,
        objective,
        bound,
        wall,
    )
    return RotaSolution(
        roster=roster,
        objective=objective,
        bound=bound,
        status=status_name,
        wall_s=wall,
        instance=problem.name,
        explanations=explanations,
    )


def _lns(
    rm: RotaModel,
    roster: dict[str, tuple[str, ...]],
    objective: int,
    started: float,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    progress: ProgressCallback | None,
) -> tuple[dict[str, tuple[str, ...]], int]:
    """Improve ``roster`` by re-solving windows of days and groups of employees."""
    p = rm.problem
    rng = random.Random(seed)
    proto = rm.model.proto
    original = {i: list(v.domain) for i, v in enumerate(proto.variables)}
    x_items = list(rm.x.items())
    window = max(7, min(p.horizon, 28))
    group = max(2, min(len(p.employees), 12))
    iteration = 0
    while True:
        left = time_limit - (time.perf_counter() - started)
        if left < 1.0:
            break
        iteration += 1
        values = _roster_values(rm, roster)
        days = range(p.horizon)
        chosen: set[int] = set(range(len(p.employees)))
        if iteration % 2:
            first = rng.randrange(0, max(1, p.horizon - window + 1))
            days = range(first, first + window)
            label = f"days {first}-{first + window - 1}"
        else:
            chosen = set(rng.sample(range(len(p.employees)), min(group, len(p.employees))))
            label = f"{len(chosen)} employees"
        for (ei, d, _si), var in x_items:
            if not (ei in chosen and d in days):
                v = values[var.index]
                proto.variables[var.index].domain[:] = [v, v]
        _set_hint(rm, values)
        solver = cp_model.CpSolver()
        _parameters(solver, min(left, 20.0), workers, seed + iteration, deterministic)
        status = solver.solve(rm.model)
        for (_ei, _d, _si), var in x_items:
            proto.variables[var.index].domain[:] = original[var.index]
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = round(solver.objective_value)
            if found < objective:
                roster, objective = _read(rm, solver), found
                logger.info("LNS %d (%s): objective %d", iteration, label, objective)
                if progress is not None:
                    progress(Progress(objective, None, time.perf_counter() - started, "lns"))
            elif status == cp_model.OPTIMAL:
                # this neighbourhood is exhausted; try bigger ones
                window = min(p.horizon, window + 7)
                group = min(len(p.employees), group + 2)
    return roster, objective


__all__ = ["LNS_THRESHOLD", "Progress", "ProgressCallback", "RotaInfeasible", "solve_rota"]
