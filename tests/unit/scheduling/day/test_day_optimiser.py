"""The optimiser and the greedy baseline: always valid, pins kept, proven optima."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.scheduling import optimize as optimize_from_scheduling
from salonkit.scheduling.day import (
    DayProblem,
    InfeasibleDay,
    Pin,
    Progress,
    check_solution,
    greedy_solution,
    lns,
    load_problem,
    optimize,
    problem_from_dict,
    solution_from_dict,
    solution_to_dict,
    solver,
)
from salonkit.scheduling.day.prepare import possible_starts, prepare
from salonkit.scheduling.day.relaxation import time_indexed_bound

INSTANCES = Path(__file__).resolve().parents[4] / "benchmarks" / "instances"

SERVICES: list[dict[str, Any]] = [
    {
        "id": "cut",
        "skill": "cut",
        "steps": [
            {"name": "wash", "duration_min": 10, "staff": True, "resources": ["basin"]},
            {"name": "cut", "duration_min": 30, "staff": True, "resources": ["chair"]},
        ],
    },
    {
        "id": "colour",
        "skill": "colour",
        "steps": [
            {"name": "apply", "duration_min": 20, "staff": True, "resources": ["chair"]},
            {"name": "process", "duration_min": 30, "staff": False, "resources": ["chair"]},
            {"name": "rinse", "duration_min": 10, "staff": True, "resources": ["basin"]},
        ],
    },
    {
        "id": "blowdry",
        "skill": "styling",
        "steps": [{"name": "style", "duration_min": 30, "staff": True, "resources": ["chair"]}],
    },
]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def days(draw: st.DrawFn) -> DayProblem:
    """Small random salon days: 1-3 staff, 2-9 requests, shared chairs and one basin."""
    n_staff = draw(st.integers(1, 3))
    staff = []
    for i in range(n_staff):
        start = draw(st.sampled_from([9, 10, 11])) * 60
        end = start + draw(st.sampled_from([4, 5, 6])) * 60
        skills = draw(st.sets(st.sampled_from(["colour", "styling"]), max_size=2)) | {"cut"}
        breaks = []
        if draw(st.booleans()):
            b = start + 120
            breaks.append({"earliest": _hhmm(b), "latest_end": _hhmm(b + 90), "duration_min": 30})
        staff.append(
            {
                "id": f"s{i + 1}",
                "skills": sorted(skills),
                "shifts": [{"start": _hhmm(start), "end": _hhmm(end)}],
                "breaks": breaks,
            }
        )
    requests = []
    for i in range(draw(st.integers(2, 9))):
        earliest = draw(st.integers(9 * 12, 16 * 12)) * 5
        slack = draw(st.sampled_from([0, 15, 30, 60, 120]))
        service = draw(st.sampled_from(["cut", "cut", "colour", "blowdry"]))
        length = {"cut": 40, "colour": 60, "blowdry": 30}[service]
        requests.append(
            {
                "id": f"r{i + 1}",
                "customer": f"c{draw(st.integers(1, 4))}",
                "service": service,
                "earliest": _hhmm(earliest),
                "latest_end": _hhmm(min(earliest + length + slack, 18 * 60)),
                "preferred_staff": draw(st.sampled_from([[], ["s1"]])),
                "priority": draw(st.integers(1, 3)),
            }
        )
    return problem_from_dict(
        {
            "name": "random",
            "granularity_min": 5,
            "open": "09:00",
            "close": "18:00",
            "resources": [
                {"id": "chair", "capacity": draw(st.integers(1, 2))},
                {"id": "basin", "capacity": 1},
            ],
            "staff": staff,
            "services": SERVICES,
            "requests": requests,
        }
    )


@settings(max_examples=40, deadline=None)
@given(days())
def test_greedy_plans_are_always_valid(problem: DayProblem) -> None:
    plan = greedy_solution(problem)
    assert check_solution(problem, plan).valid


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_optimised_plans_are_always_valid_and_never_worse_than_greedy(
    problem: DayProblem,
) -> None:
    plan = optimize(problem, time_limit=1.0)
    report = check_solution(problem, plan)
    assert report.valid, report.violations
    assert plan.objective >= greedy_solution(problem).objective
    assert plan.bound is not None and plan.bound >= plan.objective


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days(), st.data())
def test_pinned_requests_never_move(problem: DayProblem, data: st.DataObject) -> None:
    placed = greedy_solution(problem).assignments
    pins = data.draw(st.lists(st.sampled_from(placed), unique=True)) if placed else []
    pinned = {a.request: a for a in pins}
    requests = [
        attrs.evolve(r, pinned=Pin(pinned[r.id].staff, pinned[r.id].start)) if r.id in pinned else r
        for r in problem.requests
    ]
    problem = attrs.evolve(problem, requests=requests)
    plan = optimize(problem, time_limit=1.0)
    assert check_solution(problem, plan).valid
    kept = {a.request: a for a in plan.assignments}
    for rid, a in pinned.items():
        assert kept[rid] == a


def _hand_made() -> DayProblem:
    cut = {"id": "cut", "skill": "cut", "steps": [{"name": "cut", "duration_min": 30}]}
    return problem_from_dict(
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


def test_proven_optimum_of_a_hand_made_day() -> None:
    # One stylist, one hour, three 30-minute cuts: only two fit. The best pair is the
    # priority-3 request (400) and the priority-2 request served by its preferred stylist
    # (200 + 10): 610, and the optimiser must prove it.
    plan = optimize(_hand_made(), time_limit=2.0)
    assert plan.objective == 610
    assert plan.bound == 610
    assert plan.status == "OPTIMAL"
    assert plan.unscheduled == ("low",)


def test_the_small_example_is_solved_to_optimality() -> None:
    problem = load_problem(INSTANCES / "example-small.json")
    plan = optimize(problem, time_limit=5.0)
    assert check_solution(problem, plan).valid
    assert plan.status == "OPTIMAL"
    assert plan.objective == plan.bound
    assert plan.objective > greedy_solution(problem).objective


def test_progress_is_reported_and_scheduling_exports_optimize() -> None:
    events: list[Progress] = []
    problem = load_problem(INSTANCES / "example-small.json")
    plan = optimize_from_scheduling(problem, time_limit=2.0, progress=events.append)
    assert events
    assert events[-1].objective == plan.objective
    assert all(e.bound >= e.objective for e in events)


@pytest.mark.parametrize("path", ["cp-sat", "cp-sat+lns", "cp-sat-then-lns"], ids=lambda path: path)
def test_deterministic_mode_gives_the_same_plan_twice(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the neighbourhood search normally starts on larger days only
    if path == "cp-sat+lns":
        monkeypatch.setattr(solver, "LNS_PAIRS", 0)
    elif path == "cp-sat-then-lns":
        monkeypatch.setattr(solver, "POLISH_PAIRS", 0)
    problem = load_problem(INSTANCES / "example-small.json")
    runs = [
        solution_to_dict(optimize(problem, time_limit=1.0, seed=3, deterministic=True))
        for _ in range(2)
    ]
    for run in runs:
        run.pop("wall_s")
    assert runs[0] == runs[1]
    assert check_solution(problem, solution_from_dict(runs[0])).valid


def test_mid_sized_days_go_on_from_cp_sat_s_plan_with_the_neighbourhood_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    monkeypatch.setattr(solver, "LNS_PAIRS", 10**9)  # CP-SAT alone on the whole model first
    monkeypatch.setattr(solver, "POLISH_PAIRS", 0)
    searches: list[tuple[int, int, float]] = []
    original = lns.search

    def search(prep: Any, options: Any, plan: Any, **kwargs: Any) -> lns.Plan:
        started = time.perf_counter()
        found = original(prep, options, plan, **kwargs)
        searches.append((plan.score(prep), found.score(prep), kwargs["deadline"] - started))
        return found

    monkeypatch.setattr(lns, "search", search)
    started = time.perf_counter()
    result = optimize(problem, time_limit=4.0, workers=2, seed=1)
    assert len(searches) == 1
    start_score, found_score, left_s = searches[0]
    assert start_score >= greedy_solution(problem).objective
    assert found_score >= start_score
    assert result.objective >= found_score
    assert 1.0 < left_s < 3.0  # CP-SAT kept about half of the 4 s
    assert time.perf_counter() - started < 5.0
    assert check_solution(problem, result).valid


def test_the_best_plan_is_proven_once_it_reaches_the_bound() -> None:
    best = solver._Best(None, time.perf_counter())
    assert not best.proven()
    best.offer(objective=900)
    assert not best.proven()
    best.offer(bound=1000)
    assert not best.proven()
    best.offer(objective=1000)
    assert best.proven()


def test_the_bound_s_process_is_stopped_when_the_day_is_infeasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(solver, "LP_MIN_PAIRS", 0)  # the bound's process runs on this small day
    stopped: list[bool] = []
    original = solver.BackgroundBound.stop

    def stop(self: solver.BackgroundBound) -> None:
        original(self)
        stopped.append(not self._process.is_alive() if self._process is not None else True)

    monkeypatch.setattr(solver.BackgroundBound, "stop", stop)
    problem = _hand_made()
    both = [
        attrs.evolve(r, pinned=Pin("s1", 9 * 60)) if r.id in ("low", "top") else r
        for r in problem.requests
    ]
    with pytest.raises(InfeasibleDay):
        optimize(attrs.evolve(problem, requests=both), time_limit=5.0, workers=2)
    assert stopped and all(stopped)


def test_greedy_books_in_priority_then_arrival_order() -> None:
    plan = greedy_solution(_hand_made())
    assert [a.request for a in plan.assignments] == ["top", "mid"]
    assert plan.objective == 610
    assert plan.bound is None


def test_conflicting_pins_are_refused() -> None:
    problem = _hand_made()
    both = [
        attrs.evolve(r, pinned=Pin("s1", 9 * 60)) if r.id in ("low", "top") else r
        for r in problem.requests
    ]
    with pytest.raises(InfeasibleDay):
        optimize(attrs.evolve(problem, requests=both), time_limit=1.0)
    outside = [
        attrs.evolve(r, pinned=Pin("s1", 11 * 60)) if r.id == "low" else r for r in problem.requests
    ]
    with pytest.raises(InfeasibleDay) as caught:
        optimize(attrs.evolve(problem, requests=outside), time_limit=1.0)
    assert caught.value.field == "requests[0].pinned"


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_plans_improved_by_the_neighbourhood_search_are_valid(problem: DayProblem) -> None:
    with mock.patch.object(solver, "LNS_PAIRS", 0):
        plan = optimize(problem, time_limit=1.0, workers=2)
        single = optimize(problem, time_limit=1.0, workers=1)
    for result in (plan, single):
        assert check_solution(problem, result).valid
        assert result.objective >= greedy_solution(problem).objective


def test_the_neighbourhood_search_improves_a_medium_day() -> None:
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    start = greedy_solution(problem, prep)
    index = {pr.request.id: pr.index for pr in prep.requests}
    plan = lns.Plan(
        {index[a.request]: (a.staff, a.start // prep.unit) for a in start.assignments},
        {
            s.id: [b.start // prep.unit for b in start.breaks if b.staff == s.id]
            for s in problem.staff
        },
    )
    better = lns.search(
        prep, possible_starts(prep), plan, seed=1, deadline=0.0, max_moves=12, deterministic=True
    )
    assert better.score(prep) > plan.score(prep)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_the_time_indexed_bound_is_never_below_a_valid_plan(problem: DayProblem) -> None:
    prep = prepare(problem)
    bound = time_indexed_bound(prep, possible_starts(prep), time_limit=5.0)
    assert bound is not None
    assert bound >= greedy_solution(problem, prep).objective
    best = optimize(problem, time_limit=1.0)
    assert bound >= best.objective


def test_the_time_indexed_bound_of_the_hand_made_day_is_its_optimum() -> None:
    prep = prepare(_hand_made())
    assert time_indexed_bound(prep, possible_starts(prep), time_limit=5.0) == 610
