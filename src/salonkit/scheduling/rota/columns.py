"""Column generation: the rota's LP over whole rows, and the lower bound it proves.

Every hard rule of a rota concerns one employee's row, so a roster is one valid row per
employee, and its objective is the rows' request penalties plus the cover penalties. The
*master* LP (GLOP) chooses, for each employee, a weighted mix of rows known so far (the
*columns*), with ``sum(rows covering r) + under[r] - over[r] = requirement[r]`` for each cover
row ``r`` (per day and shift, or per hour and skill):

- **pricing**: with the LP's duals ``pi`` on the cover rows, the row of least reduced cost of
  each employee (the row's request penalty minus ``pi`` of every cover row it serves) is found
  by a dynamic programme over the days (:mod:`~salonkit.scheduling.rota.pricing`), and by
  CP-SAT on that employee's own model (their rules and requests,
  :func:`~salonkit.scheduling.rota.cpsat_model.build_model`) only where the programme proves
  neither its row least nor that no row improves the LP, and found no row that does. Rows of
  negative reduced cost join the LP, and the rounds go on until none is left;
- **bound**: for any duals with ``-over_weight <= pi[r] <= under_weight``, ``sum(pi[r] *
  requirement[r])`` plus, for each employee, the least of ``penalty - pi . cover`` over their
  valid rows is a lower bound on every roster's objective (a Lagrangian bound). Pricing proves
  a lower bound on each employee's least value (the programme's own, or CP-SAT's), so every
  round gives a bound, proven even before the LP converges; the duals are rounded to
  thousandths first, which keeps the arithmetic exact.
  Pricing runs at *smoothed* duals (halfway between the LP's and those of the best bound so
  far), which reaches the LP's optimum in fewer rounds; a round there that finds nothing is
  followed by one at the LP's own duals, and only a round at the LP's duals that finds nothing,
  with every employee's pricing proving that no row improves the LP, proves the LP optimal.
  GLOP re-solves the LP from its last basis; where that fails (it can, on long horizons) the
  LP is built again and solved from scratch. The rounds also stop once the
  bound reaches the LP's value rounded up, beyond which an integer bound cannot rise. The
  programme always gives a bound; CP-SAT gets at most :data:`PRICING_LIMIT` per employee,
  and a round in which an employee's CP-SAT pricing gave none proves no bound. A round is
  only as exact as the duals' rounding: a row whose reduced cost is within a thousandth of
  zero is not looked for.

The same pricing also builds a first roster (:meth:`ColumnGeneration.greedy_roster`): each
employee's row priced at the weights of the cover the other rows leave short (under-cover
weight) or already meet (minus the over-cover weight), row by row, then again given all the
others.

The bound's duals also give one *Lagrangian cut* per employee (:meth:`ColumnGeneration.cuts`),
which the solver adds to the whole model so that CP-SAT's own bound starts from this one.

The LP's answer (:meth:`ColumnGeneration.mix`) is a mix of rows, not a roster; the solver
(:mod:`~salonkit.scheduling.rota.solver`) fixes the shifts the LP decides (takes wholly or not
at all) and lets CP-SAT re-plan the rest. Where the LP splits too many cells for that,
:meth:`ColumnGeneration.dive` first fixes employee-days to shifts, pricing again after
each step for rows that keep them, until it splits few. The bound of this LP over whole rows
is far stronger than the one of the model over single shifts: on the benchmark's four-week
instances it lies within a few points of the best-known objectives, and proves several of
them optimal.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined,unused-ignore]
from ortools.sat.python import cp_model

from salonkit.errors import SalonkitError
from salonkit.scheduling.rota.cpsat_model import (
    RotaModel,
    build_model,
    hours_covered,
    set_domain,
)
from salonkit.scheduling.rota.model import OFF, NoValidRow, RotaProblem
from salonkit.scheduling.rota.pricing import RowPricer

logger = logging.getLogger(__name__)

#: Duals are rounded to multiples of ``1 / SCALE`` before pricing, so that the pricing
#: objective is an exact integer and the bound exact arithmetic.
SCALE = 1000
#: Seconds at most for one employee's pricing; a pricing stopped early still gives a bound.
PRICING_LIMIT = 2.0
#: Rows at most that one employee's pricing adds (the best ones it found).
COLUMNS_PER_PRICING = 3
#: Deterministic seconds counted per unit of the dynamic programme's work (its states times
#: resource cells times days, per search), for the time limits of a deterministic run.
DP_TIME = 2e-8
#: Largest work (cells over all days, 8 bytes each) of one employee's dynamic programme;
#: beyond it CP-SAT prices that employee (the programme keeps every day's arrays).
DP_WORK_LIMIT = 8_000_000
#: Weight of the best duals so far in the duals priced (dual smoothing, which takes the LP to
#: its optimum in fewer rounds); 0 prices at the LP's own duals.
SMOOTHING = 0.5
#: Passes of :meth:`ColumnGeneration.greedy_roster` after the first that re-plan each row
#: given all the others.
GREEDY_PASSES = 5
#: A pass of :meth:`ColumnGeneration.greedy_roster` that lowers the roster's objective by
#: less than this share is its last.
GREEDY_GAIN = 0.01
#: Share of the employee-days the LP splits (at least one) that each step of
#: :meth:`ColumnGeneration.dive` fixes, beside every employee-day the LP already decides.
DIVE_STEP = 0.3
#: :meth:`ColumnGeneration.dive` stops once the LP's value exceeds its value before the dive
#: by more than this share.
DIVE_SLACK = 0.005
Row = tuple[int, ...]  # one shift index per day, -1 for a day off


@attrs.define
class _CoverRow:
    requirement: int
    under_weight: int
    over_weight: int


@attrs.define
class _Column:
    row: Row
    cost: int
    covers: tuple[int, ...]
    var: pywraplp.Variable


@attrs.define
class _Pricing:
    """One employee's CP-SAT model, dynamic programme and what pricing needs of them."""

    model: RotaModel
    #: Objective coefficients (request penalties) of the employee's model, by variable index.
    base: dict[int, int]
    offset: int
    #: Variable index -> the cover rows an employee's shift there serves.
    serves: dict[int, tuple[int, ...]]
    #: (day, shift index, variable) of every shift variable.
    variables: list[tuple[int, int, cp_model.IntVar]]
    #: The employee's dynamic programme (``None`` where its state would be too large, see
    #: :data:`DP_WORK_LIMIT`, or no row meets the rules: CP-SAT prices them then).
    dp: RowPricer | None
    #: Per shift variable (in :attr:`variables`' order): its day, its shift index and its
    #: request penalty scaled; and the (variable position, cover row) pairs of what it serves.
    days: np.ndarray = attrs.field(init=False)
    shift_indexes: np.ndarray = attrs.field(init=False)
    scaled: np.ndarray = attrs.field(init=False)
    cells: np.ndarray = attrs.field(init=False)
    cover_rows: np.ndarray = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.days = np.array([d for d, _, _ in self.variables], dtype=np.int64)
        self.shift_indexes = np.array([si for _, si, _ in self.variables], dtype=np.int64)
        self.scaled = np.array(
            [self.base.get(var.index, 0) * SCALE for _, _, var in self.variables], dtype=np.int64
        )
        pairs = [
            (i, r) for i, (_, _, var) in enumerate(self.variables) for r in self.serves[var.index]
        ]
        self.cells = np.array([i for i, _ in pairs], dtype=np.int64)
        self.cover_rows = np.array([r for _, r in pairs], dtype=np.int64)

    def costs(self, duals: Sequence[int]) -> np.ndarray:
        """``costs[day, shift index]``: what working that shift that day adds to the row's
        reduced cost at ``duals`` (scaled by :data:`SCALE`; the row's constant left out)."""
        served = np.bincount(
            self.cells,
            weights=np.asarray(duals, dtype=np.float64)[self.cover_rows],
            minlength=len(self.variables),
        )
        problem = self.model.problem
        out = np.zeros((problem.horizon, len(problem.shifts)), dtype=np.int64)
        out[self.days, self.shift_indexes] = self.scaled - np.rint(served).astype(np.int64)
        return out


class MasterFailed(SalonkitError):
    """GLOP could not solve the master LP (column generation cannot go on)."""


@attrs.frozen
class Cut:
    """A Lagrangian cut on one employee's row: ``sum(terms[day, shift] * x[employee, day,
    shift]) >= least``, with ``x`` the row's shift literals (shift by index)."""

    employee: int
    terms: dict[tuple[int, int], int]
    least: int


@attrs.frozen
class Priced:
    """What pricing one employee found: its rows (the best last; empty when none was found
    in time), a proven lower bound on the least value at the duals priced (scaled by
    :data:`SCALE`; ``None`` when not priced or nothing was proven), whether the best row was
    proven least, the time used, and the best row's value."""

    rows: tuple[Row, ...]
    bound: int | None
    optimal: bool
    used: float
    #: The best row's value at the duals priced (scaled; ``None`` without a row).
    value: int | None = None


class _Collector(cp_model.CpSolverSolutionCallback):
    """Keeps every row CP-SAT finds while pricing (each better than the one before)."""

    def __init__(self, x: Sequence[tuple[int, int, cp_model.IntVar]], horizon: int) -> None:
        super().__init__()
        self._x = x
        self._horizon = horizon
        self.rows: list[Row] = []

    def on_solution_callback(self) -> None:
        row = [-1] * self._horizon
        for d, si, var in self._x:
            if self.boolean_value(var):
                row[d] = si
        self.rows.append(tuple(row))


class ColumnGeneration:
    """The master LP of ``problem`` over whole rows, its pricing and its bound.

    ``workers`` employees are priced by CP-SAT at once (one worker each; the dynamic
    programme runs for one employee at a time). With ``deterministic`` the time limits count
    CP-SAT's deterministic time and the programme's work (:data:`DP_TIME` per unit), and
    pricing runs one employee at a time, so the same seed gives the same rows whatever the
    machine load.
    """

    def __init__(
        self,
        problem: RotaProblem,
        *,
        workers: int = 1,
        seed: int = 0,
        deterministic: bool = False,
    ) -> None:
        self.problem = problem
        self.seed = seed
        self.deterministic = deterministic
        self.workers = 1 if deterministic else max(1, workers)
        self._shift_index = {s.id: i for i, s in enumerate(problem.shifts)}
        self._cover, serves = _cover_rows(problem)
        self._build_lp()
        self._columns: list[dict[Row, _Column]] = [{} for _ in problem.employees]
        self._pricing = [
            self._pricing_model(ei, serves[ei]) for ei in range(len(problem.employees))
        ]
        self._last: list[Row | None] = [None] * len(problem.employees)
        self._requests = [
            [r for r in problem.requests if r.employee == e.id and r.weight]
            for e in problem.employees
        ]
        self._center: list[float] | None = None
        #: The scaled duals of the best bound and each employee's proven least value there.
        self._best: tuple[list[int], list[int]] | None = None
        self._smoothing = SMOOTHING
        #: Best proven lower bound on the objective so far (``None`` before a complete round).
        self.bound: int | None = None
        #: Whether the last :meth:`solve` ended because its bound can rise no further: a round
        #: at the LP's own duals, every pricing settled, found no row of negative reduced cost
        #: (the LP is optimal), or the bound reached the LP's value rounded up.
        self.converged = False
        #: The LP's value at its last solve (the bound once converged, up to rounding).
        self.lp_value: float | None = None
        #: Rounds of pricing done so far.
        self.rounds = 0
        #: Per employee, the shift (index, ``-1`` off) :meth:`dive` fixed on each day: every
        #: column takes it; an employee fixed on every day is priced no more.
        self._forced: list[dict[int, int]] = [{} for _ in problem.employees]

    # -- columns ---------------------------------------------------------------------------

    def _pricing_model(self, ei: int, serves: Mapping[tuple[int, int], list[int]]) -> _Pricing:
        p = self.problem
        e = p.employees[ei]
        own = attrs.evolve(
            p,
            employees=(e,),
            requests=tuple(r for r in p.requests if r.employee == e.id),
            cover=(),
            hourly_cover=(),
        )
        rm = build_model(own)
        proto = rm.model.proto
        base = dict(zip(proto.objective.vars, proto.objective.coeffs, strict=True))
        by_index = {var.index: tuple(serves.get((d, si), ())) for (_, d, si), var in rm.x.items()}
        variables = [(d, si, var) for (_, d, si), var in rm.x.items()]
        try:
            dp: RowPricer | None = RowPricer(p, ei)
        except NoValidRow:
            dp = None  # no valid row: CP-SAT's pricing says so
        if dp is not None and dp.work > DP_WORK_LIMIT:
            dp = None  # its arrays would take too much memory
        return _Pricing(rm, base, int(proto.objective.offset), by_index, variables, dp)

    def _cost(self, ei: int, row: Row) -> int:
        cost = 0
        for r in self._requests[ei]:
            works = row[r.day] == self._shift_index[r.shift]
            if (r.kind == "on") != works:
                cost += r.weight
        return cost

    def add_row(self, employee: int, shifts: Sequence[str]) -> bool:
        """Add a valid row (shift ids, ``""`` off) of ``employee`` as a column; ``False`` if known.

        The row must meet the employee's rules; it is taken as it is.
        """
        row = tuple(-1 if s == OFF else self._shift_index[s] for s in shifts)
        return self._add(employee, row)

    def add_roster(self, roster: Mapping[str, Sequence[str]]) -> int:
        """Add every row of a valid roster as a column; returns how many were new."""
        return sum(self.add_row(ei, roster[e.id]) for ei, e in enumerate(self.problem.employees))

    def _build_lp(self) -> None:
        """A new master LP with its cover rows and no column yet."""
        lp = pywraplp.Solver.CreateSolver("GLOP")
        if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
            raise SalonkitError("the GLOP linear solver is not available")
        self._lp = lp
        infinity = lp.infinity()
        self._objective = lp.Objective()
        self._objective.SetMinimization()
        self._convex = [lp.Constraint(1, 1) for _ in self.problem.employees]
        self._rows = [lp.Constraint(c.requirement, c.requirement) for c in self._cover]
        for constraint, c in zip(self._rows, self._cover, strict=True):
            under = lp.NumVar(0, infinity, "")
            constraint.SetCoefficient(under, 1)
            self._objective.SetCoefficient(under, c.under_weight)
            over = lp.NumVar(0, infinity, "")
            constraint.SetCoefficient(over, -1)
            self._objective.SetCoefficient(over, c.over_weight)

    def _variable(self, ei: int, cost: int, covers: Sequence[int]) -> pywraplp.Variable:
        """A new LP column of employee ``ei``."""
        var = self._lp.NumVar(0, 1, "")
        self._objective.SetCoefficient(var, cost)
        self._convex[ei].SetCoefficient(var, 1)
        for r in covers:
            self._rows[r].SetCoefficient(var, self._rows[r].GetCoefficient(var) + 1)
        return var

    def _add(self, ei: int, row: Row) -> bool:
        if row in self._columns[ei] or any(row[d] != si for d, si in self._forced[ei].items()):
            return False
        cost = self._cost(ei, row)
        covers = self._covers(ei, row)
        self._columns[ei][row] = _Column(row, cost, covers, self._variable(ei, cost, covers))
        return True

    def _covers(self, ei: int, row: Row) -> tuple[int, ...]:
        pricing = self._pricing[ei]
        x = pricing.model.x
        out: list[int] = []
        for d, si in enumerate(row):
            if si >= 0:
                out += pricing.serves[x[0, d, si].index]
        return tuple(out)

    def column_count(self) -> int:
        """How many rows the LP holds."""
        return sum(len(c) for c in self._columns)

    # -- pricing ---------------------------------------------------------------------------

    def _quick(self, ei: int, duals: Sequence[int], enough: int | None) -> Priced | None:
        """Employee ``ei``'s rows of least reduced cost at ``duals`` by dynamic programming
        (:mod:`~salonkit.scheduling.rota.pricing`); ``None`` where their rules are beyond it.
        With ``enough``, the search stops once a row's value (scaled) is at most that."""
        pricing = self._pricing[ei]
        dp = pricing.dp
        if dp is None:
            return None
        started = time.perf_counter()
        offset = pricing.offset * SCALE
        found = dp.price(
            pricing.costs(duals),
            COLUMNS_PER_PRICING,
            None if enough is None else enough - offset,
            self._forced[ei],
        )
        rows = tuple(reversed(found.rows))  # the best last
        spent = dp.work * found.searches * DP_TIME
        used = spent if self.deterministic else time.perf_counter() - started
        value = found.costs[0] + offset if found.costs else None
        bound = value if found.optimal else found.bound + offset
        return Priced(rows, bound, found.optimal, used, value)

    def _done(
        self,
        quick: Priced | None,
        enough: int | None,
        joins: Callable[[int, Row], bool] | None = None,
        ei: int = -1,
    ) -> bool:
        """Whether the dynamic programme's pricing (of employee ``ei``) needs no exact one
        after it: it proved its row least, or proved that no row's value is at most
        ``enough`` (:meth:`_settled`), or found a row whose value is, which ``joins`` the LP.
        """
        if quick is None:
            return False
        if self._settled(quick, enough):
            return True
        return (
            enough is not None
            and joins is not None
            and quick.value is not None
            and quick.value <= enough
            and joins(ei, quick.rows[-1])
        )

    @staticmethod
    def _settled(found: Priced, enough: int | None) -> bool:
        """Whether ``found`` proves that no row's value is at most ``enough`` (no row of
        negative reduced cost is left), or proves its own row least."""
        if found.optimal:
            return True
        return enough is not None and found.bound is not None and found.bound > enough

    def _exact(self, ei: int, duals: Sequence[int], limit: float, quick: Priced | None) -> Priced:
        """CP-SAT's pricing of employee ``ei`` from the dynamic programme's best row, with
        what both found."""
        exact = self._solve_pricing(ei, duals, limit, quick.rows[-1:] if quick else ())
        if quick is None:
            return exact
        bound = quick.bound
        if exact.bound is not None:
            bound = exact.bound if bound is None else max(bound, exact.bound)
        # each list has its best row last; the better of the two bests ends the merged list
        if exact.rows and (
            quick.value is None or (exact.value is not None and exact.value <= quick.value)
        ):
            rows = tuple(r for r in quick.rows if r not in exact.rows) + exact.rows
            value = exact.value
        else:
            rows = tuple(r for r in exact.rows if r not in quick.rows) + quick.rows
            value = quick.value
        rows = rows[-COLUMNS_PER_PRICING:]
        return Priced(rows, bound, exact.optimal, quick.used + exact.used, value)

    def _price(
        self, ei: int, duals: Sequence[int], limit: float, enough: int | None = None
    ) -> Priced:
        """Employee ``ei``'s rows of least reduced cost at ``duals``: by dynamic programming
        and, where that proves nothing, by CP-SAT (see :meth:`_done`)."""
        quick = self._quick(ei, duals, enough)
        if quick is not None and self._done(quick, enough):
            return quick
        return self._exact(ei, duals, limit, quick)

    def _solve_pricing(
        self, ei: int, duals: Sequence[int], limit: float, hint: Sequence[Row]
    ) -> Priced:
        pricing = self._pricing[ei]
        rm = pricing.model
        proto = rm.model.proto
        coeffs = {k: v * SCALE for k, v in pricing.base.items()}
        for index, serves in pricing.serves.items():
            if serves:
                coeffs[index] = coeffs.get(index, 0) - sum(duals[r] for r in serves)
        items = [(k, v) for k, v in coeffs.items() if v]
        objective = proto.objective
        objective.vars.clear()
        objective.coeffs.clear()
        objective.vars.extend(k for k, _ in items)
        objective.coeffs.extend(v for _, v in items)
        objective.offset = pricing.offset * SCALE
        objective.scaling_factor = 0
        last = hint[-1] if hint else self._last[ei]
        proto.solution_hint.vars.clear()
        proto.solution_hint.values.clear()
        if last is not None:
            for (_, d, si), var in rm.x.items():
                proto.solution_hint.vars.append(var.index)
                proto.solution_hint.values.append(int(last[d] == si))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.linearization_level = 2
        if self.deterministic:
            solver.parameters.max_deterministic_time = max(0.01, limit)
        else:
            solver.parameters.max_time_in_seconds = max(0.01, limit)
        collector = _Collector(pricing.variables, self.problem.horizon)
        status = solver.solve(rm.model, collector)
        used = solver.deterministic_time if self.deterministic else solver.wall_time
        who = self.problem.employees[ei].id
        if status == cp_model.INFEASIBLE:
            raise NoValidRow(who)
        if status == cp_model.MODEL_INVALID:  # pragma: no cover - built by build_model
            raise SalonkitError(f"internal error: the pricing model of {who} is invalid")
        proven = solver.best_objective_bound
        bound = math.ceil(proven - 1e-6) if math.isfinite(proven) else None
        rows = tuple(collector.rows[-COLUMNS_PER_PRICING:])
        value = round(solver.objective_value) if rows else None
        return Priced(rows, bound, status == cp_model.OPTIMAL, used, value)

    def _solve_lp(self) -> None:
        """Solve the master LP (from the last basis) and keep its value. The LP always has a
        solution (under and over cover make any mix feasible), but on large rotas GLOP's warm
        start may end abnormally: the LP is then built again, with every column, and solved
        from scratch; if that fails too :class:`MasterFailed` is raised."""
        status = self._lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            logger.warning("the master LP ended with status %d; solving it from scratch", status)
            self._build_lp()
            for ei, columns in enumerate(self._columns):
                for column in columns.values():
                    column.var = self._variable(ei, column.cost, column.covers)
            status = self._lp.Solve()
        if status != pywraplp.Solver.OPTIMAL:
            raise MasterFailed(f"the rota's master LP failed (status {status})")
        self.lp_value = self._objective.Value()

    def _duals(self) -> list[float]:
        return [
            max(-c.over_weight, min(c.under_weight, row.dual_value()))
            for row, c in zip(self._rows, self._cover, strict=True)
        ]

    def _round(
        self, pool: ThreadPoolExecutor | None, limit: float
    ) -> tuple[int, float, bool, bool]:
        """One round of pricing within ``limit``: how many columns were added, the pricing's
        time (the sum over employees, which counts in deterministic mode), whether it priced
        at the LP's own duals, and whether every pricing was settled (:meth:`_settled`; a
        round at the LP's own duals, every pricing settled, that adds nothing proves the LP
        optimal)."""
        self._solve_lp()
        lp_duals = self._duals()
        convex = [c.dual_value() for c in self._convex]
        center = self._center
        exact = center is None or self._smoothing == 0
        if center is None or exact:
            duals = [round(d * SCALE) for d in lp_duals]
        else:
            a = self._smoothing
            duals = [
                round((a * c + (1 - a) * d) * SCALE) for c, d in zip(center, lp_duals, strict=True)
            ]
        everyone = self._free()

        # a row of negative reduced cost is enough; the dynamic programme runs first, for
        # everyone in turn (it holds the interpreter), then CP-SAT where it proved nothing
        enough = [math.floor(c * SCALE) - 1 for c in convex]

        def joins(ei: int, row: Row) -> bool:
            """Whether ``row`` is new and of negative reduced cost at the LP's duals."""
            if row in self._columns[ei]:
                return False
            covers = self._covers(ei, row)
            reduced: float = self._cost(ei, row) - sum(lp_duals[r] for r in covers) - convex[ei]
            return reduced < -1e-6

        results: dict[int, Priced | None] = {
            ei: self._quick(ei, duals, enough[ei]) for ei in everyone
        }
        todo = [ei for ei in everyone if not self._done(results[ei], enough[ei], joins, ei)]

        def solve_exactly(ei: int) -> Priced:
            return self._exact(ei, duals, min(PRICING_LIMIT, limit), results[ei])

        for ei, found in zip(
            todo,
            pool.map(solve_exactly, todo) if pool is not None else map(solve_exactly, todo),
            strict=True,
        ):
            results[ei] = found
        priced = [found for found in results.values() if found is not None]
        self.rounds += 1
        added = 0
        for ei, found in zip(everyone, priced, strict=True):
            if found.rows:
                self._last[ei] = found.rows[-1]
            for row in found.rows:
                if joins(ei, row):
                    added += self._add(ei, row)
        bounds = [found.bound for found in priced]
        if not self._diving() and all(b is not None for b in bounds):  # a dive's LP bounds less
            total = sum(d * c.requirement for d, c in zip(duals, self._cover, strict=True))
            total += sum(b for b in bounds if b is not None)
            bound = math.ceil(total / SCALE - 1e-9)
            if self.bound is None or bound > self.bound:
                self.bound = bound
                self._center = [d / SCALE for d in duals]
                self._best = (list(duals), [b for b in bounds if b is not None])
        logger.debug(
            "pricing round %d: LP %.2f, bound %s, %d columns added%s",
            self.rounds,
            self.lp_value,
            self.bound,
            added,
            "" if exact else " (smoothed duals)",
        )
        # a round at smoothed duals that adds nothing prices at the LP's own next time
        self._smoothing = SMOOTHING if added else (0.0 if not exact else SMOOTHING)
        proven = all(
            self._settled(found, enough[ei]) for ei, found in zip(everyone, priced, strict=True)
        )
        return added, sum(found.used for found in priced), exact, proven

    def _run(self, pool: ThreadPoolExecutor | None, time_limit: float) -> float:
        """Rounds of pricing until the LP is optimal or time is up; returns the time used."""
        started = time.perf_counter()
        spent = 0.0
        self.converged = False
        while True:
            if not self.deterministic:
                spent = time.perf_counter() - started
            if spent >= time_limit:
                break
            try:
                added, used, exact, proven = self._round(pool, time_limit - spent)
            except MasterFailed:
                logger.warning("column generation stopped: the master LP failed")
                break
            if self.deterministic:
                spent += used
            if added == 0 and exact:
                # the next round would price at the same duals again
                self.converged = proven
                break
            lp_value = self.lp_value if self.lp_value is not None else math.inf
            if self.bound is not None and self.bound >= math.ceil(lp_value - 1e-6):
                # the bound is an integer: it cannot pass the LP's value rounded up
                self.converged = True
                break
        if not self.deterministic:
            spent = time.perf_counter() - started
        return spent

    def _seed(self, pool: ThreadPoolExecutor | None, time_limit: float) -> float:
        """Give each employee without a column their cheapest row by requests alone."""
        started = time.perf_counter()
        missing = [ei for ei, columns in enumerate(self._columns) if not columns]
        zero = [0] * len(self._cover)
        deadline = started + time_limit

        def price(ei: int) -> Priced:
            # a row is needed whatever it costs: at least PRICING_LIMIT each
            left = time_limit if self.deterministic else deadline - time.perf_counter()
            return self._price(ei, zero, max(PRICING_LIMIT, left))

        results = list(pool.map(price, missing)) if pool is not None else map(price, missing)
        used = 0.0
        for ei, found in zip(missing, results, strict=True):
            if not found.rows:
                raise SalonkitError(
                    f"no row of employee {self.problem.employees[ei].id} found within the "
                    "time limit"
                )
            self._last[ei] = found.rows[-1]
            self._add(ei, found.rows[-1])
            used += found.used
        return used if self.deterministic else time.perf_counter() - started

    def greedy_roster(
        self, time_limit: float, passes: int = GREEDY_PASSES
    ) -> tuple[dict[str, tuple[str, ...]] | None, float]:
        """A roster built row by row by pricing: each employee in turn takes the row of least
        cost given the other rows placed: its request penalty, less the under-cover weight of
        each cover row it serves that is still short, plus the over-cover weight of each one
        already met (pricing at those weights as duals). Then up to ``passes`` more passes
        re-plan each row in turn given all the others (a row is replaced only by one that
        costs no more there: ties move, which lets the passes drift across plateaus), until
        a pass lowers the objective by less than :data:`GREEDY_GAIN`, or time is up. The
        dynamic programme finds each row in milliseconds; CP-SAT only where it proves nothing.
        Each row joins the LP as a column.

        Returns the best roster of the passes (``None`` when the first pass did not end within
        ``time_limit``) and the time used. Raises
        :class:`~salonkit.scheduling.rota.model.NoValidRow` when an employee has no valid row.
        """
        started = time.perf_counter()
        spent = 0.0
        employees = self.problem.employees
        served = [0] * len(self._cover)
        chosen: list[Row | None] = [None] * len(employees)

        def objective() -> int:
            return sum(self._cost(ei, row) for ei, row in enumerate(chosen) if row) + sum(
                c.under_weight * (c.requirement - n)
                if n < c.requirement
                else c.over_weight * (n - c.requirement)
                for n, c in zip(served, self._cover, strict=True)
            )

        best: tuple[int, list[Row | None]] | None = None
        for turn in range(1 + passes):
            timed_out = False
            for ei, e in enumerate(employees):
                if not self.deterministic:
                    spent = time.perf_counter() - started
                if spent >= time_limit:
                    if turn == 0:
                        return None, spent
                    timed_out = True
                    break
                old = chosen[ei]
                if old is not None:
                    for r in self._covers(ei, old):
                        served[r] -= 1
                duals = [
                    (c.under_weight if served[r] < c.requirement else -c.over_weight) * SCALE
                    for r, c in enumerate(self._cover)
                ]
                # a first row is needed: at least PRICING_LIMIT for CP-SAT where the
                # programme proves nothing; a better one later only within the time left
                share = (time_limit - spent) / (len(employees) - ei)
                found = self._price(ei, duals, max(PRICING_LIMIT, share) if old is None else share)
                spent += found.used
                if not found.rows and old is None:
                    logger.info("no row found for %s by pricing", e.id)
                    return None, spent
                row = old
                if found.rows and (
                    old is None
                    or (found.value is not None and found.value <= self._value(ei, old, duals))
                ):
                    row = found.rows[-1]
                    self._add(ei, row)
                    self._last[ei] = row
                assert row is not None
                chosen[ei] = row
                for r in self._covers(ei, row):
                    served[r] += 1
            value = objective()
            logger.debug("greedy pass %d: %d", turn, value)
            gained = best is None or value < best[0] * (1 - GREEDY_GAIN)
            if best is None or value < best[0]:
                best = (value, list(chosen))
            if timed_out or not gained:
                break  # out of time, or a pass that gained too little to try another
        assert best is not None
        if not self.deterministic:
            spent = time.perf_counter() - started
        logger.info("built a roster row by row by pricing in %.1f s", spent)
        shifts = self.problem.shifts
        return {
            e.id: tuple(OFF if si < 0 else shifts[si].id for si in row)
            for e, row in zip(employees, best[1], strict=True)
            if row is not None
        }, spent

    def _value(self, ei: int, row: Row, duals: Sequence[int]) -> int:
        """Employee ``ei``'s ``row`` priced at ``duals`` (scaled, as pricing values rows)."""
        return self._cost(ei, row) * SCALE - sum(duals[r] for r in self._covers(ei, row))

    def _pool(self) -> ThreadPoolExecutor | None:
        return ThreadPoolExecutor(self.workers) if self.workers > 1 else None

    def solve(self, time_limit: float) -> float:
        """Price rounds until no row of negative reduced cost is left, or ``time_limit`` is
        spent; returns the time used. :attr:`bound` holds the best bound proven."""
        pool = self._pool()
        try:
            spent = self._seed(pool, time_limit)
            return spent + self._run(pool, time_limit - spent)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def undecided(self) -> int:
        """How many employee-days the LP's answer splits between shifts (or a shift and a day
        off): the cells a search of the LP's neighbourhood leaves free."""
        split = 0
        for rows in self.mix():
            for d in range(self.problem.horizon):
                taken: dict[str, float] = {}
                for weight, row in rows:
                    taken[row[d]] = taken.get(row[d], 0.0) + weight
                split += max(taken.values()) < 1 - 1e-6
        return split

    def _free(self) -> list[int]:
        """The employees a dive has not fixed on every day (those pricing searches)."""
        horizon = self.problem.horizon
        return [ei for ei, forced in enumerate(self._forced) if len(forced) < horizon]

    def _diving(self) -> bool:
        return any(self._forced)

    def _fix_cell(self, ei: int, d: int, si: int) -> None:
        """Fix employee ``ei`` on day ``d`` to shift ``si`` (``-1`` off): drop every column
        that differs there, and restrict the employee's pricing to rows that take it."""
        self._forced[ei][d] = si
        for row, column in list(self._columns[ei].items()):
            if row[d] != si:
                column.var.SetUb(0)  # the LP built again (see _solve_lp) leaves it out
                del self._columns[ei][row]
        last = self._last[ei]
        if last is not None and last[d] != si:
            self._last[ei] = next(iter(self._columns[ei]), None)  # CP-SAT's hint
        model = self._pricing[ei].model.model
        for day, shift, var in self._pricing[ei].variables:
            if day == d:
                set_domain(model, var, int(shift == si), int(shift == si))

    def dive(self, time_limit: float, cells: int) -> float:
        """Fix employee-days to shifts until the LP splits at most ``cells`` employee-days.

        Each step (:meth:`_dive_step`) fixes every employee-day the LP decides, and
        :data:`DIVE_STEP` of those it splits, to the shift of the employee's row of largest
        weight; rounds of pricing follow, for rows that keep every fixed shift, until the LP is
        optimal again (or time is up). The dive stops at ``cells`` (see :meth:`undecided`),
        when the LP's value has risen by more than :data:`DIVE_SLACK`, when every employee-day
        is fixed, or at ``time_limit``; returns the time used. Where the LP's optimum is far
        from every roster's reach (its answer split over many cells), its neighbourhood is then
        small enough for CP-SAT, and still holds rosters near the LP's value. The bound and the
        cuts stay those proven before.
        """
        started = time.perf_counter()
        spent = 0.0
        count = len(self.problem.employees)
        pool = self._pool()
        try:
            self._solve_lp()
            start = self.lp_value if self.lp_value is not None else 0.0
            while True:
                if not self.deterministic:
                    spent = time.perf_counter() - started
                lp_value = self.lp_value if self.lp_value is not None else math.inf
                if (
                    spent >= time_limit
                    or not self._free()
                    or lp_value > start + DIVE_SLACK * abs(start) + 1e-6
                    or self.undecided() <= cells
                ):
                    break
                self._dive_step()
                while spent < time_limit:
                    try:
                        added, used, exact, _ = self._round(pool, time_limit - spent)
                    except (MasterFailed, NoValidRow) as error:
                        logger.warning("the dive stopped: %s", error)
                        return spent if self.deterministic else time.perf_counter() - started
                    spent = spent + used if self.deterministic else time.perf_counter() - started
                    if added == 0 and exact:
                        break
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug(
                        "dive: %d of %d cells fixed, LP %.2f, %d split",
                        sum(len(f) for f in self._forced),
                        count * self.problem.horizon,
                        self.lp_value or 0.0,
                        self.undecided(),
                    )
        finally:
            if pool is not None:
                pool.shutdown(wait=True)
        return spent if self.deterministic else time.perf_counter() - started

    def _dive_step(self) -> None:
        """Fix every employee-day the LP decides, and :data:`DIVE_STEP` of the others, to the
        shift (or day off) of the employee's row of largest weight, those where that shift
        weighs most first. That row keeps every fixed shift, so it stays in the LP."""
        horizon = self.problem.horizon
        candidates = []
        decided = []
        weights = {
            ei: [(c.var.solution_value(), row) for row, c in self._columns[ei].items()]
            for ei in self._free()
        }
        for ei, columns in weights.items():
            best = max(columns)[1]
            forced = self._forced[ei]
            for d in range(horizon):
                if d in forced:
                    continue
                taken = sum(w for w, row in columns if row[d] == best[d])
                if taken > 1 - 1e-6:
                    decided.append((ei, d, best[d]))
                else:
                    candidates.append((taken, ei, d, best[d]))
        for ei, d, si in decided:
            self._fix_cell(ei, d, si)
        candidates.sort(reverse=True)
        for _, ei, d, si in candidates[: max(1, round(DIVE_STEP * len(candidates)))]:
            self._fix_cell(ei, d, si)

    def cuts(self) -> list[Cut]:
        """The Lagrangian cuts of the best bound, one per employee (empty before a bound).

        At the duals ``pi`` of the best bound, each employee's row has ``penalty - pi . cover
        >= least``, where ``least`` is the lower bound pricing proved (all scaled by
        :data:`SCALE`; :attr:`Cut.least` has the row's constant part of the penalty, for
        requests to work, taken off already). Every valid roster meets
        all of them, and together with the cover rows they imply the bound, so a CP-SAT model
        given them starts from this bound instead of its own much weaker one, and prunes rows
        whose reduced cost exceeds what an improvement can afford.
        """
        if self._best is None:
            return []
        duals, least = self._best
        out = []
        for ei, pricing in enumerate(self._pricing):
            costs = pricing.costs(duals)
            terms = {(d, si): int(costs[d, si]) for d, si, _ in pricing.variables if costs[d, si]}
            out.append(Cut(ei, terms, least[ei] - pricing.offset * SCALE))
        return out

    def mix(self) -> list[list[tuple[float, tuple[str, ...]]]]:
        """The LP's answer: for each employee, the rows it takes and their weights (largest
        first)."""
        self._solve_lp()
        shifts = self.problem.shifts
        out = []
        for columns in self._columns:
            taken = [
                (column.var.solution_value(), row)
                for row, column in columns.items()
                if column.var.solution_value() > 1e-6
            ]
            taken.sort(reverse=True)
            out.append(
                [(w, tuple(OFF if si < 0 else shifts[si].id for si in row)) for w, row in taken]
            )
        return out


def _cover_rows(
    problem: RotaProblem,
) -> tuple[list[_CoverRow], list[dict[tuple[int, int], list[int]]]]:
    """The LP's cover rows, and for each employee which rows a shift on a day serves."""
    shift_index = {s.id: i for i, s in enumerate(problem.shifts)}
    rows: list[_CoverRow] = []
    by_shift: dict[tuple[int, int], int] = {}
    for c in problem.cover:
        if c.under_weight or c.over_weight:
            by_shift[c.day, shift_index[c.shift]] = len(rows)
            rows.append(_CoverRow(c.requirement, c.under_weight, c.over_weight))
    by_hour: dict[tuple[int, int, str | None], int] = {}
    for h in problem.hourly_cover:
        if h.under_weight or h.over_weight:
            by_hour[h.day, h.hour, h.skill] = len(rows)
            rows.append(_CoverRow(h.requirement, h.under_weight, h.over_weight))
    hours = [hours_covered(s) for s in problem.shifts]
    serves: list[dict[tuple[int, int], list[int]]] = []
    for e in problem.employees:
        mine: dict[tuple[int, int], list[int]] = {}
        for d in range(problem.horizon):
            for si in range(len(problem.shifts)):
                out = []
                if (d, si) in by_shift:
                    out.append(by_shift[d, si])
                for offset, hour in hours[si] if by_hour else ():
                    for skill in (None, *sorted(e.skills)):
                        r = by_hour.get((d + offset, hour, skill))
                        if r is not None:
                            out.append(r)
                if out:
                    mine[d, si] = out
        serves.append(mine)
    return rows, serves


__all__ = [
    "COLUMNS_PER_PRICING",
    "DIVE_SLACK",
    "DIVE_STEP",
    "DP_TIME",
    "DP_WORK_LIMIT",
    "PRICING_LIMIT",
    "SCALE",
    "SMOOTHING",
    "ColumnGeneration",
    "Cut",
    "MasterFailed",
    "Priced",
]
