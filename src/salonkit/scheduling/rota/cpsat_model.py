"""The CP-SAT model of a rota: one boolean per (employee, day, shift type) the employee may work.

Hard rules are constraints, soft ones a weighted objective (see ``docs/explanation/rota.rst``):

- ``x[e, d, s]`` exists only where ``e`` may work ``s`` on ``d`` (its contract allows ``s``
  and ``d`` is not one of its days off); ``w[e, d]`` is the sum over ``s`` (at most one shift a
  day);
- rotation: ``x[e, d, s] + sum(x[e, d + 1, t] for t forbidden after s) <= 1``;
- per-type limits and total minutes as linear sums over the employee's row;
- longest run: every window of ``max_consecutive + 1`` days holds a day off;
- shortest runs (work and off): the forbidden patterns "off, ``j`` days of work, off" for
  ``j < min_consecutive`` (and "work, ``j`` days off, work" for ``j < min_days_off``) become
  one clause each; patterns are only placed wholly inside the horizon, which exempts runs
  touching day 0 or day ``H - 1``;
- weekends: ``k[e, w] >= w[e, day]`` for each weekend day; ``sum(k[e, .]) <= max_weekends``;
- cover: ``sum(x[., d, s]) - requirement = over - under`` with integer ``under``, ``over``.

The model grows linearly in employees x days x shift types.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator

import attrs
from ortools.sat.python import cp_model

from salonkit.scheduling.rota.model import DAY_MINUTES, RotaProblem, ShiftType

Key = tuple[int, int, int]  # (employee index, day, shift index)


@attrs.define
class RotaModel:
    """A built CP-SAT model of a rota and the variables needed to read a roster back."""

    problem: RotaProblem
    model: cp_model.CpModel
    x: dict[Key, cp_model.IntVar]
    work: dict[tuple[int, int], cp_model.IntVar]
    constant: int  # objective points no roster can avoid (requests on shifts never allowed)
    build_s: float = 0.0

    def keys_of(self, employee: int) -> Iterator[Key]:
        """The variable keys of one employee's row."""
        return (k for k in self.x if k[0] == employee)


def _allowed(problem: RotaProblem) -> list[list[int]]:
    index = {s.id: i for i, s in enumerate(problem.shifts)}
    out = []
    for e in problem.employees:
        out.append(sorted(index[s] for s, n in e.contract.max_shifts.items() if n > 0))
    return out


def build_model(problem: RotaProblem) -> RotaModel:
    """Build the CP-SAT model of ``problem`` (no hint, no parameters)."""
    started = time.perf_counter()
    m = cp_model.CpModel()
    horizon = problem.horizon
    shift_index = {s.id: i for i, s in enumerate(problem.shifts)}
    allowed = _allowed(problem)
    x: dict[Key, cp_model.IntVar] = {}
    work: dict[tuple[int, int], cp_model.IntVar] = {}
    zero = m.new_constant(0)
    for ei, e in enumerate(problem.employees):
        for d in range(horizon):
            if d in e.days_off:
                continue
            for si in allowed[ei]:
                x[ei, d, si] = m.new_bool_var(f"x[{e.id},{d},{problem.shifts[si].id}]")

    forbidden_after = [[shift_index[t] for t in sorted(s.forbidden_next)] for s in problem.shifts]
    for ei, e in enumerate(problem.employees):
        c = e.contract
        row: list[cp_model.IntVar] = []
        for d in range(horizon):
            lits = [x[ei, d, si] for si in allowed[ei] if (ei, d, si) in x]
            if not lits:
                row.append(zero)
                continue
            w = m.new_bool_var(f"w[{e.id},{d}]")
            m.add(sum(lits) == w)
            work[ei, d] = w
            row.append(w)
        # rotation
        for d in range(horizon - 1):
            for si in allowed[ei]:
                first = x.get((ei, d, si))
                if first is None:
                    continue
                nxt = [x[ei, d + 1, t] for t in forbidden_after[si] if (ei, d + 1, t) in x]
                if nxt:
                    m.add(first + sum(nxt) <= 1)
        # per-type limits and minutes
        for si in allowed[ei]:
            limit = c.max_shifts[problem.shifts[si].id]
            lits = [x[ei, d, si] for d in range(horizon) if (ei, d, si) in x]
            if len(lits) > limit:
                m.add(sum(lits) <= limit)
        minutes = [
            (x[ei, d, si], problem.shifts[si].minutes)
            for d in range(horizon)
            for si in allowed[ei]
            if (ei, d, si) in x
        ]
        total = sum(v * k for v, k in minutes)
        if sum(k for _, k in minutes) > c.max_minutes:
            m.add(total <= c.max_minutes)
        if c.min_minutes > 0:
            m.add(total >= c.min_minutes)
        _add_runs(m, row, c.max_consecutive, c.min_consecutive, c.min_days_off, zero)
        # weekends
        worked: list[cp_model.IntVar] = []
        for days in problem.weekends():
            lits = [row[d] for d in days if row[d] is not zero]
            if not lits:
                continue
            if len(lits) == 1:
                worked.append(lits[0])
                continue
            k = m.new_bool_var(f"weekend[{e.id},{days[0]}]")
            for lit in lits:
                m.add_implication(lit, k)
            m.add_bool_or([lit for lit in lits]).only_enforce_if(k)
            worked.append(k)
        if len(worked) > c.max_weekends:
            m.add(sum(worked) <= c.max_weekends)

    terms: list[tuple[cp_model.IntVar, int]] = []
    constant = 0
    employee_index = {e.id: i for i, e in enumerate(problem.employees)}
    for r in problem.requests:
        if r.weight == 0:
            continue
        var = x.get((employee_index[r.employee], r.day, shift_index[r.shift]))
        if r.kind == "on":
            constant += r.weight
            if var is not None:
                terms.append((var, -r.weight))
        elif var is not None:
            terms.append((var, r.weight))

    on_shift: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for (_ei, d, si), var in x.items():
        on_shift[d, si].append(var)
    for row_cover in problem.cover:
        if row_cover.under_weight == 0 and row_cover.over_weight == 0:
            continue
        lits = on_shift.get((row_cover.day, shift_index[row_cover.shift]), [])
        constant += _add_cover(
            m, lits, row_cover.requirement, row_cover.under_weight, row_cover.over_weight, terms
        )

    if problem.hourly_cover:
        at_work = _hourly_literals(problem, x)
        for h in problem.hourly_cover:
            if h.under_weight == 0 and h.over_weight == 0:
                continue
            lits = at_work.get((h.day, h.hour, h.skill), [])
            constant += _add_cover(m, lits, h.requirement, h.under_weight, h.over_weight, terms)

    m.minimize(sum(v * k for v, k in terms) + constant)
    return RotaModel(problem, m, x, work, constant, time.perf_counter() - started)


def set_domain(model: cp_model.CpModel, var: cp_model.IntVar, low: int, high: int) -> None:
    """Narrow (or widen back) ``var``'s domain in ``model`` to ``low..high``, in place: a
    variable fixed for one search and freed after it, without building the model again."""
    domain = model.proto.variables[var.index].domain
    domain.clear()
    domain.extend([low, high])


def solver_parameters(
    solver: cp_model.CpSolver,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
    *,
    whole: bool = False,
) -> None:
    """Set the parameters every rota search uses on ``solver``.

    The LP of the run-length clauses is weak at CP-SAT's default linearisation; level 2 finds
    rows far sooner and bounds far better. A search of the ``whole`` model with two workers runs
    the LP-heavy ``max_lp`` worker beside quick restarts. With ``deterministic`` the limit
    counts CP-SAT's deterministic time and the workers' search is interleaved.
    """
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2
    if whole and workers == 2:
        solver.parameters.subsolvers.extend(["max_lp", "quick_restart"])
    if deterministic:
        solver.parameters.max_deterministic_time = max(0.01, time_limit)
        solver.parameters.interleave_search = workers > 1
    else:
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)


def _add_cover(
    m: cp_model.CpModel,
    lits: list[cp_model.IntVar],
    requirement: int,
    under_weight: int,
    over_weight: int,
    terms: list[tuple[cp_model.IntVar, int]],
) -> int:
    """Add ``sum(lits) - requirement = over - under``; returns the objective constant it adds."""
    if not lits:
        return under_weight * requirement
    if requirement == 0:
        # every literal is over cover: linear, no auxiliary variables
        if over_weight:
            terms.extend((lit, over_weight) for lit in lits)
        return 0
    if requirement >= len(lits):
        # every literal reduces under cover: linear too
        if under_weight:
            terms.extend((lit, -under_weight) for lit in lits)
        return under_weight * requirement
    under = m.new_int_var(0, requirement, "under")
    over = m.new_int_var(0, max(0, len(lits) - requirement), "over")
    m.add(sum(lits) - requirement == over - under)
    if requirement > 0 and len(lits) > requirement:
        # never both short and over: keeps every solution's objective exact
        short = m.new_bool_var("short")
        m.add(over == 0).only_enforce_if(short)
        m.add(under == 0).only_enforce_if(~short)
    if under_weight:
        terms.append((under, under_weight))
    if over_weight:
        terms.append((over, over_weight))
    return 0


def hours_covered(shift: ShiftType) -> list[tuple[int, int]]:
    """The whole hours a shift covers, as (days after its own day, hour): ``(1, 2)`` is the
    hour from 02:00 of the next day, for a shift running past midnight."""
    hours = []
    for minute in range(0, 2 * DAY_MINUTES, 60):
        if shift.start <= minute and minute + 60 <= shift.start + shift.minutes:
            hours.append((minute // DAY_MINUTES, (minute % DAY_MINUTES) // 60))
    return hours


def _hourly_literals(
    problem: RotaProblem, x: dict[Key, cp_model.IntVar]
) -> dict[tuple[int, int, str | None], list[cp_model.IntVar]]:
    """For each (day, hour, skill or None), the literals of shifts covering that whole hour."""
    covered = [hours_covered(s) for s in problem.shifts]
    out: dict[tuple[int, int, str | None], list[cp_model.IntVar]] = defaultdict(list)
    for (ei, d, si), var in x.items():
        skills = problem.employees[ei].skills
        for offset, hour in covered[si]:
            day = d + offset
            if day >= problem.horizon:
                continue
            out[day, hour, None].append(var)
            for skill in skills:
                out[day, hour, skill].append(var)
    return out


def _add_runs(
    m: cp_model.CpModel,
    row: list[cp_model.IntVar],
    max_work: int,
    min_work: int,
    min_off: int,
    zero: cp_model.IntVar,
) -> None:
    """Run-length rules on one employee's row of work literals (``zero`` for a day off)."""
    horizon = len(row)
    fixed_off = [v is zero for v in row]
    # longest run of work: each window of max_work + 1 days holds a day off
    if max_work < horizon:
        for start in range(horizon - max_work):
            window = [row[d] for d in range(start, start + max_work + 1) if not fixed_off[d]]
            if len(window) == max_work + 1:
                m.add(sum(window) <= max_work)
    # shortest run of work: no "off, j x work, off" inside the horizon for j < min_work
    for j in range(1, min_work):
        for d in range(horizon - j - 1):
            inner = range(d + 1, d + j + 1)
            if any(fixed_off[i] for i in inner):
                continue
            clause = [row[i].Not() for i in inner]
            for edge in (d, d + j + 1):
                if not fixed_off[edge]:
                    clause.append(row[edge])
            m.add_bool_or(clause)
    # shortest run of days off: no "work, j x off, work" inside the horizon for j < min_off
    for j in range(1, min_off):
        for d in range(horizon - j - 1):
            if fixed_off[d] or fixed_off[d + j + 1]:
                continue
            clause = [row[d].Not(), row[d + j + 1].Not()]
            clause += [row[i] for i in range(d + 1, d + j + 1) if not fixed_off[i]]
            m.add_bool_or(clause)


__all__ = ["Key", "RotaModel", "build_model", "hours_covered", "set_domain", "solver_parameters"]
