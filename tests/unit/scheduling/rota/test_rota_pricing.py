"""Pricing by dynamic programming: the least-cost valid row, against every row enumerated."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.errors import SalonkitError
from salonkit.scheduling.rota import (
    Contract,
    Employee,
    RotaProblem,
    ShiftType,
    check_employee,
    columns,
    load_instance,
)
from salonkit.scheduling.rota.columns import SCALE, ColumnGeneration
from salonkit.scheduling.rota.pricing import COUNTED_CELLS, RowPricer

from .rota_helpers import INSTANCES


@st.composite
def one_employee_rotas(draw: st.DrawFn) -> tuple[RotaProblem, np.ndarray]:
    """A rota of one employee over up to nine days (every row can be enumerated), with a
    random cost for each shift on each day."""
    horizon = draw(st.integers(1, 9))
    n_shifts = draw(st.integers(1, 3)) if horizon <= 7 else draw(st.integers(1, 2))
    ids = ["E", "L", "N"][:n_shifts]
    shifts = []
    for sid in ids:
        blocked = draw(st.sets(st.sampled_from(ids), max_size=2))
        shifts.append(
            ShiftType(sid, draw(st.sampled_from([240, 360, 480])), forbidden_next=blocked)
        )
    max_minutes = draw(st.integers(0, horizon * 480))
    longest = draw(st.integers(1, horizon))
    contract = Contract(
        max_shifts={s: draw(st.integers(0, horizon)) for s in ids},
        max_minutes=max_minutes,
        min_minutes=draw(st.integers(0, max_minutes)) if draw(st.booleans()) else 0,
        max_consecutive=longest,
        min_consecutive=draw(st.integers(1, longest)),
        min_days_off=draw(st.integers(1, 3)),
        max_weekends=draw(st.integers(0, 2)),
    )
    days_off = draw(st.sets(st.integers(0, horizon - 1), max_size=2))
    problem = RotaProblem(horizon, shifts, [Employee("A", contract, days_off=days_off)])
    costs = np.array(
        draw(
            st.lists(st.integers(-9, 9), min_size=horizon * n_shifts, max_size=horizon * n_shifts)
        ),
        dtype=np.int64,
    ).reshape(horizon, n_shifts)
    return problem, costs


def _least(
    problem: RotaProblem, costs: np.ndarray, forced: dict[int, int] | None = None
) -> int | None:
    """The least cost over every valid row (taking the ``forced`` shift index, ``-1`` off, on
    each of its days; ``None`` when there is none)."""
    index = {s: i for i, s in enumerate(problem.shift_ids)}
    best = None
    for row in itertools.product(["", *problem.shift_ids], repeat=problem.horizon):
        if check_employee(problem, problem.employees[0], row):
            continue
        if any((index[row[d]] if row[d] else -1) != si for d, si in (forced or {}).items()):
            continue
        cost = sum(int(costs[d, index[s]]) for d, s in enumerate(row) if s)
        best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("counted_cells", [COUNTED_CELLS, 0], ids=["counted", "multipliers"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=one_employee_rotas())
def test_the_programme_finds_the_least_valid_row(
    case: tuple[RotaProblem, np.ndarray], counted_cells: int
) -> None:
    """With the tightest per-type limit counted in the state, or every limit given a
    multiplier."""
    problem, costs = case
    least = _least(problem, costs)
    if least is None:
        with pytest.raises(SalonkitError, match="no row of employee A meets their rules"):
            RowPricer(problem, 0, counted_cells=counted_cells).price(costs)
        return
    pricer = RowPricer(problem, 0, counted_cells=counted_cells)
    found = pricer.price(costs)
    # its bound is proven, and every row it gives meets every rule and costs what it says
    assert found.bound <= least
    assert found.rows
    for row, cost in zip(found.rows, found.costs, strict=True):
        shifts = ["" if si < 0 else problem.shifts[si].id for si in row]
        assert check_employee(problem, problem.employees[0], shifts) == []
        assert cost == sum(int(costs[d, si]) for d, si in enumerate(row) if si >= 0)
    assert list(found.costs) == sorted(found.costs)
    assert len(set(found.rows)) == len(found.rows)
    # a proof is a proof; and without a per-type limit that can bind, there is always one
    if found.optimal:
        assert found.costs[0] == least == found.bound
    if not pricer.limited:
        assert found.optimal


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=one_employee_rotas(), data=st.data())
def test_forced_days_keep_their_shift_in_every_row_and_in_the_bound(
    case: tuple[RotaProblem, np.ndarray], data: st.DataObject
) -> None:
    """Days forced to a shift (or off), as a dive fixes them: every row takes them, and the
    bound is over those rows only."""
    problem, costs = case
    if _least(problem, costs) is None:
        return
    forced = data.draw(
        st.dictionaries(
            st.integers(0, problem.horizon - 1),
            st.integers(-1, len(problem.shifts) - 1),
            max_size=3,
        )
    )
    least = _least(problem, costs, forced)
    pricer = RowPricer(problem, 0)
    try:
        found = pricer.price(costs, forced=forced)
    except SalonkitError:
        # the programme may not find a row only where none takes every forced shift
        assert least is None
        return
    assert least is not None or not found.rows
    for row, cost in zip(found.rows, found.costs, strict=True):
        assert all(row[d] == si for d, si in forced.items())
        shifts = ["" if si < 0 else problem.shifts[si].id for si in row]
        assert check_employee(problem, problem.employees[0], shifts) == []
        assert cost == sum(int(costs[d, si]) for d, si in enumerate(row) if si >= 0)
    if least is not None:
        assert found.bound <= least
        if found.optimal:
            assert found.costs[0] == least


def test_per_type_limits_are_met_through_their_multipliers() -> None:
    """Every day pays for working shift E, but E may be worked twice only: the multiplier on
    E must make the programme choose the two best days, and prove it."""
    problem = RotaProblem(
        7,
        [ShiftType("E", 480)],
        [Employee("A", Contract(max_shifts={"E": 2}, max_minutes=7 * 480))],
    )
    costs = np.array([[-5], [-9], [-1], [-8], [-2], [-3], [-4]])
    pricer = RowPricer(problem, 0, counted_cells=0)
    assert pricer.counted is None and pricer.limited == [(0, 2)]
    found = pricer.price(costs)
    assert found.optimal
    assert found.rows[0] == (-1, 0, -1, 0, -1, -1, -1)
    assert found.costs[0] == found.bound == -17
    # counted in the state instead, the same row without multipliers
    counted = RowPricer(problem, 0)
    assert counted.counted == (0, 2) and counted.limited == []
    assert counted.price(costs).rows[0] == found.rows[0]


@pytest.mark.parametrize("name", ["Instance1", "Instance3", "Instance8"])
def test_the_programme_agrees_with_cp_sat_on_benchmark_rows(name: str) -> None:
    """At the same duals, the programme's bound never exceeds CP-SAT's proven least value, and
    equals it where the programme proves its row least (Instance8 has per-type limits with
    multipliers as well as one counted in the state)."""
    problem = load_instance(INSTANCES / f"{name}.txt")
    cg = ColumnGeneration(problem)
    rng = np.random.default_rng(7)
    for ei in range(len(problem.employees)):
        duals = [int(v) * SCALE // 10 for v in rng.integers(0, 100, size=len(cg._cover))]
        quick = cg._quick(ei, duals, None)
        exact = cg._solve_pricing(ei, duals, 20.0, ())
        assert quick is not None and exact.optimal
        assert quick.bound is not None and exact.bound is not None
        assert quick.bound <= exact.bound
        if quick.optimal:
            assert quick.value == quick.bound == exact.bound


def test_employees_whose_programme_is_too_large_are_priced_by_cp_sat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above :data:`DP_WORK_LIMIT` CP-SAT prices the employee, to the same LP optimum."""
    problem = load_instance(INSTANCES / "Instance1.txt")
    reference = ColumnGeneration(problem)
    assert all(pricing.dp is not None for pricing in reference._pricing)
    reference.solve(30)
    monkeypatch.setattr(columns, "DP_WORK_LIMIT", 0)
    cg = ColumnGeneration(problem)
    assert all(pricing.dp is None for pricing in cg._pricing)
    cg.solve(30)
    assert cg.converged and reference.converged
    assert cg.bound == reference.bound
    assert cg.lp_value == pytest.approx(reference.lp_value)
