"""Several neighbourhood searches sharing one incumbent plan."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from salonkit.scheduling.day import DayProblem, check_solution, greedy_solution, lns, load_problem
from salonkit.scheduling.day.prepare import Prepared, possible_starts, prepare
from salonkit.scheduling.day.solver import _plan_of, _solution_of

INSTANCES = Path(__file__).resolve().parents[4] / "benchmarks" / "instances"


def _medium() -> tuple[DayProblem, Prepared, lns.Plan]:
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    return problem, prep, _plan_of(prep, greedy_solution(problem, prep))


def _moved(plan: lns.Plan, request: int, where: tuple[str, int] | None) -> lns.Plan:
    out = plan.copy()
    if where is None:
        out.placed.pop(request, None)
    else:
        out.placed[request] = where
    return out


def test_a_move_on_a_plan_changed_meanwhile_is_merged_when_it_touches_other_requests() -> None:
    _, prep, base = _medium()
    checked: list[lns.Plan] = []

    def valid(plan: lns.Plan) -> bool:
        checked.append(plan)
        return True

    shared = lns.Incumbent(prep, base, valid)
    first, second = sorted(base.placed)[:2]
    a = _moved(base, first, (base.placed[first][0], base.placed[first][1] + 1))
    b = _moved(base, second, (base.placed[second][0], base.placed[second][1] + 1))
    assert shared.offer(base, 0, a)  # nothing changed meanwhile: taken as it is, unchecked
    assert checked == [] and shared.plan is a and shared.version == 1
    assert shared.offer(base, 0, b)  # solved on version 0, merged into version 1
    assert shared.plan.placed[first] == a.placed[first]
    assert shared.plan.placed[second] == b.placed[second]
    assert checked == [shared.plan] and shared.merged == 1 and shared.version == 2


@pytest.mark.parametrize(
    ("same_request", "checker_says"),
    [(True, True), (False, False)],
    ids=["touches-what-changed", "checker-refuses"],
)
def test_a_move_on_a_changed_plan_is_refused(same_request: bool, checker_says: bool) -> None:
    """Refused when it re-plans a request the other change moved, or when the merged plan
    fails the checker."""
    _, prep, base = _medium()
    shared = lns.Incumbent(prep, base, lambda _: checker_says)
    first, second = sorted(base.placed)[:2]
    a = _moved(base, first, (base.placed[first][0], base.placed[first][1] + 1))
    other = first if same_request else second
    b = _moved(base, other, (base.placed[other][0], base.placed[other][1] + 2))
    assert shared.offer(base, 0, a)
    assert not shared.offer(base, 0, b)
    assert shared.plan is a and shared.refused == 1


def test_a_worse_plan_is_never_installed() -> None:
    _, prep, base = _medium()
    shared = lns.Incumbent(prep, base, lambda _: True)
    worse = _moved(base, sorted(base.placed)[0], None)
    assert not shared.offer(base, 0, worse)
    assert not shared.replace(worse)
    assert shared.plan is base and shared.version == 0


def test_concurrent_searches_on_one_incumbent_leave_a_valid_better_plan() -> None:
    problem, prep, start = _medium()
    options = possible_starts(prep)
    checks: list[bool] = []

    def valid(plan: lns.Plan) -> bool:
        ok = check_solution(problem, _solution_of(prep, plan)).valid
        checks.append(ok)
        return ok

    shared = lns.Incumbent(prep, start, valid)
    together = threading.Barrier(3)

    def run(seed: int) -> None:
        together.wait()
        lns.search(prep, options, shared, seed=seed, deadline=0.0, max_moves=15, deterministic=True)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = _solution_of(prep, shared.plan)
    assert check_solution(problem, final).valid
    assert shared.score > start.score(prep)
    assert shared.merged + shared.refused > 0  # the searches did overlap
    assert shared.merged == sum(checks)


def test_no_move_is_given_more_than_the_move_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each move's CP-SAT solve is capped at ``MOVE_S`` seconds of wall-clock time (less only
    near the deadline), and the plan it returns is valid."""
    problem, prep, base = _medium()
    limits: list[float] = []
    solve_move = lns.solve_move

    def recording(*args: object, **kwargs: object) -> tuple[lns.MoveResult, lns.Plan]:
        limits.append(float(kwargs["wall_limit"]))  # type: ignore[arg-type]
        assert kwargs["conflicts"] is None  # timed moves outside deterministic mode
        return solve_move(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lns, "solve_move", recording)
    monkeypatch.setattr(lns, "MOVE_S", 0.05)
    plan = lns.search(
        prep, possible_starts(prep), base, seed=1, deadline=float("inf"), max_moves=12
    )
    assert len(limits) == 12
    assert max(limits) == pytest.approx(0.05)
    assert check_solution(problem, _solution_of(prep, plan)).valid
    assert plan.score(prep) >= base.score(prep)
