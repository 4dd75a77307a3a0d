"""Column generation's dive: employee-days fixed to shifts until the LP splits few cells."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from salonkit.scheduling.rota import check_roster, load_instance, solve_rota
from salonkit.scheduling.rota import solver as rota_solver
from salonkit.scheduling.rota.columns import DIVE_SLACK, SCALE, ColumnGeneration
from salonkit.scheduling.rota.cpsat_model import build_model
from salonkit.scheduling.rota.model import NoValidRow, RotaProblem

from .rota_helpers import INSTANCES


def converged(name: str) -> ColumnGeneration:
    problem = load_instance(INSTANCES / f"{name}.txt")
    cg = ColumnGeneration(problem, deterministic=True)
    cg.solve(60)
    assert cg.converged
    return cg


def largest_rows(cg: ColumnGeneration) -> dict[str, tuple[str, ...]]:
    """Each employee's row of largest weight in the LP's answer."""
    employees = cg.problem.employees
    return {e.id: rows[0][1] for e, rows in zip(employees, cg.mix(), strict=True)}


def test_a_dive_fixes_employee_days_until_the_lp_splits_few_cells() -> None:
    cg = converged("Instance5")
    split, bound, lp_value, cuts = cg.undecided(), cg.bound, cg.lp_value, cg.cuts()
    assert split > 100 and lp_value is not None
    decided_before = cg.problem.horizon * len(cg.problem.employees) - split
    rows_before = [list(columns) for columns in cg._columns]
    cg.dive(60, split // 2)
    after = cg.lp_value
    assert after is not None
    # it stops at the cells asked for, or once the LP has risen by more than its slack
    assert cg.undecided() <= split // 2 or after > lp_value * (1 + DIVE_SLACK)
    # fixing shifts can only raise the LP's optimum; the bound proven before stays
    assert after >= lp_value - 1e-6
    assert cg.bound == bound and cg.cuts() == cuts
    # every employee-day decided before is fixed now, and more besides
    fixed = [(ei, d, si) for ei, days in enumerate(cg._forced) for d, si in days.items()]
    assert len(fixed) > decided_before
    # every row the LP holds keeps every fixed shift, and a row that does not is refused
    for ei, columns in enumerate(cg._columns):
        assert columns
        for row in columns:
            assert all(row[d] == si for d, si in cg._forced[ei].items())
    shift_ids = cg.problem.shift_ids
    refused = 0
    for ei, rows in enumerate(rows_before):
        for row in rows:
            if any(row[d] != si for d, si in cg._forced[ei].items()):
                shifts = ["" if si < 0 else shift_ids[si] for si in row]
                assert cg.add_row(ei, shifts) is False
                refused += 1
    assert refused


def test_pricing_after_a_dive_gives_only_rows_that_keep_the_fixed_shifts() -> None:
    """Both pricings (the dynamic programme and CP-SAT) honour the fixed employee-days: at any
    duals, every row they return takes them."""
    cg = converged("Instance5")
    cg.dive(60, cg.undecided() // 2)
    rng = np.random.default_rng(3)
    checked = 0
    for ei, forced in enumerate(cg._forced):
        if not forced or len(forced) == cg.problem.horizon:
            continue
        duals = [int(v) * SCALE // 10 for v in rng.integers(0, 100, size=len(cg._cover))]
        quick = cg._quick(ei, duals, None)
        exact = cg._solve_pricing(ei, duals, 20.0, ())
        assert quick is not None and quick.rows and exact.rows
        for row in (*quick.rows, *exact.rows):
            assert all(row[d] == si for d, si in forced.items())
        # both price the same rows: the programme's bound never passes CP-SAT's least value
        assert exact.optimal and exact.value is not None and quick.bound is not None
        assert quick.bound <= exact.value
        if quick.optimal:
            assert quick.value == exact.value
        checked += 1
    assert checked


def test_the_rows_of_largest_weight_after_a_dive_are_a_roster_of_the_lps_neighbourhood() -> None:
    """The roster the search of the dived LP's neighbourhood starts from is valid and meets
    every shift the LP decides."""
    cg = converged("Instance7")
    cg.dive(60, cg.undecided() // 3)
    roster = largest_rows(cg)
    problem = cg.problem
    assert check_roster(problem, roster).valid
    rm = build_model(problem)
    rota_solver._fix_to_lp(rm, cg.mix(), None)
    values = rota_solver._roster_values(rm, roster)
    decided = 0
    for var in rm.x.values():
        low, high = rm.model.proto.variables[var.index].domain
        if low == high:
            decided += 1
            assert values[var.index] == low
    assert decided > len(rm.x) // 2


def test_deterministic_dives_repeat_exactly() -> None:
    mixes = []
    for _ in range(2):
        cg = converged("Instance5")
        cg.dive(60, cg.undecided() // 2)
        mixes.append(cg.mix())
    assert mixes[0] == mixes[1]


def test_a_dive_keeps_its_time_limit() -> None:
    cg = converged("Instance8")
    assert cg.dive(0.05, 0) <= 0.05 + 2.5  # a round started goes on at most PRICING_LIMIT


def test_a_pricing_that_finds_no_row_ends_the_dive_not_the_solve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Should pricing find no row that keeps the fixed days, the dive stops where it is: the
    LP keeps its rows, and the search goes on from its answer."""
    cg = converged("Instance5")
    lp_value = cg.lp_value

    def no_row(*_: Any) -> Any:
        raise NoValidRow(cg.problem.employees[0].id)

    monkeypatch.setattr(cg, "_round", no_row)
    cg.dive(60, 0)
    assert any(cg._forced)  # one step was taken
    mix = cg.mix()
    assert all(rows for rows in mix) and cg.lp_value is not None
    assert cg.lp_value >= (lp_value or 0.0) - 1e-6


@pytest.mark.parametrize("cells", [0, 10**6])
def test_the_solver_dives_only_where_the_lp_splits_more_cells_than_dive_cells(
    monkeypatch: pytest.MonkeyPatch, cells: int
) -> None:
    """Beyond DIVE_CELLS split cells the solver dives (down to DIVE_TO), and the first search
    of the LP's neighbourhood starts from the dive's rows of largest weight; below, it does
    not dive."""
    dives: list[int] = []
    starts: list[Any] = []
    problems: list[RotaProblem] = []
    split: list[tuple[int, int]] = []

    class Spy(ColumnGeneration):
        def dive(self, time_limit: float, cells: int) -> float:
            dives.append(cells)
            before = self.undecided()
            used = super().dive(time_limit, cells)
            split.append((before, self.undecided()))
            starts.append(largest_rows(self))
            problems.append(self.problem)
            return used

    searched: list[Any] = []
    search = rota_solver._whole_model_search

    def spy_search(*args: Any, **kw: Any) -> Any:
        if args[4] == "columns":
            searched.append(kw.get("start"))
        return search(*args, **kw)

    monkeypatch.setattr(rota_solver, "ColumnGeneration", Spy)
    monkeypatch.setattr(rota_solver, "_whole_model_search", spy_search)
    monkeypatch.setattr(rota_solver, "DIVE_CELLS", cells)
    monkeypatch.setattr(rota_solver, "DIVE_TO", 0)
    problem = load_instance(INSTANCES / "Instance5.txt")
    solution = solve_rota(problem, time_limit=30, workers=1, deterministic=True, explain=False)
    assert check_roster(problem, solution.roster).valid
    if cells:
        assert not dives and all(start is None for start in searched)
    else:
        assert dives == [0]
        assert split[0][1] < split[0][0]
        assert searched[0] == starts[0] and check_roster(problem, starts[0]).valid
        assert all(start is None for start in searched[1:])
