"""Column generation: a proven bound never above the optimum, valid rows, exact LP answers."""

from __future__ import annotations

import logging
import math
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined,unused-ignore]
from ortools.sat.python import cp_model

from salonkit.errors import SalonkitError
from salonkit.scheduling.rota import (
    Contract,
    CoverRequirement,
    Employee,
    RotaInfeasible,
    RotaProblem,
    ShiftType,
    check_employee,
    check_roster,
    load_instance,
    solve_rota,
)
from salonkit.scheduling.rota import solver as rota_solver
from salonkit.scheduling.rota.columns import (
    GREEDY_PASSES,
    ColumnGeneration,
    MasterFailed,
    Priced,
)
from salonkit.scheduling.rota.cpsat_model import build_model, solver_parameters
from salonkit.scheduling.rota.parts import WorkingRoster

from .rota_helpers import INSTANCES
from .test_rota_parts import hourly_rota
from .test_rota_solver import brute_force, tiny_rotas, valid_rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_rotas())
def test_bound_never_exceeds_the_optimum_and_meets_the_lp(problem: RotaProblem) -> None:
    best = brute_force(problem)
    if best is None:
        with pytest.raises(SalonkitError, match="no row of employee"):
            ColumnGeneration(problem).solve(10)
        return
    cg = ColumnGeneration(problem)
    cg.solve(30)
    assert cg.converged
    assert cg.bound is not None and cg.lp_value is not None
    # a lower bound: never above the best roster, nor above the LP's optimum rounded up
    assert cg.bound <= best
    assert cg.bound <= math.ceil(cg.lp_value - 1e-6)
    # and at the LP's optimum, no weaker than the LP (up to the duals' rounding)
    assert cg.bound >= cg.lp_value - 0.5
    for weights, e in zip(cg.mix(), problem.employees, strict=True):
        assert sum(w for w, _ in weights) == pytest.approx(1.0)
        for _, row in weights:
            assert check_employee(problem, e, row) == []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_rotas())
def test_every_valid_row_meets_its_cut_and_the_least_one_meets_it_exactly(
    problem: RotaProblem,
) -> None:
    cg = ColumnGeneration(problem)
    try:
        cg.solve(30)
    except SalonkitError:
        return  # an employee without a valid row (tested above)
    cuts = cg.cuts()
    assert [c.employee for c in cuts] == list(range(len(problem.employees)))
    index = {s: i for i, s in enumerate(problem.shift_ids)}
    for cut, e in zip(cuts, problem.employees, strict=True):
        values = [
            sum(cut.terms.get((d, index[s]), 0) for d, s in enumerate(row) if s)
            for row in valid_rows(problem, e)
        ]
        assert min(values) == cut.least


def test_cuts_give_cpsat_the_column_bound() -> None:
    """With the cuts, CP-SAT's own bound on the whole model starts at the LP's over rows
    (Instance4: 1716, where CP-SAT alone stays about 8 % below)."""
    problem = load_instance(INSTANCES / "Instance4.txt")
    cg = ColumnGeneration(problem, workers=2)
    cg.solve(120)
    assert cg.bound == 1716
    rm = build_model(problem)
    rota_solver._add_cuts(rm, cg.cuts())
    solver = cp_model.CpSolver()
    solver_parameters(solver, 5.0, 1, 0, False)
    solver.solve(rm.model)
    assert solver.best_objective_bound >= 1716 - 1e-6


def test_no_cut_before_a_bound() -> None:
    problem = load_instance(INSTANCES / "Instance1.txt")
    assert ColumnGeneration(problem).cuts() == []


def test_bound_with_hourly_cover_stays_below_the_proven_optimum() -> None:
    problem = hourly_rota()
    optimum = solve_rota(problem, time_limit=30, workers=1, lns=False, explain=False)
    assert optimum.status == "OPTIMAL"
    cg = ColumnGeneration(problem)
    cg.solve(30)
    assert cg.converged and cg.bound is not None
    assert 0 < cg.bound <= optimum.objective


@pytest.mark.parametrize(("name", "optimum"), [("Instance3", 1001), ("Instance4", 1716)])
def test_bound_of_a_benchmark_instance_is_its_optimum(name: str, optimum: int) -> None:
    """The LP over whole rows of Instances 3 and 4 is tight: it proves their optima."""
    problem = load_instance(INSTANCES / f"{name}.txt")
    cg = ColumnGeneration(problem, workers=2)
    cg.solve(120)
    assert cg.converged
    assert cg.bound == optimum


def test_rows_of_a_roster_become_columns_once() -> None:
    problem = load_instance(INSTANCES / "Instance1.txt")
    roster = solve_rota(problem, time_limit=20, workers=1, lns=False, explain=False).roster
    cg = ColumnGeneration(problem)
    assert cg.add_roster(roster) == len(problem.employees)
    assert cg.add_roster(roster) == 0
    assert cg.column_count() == len(problem.employees)
    # the LP holding only those rows takes each of them whole, at the roster's objective
    cg_mix = cg.mix()
    assert cg.lp_value == pytest.approx(check_roster(problem, roster).objective)
    for weights, e in zip(cg_mix, problem.employees, strict=True):
        assert weights == [(pytest.approx(1.0), roster[e.id])]


def test_an_employee_without_a_valid_row_is_named() -> None:
    day = ShiftType("D", 480)
    impossible = Contract({"D": 1}, max_minutes=2000, min_minutes=960)
    problem = RotaProblem(
        3,
        [day],
        [Employee("A", Contract.unlimited(["D"], max_minutes=2000)), Employee("Z", impossible)],
        cover=[CoverRequirement(0, "D", 1)],
    )
    with pytest.raises(SalonkitError, match="employee Z"):
        ColumnGeneration(problem).solve(10)


def test_solver_proves_instance4_optimal_with_the_column_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instance4: CP-SAT's own bound stays about 8 % below in a minute; the LP over rows proves
    the optimum (1716), and the solver stops as soon as its roster reaches it."""
    problem = load_instance(INSTANCES / "Instance4.txt")
    bounds: list[int | None] = []

    class Spy(ColumnGeneration):
        def solve(self, time_limit: float) -> float:
            used = super().solve(time_limit)
            bounds.append(self.bound)
            return used

    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    solution = solve_rota(problem, time_limit=60, workers=2, explain=False)
    assert bounds == [1716]
    assert check_roster(problem, solution.roster).valid
    assert (solution.status, solution.objective, solution.bound) == ("OPTIMAL", 1716, 1716)


def test_lp_neighbourhood_fixes_less_each_time_it_gains_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The searches after column generation fix every shift the LP decides, then those the
    roster agrees on too, then nothing; each that gains nothing passes to the next."""
    fixed: dict[str, list[int]] = {"columns": [], "search": []}

    def fruitless(
        rm: Any, work: Any, limit: float, run: Any, phase: str, *_: Any, **kw: Any
    ) -> Any:
        domains = [rm.model.proto.variables[v.index].domain for v in rm.x.values()]
        fixed[phase].append(sum(1 for d in domains if d[0] == d[1]))
        return None, None, None, 0.01

    monkeypatch.setattr(rota_solver, "_whole_model_search", fruitless)
    problem = load_instance(INSTANCES / "Instance5.txt")
    solution = solve_rota(problem, time_limit=20, workers=2, explain=False)
    assert check_roster(problem, solution.roster).valid
    lp, agree, whole = fixed["columns"]
    assert lp >= agree and lp > 0
    assert whole == 0
    # and the large-neighbourhood search's whole-model searches get every domain back
    assert fixed["search"] and set(fixed["search"]) == {0}


def test_progress_never_reports_a_bound_above_the_roster_found() -> None:
    """A search of the LP's neighbourhood proves a bound of the neighbourhood only; progress
    reports the rota's bound, never above the final roster's objective, and objectives only
    fall."""
    problem = load_instance(INSTANCES / "Instance5.txt")
    events: list[Any] = []
    solution = solve_rota(problem, time_limit=20, workers=2, explain=False, progress=events.append)
    assert events
    objectives = [e.objective for e in events]
    assert objectives == sorted(objectives, reverse=True)
    assert len(set(objectives)) == len(objectives)
    assert objectives[-1] == solution.objective
    assert all(e.bound is None or e.bound <= solution.objective for e in events)
    assert all(e.bound is None or e.bound <= 1143 for e in events)  # the best-known roster


def test_columns_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []

    class Spy(ColumnGeneration):
        def __init__(self, problem: RotaProblem, **kwargs: Any) -> None:
            built.append(problem.name)
            super().__init__(problem, **kwargs)

    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    problem = load_instance(INSTANCES / "Instance5.txt")
    off = solve_rota(problem, time_limit=4, workers=2, columns=False, explain=False)
    assert built == [] and check_roster(problem, off.roster).valid
    on = solve_rota(problem, time_limit=4, workers=2, explain=False)
    assert built == ["Instance5"] and check_roster(problem, on.roster).valid


def test_pricing_not_proven_proves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pricing that stops before proving its row least (here: every one) neither declares the
    LP optimal nor gives a bound; the rows it found still join the LP."""
    quick, exact = ColumnGeneration._quick, ColumnGeneration._exact

    def quick_unproven(self: ColumnGeneration, ei: int, duals: Any, enough: Any) -> Priced:
        found = quick(self, ei, duals, enough)
        assert found is not None
        return Priced(found.rows, None, False, found.used)

    def exact_unproven(self: ColumnGeneration, ei: int, duals: Any, *args: Any) -> Priced:
        found = exact(self, ei, duals, *args)
        return Priced(found.rows, None, False, found.used)

    monkeypatch.setattr(ColumnGeneration, "_quick", quick_unproven)
    monkeypatch.setattr(ColumnGeneration, "_exact", exact_unproven)
    problem = load_instance(INSTANCES / "Instance3.txt")
    cg = ColumnGeneration(problem, deterministic=True)
    cg.solve(3)
    assert not cg.converged and cg.bound is None
    assert cg.column_count() > len(problem.employees)


def test_deterministic_runs_with_columns_repeat_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    runs: list[int] = []

    class Spy(ColumnGeneration):
        def solve(self, time_limit: float) -> float:
            runs.append(1)
            return super().solve(time_limit)

    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    problem = load_instance(INSTANCES / "Instance4.txt")
    first, second = (
        solve_rota(problem, time_limit=8, workers=1, deterministic=True, explain=False)
        for _ in range(2)
    )
    assert len(runs) == 2
    assert (first.roster, first.objective, first.bound) == (
        second.roster,
        second.objective,
        second.bound,
    )


def test_a_failed_warm_start_rebuilds_the_master_lp() -> None:
    """GLOP's re-solve from its last basis can end abnormally on long horizons: the LP is then
    built again with every column and solved from scratch, to the same optimum."""
    problem = load_instance(INSTANCES / "Instance3.txt")
    reference = ColumnGeneration(problem)
    reference.solve(30)
    cg = ColumnGeneration(problem)
    real = cg._lp
    failures = [1]

    class FailsOnce:
        def Solve(self, *args: Any) -> int:
            if failures:
                failures.pop()
                return pywraplp.Solver.ABNORMAL
            status: int = real.Solve(*args)
            return status

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    cg._lp = FailsOnce()  # type: ignore[assignment]
    cg.solve(30)
    assert not failures and cg._lp is not real
    assert cg.converged
    assert cg.lp_value == pytest.approx(reference.lp_value)
    assert cg.bound == reference.bound


def test_a_master_lp_that_cannot_be_solved_stops_the_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the LP fails even from scratch, the rounds stop (no bound is invented) and the mix
    is refused with :class:`MasterFailed`."""
    problem = load_instance(INSTANCES / "Instance1.txt")
    cg = ColumnGeneration(problem)

    def broken(self: ColumnGeneration) -> None:
        raise MasterFailed("the rota's master LP failed (status 4)")

    monkeypatch.setattr(ColumnGeneration, "_solve_lp", broken)
    cg.solve(10)
    assert cg.rounds == 0 and cg.bound is None and not cg.converged
    with pytest.raises(MasterFailed):
        cg.mix()


class _PassValues(logging.Handler):
    """Collects the objective after each pass of ``greedy_roster`` from its debug log."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.values: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "greedy pass %d: %d":
            self.values.append(int(record.args[1]))  # type: ignore[index]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_rotas())
def test_a_greedy_roster_is_valid_its_rows_are_columns_and_passes_never_worsen_it(
    problem: RotaProblem,
) -> None:
    best = brute_force(problem)
    if best is None:
        with pytest.raises(SalonkitError, match="no row of employee"):
            ColumnGeneration(problem).greedy_roster(10)
        return
    passes = _PassValues()
    log = logging.getLogger("salonkit.scheduling.rota.columns")
    level = log.level
    log.addHandler(passes)
    log.setLevel(logging.DEBUG)
    try:
        cg = ColumnGeneration(problem)
        roster, used = cg.greedy_roster(10)
    finally:
        log.removeHandler(passes)
        log.setLevel(level)
    assert roster is not None and used >= 0
    report = check_roster(problem, roster)
    assert report.valid
    for ei, e in enumerate(problem.employees):
        assert not cg.add_row(ei, roster[e.id])  # already a column of the LP
    # a row is only replaced by one no dearer given the others: no pass is worse than the one
    # before, and the roster returned is the last pass's, whose objective the checker agrees on
    values = passes.values
    assert 1 <= len(values) <= 1 + GREEDY_PASSES
    assert values == sorted(values, reverse=True)
    assert report.objective == values[-1] >= best


def test_a_greedy_roster_prices_each_row_against_the_cover_left() -> None:
    """Two employees who may each work two of four days, one shift asked each day: the first
    takes two days, the second sees them met (over-cover costs) and takes the other two."""
    contract = Contract(
        max_shifts={"D": 2},
        max_minutes=960,
        min_minutes=0,
        max_consecutive=4,
        min_consecutive=1,
        min_days_off=1,
        max_weekends=1,
    )
    problem = RotaProblem(
        horizon=4,
        shifts=(ShiftType("D", 480),),
        employees=(Employee("A", contract), Employee("B", contract)),
        cover=tuple(CoverRequirement(d, "D", 1, 100, 1) for d in range(4)),
    )
    roster, _ = ColumnGeneration(problem).greedy_roster(10, passes=0)
    assert roster is not None
    assert check_roster(problem, roster).objective == 0


def test_a_large_rota_with_columns_starts_from_a_greedy_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With column generation on, a rota too large for a first whole-model search starts from
    the roster priced row by row, not from CP-SAT's row-by-row construction."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("CP-SAT's construction should not run")

    built: list[ColumnGeneration] = []
    greedy: list[ColumnGeneration] = []

    class Spy(ColumnGeneration):
        def __init__(self, problem: RotaProblem, **kwargs: Any) -> None:
            super().__init__(problem, **kwargs)
            built.append(self)

        def greedy_roster(self, time_limit: float, passes: int = GREEDY_PASSES) -> Any:
            greedy.append(self)
            return super().greedy_roster(time_limit, passes)

    monkeypatch.setattr(rota_solver, "construct_timed", refused)
    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    phases: list[Any] = []
    problem = load_instance(INSTANCES / "Instance8.txt")
    assert rota_solver._variable_count(problem) > rota_solver.CONSTRUCT_THRESHOLD
    solution = solve_rota(problem, time_limit=10, workers=2, explain=False, progress=phases.append)
    assert check_roster(problem, solution.roster).valid
    assert phases[0].phase == "construct"
    # one column generation: the one that built the first roster goes on with its columns
    assert len(built) == 1 and greedy == built


def test_a_rota_too_long_for_column_generation_still_starts_from_rows_by_pricing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rota built whole, beyond COLUMNS_WORK, starts from rows by pricing too (CP-SAT's
    row-by-row construction is for rotas never built whole, and for ``columns=False``), and
    no column generation follows."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("should not run")

    built: list[str] = []

    class Spy(ColumnGeneration):
        def __init__(self, problem: RotaProblem, **kwargs: Any) -> None:
            super().__init__(problem, **kwargs)
            built.append(problem.name)

    problem = load_instance(INSTANCES / "Instance8.txt")
    monkeypatch.setattr(rota_solver, "COLUMNS_WORK", 0)
    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    monkeypatch.setattr(rota_solver, "_columns", refused)
    with monkeypatch.context() as patched:
        patched.setattr(rota_solver, "construct_timed", refused)
        phases: list[Any] = []
        solution = solve_rota(
            problem, time_limit=6, workers=2, explain=False, progress=phases.append
        )
    assert check_roster(problem, solution.roster).valid
    assert phases[0].phase == "construct" and built == ["Instance8"]
    # switched off, column generation's models are not built at all: CP-SAT builds the rows
    constructed: list[int] = []
    construct = rota_solver.construct_timed

    def spy_construct(*args: Any, **kwargs: Any) -> Any:
        constructed.append(1)
        return construct(*args, **kwargs)

    monkeypatch.setattr(rota_solver, "construct_timed", spy_construct)
    off = solve_rota(problem, time_limit=6, workers=2, explain=False, columns=False)
    assert check_roster(problem, off.roster).valid and built == ["Instance8"]
    assert constructed == [1]


def test_a_large_rota_with_an_impossible_row_is_infeasible() -> None:
    """An employee whose contract no row can meet (minutes no number of eight-hour shifts
    makes) makes the rota infeasible, naming them, when rows are priced as when CP-SAT
    builds them."""
    problem = load_instance(INSTANCES / "Instance8.txt")
    first = problem.employees[0]
    odd = attrs.evolve(first.contract, min_minutes=4000, max_minutes=4000)
    problem = attrs.evolve(
        problem, employees=(attrs.evolve(first, contract=odd), *problem.employees[1:])
    )
    with pytest.raises(RotaInfeasible, match=f"no row of employee {first.id} meets their rules"):
        solve_rota(problem, time_limit=10, workers=2, explain=False)
    with pytest.raises(RotaInfeasible, match=f"no row of employee {first.id} meets their rules"):
        solve_rota(problem, time_limit=10, workers=2, explain=False, columns=False)


@pytest.mark.parametrize("columns_work", [None, 0])
def test_a_row_the_dynamic_programme_proves_impossible_makes_the_rota_infeasible(
    monkeypatch: pytest.MonkeyPatch, columns_work: int | None
) -> None:
    """Days off that leave too few days for the minimum minutes pass the programme's own
    check of the minutes but leave it no path: that too is ``RotaInfeasible`` naming the
    employee, with column generation on and off."""
    if columns_work is not None:
        monkeypatch.setattr(rota_solver, "COLUMNS_WORK", columns_work)
    problem = load_instance(INSTANCES / "Instance8.txt")
    first = problem.employees[0]
    # 14 working days at most, 17 shifts of 480 minutes needed
    lazy = attrs.evolve(first, days_off=frozenset(range(0, 28, 2)))
    problem = attrs.evolve(problem, employees=(lazy, *problem.employees[1:]))
    with pytest.raises(RotaInfeasible, match=f"no row of employee {first.id} meets their rules"):
        solve_rota(problem, time_limit=10, workers=2, explain=False)


def test_column_generation_gets_less_time_on_large_rotas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Beyond LARGE_COLUMNS_WORK column generation may take COLUMNS_SHARE_LARGE of the time
    left instead of COLUMNS_SHARE."""
    limits: list[float] = []

    class Stop(Exception):
        pass

    class Spy(ColumnGeneration):
        def solve(self, time_limit: float) -> float:
            limits.append(time_limit)
            raise Stop

    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    problem = load_instance(INSTANCES / "Instance5.txt")
    rm = build_model(problem)
    work = WorkingRoster(problem)  # every day off (the spy stops before any use of it)
    objective = check_roster(problem, work.roster()).objective
    run = rota_solver._Run(0.0, 10.0, 1, 0, True, None)
    for large in (False, True):
        if large:
            monkeypatch.setattr(rota_solver, "LARGE_COLUMNS_WORK", 0)
        with pytest.raises(Stop):
            rota_solver._columns(rm, work, objective, 0, run, 0.0)
    assert limits == [
        pytest.approx(rota_solver.COLUMNS_SHARE * 10),
        pytest.approx(rota_solver.COLUMNS_SHARE_LARGE * 10),
    ]
