"""Parts of a roster solved as small rotas of their own, for the large-neighbourhood search.

A :class:`Part` is a few employees over a span of days (or over some days of a span, such as
the days around each weekend). Everything outside it stays as it is, and the part becomes a
:class:`~salonkit.scheduling.rota.model.RotaProblem` of its own (:func:`part_problem`):

- its days are the part's days plus a margin on each side, widened to whole weeks (so weekends
  are never cut) and fixed to the current roster; the margin is longer than any run rule, so a
  run that crosses the part's edge is seen whole;
- each employee's contract is what is left once the days outside are counted: shifts of each
  type, minutes, weekends worked;
- each cover row asks only for what the employees outside the part do not already give. The
  penalty of a cover row is then the part's penalty plus a constant, so a part that is cheaper
  in its own problem makes the whole roster exactly that much cheaper.

The part is built and solved like any rota (:func:`~salonkit.scheduling.rota.cpsat_model.
build_model`), so a step costs what the part costs, not what the whole rota costs; the rota of
a year and 150 employees is never built whole. Each answer is checked with the independent
checker, in the part's problem and row by row in the whole problem, before it is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence, Set

import attrs
from ortools.sat.python import cp_model

from salonkit.errors import SalonkitError
from salonkit.scheduling.rota.checker import check_employee, check_roster, hourly_counts
from salonkit.scheduling.rota.cpsat_model import (
    RotaModel,
    build_model,
    set_domain,
    solver_parameters,
)
from salonkit.scheduling.rota.model import (
    OFF,
    CoverRequirement,
    HourlyCover,
    RotaProblem,
    ShiftRequest,
)

#: Whether a part's search is hinted with every variable of the current rows (see
#: :func:`_full_hint`), not only the shifts.
FULL_HINT = True


def _days(days: Iterable[int] | None) -> frozenset[int] | None:
    return None if days is None else frozenset(days)


@attrs.frozen
class Part:
    """Employees (by index) whose days ``first <= day < stop`` are re-planned.

    ``days``, when given, narrows the part to those days of ``first <= day < stop`` (the days
    around each weekend, say); the others keep the current roster.
    """

    employees: tuple[int, ...]
    first: int
    stop: int
    days: frozenset[int] | None = attrs.field(default=None, converter=_days)

    def free(self) -> frozenset[int]:
        """The days re-planned."""
        span = range(self.first, self.stop)
        return frozenset(span) if self.days is None else self.days.intersection(span)


@attrs.frozen
class PartResult:
    """What solving a part gave: its CP-SAT status, and the change of objective if kept."""

    status: str
    kept: bool
    change: int = 0
    wall_s: float = 0.0


def _cover_cost(requirement: int, under_weight: int, over_weight: int, n: int) -> int:
    return under_weight * max(0, requirement - n) + over_weight * max(0, n - requirement)


def _hourly_cost(problem: RotaProblem, roster: Mapping[str, Sequence[str]]) -> int:
    at_work = hourly_counts(problem, roster)
    return sum(
        _cover_cost(h.requirement, h.under_weight, h.over_weight, at_work[(h.day, h.hour, h.skill)])
        for h in problem.hourly_cover
    )


class WorkingRoster:
    """A roster being improved: one row per employee and how many work each (day, shift)."""

    def __init__(self, problem: RotaProblem, roster: Mapping[str, Sequence[str]] | None = None):
        self.problem = problem
        horizon = problem.horizon
        self.rows: list[list[str]] = []
        self.counts: Counter[tuple[int, str]] = Counter()
        self.reset(roster or {})
        index = {e.id: i for i, e in enumerate(problem.employees)}
        self.requests: list[list[ShiftRequest]] = [[] for _ in problem.employees]
        for r in problem.requests:
            self.requests[index[r.employee]].append(r)
        self.cover_by_day: list[list[CoverRequirement]] = [[] for _ in range(horizon)]
        self.cover_at: dict[tuple[int, str], CoverRequirement] = {}
        for c in problem.cover:
            self.cover_by_day[c.day].append(c)
            self.cover_at[c.day, c.shift] = c
        self.minutes = {s.id: s.minutes for s in problem.shifts}
        self.allowed = [
            frozenset(s for s, n in e.contract.max_shifts.items() if n > 0)
            for e in problem.employees
        ]
        longest = 0
        for e in problem.employees:
            k = e.contract
            run_max = k.max_consecutive if k.max_consecutive < horizon else 0
            longest = max(longest, run_max, k.min_consecutive, k.min_days_off)
        #: Fixed days on each side of a part: longer than any run rule.
        self.margin = longest + 1

    def reset(self, roster: Mapping[str, Sequence[str]]) -> None:
        """Replace every row with ``roster``'s (a missing day is a day off)."""
        horizon = self.problem.horizon
        self.rows = []
        for e in self.problem.employees:
            row = list(roster.get(e.id, ()))[:horizon]
            self.rows.append(row + [OFF] * (horizon - len(row)))
        self.counts = Counter()
        for row in self.rows:
            for day, shift in enumerate(row):
                if shift != OFF:
                    self.counts[day, shift] += 1

    def roster(self) -> dict[str, tuple[str, ...]]:
        """The current roster, employee id -> one shift id (or ``""``) per day."""
        return {e.id: tuple(row) for e, row in zip(self.problem.employees, self.rows, strict=True)}

    def set_days(self, employee: int, first: int, shifts: Sequence[str]) -> None:
        """Replace ``employee``'s days from ``first`` on with ``shifts``, keeping the counts."""
        row = self.rows[employee]
        for offset, new in enumerate(shifts):
            day = first + offset
            old = row[day]
            if old == new:
                continue
            if old != OFF:
                self.counts[day, old] -= 1
            if new != OFF:
                self.counts[day, new] += 1
            row[day] = new

    def change(self, employees: Sequence[int], lo: int, rows: Sequence[Sequence[str]]) -> int:
        """How much the objective changes if ``employees``' days from ``lo`` become ``rows``."""
        delta = 0
        moved: Counter[tuple[int, str]] = Counter()
        for ei, new in zip(employees, rows, strict=True):
            old = self.rows[ei]
            hi = lo + len(new)
            for r in self.requests[ei]:
                if lo <= r.day < hi:
                    worked = old[r.day] == r.shift
                    works = new[r.day - lo] == r.shift
                    if worked != works:
                        # an "on" request costs when not worked, an "off" one when worked
                        granted_now = works if r.kind == "on" else not works
                        delta += -r.weight if granted_now else r.weight
            for offset, shift in enumerate(new):
                was = old[lo + offset]
                if was != shift:
                    if was != OFF:
                        moved[lo + offset, was] -= 1
                    if shift != OFF:
                        moved[lo + offset, shift] += 1
        for key, k in moved.items():
            c = self.cover_at.get(key)
            if k and c is not None:
                n = self.counts[key]
                delta += _cover_cost(c.requirement, c.under_weight, c.over_weight, n + k)
                delta -= _cover_cost(c.requirement, c.under_weight, c.over_weight, n)
        if self.problem.hourly_cover:
            now = self.roster()
            then = dict(now)
            for ei, new in zip(employees, rows, strict=True):
                row = self.rows[ei]
                then[self.problem.employees[ei].id] = tuple(
                    row[:lo] + list(new) + row[lo + len(new) :]
                )
            delta += _hourly_cost(self.problem, then) - _hourly_cost(self.problem, now)
        return delta

    def apply(self, proposal: Proposal, *, accept_worse: bool = False) -> PartResult:
        """Keep ``proposal`` when it does not make the roster worse (or ``accept_worse``).

        Each new row is checked against every hard rule of the whole problem first.
        """
        if proposal.rows is None:
            return PartResult(proposal.status, False, 0, proposal.wall_s)
        employees, lo = proposal.part.employees, proposal.lo
        delta = self.change(employees, lo, proposal.rows)
        if delta > 0 and not accept_worse:
            return PartResult(proposal.status, False, delta, proposal.wall_s)
        problem = self.problem
        for ei, row in zip(employees, proposal.rows, strict=True):
            whole = self.rows[ei][:lo] + list(row) + self.rows[ei][lo + len(row) :]
            broken = check_employee(problem, problem.employees[ei], whole)
            if broken:
                raise SalonkitError(
                    f"internal error: a part's answer breaks a rule: {broken[0].message}"
                )
        for ei, row in zip(employees, proposal.rows, strict=True):
            self.set_days(ei, lo, row)
        return PartResult(proposal.status, True, delta, proposal.wall_s)

    def span(self, part: Part) -> tuple[int, int]:
        """The days ``[lo, hi)`` of the part's problem: the part and its margin, whole weeks."""
        horizon = self.problem.horizon
        if self.problem.hourly_cover:
            # a shift crossing midnight covers hours of the next day: keep every day
            return 0, horizon
        lo = max(0, (part.first - self.margin) // 7 * 7)
        hi = min(horizon, -(-(part.stop + self.margin) // 7) * 7)
        return lo, hi


def part_problem(work: WorkingRoster, part: Part) -> tuple[RotaProblem, int, int]:
    """The rota problem of ``part`` alone, and its days ``[lo, hi)`` in the whole horizon."""
    problem = work.problem
    lo, hi = work.span(part)
    inside = set(range(lo, hi))
    weekends = [days for days in problem.weekends() if days[0] not in inside]
    employees = []
    requests = []
    for ei in part.employees:
        e = problem.employees[ei]
        row = work.rows[ei]
        used = Counter(s for d, s in enumerate(row) if s != OFF and d not in inside)
        minutes = sum(work.minutes[s] * n for s, n in used.items())
        weekends_out = sum(1 for days in weekends if any(row[d] != OFF for d in days))
        c = e.contract
        contract = attrs.evolve(
            c,
            max_shifts={s: max(0, n - used[s]) for s, n in c.max_shifts.items()},
            max_minutes=max(0, c.max_minutes - minutes),
            min_minutes=max(0, c.min_minutes - minutes),
            max_weekends=max(0, c.max_weekends - weekends_out),
        )
        days_off = frozenset(d - lo for d in e.days_off if lo <= d < hi)
        employees.append(attrs.evolve(e, contract=contract, days_off=days_off))
        requests += [attrs.evolve(r, day=r.day - lo) for r in work.requests[ei] if lo <= r.day < hi]
    chosen = [work.rows[ei] for ei in part.employees]
    allowed = frozenset().union(*(work.allowed[ei] for ei in part.employees))
    cover = []
    for day in range(lo, hi):
        for row_cover in work.cover_by_day[day]:
            shift = row_cover.shift
            if shift not in allowed:
                continue
            others = work.counts[day, shift] - sum(1 for row in chosen if row[day] == shift)
            cover.append(
                attrs.evolve(
                    row_cover, day=day - lo, requirement=max(0, row_cover.requirement - others)
                )
            )
    hourly: list[HourlyCover] = []
    if problem.hourly_cover:
        mine = set(part.employees)
        fixed = {
            e.id: (OFF,) * problem.horizon if ei in mine else tuple(work.rows[ei])
            for ei, e in enumerate(problem.employees)
        }
        at_work = hourly_counts(problem, fixed)
        hourly = [
            attrs.evolve(h, requirement=max(0, h.requirement - at_work[(h.day, h.hour, h.skill)]))
            for h in problem.hourly_cover
        ]
    sub = attrs.evolve(
        problem,
        horizon=hi - lo,
        employees=tuple(employees),
        requests=tuple(requests),
        cover=tuple(cover),
        hourly_cover=tuple(hourly),
        name=f"{problem.name or 'rota'} part",
    )
    return sub, lo, hi


def _fix_outside(rm: RotaModel, part_rows: Sequence[Sequence[str]], free: Set[int]) -> None:
    """Narrow the part's variables outside ``free`` (part-local days) to the current rows."""
    shifts = rm.problem.shifts
    for (ei, d, si), var in rm.x.items():
        if d in free:
            continue
        v = int(part_rows[ei][d] == shifts[si].id)
        set_domain(rm.model, var, v, v)


def _hint(rm: RotaModel, part_rows: Sequence[Sequence[str]]) -> None:
    proto = rm.model.proto
    shifts = rm.problem.shifts
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    for (ei, d, si), var in rm.x.items():
        proto.solution_hint.vars.append(var.index)
        proto.solution_hint.values.append(int(part_rows[ei][d] == shifts[si].id))
    for (ei, d), var in rm.work.items():
        proto.solution_hint.vars.append(var.index)
        proto.solution_hint.values.append(int(part_rows[ei][d] != OFF))


def _full_hint(
    rm: RotaModel,
    part_rows: Sequence[Sequence[str]],
    free: Set[int],
    time_limit: float,
    seed: int,
    deterministic: bool,
) -> float | None:
    """Hint every variable of the part's model, not only the shifts: the current rows' own
    values, found by a search with every shift fixed. A hint of the shifts alone is often lost
    (CP-SAT fails to complete it in its first conflicts and starts afresh, finding worse rows
    than the current ones in a short step). Returns the time that search took (as
    :func:`propose_part` counts it), or ``None`` when it did not complete the rows; the shifts
    inside ``free`` (the part's own days; the others are fixed already) are free again
    afterwards."""
    proto = rm.model.proto
    shifts = rm.problem.shifts
    inside = [
        (var, int(part_rows[ei][d] == shifts[si].id))
        for (ei, d, si), var in rm.x.items()
        if d in free
    ]
    for var, v in inside:  # the shifts outside ``free`` are fixed already
        set_domain(rm.model, var, v, v)
    solver = cp_model.CpSolver()
    solver_parameters(solver, time_limit, 1, seed, deterministic)
    status = solver.solve(rm.model)
    for var, _ in inside:
        set_domain(rm.model, var, 0, 1)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = solver.response_proto.solution
    proto.solution_hint.vars.clear()
    proto.solution_hint.values.clear()
    proto.solution_hint.vars.extend(range(len(values)))
    proto.solution_hint.values.extend(values)
    return solver.deterministic_time if deterministic else solver.wall_time


@attrs.frozen
class Proposal:
    """A part's new rows as CP-SAT found them: days ``lo`` on, one row per part employee."""

    part: Part
    status: str
    lo: int
    rows: tuple[tuple[str, ...], ...] | None
    used: float
    wall_s: float


def propose_part(
    work: WorkingRoster,
    part: Part,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    *,
    deterministic: bool = False,
    feasibility: bool = False,
) -> Proposal:
    """Solve ``part`` of ``work`` as a rota of its own; ``work`` is not changed.

    ``used`` is the time the solve took, the search that completes the hint included
    (CP-SAT's deterministic time in deterministic mode, else seconds of CP-SAT's wall time).
    ``feasibility`` drops the objective, which finds a valid row of a long horizon far sooner.
    A part holding every employee is searched with the whole model's parameters
    (:func:`~salonkit.scheduling.rota.cpsat_model.solver_parameters`: with two workers, the
    LP-heavy worker beside quick restarts).
    The new rows are valid in the part's problem (the checker is asked);
    :meth:`WorkingRoster.apply` checks them in the whole one.
    """
    sub, lo, hi = part_problem(work, part)
    part_rows = [work.rows[ei][lo:hi] for ei in part.employees]
    rm = build_model(sub)
    free = {d - lo for d in part.free()}
    _fix_outside(rm, part_rows, free)
    hinting: float | None = None
    if feasibility:
        rm.model.clear_objective()  # type: ignore[no-untyped-call]
    else:
        if FULL_HINT:
            hinting = _full_hint(rm, part_rows, free, time_limit / 4, seed, deterministic)
        if hinting is None:
            _hint(rm, part_rows)
    solver = cp_model.CpSolver()
    # a part holding every employee is searched as the whole model is (its LP matters most)
    everyone = len(part.employees) == len(work.problem.employees)
    solver_parameters(
        solver, time_limit - (hinting or 0.0), workers, seed, deterministic, whole=everyone
    )
    status = solver.solve(rm.model)
    used = (hinting or 0.0) + (solver.deterministic_time if deterministic else solver.wall_time)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Proposal(part, name, lo, None, used, solver.wall_time)
    values = solver.response_proto.solution
    new_rows = [[OFF] * (hi - lo) for _ in part.employees]
    for (ei, d, si), var in rm.x.items():
        if values[var.index]:
            new_rows[ei][d] = sub.shifts[si].id
    ids = [e.id for e in sub.employees]
    report = check_roster(sub, dict(zip(ids, new_rows, strict=True)))
    if not report.valid:
        raise SalonkitError(
            f"internal error: a part's answer breaks a rule: {report.violations[0].message}"
        )
    rows = tuple(tuple(row) for row in new_rows)
    return Proposal(part, name, lo, rows, used, solver.wall_time)


def solve_part(
    work: WorkingRoster,
    part: Part,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    *,
    deterministic: bool = False,
    accept_worse: bool = False,
    feasibility: bool = False,
) -> tuple[PartResult, float]:
    """Re-plan ``part`` of ``work`` and keep the answer when it is at least as good.

    Returns the result and the time it used (see :func:`propose_part`). With
    ``accept_worse`` any valid answer is kept (used to place rows not planned yet).
    """
    proposal = propose_part(
        work,
        part,
        time_limit,
        workers,
        seed,
        deterministic=deterministic,
        feasibility=feasibility,
    )
    return work.apply(proposal, accept_worse=accept_worse), proposal.used


__all__ = [
    "Part",
    "PartResult",
    "Proposal",
    "WorkingRoster",
    "part_problem",
    "propose_part",
    "solve_part",
]
