"""The rota optimiser: CP-SAT on the model of :mod:`~salonkit.scheduling.rota.cpsat_model`.

:func:`solve_rota` starts from a first search of the whole model (small rotas), from the hint,
or from a roster built row by row (by column generation's pricing on every rota built whole
unless ``columns=False``,
:meth:`~salonkit.scheduling.rota.columns.ColumnGeneration.greedy_roster`, else by CP-SAT,
:mod:`~salonkit.scheduling.rota.construct`); then, on
rotas of moderate size, column generation (:mod:`~salonkit.scheduling.rota.columns`)
proves a bound and CP-SAT searches the neighbourhood of its LP's answer; then a
large-neighbourhood search re-plans one part of the roster at a time, each part solved as a
small rota of its own (:mod:`~salonkit.scheduling.rota.parts`), with an occasional search of
the whole model for a better bound. Rotas too large to build whole are only ever solved in
parts. Every answer is verified by the independent checker before it is returned, and each
unmet cover and refused request is explained.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

import attrs
from ortools.sat.python import cp_model

from salonkit.errors import SalonkitError, ValidationError
from salonkit.scheduling.rota.checker import check_roster, hourly_counts
from salonkit.scheduling.rota.columns import ColumnGeneration, Cut, MasterFailed
from salonkit.scheduling.rota.construct import construct_timed
from salonkit.scheduling.rota.cpsat_model import (
    RotaModel,
    build_model,
    hours_covered,
    set_domain,
    solver_parameters,
)
from salonkit.scheduling.rota.explain import explain_roster
from salonkit.scheduling.rota.model import OFF, NoValidRow, RotaProblem, RotaSolution, Status
from salonkit.scheduling.rota.parts import Part, Proposal, WorkingRoster, propose_part

logger = logging.getLogger(__name__)

#: Seconds given to each LNS step.
STEP_LIMIT = 1.0
#: Seconds given to an LNS step whose part holds every employee (it gets every worker too).
WHOLE_STAFF_STEP_LIMIT = 3.0
#: Share of the time limit given to LNS steps between two whole-model searches.
LNS_SLICE = 0.2
#: Share of the time limit given to each whole-model search started from the incumbent.
FULL_SLICE = 0.15
#: Workers per LNS step (0: the search's workers shared by the parts solved at once).
STEP_WORKERS = 0
#: Rotas with more shift variables than this start from a roster built row by row (smaller
#: ones from a first whole-model search).
CONSTRUCT_THRESHOLD = 1_500
#: Share of the time limit the rows' penalties may take while a roster is built row by row.
CONSTRUCT_SHARE = 0.4
#: Share of the time limit given to the first, whole-model search when LNS follows.
FIRST_SHARE = 0.25
#: The same when column generation follows (it needs a roster, not a good one).
FIRST_SHARE_COLUMNS = 0.1
#: Column generation runs by default when the horizon (days) times the shift variables of the
#: whole model is at most this: a proxy for its work (its rounds grow with the horizon, each
#: round with the variables). It covers the benchmark's Instances 1-19.
COLUMNS_WORK = 1_200_000
#: Share of the time left that column generation may take to reach the LP's optimum.
COLUMNS_SHARE = 0.7
#: Beyond this work (Instances 13 and 19) column generation tails off for minutes, and the
#: search after it needs the time more: it may take :data:`COLUMNS_SHARE_LARGE` instead.
LARGE_COLUMNS_WORK = 500_000
#: Share of the time left that column generation may take on rotas beyond
#: :data:`LARGE_COLUMNS_WORK`.
COLUMNS_SHARE_LARGE = 0.45
#: Share of the time left that the searches of the LP's neighbourhood may take.
NEIGHBOURHOOD_SHARE = 0.5
#: Most employee-days the LP's answer may split for its neighbourhood to be searched as it
#: is; beyond it, column generation first dives (fixes employee-days to shifts, see
#: :meth:`~salonkit.scheduling.rota.columns.ColumnGeneration.dive`) down to
#: :data:`DIVE_TO`.
DIVE_CELLS = 1_000
#: How many employee-days the LP's answer may split at the end of a dive.
DIVE_TO = 300
#: Share of the time left that the dive may take.
DIVE_SHARE = 0.5
#: Rotas with more shift variables than this are never built whole, only in parts.
WHOLE_MODEL_LIMIT = 150_000
#: About how many shift variables a part over a span of days may have.
PART_VARIABLES = 6_000


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


@attrs.frozen
class _Run:
    """What every phase of one :func:`solve_rota` call shares: when it started, its limit,
    workers, seed, deterministic mode and progress callback."""

    started: float
    time_limit: float
    workers: int
    seed: int
    deterministic: bool
    progress: ProgressCallback | None


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Reports each roster better than ``best`` found by a search of the whole model, with the
    better of ``bound`` and CP-SAT's own bound (only ``bound`` when the search is
    ``restricted`` to a neighbourhood, whose bound is not the rota's)."""

    def __init__(
        self,
        progress: ProgressCallback | None,
        offset: float,
        phase: str,
        best: int | None,
        bound: int = 0,
        *,
        restricted: bool = False,
    ) -> None:
        super().__init__()
        self._progress = progress
        self._offset = offset
        self._phase = phase
        self._best = best
        self._bound = bound
        self._restricted = restricted

    def on_solution_callback(self) -> None:
        objective = round(self.objective_value)
        if self._progress is None or (self._best is not None and objective >= self._best):
            return
        self._best = objective
        bound = self._bound
        proven = self.best_objective_bound
        if not self._restricted and math.isfinite(proven):
            bound = max(bound, math.ceil(proven - 1e-6))
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


def _fix(rm: RotaModel, values: Mapping[int, int] | Sequence[int]) -> None:
    """Narrow every shift variable to its value."""
    for var in rm.x.values():
        set_domain(rm.model, var, values[var.index], values[var.index])


def _restore(rm: RotaModel) -> None:
    """Give every shift variable back its 0..1 domain."""
    for var in rm.x.values():
        set_domain(rm.model, var, 0, 1)


def _complete(rm: RotaModel, values: dict[int, int], seed: int) -> tuple[list[int], int] | None:
    """Every variable's value, and the objective, of the roster given by ``values``.

    ``None`` when the roster breaks a hard rule (it can then only guide the search as a
    partial hint).
    """
    _fix(rm, values)
    solver = cp_model.CpSolver()
    solver_parameters(solver, 10.0, 1, seed, False)
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


def _variable_count(problem: RotaProblem) -> int:
    """How many shift variables the whole model would have."""
    return sum(
        sum(1 for n in e.contract.max_shifts.values() if n > 0)
        * sum(1 for d in range(problem.horizon) if d not in e.days_off)
        for e in problem.employees
    )


def _start_in_parts(
    problem: RotaProblem,
    start_roster: Mapping[str, Sequence[str]] | None,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    progress: ProgressCallback | None,
    started: float,
    cg: ColumnGeneration | None = None,
) -> tuple[WorkingRoster, int, int, float]:
    """The hint, or a roster built row by row (by ``cg``'s pricing when given, else by
    CP-SAT): the roster, its objective, bound 0, time spent."""
    if start_roster is not None and not check_roster(problem, start_roster).valid:
        logger.warning("the hint breaks a hard rule; building a roster row by row instead")
        start_roster = None
    spent = 0.0
    try:
        if start_roster is None and cg is not None:
            # the models built so far count against the rows' share of the time
            already = 0.0 if deterministic else time.perf_counter() - started
            start_roster, spent = cg.greedy_roster(max(0.0, CONSTRUCT_SHARE * time_limit - already))
        if start_roster is None:
            start_roster, used = construct_timed(
                problem,
                time_limit - spent,
                seed,
                workers,
                deterministic=deterministic,
                share=CONSTRUCT_SHARE * time_limit - spent,
            )
            spent += used
    except NoValidRow as exc:
        raise RotaInfeasible(f"{problem.name or 'the rota'}: {exc}") from exc
    if start_roster is None:
        raise RotaInfeasible(f"{problem.name or 'the rota'}: no roster found within the time limit")
    work = WorkingRoster(problem, start_roster)
    objective = check_roster(problem, start_roster).objective
    if progress is not None:
        progress(Progress(objective, None, time.perf_counter() - started, "construct"))
    if not deterministic:
        spent = time.perf_counter() - started
    return work, objective, 0, spent


def _start_whole(
    rm: RotaModel,
    start_roster: Mapping[str, Sequence[str]] | None,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    progress: ProgressCallback | None,
    started: float,
    use_lns: bool,
    first_share: float = FIRST_SHARE,
) -> tuple[WorkingRoster, int, int, float, bool]:
    """A first search of the whole model (from the hint when given).

    Returns the roster, its objective, the bound, the time spent and whether it is optimal.
    """
    problem = rm.problem
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
    elapsed = time.perf_counter() - started
    remaining = time_limit if deterministic else time_limit - elapsed
    first_limit = remaining * (first_share if use_lns else 1.0)
    solver = cp_model.CpSolver()
    solver_parameters(solver, first_limit, workers, seed, deterministic, whole=True)
    best = hinted[1] if hinted is not None else None
    status = solver.solve(rm.model, _Reporter(progress, elapsed, "search", best))
    spent = solver.deterministic_time
    if status == cp_model.UNKNOWN and use_lns and hinted is None:
        # nothing found yet: give the whole search the rest of the time
        elapsed = time.perf_counter() - started
        solver = cp_model.CpSolver()
        rest = time_limit - spent if deterministic else time_limit - elapsed
        solver_parameters(solver, rest, workers, seed, deterministic, whole=True)
        status = solver.solve(rm.model, _Reporter(progress, elapsed, "search", None))
        spent += solver.deterministic_time
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
            f"{problem.name or 'the rota'}: no roster found within the time limit "
            f"({solver.status_name(status)})"
        )
    if not deterministic:
        spent = time.perf_counter() - started
    work = WorkingRoster(problem, _roster_of(rm, full))
    return work, objective, bound, spent, status == cp_model.OPTIMAL


def solve_rota(
    problem: RotaProblem,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    hint: RotaSolution | Mapping[str, Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
    *,
    lns: bool | None = None,
    columns: bool | None = None,
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
    ``columns`` runs column generation after the first search: the LP over whole rows
    (:mod:`~salonkit.scheduling.rota.columns`) gives the bound, and searches of the whole model
    with the shifts the LP decides fixed improve the roster, before the large-neighbourhood
    search takes the rest of the time. By default it runs when the horizon times the shift
    variables is at most :data:`COLUMNS_WORK` (the benchmark's Instances 1-19); it
    needs the large-neighbourhood search and the whole model, so ``lns=False`` turns it off
    too, as does a rota never built whole. A rota built whole but too large for a first
    whole-model search starts from rows found by column generation's pricing, whether it runs
    or not; with ``columns=False`` from rows found by CP-SAT.

    Raises :class:`RotaInfeasible` when no valid roster is found (proved impossible, or none
    found in time).
    """
    if time_limit <= 0:
        raise ValidationError("time_limit", f"must be positive, got {time_limit}")
    if workers < 1:
        raise ValidationError("workers", f"must be at least 1, got {workers}")
    started = time.perf_counter()
    start_roster: Mapping[str, Sequence[str]] | None = None
    if isinstance(hint, RotaSolution):
        start_roster = hint.roster
    elif hint is not None:
        start_roster = hint
    size = _variable_count(problem)
    use_lns = lns if lns is not None else True
    use_columns = (
        use_lns
        and size <= WHOLE_MODEL_LIMIT
        and (columns if columns is not None else problem.horizon * size <= COLUMNS_WORK)
    )
    rm: RotaModel | None = None
    if size <= WHOLE_MODEL_LIMIT or not use_lns:
        rm = build_model(problem)
        logger.info(
            "rota model of %s: %d shift variables, built in %.2f s",
            problem.name or "the rota",
            len(rm.x),
            rm.build_s,
        )
    cg: ColumnGeneration | None = None
    if rm is None or (start_roster is None and size > CONSTRUCT_THRESHOLD and use_lns):
        # a roster built row by row (or the hint), then improved part by part; the whole
        # model, when built, only serves the occasional whole-model search
        # rows by pricing when column generation runs, and on any rota built whole unless
        # column generation was switched off (then CP-SAT builds the rows)
        if use_columns or (rm is not None and columns is not False):
            cg = ColumnGeneration(problem, workers=workers, seed=seed, deterministic=deterministic)
        work, objective, bound, spent = _start_in_parts(
            problem, start_roster, time_limit, workers, seed, deterministic, progress, started, cg
        )
        if not use_columns:
            cg = None  # its models served the start only
    else:
        work, objective, bound, spent, optimal = _start_whole(
            rm,
            start_roster,
            time_limit,
            workers,
            seed,
            deterministic,
            progress,
            started,
            use_lns,
            FIRST_SHARE_COLUMNS if use_columns else FIRST_SHARE,
        )
        use_lns = use_lns and not optimal
    run = _Run(started, time_limit, workers, seed, deterministic, progress)
    if use_lns and use_columns and rm is not None and objective > bound:
        objective, bound, spent = _columns(rm, work, objective, bound, run, spent, cg)
    if use_lns:
        objective, bound = _lns(rm, work, objective, bound, run, spent)
    roster = work.roster()
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


def _columns(
    rm: RotaModel,
    work: WorkingRoster,
    objective: int,
    bound: int,
    run: _Run,
    spent: float,
    cg: ColumnGeneration | None = None,
) -> tuple[int, int, float]:
    """Column generation from the current roster (in ``cg``, or a new one), then searches of
    the LP's neighbourhood.

    The LP over whole rows proves a bound, which joins the whole model as Lagrangian cuts
    (:meth:`~salonkit.scheduling.rota.columns.ColumnGeneration.cuts`). Searches of the whole
    model from the roster then fix every shift variable the LP takes wholly or not at all, as
    long as that gains; then only those on which the roster also agrees with the LP (a
    neighbourhood holding the roster itself), as long as that gains; then none, for what is
    left of their time (the cuts prune that search). Where the LP splits more than
    :data:`DIVE_CELLS` employee-days, column generation dives first, and the first search
    starts from the dive's rows of largest weight. Returns the objective, the bound and the
    time spent.
    """
    started, time_limit, deterministic = run.started, run.time_limit, run.deterministic
    workers, seed = run.workers, run.seed
    problem = rm.problem
    if cg is None:
        cg = ColumnGeneration(problem, workers=workers, seed=seed, deterministic=deterministic)
    cg.add_roster(work.roster())
    large = problem.horizon * len(rm.x) > LARGE_COLUMNS_WORK
    used = cg.solve((COLUMNS_SHARE_LARGE if large else COLUMNS_SHARE) * (time_limit - spent))
    spent = spent + used if deterministic else time.perf_counter() - started
    if cg.bound is not None and cg.bound > bound:
        bound = cg.bound
    _add_cuts(rm, cg.cuts())
    logger.info(
        "column generation: LP %.2f, bound %s, %d rows, %d rounds%s",
        cg.lp_value or 0.0,
        cg.bound,
        cg.column_count(),
        cg.rounds,
        "" if cg.converged else " (stopped before the LP's optimum)",
    )
    try:
        dived = objective > bound and cg.undecided() > DIVE_CELLS
        if dived:
            used = cg.dive(DIVE_SHARE * (time_limit - spent), DIVE_TO)
            spent = spent + used if deterministic else time.perf_counter() - started
        mix = cg.mix()
    except MasterFailed:
        logger.warning("no LP answer to search around; the search goes on without it")
        return objective, bound, spent
    # after a dive, the rows of largest weight: a roster in the LP's neighbourhood to start from
    dive_from: dict[str, tuple[str, ...]] | None = None
    if dived:
        logger.info("dive: LP %.2f", cg.lp_value or 0.0)
        dive_from = {e.id: rows[0][1] for e, rows in zip(problem.employees, mix, strict=True)}
    deadline = spent + NEIGHBOURHOOD_SHARE * (time_limit - spent)
    # every shift the LP decides; then those the roster agrees on too; then nothing fixed
    modes = ["lp", "agree", "whole"]
    while objective > bound and deadline - spent > (0.05 if deterministic else 0.5):
        mode = modes[0]
        try:
            if mode != "whole":
                _fix_to_lp(rm, mix, work.rows if mode == "agree" else None)
            roster, found, proven, used = _whole_model_search(
                rm,
                work,
                deadline - spent,
                run,
                "columns",
                objective,
                bound,
                restricted=mode != "whole",
                start=dive_from if mode == "lp" else None,
            )
            dive_from = None
        finally:
            _restore(rm)
        spent = spent + used if deterministic else time.perf_counter() - started
        if mode == "whole" and proven is not None:
            bound = max(bound, proven)  # nothing fixed: a bound of the rota itself
        if roster is None or found is None or found >= objective:
            modes.pop(0)
            if not modes:
                break
            continue
        work.reset(roster)
        objective = found
        logger.info("LP neighbourhood (%s): objective %d", mode, objective)
    return objective, bound, spent


def _add_cuts(rm: RotaModel, cuts: Sequence[Cut]) -> None:
    """Add column generation's Lagrangian cuts to the whole model (for the rest of the run:
    every roster meets them)."""
    model = rm.model
    for cut in cuts:
        terms = [(rm.x[cut.employee, d, si], k) for (d, si), k in cut.terms.items()]
        model.add(sum(var * k for var, k in terms) >= cut.least)


def _fix_to_lp(
    rm: RotaModel,
    mix: Sequence[Sequence[tuple[float, tuple[str, ...]]]],
    rows: Sequence[Sequence[str]] | None,
) -> None:
    """Fix each shift variable the LP takes wholly or not at all (and, given ``rows``, on
    which the roster agrees with the LP) to that value."""
    shifts = rm.problem.shifts
    for (ei, d, si), var in rm.x.items():
        taken = sum(w for w, row in mix[ei] if row[d] == shifts[si].id)
        if 1e-6 <= taken <= 1 - 1e-6:
            continue
        value = int(taken > 0.5)
        if rows is not None and int(rows[ei][d] == shifts[si].id) != value:
            continue
        set_domain(rm.model, var, value, value)


def _whole_model_search(
    rm: RotaModel,
    work: WorkingRoster,
    limit: float,
    run: _Run,
    phase: str,
    best: int,
    bound: int,
    *,
    restricted: bool = False,
    start: Mapping[str, Sequence[str]] | None = None,
) -> tuple[dict[str, tuple[str, ...]] | None, int | None, int | None, float]:
    """One CP-SAT search of the whole model from the current roster (of objective ``best``),
    or from the valid roster ``start``, reporting each roster better than ``best`` as progress
    of ``phase`` (with the better of ``bound`` and CP-SAT's own, unless the search is
    ``restricted`` by fixed variables).

    Returns a better roster (or ``None``), its objective, the bound proven (of the
    neighbourhood only, when ``restricted``) and the time used.
    """
    deterministic = run.deterministic
    _set_hint(rm, _roster_values(rm, start if start is not None else work.roster()))
    solver = cp_model.CpSolver()
    solver_parameters(solver, limit, run.workers, run.seed, deterministic, whole=True)
    offset = time.perf_counter() - run.started
    reporter = _Reporter(run.progress, offset, phase, best, bound, restricted=restricted)
    status = solver.solve(rm.model, reporter)
    used = solver.deterministic_time if deterministic else solver.wall_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, None, used
    bound = math.ceil(solver.best_objective_bound - 1e-6)
    found = round(solver.objective_value)
    return _roster_of(rm, solver.response_proto.solution), found, bound, used


def _related(work: WorkingRoster, pool: list[int], count: int, rng: random.Random) -> list[int]:
    """``count`` employees of ``pool``: one at random, then others likelier the more shift
    types they share with it (only employees who can take each other's shifts trade)."""
    pool = list(pool)
    first = pool.pop(rng.randrange(len(pool)))
    chosen = [first]
    while pool and len(chosen) < count:
        weights = [1 + 4 * len(work.allowed[first] & work.allowed[ei]) for ei in pool]
        chosen.append(pool.pop(rng.choices(range(len(pool)), weights)[0]))
    return chosen


def _choose(
    kind: str,
    size: int,
    work: WorkingRoster,
    rng: random.Random,
    budget: int,
    available: list[int],
) -> Part | None:
    """A part of ``kind`` among ``available`` employees: ``size`` employees (staff) over the
    whole horizon, or ``size`` days (days, block, cover: the days around cover the roster
    leaves short, with employees who may give it, or a block when no available employee may),
    or the days around ``size`` weekends in a row (weekends; a part over days when the horizon
    has none); ``None`` when too few are available."""
    p = work.problem
    if len(available) < min(2, len(p.employees)):
        return None
    if kind == "staff":
        chosen = _related(work, available, size, rng)
        return Part(tuple(sorted(chosen)), 0, p.horizon)
    weekends = p.weekends()
    if kind == "weekends" and not weekends:
        kind = "days"  # a horizon without a weekend: every employee over a few days
    if kind == "weekends":
        # the days around ``size`` weekends in a row, as many employees as fit
        count = min(size, len(weekends))
        start = rng.randrange(len(weekends) - count + 1)
        before, after = rng.choice(WEEKEND_REACH)
        days = frozenset(
            d
            for weekend in weekends[start : start + count]
            for d in range(weekend[0] - before, weekend[-1] + after + 1)
            if 0 <= d < p.horizon
        )
        first, stop = min(days), max(days) + 1
        fit = _fitting(work, first, stop - first, budget)
        chosen = rng.sample(available, min(fit, len(available)))
        return Part(tuple(sorted(chosen)), first, stop, days)
    givers = []
    for day, shifts, skill in _short_cover(work) if kind == "cover" else ():
        able = [
            ei
            for ei in available
            if work.allowed[ei] & shifts and (skill is None or skill in p.employees[ei].skills)
        ]
        if able:
            givers.append((day, able))
    if givers:
        # the days around cover left short, with employees who may give it
        day, able = rng.choice(givers)
        first = min(max(0, day - size // 2), p.horizon - size)
        count = _fitting(work, first, size, budget)
        chosen = rng.sample(able, min(count, len(able)))
        others = [ei for ei in available if ei not in chosen]
        if len(chosen) < 2 and others:
            chosen += rng.sample(others, min(len(others), 2 - len(chosen)))
        return Part(tuple(sorted(chosen)), first, first + size)
    first = rng.randrange(0, p.horizon - size + 1)
    # every employee (days) or a third of them (block) when the part stays small enough,
    # else as many as fit
    n_staff = len(p.employees)
    wanted = n_staff if kind == "days" else max(2, n_staff // 3)
    count = min(wanted, _fitting(work, first, size, budget))
    chosen = rng.sample(available, min(count, len(available)))
    return Part(tuple(sorted(chosen)), first, first + size)


def _fitting(work: WorkingRoster, first: int, size: int, budget: int) -> int:
    """How many employees (at least 2) a part of ``size`` days from ``first`` may hold for
    about ``budget`` shift variables."""
    lo, hi = work.span(Part((), first, first + size))
    per_employee = max(1, (hi - lo) * max(len(a) for a in work.allowed))
    return max(2, budget // per_employee)


def _step_limit(part: Part, n_staff: int) -> float:
    """Seconds for one step of the large-neighbourhood search: longer for a part holding every
    employee (it is searched as the whole model is, see
    :func:`~salonkit.scheduling.rota.parts.propose_part`)."""
    return WHOLE_STAFF_STEP_LIMIT if len(part.employees) == n_staff else STEP_LIMIT


def _short_cover(work: WorkingRoster) -> list[tuple[int, frozenset[str], str | None]]:
    """Where the roster leaves cover short: the day, the shifts that would give it and the
    skill asked (``None``: any), for each row per day and shift, and each row per hour."""
    p = work.problem
    out: list[tuple[int, frozenset[str], str | None]] = [
        (day, frozenset((shift,)), None)
        for (day, shift), c in work.cover_at.items()
        if c.under_weight and work.counts[day, shift] < c.requirement
    ]
    if p.hourly_cover:
        at_work = hourly_counts(p, work.roster())
        hours = {s.id: hours_covered(s) for s in p.shifts}
        for h in p.hourly_cover:
            if h.under_weight and at_work[h.day, h.hour, h.skill] < h.requirement:
                # a shift of the day itself, or of the day before running past midnight
                shifts = frozenset(
                    s
                    for s, covered in hours.items()
                    if (0, h.hour) in covered or (h.day > 0 and (1, h.hour) in covered)
                )
                out.append((h.day, shifts, h.skill))
    return out


#: The kinds of part the search takes in turn.
KINDS = ("staff", "days", "staff", "block", "cover", "weekends")
#: Days before a weekend's Saturday and after its Sunday that a part over weekends re-plans
#: with it (one pair drawn at random for each part).
WEEKEND_REACH = ((1, 1), (2, 1), (1, 2))
#: Weekends in a row a part over weekends starts with (a month).
WEEKEND_PARTS = 4
#: Kinds of part drawn from every employee, even those another part holds at the time: such
#: a part waits until they are free, and one holding every employee gets every worker.
WHOLE_STAFF_KINDS = frozenset({"days", "weekends"})


def _lns(
    rm: RotaModel | None,
    work: WorkingRoster,
    objective: int,
    bound: int,
    run: _Run,
    spent: float,
) -> tuple[int, int]:
    """Improve ``work`` by re-planning parts of it with everything else fixed.

    Each step takes a few employees' whole rows (likelier those who share shift types), or
    (nearly) every employee over a few days, or a third of the employees over a longer span, or
    the days around cover left short with the employees who may give it, or the days around
    a run of weekends with as many employees as fit, and solves that part as a rota of its
    own (:mod:`~salonkit.scheduling.rota.parts`). An answer at least as good is kept (equal
    moves let the search drift across plateaus). A part solved to optimality without gain
    grows the next part of its kind; a part that runs out of time shrinks it. With two or more
    workers (and not deterministic) two parts with no employee in common are solved at once,
    one CP-SAT worker each, and each answer is re-scored against the roster as it is when the
    answer arrives; parts over days and over weekends (:data:`WHOLE_STAFF_KINDS`) are drawn
    from every employee and wait for those another part holds, and one that holds every
    employee runs alone with every worker for :data:`WHOLE_STAFF_STEP_LIMIT`. When the whole
    model is built, a whole-model search from the current roster runs now and then, for global
    moves and a better bound; each one that gains nothing doubles the wait for the next.
    """
    started, time_limit, deterministic, progress = (
        run.started,
        run.time_limit,
        run.deterministic,
        run.progress,
    )
    workers, seed = run.workers, run.seed
    p = work.problem
    rng = random.Random(seed)
    n_staff = len(p.employees)
    n_weekends = max(1, len(p.weekends()))
    sizes = {
        "staff": max(1, min(n_staff, 2)),
        "days": max(1, min(p.horizon, 3)),
        "block": max(1, min(p.horizon, 7)),
        "cover": max(1, min(p.horizon, 7)),
        "weekends": min(n_weekends, WEEKEND_PARTS),
    }
    limits = {
        "staff": n_staff,
        "days": p.horizon,
        "block": p.horizon,
        "cover": p.horizon,
        "weekends": n_weekends,
    }
    slots = 2 if workers >= 2 and not deterministic and n_staff >= 4 else 1
    part_workers = STEP_WORKERS or max(1, workers // slots)
    iteration = 0
    gap = LNS_SLICE * time_limit
    next_full = spent + gap
    pool = ThreadPoolExecutor(slots) if slots > 1 else None
    pending: dict[Future[Proposal], tuple[str, int, Part]] = {}
    # a part drawn from every employee, waiting for the parts that hold some of them
    held: tuple[str, int, Part] | None = None
    everyone = list(range(n_staff))

    def finish(proposal: Proposal, kind: str, size: int) -> None:
        nonlocal objective
        result = work.apply(proposal)
        logger.debug("LNS %s %d: %s %+d", kind, size, result.status, result.change)
        if result.status not in ("OPTIMAL", "FEASIBLE"):
            sizes[kind] = max(1, size - 1)
            return
        if result.kept and result.change < 0:
            objective += result.change
            logger.info("LNS %d (%s %d): objective %d", iteration, kind, size, objective)
            if progress is not None:
                progress(Progress(objective, None, time.perf_counter() - started, "lns"))
        if result.status == "OPTIMAL" and result.change >= 0:
            sizes[kind] = min(limits[kind], size + 1)
        elif result.status == "FEASIBLE":
            sizes[kind] = max(1, size - 1)

    try:
        while True:
            if not deterministic:
                spent = time.perf_counter() - started
            left = time_limit - spent
            if left < (0.05 if deterministic else 0.5) or objective <= bound:
                break
            if rm is not None and spent >= next_full and not pending:
                roster, found, proven, used = _whole_model_search(
                    rm, work, min(left, FULL_SLICE * time_limit), run, "search", objective, bound
                )
                spent = spent + used if deterministic else time.perf_counter() - started
                gained = False
                if proven is not None:
                    gained = proven > bound
                    bound = max(bound, proven)
                if roster is not None and found is not None and found < objective:
                    work.reset(roster)
                    objective, gained = found, True
                    logger.info("whole-model search: objective %d", objective)
                gap = gap if gained else 2 * gap
                next_full = spent + gap
                continue
            if pool is None:
                iteration += 1
                kind = KINDS[iteration % len(KINDS)]
                part = _choose(kind, sizes[kind], work, rng, PART_VARIABLES, list(range(n_staff)))
                assert part is not None
                proposal = propose_part(
                    work,
                    part,
                    min(left, _step_limit(part, n_staff)),
                    part_workers,
                    seed + iteration,
                    deterministic=deterministic,
                )
                if deterministic:
                    spent += proposal.used
                finish(proposal, kind, sizes[kind])
                continue
            due = rm is not None and spent >= next_full
            while len(pending) < slots and not due:
                busy = {ei for _, _, part in pending.values() for ei in part.employees}
                if held is None:
                    iteration += 1
                    kind = KINDS[iteration % len(KINDS)]
                    pool_of = everyone if kind in WHOLE_STAFF_KINDS else None
                    available = pool_of or [ei for ei in range(n_staff) if ei not in busy]
                    part = _choose(kind, sizes[kind], work, rng, PART_VARIABLES, available)
                    if part is None:
                        iteration -= 1  # the kind's turn comes again once employees are free
                        break
                    held = (kind, sizes[kind], part)
                kind, size, part = held
                if busy.intersection(part.employees):
                    break  # it waits for the parts holding its employees
                held = None
                future = pool.submit(
                    propose_part,
                    work,
                    part,
                    min(left, _step_limit(part, n_staff)),
                    workers if len(part.employees) == n_staff else part_workers,
                    seed + iteration,
                )
                pending[future] = (kind, size, part)
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                kind, size, _ = pending.pop(future)
                finish(future.result(), kind, size)
    finally:
        for future in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(wait=True)
    logger.info("LNS: %d steps, sizes %s", iteration, sizes)
    return objective, bound


__all__ = [
    "FIRST_SHARE",
    "STEP_LIMIT",
    "Progress",
    "ProgressCallback",
    "RotaInfeasible",
    "solve_rota",
]
