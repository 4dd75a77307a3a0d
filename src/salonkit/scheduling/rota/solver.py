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
from salonkit.scheduling.rota.construct import construct_roster
from salonkit.scheduling.rota.cpsat_model import RotaModel, build_model
from salonkit.scheduling.rota.explain import explain_roster
from salonkit.scheduling.rota.model import OFF, RotaProblem, RotaSolution, Status

logger = logging.getLogger(__name__)

#: Seconds given to each LNS step.
STEP_LIMIT = 1.0
#: Share of the time limit given to LNS steps between two whole-model searches.
LNS_SLICE = 0.2
#: Share of the time limit given to each whole-model search started from the incumbent.
FULL_SLICE = 0.15
#: Workers per LNS step (0: as many as the whole search).
STEP_WORKERS = 0
#: Rotas with more shift variables than this start from a roster built row by row.
CONSTRUCT_THRESHOLD = 20_000
#: Share of the time limit the row-by-row construction may use.
CONSTRUCT_SHARE = 0.2
#: Share of the time limit given to the first, whole-model search when LNS follows.
FIRST_SHARE = 0.25


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


def _roster_of(rm: RotaModel, full: Sequence[int]) -> dict[str, tuple[str, ...]]:
    p = rm.problem
    rows = [[OFF] * p.horizon for _ in p.employees]
    for (ei, d, si), var in rm.x.items():
        if full[var.index]:
            rows[ei][d] = p.shifts[si].id
    return {e.id: tuple(rows[ei]) for ei, e in enumerate(p.employees)}


def _fix(
    rm: RotaModel, values: Mapping[int, int] | Sequence[int], keep: Callable[[int, int], bool]
) -> None:
    """Narrow every shift variable whose (employee, day) is not kept to its value."""
    proto = rm.model.proto
    for (ei, d, _si), var in rm.x.items():
        if not keep(ei, d):
            v = values[var.index]
            domain = proto.variables[var.index].domain
            domain.clear()
            domain.extend([v, v])


def _restore(rm: RotaModel) -> None:
    """Give every shift variable back its 0..1 domain."""
    proto = rm.model.proto
    for var in rm.x.values():
        domain = proto.variables[var.index].domain
        domain.clear()
        domain.extend([0, 1])


def _complete(rm: RotaModel, values: dict[int, int], seed: int) -> tuple[list[int], int] | None:
    """Every variable's value, and the objective, of the roster given by ``values``.

    ``None`` when the roster breaks a hard rule (it can then only guide the search as a
    partial hint).
    """
    _fix(rm, values, lambda _e, _d: False)
    solver = cp_model.CpSolver()
    _parameters(solver, 10.0, 1, seed, False)
    status = solver.solve(rm.model)
    _restore(rm)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(solver.response_proto.solution), round(solver.objective_value)


def _set_full_hint(rm: RotaModel, full: Sequence[int]) -> None:
    proto = rm.model.proto
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(range(len(full)))
    proto.solution_hint.values.extend(full)


def _set_hint(rm: RotaModel, values: dict[int, int]) -> None:
    proto = rm.model.proto
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(values.keys())
    proto.solution_hint.values.extend(values.values())


def _parameters(
    solver: cp_model.CpSolver, time_limit: float, workers: int, seed: int, deterministic: bool
) -> None:
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    # The LP of the run-length clauses is weak at CP-SAT's default linearisation; level 2
    # (and, with two workers, the max_lp worker beside quick restarts) bounds far better.
    solver.parameters.linearization_level = 2
    if workers == 2:
        solver.parameters.subsolvers.extend(["max_lp", "quick_restart"])
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
    with a :class:`Progress` at every improving roster. ``lns=False`` gives the whole time to
    one CP-SAT search; by default a first search gets :data:`FIRST_SHARE` of the time and, unless
    it proves its roster optimal, the large-neighbourhood search uses the rest. With
    ``deterministic=True`` the limit counts CP-SAT's deterministic time instead of seconds,
    (workers interleaved), so the same seed and workers give the same roster whatever the
    machine load (tested with one worker).
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
    if start_roster is None and len(rm.x) > CONSTRUCT_THRESHOLD:
        start_roster = construct_roster(problem, CONSTRUCT_SHARE * time_limit, seed, workers)
    hinted: tuple[list[int], int] | None = None
    if start_roster is not None:
        values = _roster_values(rm, start_roster)
        hinted = _complete(rm, values, seed)
        if hinted is None:
            logger.warning("the hint breaks a hard rule; it only guides the search")
            _set_hint(rm, values)
        else:
            _set_full_hint(rm, hinted[0])
            if progress is not None:
                progress(Progress(hinted[1], None, time.perf_counter() - started, "hint"))

    use_lns = lns if lns is not None else True
    elapsed = time.perf_counter() - started
    remaining = time_limit if deterministic else time_limit - elapsed
    first_limit = remaining * (FIRST_SHARE if use_lns else 1.0)
    solver = cp_model.CpSolver()
    _parameters(solver, first_limit, workers, seed, deterministic)
    reporter = _Reporter(progress, elapsed, "search", None)
    status = solver.solve(rm.model, reporter)
    if status == cp_model.UNKNOWN and use_lns and hinted is None:
        # nothing found yet: give the whole search the rest of the time, no LNS
        use_lns = False
        elapsed = time.perf_counter() - started
        spent = solver.deterministic_time
        solver = cp_model.CpSolver()
        rest = time_limit - spent if deterministic else time_limit - elapsed
        _parameters(solver, rest, workers, seed, deterministic)
        status = solver.solve(rm.model, _Reporter(progress, elapsed, "search", None))
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        raise RotaInfeasible(f"{problem.name or 'the rota'}: no roster meets every hard rule")
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        full = list(solver.response_proto.solution)
        objective = round(solver.objective_value)
        bound = math.ceil(solver.best_objective_bound - 1e-6)
        if hinted is not None and hinted[1] < objective:
            full, objective = hinted
    elif hinted is not None:
        full, objective = hinted
        bound = max(0, math.ceil(solver.best_objective_bound - 1e-6))
    else:
        raise RotaInfeasible(
            f"{problem.name or 'the rota'}: no roster found within the time limit ({name})"
        )
    optimal = status == cp_model.OPTIMAL
    if use_lns and not optimal:
        full, objective, bound = _lns(
            rm,
            full,
            objective,
            bound,
            started,
            time_limit,
            workers,
            seed,
            deterministic,
            progress,
            solver.deterministic_time,
        )
    roster = _roster_of(rm, full)
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
    full: list[int],
    objective: int,
    bound: int,
    started: float,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    progress: ProgressCallback | None,
    first_spent: float,
) -> tuple[list[int], int, int]:
    """Improve ``roster`` by re-solving small parts of it with everything else fixed.

    Each step frees either a few employees' whole rows, or every employee over a window of
    days, or a block of employees over a longer window; the rest of the roster is fixed to the
    current one (by narrowing variable domains of the one built model), and the part is solved
    with the current roster as hint. A result at least as good is kept (equal moves let the
    search drift across plateaus). A part solved to optimality without gain grows the next
    part of that kind; a part that runs out of time shrinks it.
    """
    p = rm.problem
    rng = random.Random(seed)
    n_staff = len(p.employees)
    sizes = {
        "staff": max(1, min(n_staff, 2)),
        "days": max(1, min(p.horizon, 3)),
        "block": max(1, min(p.horizon, 7)),
    }
    step_limit = STEP_LIMIT
    iteration = 0
    spent = first_spent if deterministic else time.perf_counter() - started
    next_full = spent + LNS_SLICE * time_limit
    while True:
        if not deterministic:
            spent = time.perf_counter() - started
        left = time_limit - spent
        if left < (0.05 if deterministic else 0.5) or objective <= bound:
            break
        if spent >= next_full:
            # a whole-model search from the incumbent: global moves, and a better bound
            _set_full_hint(rm, full)
            solver = cp_model.CpSolver()
            _parameters(solver, min(left, FULL_SLICE * time_limit), workers, seed, deterministic)
            status = solver.solve(rm.model)
            spent = (
                spent + solver.deterministic_time
                if deterministic
                else time.perf_counter() - started
            )
            next_full = spent + LNS_SLICE * time_limit
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                bound = max(bound, math.ceil(solver.best_objective_bound - 1e-6))
                found = round(solver.objective_value)
                if found < objective:
                    full, objective = list(solver.response_proto.solution), found
                    logger.info("whole-model search: objective %d", objective)
                    if progress is not None:
                        progress(Progress(found, bound, time.perf_counter() - started, "search"))
            continue
        iteration += 1
        kind = ("staff", "days", "staff", "block")[iteration % 4]
        size = sizes[kind]
        days: range = range(p.horizon)
        chosen: set[int] = set(range(n_staff))
        if kind == "staff":
            chosen = set(rng.sample(range(n_staff), size))
        elif kind == "days":
            first = rng.randrange(0, p.horizon - size + 1)
            days = range(first, first + size)
        else:
            first = rng.randrange(0, p.horizon - size + 1)
            days = range(first, first + size)
            chosen = set(rng.sample(range(n_staff), max(1, n_staff // 3)))
        free_staff, free_days = chosen, days

        def keep(ei: int, d: int) -> bool:
            return ei in free_staff and d in free_days  # noqa: B023

        _fix(rm, full, keep)
        _set_full_hint(rm, full)
        solver = cp_model.CpSolver()
        _parameters(
            solver, min(left, step_limit), STEP_WORKERS or workers, seed + iteration, deterministic
        )
        status = solver.solve(rm.model)
        spent += solver.deterministic_time
        logger.debug(
            "LNS %d %s %d: %s in %.2f s",
            iteration,
            kind,
            size,
            solver.status_name(status),
            solver.wall_time,
        )
        _restore(rm)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            sizes[kind] = max(1, size - 1)
            continue
        found = round(solver.objective_value)
        if found < objective:
            logger.info("LNS %d (%s %d): objective %d", iteration, kind, size, found)
            if progress is not None:
                progress(Progress(found, None, time.perf_counter() - started, "lns"))
        if found <= objective:
            full, objective = list(solver.response_proto.solution), found
        if status == cp_model.OPTIMAL and found >= objective:
            limit = n_staff if kind == "staff" else p.horizon
            sizes[kind] = min(limit, size + 1)
        elif status == cp_model.FEASIBLE:
            sizes[kind] = max(1, size - 1)
    logger.info("LNS: %d steps, sizes %s", iteration, sizes)
    return full, objective, bound


__all__ = [
    "FIRST_SHARE",
    "STEP_LIMIT",
    "Progress",
    "ProgressCallback",
    "RotaInfeasible",
    "solve_rota",
]
