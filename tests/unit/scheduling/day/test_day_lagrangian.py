"""The Lagrangian bound, the price-guided plans, the best-of-orders greedy and plan adoption."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.scheduling.day import (
    DayProblem,
    check_solution,
    greedy_solution,
    lns,
    load_problem,
    optimize,
    problem_from_dict,
    solver,
)
from salonkit.scheduling.day.colgen import BackgroundBound, FollowUp, TimeIndexedBound
from salonkit.scheduling.day.greedy import VARIANTS, best_greedy_solution
from salonkit.scheduling.day.prepare import possible_starts, prepare
from salonkit.scheduling.day.relaxation import time_indexed_bound
from salonkit.scheduling.day.restricted import RestrictedMip
from salonkit.scheduling.day.staff_bound import staff_decomposition

INSTANCES = Path(__file__).resolve().parents[4] / "benchmarks" / "instances"

CUT = {
    "id": "cut",
    "skill": "cut",
    "steps": [
        {"name": "wash", "duration_min": 10, "staff": True, "resources": ["basin"]},
        {"name": "cut", "duration_min": 30, "staff": True, "resources": ["chair"]},
    ],
}
COLOUR = {
    "id": "colour",
    "skill": "colour",
    "steps": [
        {"name": "apply", "duration_min": 20, "staff": True, "resources": ["chair"]},
        {"name": "process", "duration_min": 30, "staff": False, "resources": ["chair"]},
        {"name": "rinse", "duration_min": 10, "staff": True, "resources": ["basin"]},
    ],
}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def busy_days(draw: st.DrawFn) -> DayProblem:
    """Small crowded days: 1-3 staff with breaks, 3-10 requests, some customers twice."""
    staff = []
    for i in range(draw(st.integers(1, 3))):
        start = draw(st.sampled_from([9, 10])) * 60
        end = start + draw(st.sampled_from([3, 4, 5])) * 60
        skills = ["cut", "colour"] if draw(st.booleans()) else ["cut"]
        breaks = []
        if draw(st.booleans()):
            b = start + 90
            breaks.append({"earliest": _hhmm(b), "latest_end": _hhmm(b + 60), "duration_min": 30})
        staff.append(
            {
                "id": f"s{i + 1}",
                "skills": skills,
                "shifts": [{"start": _hhmm(start), "end": _hhmm(end)}],
                "breaks": breaks,
            }
        )
    requests: list[dict[str, Any]] = []
    for i in range(draw(st.integers(3, 10))):
        earliest = draw(st.integers(9 * 12, 13 * 12)) * 5
        service = draw(st.sampled_from(["cut", "cut", "colour"]))
        length = 40 if service == "cut" else 60
        slack = draw(st.sampled_from([0, 20, 60, 120]))
        requests.append(
            {
                "id": f"r{i + 1}",
                "customer": f"c{draw(st.integers(1, 5))}",
                "service": service,
                "earliest": _hhmm(earliest),
                "latest_end": _hhmm(min(earliest + length + slack, 15 * 60)),
                "preferred_staff": draw(st.sampled_from([[], ["s1"]])),
                "priority": draw(st.integers(1, 3)),
            }
        )
    return problem_from_dict(
        {
            "name": "busy",
            "granularity_min": 5,
            "open": "09:00",
            "close": "15:00",
            "resources": [
                {"id": "chair", "capacity": draw(st.integers(1, 2))},
                {"id": "basin", "capacity": 1},
            ],
            "staff": staff,
            "services": [CUT, COLOUR],
            "requests": requests,
        }
    )


def _relaxation(problem: DayProblem) -> TimeIndexedBound:
    prep = prepare(problem)
    return TimeIndexedBound(prep, possible_starts(prep))


def _prices(relaxation: TimeIndexedBound, scale: float, seed: int) -> tuple[Any, Any, Any]:
    rng = np.random.default_rng(seed)
    n_staff = len(relaxation.staff_index)
    n_res = len(relaxation.resource_index)
    n_cust = len(relaxation.customer_index)
    return (
        rng.random((n_staff, relaxation.horizon)) * scale,
        rng.random((n_res, relaxation.horizon)) * scale,
        rng.random((n_cust, relaxation.horizon)) * scale,
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days(), st.floats(0.0, 200.0), st.integers(0, 1000))
def test_the_lagrangian_is_an_upper_bound_whatever_the_prices(
    problem: DayProblem, scale: float, seed: int
) -> None:
    relaxation = _relaxation(problem)
    pi = _prices(relaxation, scale, seed)
    rc = relaxation.reduced_costs(*pi)
    best = optimize(problem, time_limit=1.0)
    assert relaxation.lagrangian(*pi, rc) >= best.objective - 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days(), st.floats(0.0, 200.0), st.integers(0, 1000))
def test_price_guided_plans_are_valid(problem: DayProblem, scale: float, seed: int) -> None:
    relaxation = _relaxation(problem)
    pi = _prices(relaxation, scale, seed)
    found = relaxation.priced_plan(relaxation.reduced_costs(*pi), pi[0])
    assert found is not None  # these days always have room for their breaks
    placed, breaks = found
    plan = solver._solution_of(relaxation.prep, lns.Plan(placed, breaks))
    report = check_solution(problem, plan)
    assert report.valid, report.violations


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days())
def test_the_subgradient_bound_lies_between_the_optimum_and_the_trivial_bound(
    problem: DayProblem,
) -> None:
    relaxation = _relaxation(problem)
    found = relaxation.subgradient(0, deadline=time.perf_counter() + 60, iterations=300)
    best = optimize(problem, time_limit=1.0)
    trivial = solver.build_model(problem).trivial_bound
    assert found is not None
    assert best.objective <= found <= max(trivial, 0) + 10


def test_column_generation_converges_to_the_time_indexed_lp() -> None:
    problem = load_problem(INSTANCES / "example-small.json")
    prep = prepare(problem)
    options = possible_starts(prep)
    relaxation = TimeIndexedBound(prep, options)
    found = relaxation.run(deadline=time.perf_counter() + 60)
    assert relaxation.converged
    assert found == time_indexed_bound(prep, options, time_limit=30.0)
    assert relaxation.columns_in_lp < len(relaxation.col_t)  # far from every column
    # the subgradient approaches the same value from above
    steps = TimeIndexedBound(prep, options).subgradient(
        greedy_solution(problem, prep).objective, deadline=time.perf_counter() + 60
    )
    assert found is not None and steps is not None
    assert found <= steps <= found * 1.02


def test_the_hand_made_lp_bound_is_reached_by_column_generation() -> None:
    cut = {"id": "cut", "skill": "cut", "steps": [{"name": "cut", "duration_min": 30}]}
    problem = problem_from_dict(
        {
            "name": "hand-made",
            "open": "09:00",
            "close": "12:00",
            "staff": [{"id": "s1", "skills": ["cut"], "shifts": [{"start": "09:00", "end": "10:00"}]}],
            "services": [cut],
            "requests": [
                {"id": "low", "customer": "a", "service": "cut", "earliest": "09:00",
                 "latest_end": "10:00", "priority": 1},
                {"id": "top", "customer": "b", "service": "cut", "earliest": "09:00",
                 "latest_end": "10:00", "priority": 3},
                {"id": "mid", "customer": "c", "service": "cut", "earliest": "09:00",
                 "latest_end": "10:00", "priority": 2, "preferred_staff": ["s1"]},
            ],
        }
    )  # fmt: skip
    assert _relaxation(problem).run(deadline=time.perf_counter() + 30) == 610


@settings(max_examples=30, deadline=None)
@given(busy_days())
def test_the_best_greedy_is_valid_and_never_worse_than_the_baseline(problem: DayProblem) -> None:
    baseline = greedy_solution(problem)
    best = best_greedy_solution(problem)
    assert check_solution(problem, best).valid
    assert best.objective >= baseline.objective
    first = best_greedy_solution(problem, variants=1)
    assert (first.assignments, first.breaks) == (baseline.assignments, baseline.breaks)


def test_the_greedy_budget_still_books_the_first_variant() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    quick = best_greedy_solution(problem, budget_s=0.0)
    assert quick.objective == greedy_solution(problem).objective
    assert len(VARIANTS) > 1
    assert best_greedy_solution(problem).objective > quick.objective


def test_the_neighbourhood_search_adopts_a_better_plan_from_elsewhere() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    options = possible_starts(prep)
    start = solver._plan_of(prep, greedy_solution(problem, prep))
    better = solver._plan_of(prep, best_greedy_solution(problem, prep))
    assert better.score(prep) > start.score(prep)
    offered = [better]
    result = lns.search(
        prep,
        options,
        start,
        seed=0,
        deadline=0.0,
        max_moves=1,
        deterministic=True,
        incoming=lambda: offered.pop() if offered else None,
    )
    assert result.score(prep) >= better.score(prep)


def test_the_bound_runs_beside_the_search_and_reports_plans() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    bounds: list[int] = []
    plans: list[int] = []
    background = BackgroundBound(
        TimeIndexedBound(prep, possible_starts(prep)),
        greedy_solution(problem, prep).objective,
        time.perf_counter() + 3.0,
        on_bound=bounds.append,
        on_plan=lambda placed, _: plans.append(len(placed)),
    )
    background.start()
    background.wait(time.perf_counter() + 10.0)
    background.stop()
    assert bounds and bounds == sorted(bounds, reverse=True)
    best = optimize(problem, time_limit=2.0)
    assert bounds[-1] >= best.objective


@pytest.mark.parametrize("with_lns", [False, True], ids=["cp-sat", "lns"])
def test_optimised_plans_stay_valid_with_the_lagrangian_bound(
    with_lns: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solver, "LP_MIN_PAIRS", 0)
    if with_lns:
        monkeypatch.setattr(solver, "LNS_PAIRS", 0)
    problem = load_problem(INSTANCES / "example-medium.json")
    plan = optimize(problem, time_limit=3.0, workers=2)
    assert check_solution(problem, plan).valid
    assert plan.bound is not None and plan.bound >= plan.objective
    assert plan.objective >= greedy_solution(problem).objective


@pytest.mark.parametrize("how", ["no-fork", "daemonic"])
def test_the_bound_falls_back_to_a_thread(how: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from salonkit.scheduling.day import colgen

    if how == "no-fork":
        monkeypatch.setattr(colgen.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    else:  # a daemonic process may not have children: start() fails

        def refuse(self: object) -> None:
            raise AssertionError("daemonic processes are not allowed to have children")

        monkeypatch.setattr(multiprocessing.get_context("fork").Process, "start", refuse)
    problem = load_problem(INSTANCES / "example-small.json")
    prep = prepare(problem)
    bounds: list[int] = []
    background = BackgroundBound(
        TimeIndexedBound(prep, possible_starts(prep)),
        greedy_solution(problem, prep).objective,
        time.perf_counter() + 1.0,
        on_bound=bounds.append,
    )
    background.start()
    background.wait(time.perf_counter() + 10.0)  # runs until its own deadline, 1 s
    background.stop()
    assert background.rounds >= 1
    assert bounds and bounds[-1] >= optimize(problem, time_limit=2.0).objective


# -- restricted MIPs over the columns the prices favour ---------------------------------------


def _start(problem: DayProblem, relaxation: TimeIndexedBound) -> lns.Plan:
    return solver._plan_of(relaxation.prep, greedy_solution(problem, relaxation.prep))


def _priced(instance: str, seconds: float) -> tuple[DayProblem, TimeIndexedBound, Any]:
    """An example day, its relaxation after ``seconds`` of subgradient steps, and the reduced
    costs at the best prices found."""
    problem = load_problem(INSTANCES / instance)
    relaxation = _relaxation(problem)
    relaxation.subgradient(0.0, time.perf_counter() + seconds)
    assert relaxation.best_prices is not None
    return problem, relaxation, relaxation.reduced_costs(*relaxation.best_prices)


def _valid_plan(problem: DayProblem, relaxation: TimeIndexedBound, placed: Any, breaks: Any) -> int:
    """The score of a plan, asserting it passes the checker."""
    found = solver._solution_of(relaxation.prep, lns.Plan(placed, breaks))
    report = check_solution(problem, found)
    assert report.valid, report.violations
    return report.score


@attrs.define
class _FollowUpRun:
    """A :class:`BackgroundBound` on example-medium seeded with its greedy plan, recording the
    bounds and (checked) plans it reports and how often it asks for the search's plan."""

    problem: DayProblem
    greedy: int
    relaxation: TimeIndexedBound
    bounds: list[int] = attrs.Factory(list)
    scores: list[int] = attrs.Factory(list)
    asked: int = 0

    @classmethod
    def run(cls, then: FollowUp, seconds: float) -> _FollowUpRun:
        problem = load_problem(INSTANCES / "example-medium.json")
        prep = prepare(problem)
        greedy = greedy_solution(problem, prep)
        seed = solver._plan_of(prep, greedy)
        relaxation = TimeIndexedBound(prep, possible_starts(prep), seed.placed, seed.breaks)
        record = cls(problem, greedy.objective, relaxation)

        def current() -> tuple[Any, Any]:
            record.asked += 1
            return seed.placed, seed.breaks

        background = BackgroundBound(
            relaxation,
            greedy.objective,
            time.perf_counter() + seconds,
            on_bound=record.bounds.append,
            on_plan=lambda p, b: record.scores.append(_valid_plan(problem, relaxation, p, b)),
            then=then,
            current=current,
        )
        background.start()
        background.wait(time.perf_counter() + seconds + 5.0)
        background.stop()
        return record


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days(), st.floats(0.0, 200.0), st.integers(0, 1000), st.integers(1, 4))
def test_restricted_mip_plans_are_valid_and_never_worse_than_the_start(
    problem: DayProblem, scale: float, seed: int, per_request: int
) -> None:
    relaxation = _relaxation(problem)
    start = _start(problem, relaxation)
    mip = RestrictedMip(relaxation)
    keep = mip.plan_columns(start.placed)
    assert keep is not None
    rc = relaxation.reduced_costs(*_prices(relaxation, scale, seed))
    columns = mip.columns(rc, per_request, keep)
    reported: list[int] = []
    plan, optimal = mip.solve(
        columns,
        (start.placed, start.breaks),
        5.0,
        on_plan=lambda placed, breaks: reported.append(
            _valid_plan(problem, relaxation, placed, breaks)
        ),
    )
    assert plan is not None and optimal
    score = _valid_plan(problem, relaxation, *plan)
    assert score >= start.score(relaxation.prep)
    assert reported == sorted(reported) and (not reported or reported[-1] == score)
    # every placement is one of the programme's columns
    used = mip.plan_columns(plan[0])
    assert used is not None and set(used.tolist()) <= set(columns.tolist())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days())
def test_restricted_mip_over_every_column_finds_the_optimum(problem: DayProblem) -> None:
    relaxation = _relaxation(problem)
    reference = optimize(problem, time_limit=5.0, workers=1, deterministic=True)
    if reference.status != "OPTIMAL":
        return  # nothing to compare with
    mip = RestrictedMip(relaxation)
    everything = np.arange(len(relaxation.col_t), dtype=np.int64)
    plan, optimal = mip.solve(everything, None, 10.0)
    assert plan is not None and optimal
    assert _valid_plan(problem, relaxation, *plan) == reference.objective


def test_restricted_mip_rounds_grow_and_take_a_better_plan_from_elsewhere() -> None:
    problem, relaxation, rc = _priced("example-medium.json", 1.0)
    greedy = _start(problem, relaxation)
    better = solver._plan_of(relaxation.prep, optimize(problem, time_limit=2.0, workers=1))
    asked: list[int] = []

    def current() -> tuple[Any, Any]:
        asked.append(1)
        return better.placed, better.breaks

    reported: list[int] = []
    mip = RestrictedMip(relaxation)
    placed, breaks = mip.improve(
        rc,
        (greedy.placed, greedy.breaks),
        time.perf_counter() + 4.0,
        lambda p, b: reported.append(_valid_plan(problem, relaxation, p, b)),
        current,
    )
    assert asked and mip.rounds >= 1
    final = _valid_plan(problem, relaxation, placed, breaks)
    assert final >= better.score(relaxation.prep)
    assert all(score > better.score(relaxation.prep) for score in reported)


def test_every_restricted_round_takes_the_columns_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem, relaxation, rc = _priced("example-medium.json", 1.0)
    greedy = _start(problem, relaxation)
    also = np.flatnonzero(rc < np.quantile(rc, 0.01))  # columns no round would choose
    programmes: list[set[int]] = []
    solve = RestrictedMip.solve

    def recorded(self: RestrictedMip, columns: Any, *args: Any, **kwargs: Any) -> Any:
        programmes.append(set(columns.tolist()))
        return solve(self, columns, *args, **kwargs)

    monkeypatch.setattr(RestrictedMip, "solve", recorded)
    RestrictedMip(relaxation).improve(
        rc, (greedy.placed, greedy.breaks), time.perf_counter() + 2.0, lambda p, b: None, also=also
    )
    assert programmes and all(set(also.tolist()) <= columns for columns in programmes)
    assert not set(also.tolist()) <= set(
        RestrictedMip(relaxation).columns(rc, 5, np.zeros(0, dtype=np.int64)).tolist()
    )


def test_every_programme_keeps_the_pinned_bookings() -> None:
    problem = _generated_day(3, 25)
    pinned = [r.id for r in problem.requests if r.pinned is not None]
    assert pinned, "the generator pins some requests"
    relaxation = _relaxation(problem)
    plan, optimal = RestrictedMip(relaxation).solve(np.zeros(0, dtype=np.int64), None, 5.0)
    assert plan is not None and optimal
    _valid_plan(problem, relaxation, *plan)  # the checker rejects a pinned booking left out
    assert len(plan[0]) == len(pinned)


def test_a_start_outside_the_columns_is_not_used() -> None:
    problem = load_problem(INSTANCES / "example-small.json")
    relaxation = _relaxation(problem)
    mip = RestrictedMip(relaxation)
    start = _start(problem, relaxation)
    i, (staff, _) = next(iter(start.placed.items()))
    assert mip.plan_columns({i: (staff, 10_000)}) is None
    assert mip.plan_columns({i: ("nobody", 0)}) is None
    # a start the programme cannot hold is dropped, and the programme is still solved
    rc = relaxation.reduced_costs(*_prices(relaxation, 0.0, 0))
    columns = mip.columns(rc, 1, np.zeros(0, dtype=np.int64))
    plan, _ = mip.solve(columns, (start.placed, start.breaks), 5.0)
    assert plan is not None
    _valid_plan(problem, relaxation, *plan)


@pytest.mark.parametrize("how", ["fork", "thread"])
def test_the_bound_process_goes_on_with_restricted_mips(
    how: str, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    from salonkit.scheduling.day import colgen

    if how == "thread":
        monkeypatch.setattr(colgen.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    record = _FollowUpRun.run("restricted", 6.0)
    assert record.asked, "the restricted MIPs start from the search's plan"
    assert record.scores and max(record.scores) > record.greedy
    assert capfd.readouterr().out == "", "nothing reaches the standard output"


def test_the_restricted_mips_serve_the_neighbourhood_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solver, "LNS_PAIRS", 0)
    monkeypatch.setattr(solver, "LP_MIN_PAIRS", 0)
    adopted: list[lns.Plan] = []
    taken = solver._Inbox.take

    def take(self: Any) -> lns.Plan | None:
        plan = taken(self)
        if plan is not None:
            adopted.append(plan)
        return plan

    monkeypatch.setattr(solver._Inbox, "take", take)
    problem = load_problem(INSTANCES / "example-medium.json")
    plan = optimize(problem, time_limit=5.0, workers=2)
    assert check_solution(problem, plan).valid
    assert adopted, "plans from the bound's process reach the search"
    assert plan.objective >= max(p.score(prepare(problem)) for p in adopted)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days())
def test_the_exact_mip_bounds_the_day_and_proves_its_optimum(problem: DayProblem) -> None:
    relaxation = _relaxation(problem)
    reference = optimize(problem, time_limit=5.0, workers=1, deterministic=True)
    start = _start(problem, relaxation)
    bounds: list[float] = []
    scores: list[int] = []
    optimal = RestrictedMip(relaxation).exact(
        (start.placed, start.breaks),
        time.perf_counter() + 10.0,
        lambda p, b: scores.append(_valid_plan(problem, relaxation, p, b)),
        bounds.append,
    )
    assert optimal and bounds
    assert bounds == sorted(bounds, reverse=True)
    best = max([start.score(relaxation.prep), *scores])
    assert bounds[-1] >= best - 1e-6
    if reference.status == "OPTIMAL":
        assert best == reference.objective
        assert bounds[-1] == pytest.approx(reference.objective, abs=1e-4)


def test_the_exact_follow_up_reports_a_tighter_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    greedy = greedy_solution(problem, prep)
    bounds: list[int] = []
    for then in ("none", "exact"):
        relaxation = TimeIndexedBound(prep, possible_starts(prep))
        found: list[int] = []
        background = BackgroundBound(
            relaxation,
            greedy.objective,
            time.perf_counter() + 8.0,
            on_bound=found.append,
            then=then,
        )
        background.start()
        background.wait(time.perf_counter() + 12.0)
        background.stop()
        assert found == sorted(found, reverse=True)
        bounds.append(found[-1])
    lagrangian, exact = bounds
    assert exact < lagrangian, "HiGHS's cuts tighten the LP's bound"
    assert exact >= optimize(problem, time_limit=3.0).objective


def test_restricted_rounds_grow_to_the_whole_day_and_prove_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from salonkit.scheduling.day import restricted

    monkeypatch.setattr(restricted, "FIRST_COLUMNS", 1)  # start with MIN_PER_REQUEST each
    problem, relaxation, rc = _priced("example-small.json", 0.5)
    start = _start(problem, relaxation)
    bounds: list[float] = []
    mip = RestrictedMip(relaxation)
    placed, breaks = mip.improve(
        rc,
        (start.placed, start.breaks),
        time.perf_counter() + 30.0,
        lambda p, b: None,
        on_bound=bounds.append,
    )
    optimum = optimize(problem, time_limit=5.0)
    assert optimum.status == "OPTIMAL"
    assert mip.rounds >= 2, "k grew round after round"
    assert _valid_plan(problem, relaxation, placed, breaks) == optimum.objective
    assert bounds and bounds[-1] == pytest.approx(optimum.objective, abs=1e-4)


def test_the_exact_mip_gives_way_when_its_bound_stalls() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    relaxation = _relaxation(problem)
    start = _start(problem, relaxation)
    bounds: list[float] = []
    began = time.perf_counter()
    optimal = RestrictedMip(relaxation).exact(
        (start.placed, start.breaks),
        began + 60.0,
        lambda p, b: None,
        bounds.append,
        stall_s=0.5,
    )
    assert not optimal and bounds
    assert time.perf_counter() - began < 30.0, "stopped long before the deadline"


@pytest.mark.parametrize(
    "then", ["exact-then-restricted", "lp-staff-then-restricted", "staff-then-restricted"]
)
def test_a_tighter_bound_then_restricted_rounds_that_improve_plans(then: FollowUp) -> None:
    record = _FollowUpRun.run(then, 10.0)
    prep = record.relaxation.prep
    lagrangian = TimeIndexedBound(prep, possible_starts(prep)).subgradient(
        record.greedy, time.perf_counter() + 3.0
    )
    assert lagrangian is not None and record.bounds[-1] < lagrangian
    assert record.bounds[-1] >= max(record.scores, default=record.greedy)
    assert record.asked >= 2, "the restricted rounds ran after the bound"
    assert record.scores and max(record.scores) > record.greedy


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(busy_days(), st.floats(0.0, 200.0), st.integers(0, 1000))
def test_the_staff_decomposition_bounds_the_day_whatever_the_prices(
    problem: DayProblem, scale: float, seed: int
) -> None:
    relaxation = _relaxation(problem)
    start = _start(problem, relaxation)
    prices = _prices(relaxation, scale, seed)
    found = staff_decomposition(relaxation, prices, time.perf_counter() + 10.0)
    bounds: list[float] = []
    assert RestrictedMip(relaxation).exact(
        (start.placed, start.breaks), time.perf_counter() + 10.0, lambda p, b: None, bounds.append
    )
    assert found is not None
    assert found.bound >= bounds[-1] - 1e-6, "never below the optimum"
    rc = relaxation.reduced_costs(*prices)
    assert found.bound <= relaxation.lagrangian(*prices, rc) + 1e-6, "never above the Lagrangian"
    # the staff days take only columns worth more than their prices
    held = relaxation.reduced_costs(np.zeros_like(prices[0]), prices[1], prices[2])
    assert (held[found.columns] > 0).all()


def _generated_day(staff: int, requests: int) -> DayProblem:
    """A day of the scheduler benchmark's generator (``benchmarks/day_instances.py``)."""
    path = Path(__file__).resolve().parents[4] / "benchmarks" / "day_instances.py"
    spec = importlib.util.spec_from_file_location("day_instances", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return problem_from_dict(module.generate(staff, requests, seed=0))


def test_at_the_lp_prices_the_staff_decomposition_beats_the_lp() -> None:
    problem = _generated_day(12, 150)  # gen-12x150-s0 of the benchmark
    relaxation = _relaxation(problem)
    prices = RestrictedMip(relaxation).lp_prices(time.perf_counter() + 60.0)
    assert prices is not None
    lp = relaxation.lagrangian(*prices, relaxation.reduced_costs(*prices))
    found = staff_decomposition(relaxation, prices, time.perf_counter() + 60.0, 30.0)
    assert found is not None
    assert found.bound < lp - 100, "whole staff days cut off the LP's fractional ones"
    assert found.bound >= optimize(problem, time_limit=3.0).objective
    # the staff days are whole days: a restricted MIP over them alone places most requests
    plan, optimal = RestrictedMip(relaxation).solve(found.columns, None, 10.0)
    assert plan is not None and optimal
    _valid_plan(problem, relaxation, *plan)
    assert len(plan[0]) > len(relaxation.requests) / 2


def test_the_lp_prices_are_optimal_duals() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    relaxation = _relaxation(problem)
    prices = RestrictedMip(relaxation).lp_prices(time.perf_counter() + 30.0)
    assert prices is not None and all((p >= 0).all() for p in prices)
    at_lp = relaxation.lagrangian(*prices, relaxation.reduced_costs(*prices))
    glop = time_indexed_bound(relaxation.prep, possible_starts(relaxation.prep), 30.0)
    assert glop is not None
    assert glop <= at_lp + 1e-6 < glop + 10 + 1e-3, "the LP's optimum, up to the score grid"


def test_the_bounds_give_up_at_their_deadline() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    relaxation = _relaxation(problem)
    assert RestrictedMip(relaxation).lp_prices(time.perf_counter()) is None
    prices = _prices(relaxation, 10.0, 0)
    assert staff_decomposition(relaxation, prices, time.perf_counter() - 1.0) is None


@pytest.mark.parametrize(
    ("use_lns", "pairs", "time_limit", "then"),
    [
        (False, 300, 10.0, "exact"),
        (False, 800, 10.0, "none"),
        (True, 500, 10.0, "exact-then-restricted"),
        (True, 800, 60.0, "lp-staff-then-restricted"),
        (True, 800, 10.0, "staff-then-restricted"),
        (True, 1500, 60.0, "staff-then-restricted"),
        (True, 2500, 60.0, "none"),
    ],
)
def test_what_follows_the_bound_depends_on_the_size_of_the_day_and_the_time(
    use_lns: bool, pairs: int, time_limit: float, then: str
) -> None:
    assert solver._follow_up(use_lns, pairs, time_limit) == then


def test_a_day_with_nothing_to_place_is_solved_empty() -> None:
    cut = {
        "id": "cut",
        "skill": "cut",
        "steps": [{"name": "cut", "duration_min": 30, "staff": True, "resources": ["chair"]}],
    }
    problem = problem_from_dict(
        {
            "name": "too-early",
            "granularity_min": 5,
            "open": "09:00",
            "close": "15:00",
            "resources": [{"id": "chair", "capacity": 1}],
            "staff": [
                {"id": "s1", "skills": ["cut"], "shifts": [{"start": "10:00", "end": "13:00"}]}
            ],
            "services": [cut],
            "requests": [
                {
                    "id": "r1",
                    "customer": "c1",
                    "service": "cut",
                    "earliest": "09:00",
                    "latest_end": "09:40",
                    "priority": 1,
                }
            ],
        }
    )
    relaxation = _relaxation(problem)
    mip = RestrictedMip(relaxation)
    zero = _prices(relaxation, 0.0, 0)
    found = staff_decomposition(relaxation, zero, time.perf_counter() + 5.0)
    assert found is not None and found.bound == 0.0 and not len(found.columns)
    assert relaxation.priced_plan(relaxation.reduced_costs(*zero), zero[0]) == ({}, {})
    assert relaxation.subgradient(0.0, time.perf_counter() + 5.0) == 0
    bounds: list[float] = []
    assert mip.exact(({}, {}), time.perf_counter() + 5.0, lambda p, b: None, bounds.append)
    assert bounds == [0.0]
