"""Parts of a roster solved on their own: exact score changes, valid answers, never worse."""

from __future__ import annotations

import copy
import functools
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.scheduling.rota import (
    OFF,
    Contract,
    Employee,
    HourlyCover,
    RotaProblem,
    ShiftType,
    check_roster,
    load_instance,
    solve_rota,
)
from salonkit.scheduling.rota import solver as rota_solver
from salonkit.scheduling.rota.construct import construct_roster
from salonkit.scheduling.rota.parts import (
    Part,
    WorkingRoster,
    part_problem,
    propose_part,
    solve_part,
)

from .rota_helpers import INSTANCES
from .test_rota_solver import tiny_rotas

DATA = Path(__file__).parent / "data"


def hourly_rota() -> RotaProblem:
    """Two skills, a shift crossing midnight, hourly cover per skill."""
    shifts = [ShiftType("E", 480, start=8 * 60), ShiftType("N", 600, start=20 * 60)]
    contract = Contract.unlimited(["E", "N"], max_minutes=5 * 600)
    staff = [
        Employee("A", contract, skills={"colour"}),
        Employee("B", contract, skills={"cut"}),
        Employee("C", contract, skills={"colour", "cut"}),
    ]
    cover = [
        HourlyCover(day, hour, 1, skill, under_weight=7, over_weight=2)
        for day in range(4)
        for hour in (9, 14, 21, 3)
        for skill in ("colour", "cut")
    ]
    return RotaProblem(4, shifts, staff, hourly_cover=cover)


@st.composite
def rosters_and_changes(draw: st.DrawFn) -> tuple[RotaProblem, dict, list[int], int, list]:
    problem = draw(st.one_of(tiny_rotas(), st.just(hourly_rota())))
    choices = [OFF, *problem.shift_ids]
    h = problem.horizon
    roster = {
        e.id: tuple(draw(st.lists(st.sampled_from(choices), min_size=h, max_size=h)))
        for e in problem.employees
    }
    n = len(problem.employees)
    employees = sorted(draw(st.sets(st.integers(0, n - 1), min_size=1)))
    lo = draw(st.integers(0, h - 1))
    length = draw(st.integers(1, h - lo))
    rows = [
        draw(st.lists(st.sampled_from(choices), min_size=length, max_size=length))
        for _ in employees
    ]
    return problem, roster, employees, lo, rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters_and_changes())
def test_change_equals_the_checkers_difference(case: tuple) -> None:
    problem, roster, employees, lo, rows = case
    work = WorkingRoster(problem, roster)
    before = check_roster(problem, roster).objective
    change = work.change(employees, lo, rows)
    for ei, row in zip(employees, rows, strict=True):
        work.set_days(ei, lo, row)
    after = check_roster(problem, work.roster()).objective
    assert change == after - before
    # the counts kept as rows change equal counts made afresh
    assert +work.counts == +WorkingRoster(problem, work.roster()).counts


def test_parts_never_worsen_and_stay_valid() -> None:
    problem = load_instance(INSTANCES / "Instance5.txt")
    roster = construct_roster(problem, time_limit=20, seed=0)
    assert roster is not None
    work = WorkingRoster(problem, roster)
    objective = check_roster(problem, roster).objective
    rng = random.Random(3)
    n, h = len(problem.employees), problem.horizon
    gained = 0
    for step in range(30):
        if step % 2:
            part = Part(tuple(sorted(rng.sample(range(n), 3))), 0, h)
        else:
            first = rng.randrange(0, h - 4)
            part = Part(tuple(range(n)), first, first + 4)
        result, _ = solve_part(work, part, time_limit=2.0, seed=step)
        assert result.change <= 0 or not result.kept
        if result.kept:
            objective += result.change
            gained -= result.change
        report = check_roster(problem, work.roster())
        assert report.valid, report.violations[:3]
        assert report.objective == objective
    assert gained > 0  # a constructed roster always has room to improve here


def test_a_part_answers_rows_no_worse_than_its_own_even_unproven() -> None:
    """A part's search is hinted with every variable of the current rows, so a step that ends
    before any proof still answers with rows at least as good (with a hint of the shifts
    alone, Instance8's parts of 14 days came back hundreds worse)."""
    problem = load_instance(INSTANCES / "Instance8.txt")
    start = solve_rota(problem, time_limit=4, workers=1, deterministic=True, explain=False)
    work = WorkingRoster(problem, start.roster)
    rng = random.Random(0)
    everyone = tuple(range(len(problem.employees)))
    unproven = 0
    for step in range(6):
        first = rng.randrange(0, problem.horizon - 14)
        proposal = propose_part(
            work, Part(everyone, first, first + 14), 0.3, seed=step, deterministic=True
        )
        assert proposal.rows is not None
        unproven += proposal.status == "FEASIBLE"
        assert copy.deepcopy(work).apply(proposal).change <= 0
    assert unproven  # steps that ended before a proof


def test_part_problem_counts_what_lies_outside() -> None:
    problem = load_instance(INSTANCES / "Instance5.txt")
    roster = construct_roster(problem, time_limit=20, seed=0)
    assert roster is not None
    work = WorkingRoster(problem, roster)
    part = Part((0, 1), 10, 12)
    sub, lo, hi = part_problem(work, part)
    # the margin is wider than any run rule and cut to whole weeks
    assert lo % 7 == 0 and (hi % 7 == 0 or hi == problem.horizon)
    assert lo <= 10 - work.margin and hi >= 12 + work.margin
    assert sub.horizon == hi - lo
    e = problem.employees[0]
    outside = [s for d, s in enumerate(work.rows[0]) if s != OFF and not lo <= d < hi]
    minutes = sum(problem.shift(s).minutes for s in outside)
    assert sub.employees[0].contract.max_minutes == e.contract.max_minutes - minutes
    # the current rows are valid in the part's problem
    part_roster = {sub.employees[i].id: work.rows[ei][lo:hi] for i, ei in enumerate(part.employees)}
    assert check_roster(sub, part_roster).valid


def test_large_rotas_are_solved_in_parts_without_the_whole_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = load_instance(INSTANCES / "Instance4.txt")
    monkeypatch.setattr(rota_solver, "WHOLE_MODEL_LIMIT", 10)

    def no_whole_model(*_args: object) -> None:
        raise AssertionError("the whole model was built")

    monkeypatch.setattr(rota_solver, "build_model", no_whole_model)
    events: list[rota_solver.Progress] = []
    solution = solve_rota(problem, time_limit=8, workers=2, seed=0, progress=events.append)
    report = check_roster(problem, solution.roster)
    assert report.valid
    assert solution.objective == report.objective
    assert events[0].phase == "construct"
    assert events[-1].objective == solution.objective < events[0].objective
    assert solution.bound == 0 and solution.status == "FEASIBLE"


def test_rows_solved_for_validity_first_still_give_a_valid_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from salonkit.scheduling.rota import construct

    problem = load_instance(INSTANCES / "Instance2.txt")
    monkeypatch.setattr(construct, "FEASIBILITY_FIRST", 0)
    roster, spent = construct.construct_timed(problem, time_limit=20, share=2)
    assert roster is not None
    assert check_roster(problem, roster).valid
    assert 0 < spent < 20


@functools.cache
def _instance1_start() -> tuple[RotaProblem, dict]:
    problem = load_instance(INSTANCES / "Instance1.txt")
    roster = construct_roster(problem, time_limit=10, seed=0)
    assert roster is not None
    return problem, roster


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sets(st.integers(0, 13), min_size=1),
    st.sets(st.integers(0, 7), min_size=1),
    st.integers(0, 3),
)
def test_a_part_over_some_days_keeps_the_others(
    days: set[int], employees: set[int], seed: int
) -> None:
    problem, roster = _instance1_start()
    work = WorkingRoster(problem, roster)
    part = Part(tuple(sorted(employees)), min(days), max(days) + 1, frozenset(days))
    assert part.free() == days
    assert Part((0,), 2, 5).free() == {2, 3, 4}
    assert Part((0,), 2, 5, frozenset({0, 3, 9})).free() == {3}
    assert isinstance(Part((0,), 2, 5, {3}).days, frozenset)  # hashable, like the part
    proposal = propose_part(work, part, 2.0, seed=seed, deterministic=True)
    assert proposal.rows is not None
    for ei, row in zip(part.employees, proposal.rows, strict=True):
        for offset, shift in enumerate(row):
            day = proposal.lo + offset
            if day not in days:
                assert shift == work.rows[ei][day], (ei, day)
    result = work.apply(proposal)
    assert result.change <= 0 or not result.kept
    report = check_roster(problem, work.roster())
    assert report.valid, report.violations[:3]


def test_a_part_over_the_weekends_trades_weekends() -> None:
    """A roster of Instance8 one early shift short beyond the nights no roster can cover, in
    which every employee works as many weekends as allowed (the search of the LP's neighbourhood ended
    there): the part over the days around the four weekends re-plans them together and proves
    a roster at least one shift of cover better."""
    problem = load_instance(INSTANCES / "Instance8.txt")
    roster = json.loads((DATA / "instance8_weekend_locked.json").read_text())
    work = WorkingRoster(problem, roster)
    assert check_roster(problem, roster).objective == 1399
    everyone = tuple(range(len(problem.employees)))
    for e, row in zip(problem.employees, work.rows, strict=True):
        worked = [w for w in problem.weekends() if any(row[d] != OFF for d in w)]
        assert len(worked) == e.contract.max_weekends  # every weekend limit is reached
    days = frozenset(
        d for weekend in problem.weekends() for d in range(weekend[0] - 1, weekend[-1] + 2)
    ).intersection(range(problem.horizon))
    part = Part(everyone, min(days), max(days) + 1, days)
    proposal = propose_part(work, part, 5.0, deterministic=True)
    assert proposal.status == "OPTIMAL"
    result = work.apply(proposal)
    assert result.kept and result.change <= -80  # an under-cover weighs 100
    assert check_roster(problem, work.roster()).objective == 1399 + result.change


def test_weekend_parts_take_the_days_around_a_run_of_weekends() -> None:
    problem = load_instance(INSTANCES / "Instance8.txt")
    work = WorkingRoster(problem)
    rng = random.Random(0)
    everyone = list(range(len(problem.employees)))
    weekends = problem.weekends()
    seen_reach = set()
    for size in (1, 2, 4, 9):
        for _ in range(10):
            part = rota_solver._choose("weekends", size, work, rng, 6_000, everyone)
            assert part is not None and part.days is not None
            assert part.employees == tuple(everyone)  # all 30 fit in the budget
            assert part.free() == part.days
            runs = [w for w in weekends if set(w) <= part.days]
            assert len(runs) == min(size, len(weekends))
            starts = [weekends.index(w) for w in runs]
            assert starts == list(range(starts[0], starts[0] + len(runs)))  # in a row
            reaches = [
                (before, after)
                for before, after in rota_solver.WEEKEND_REACH
                if part.days
                == {
                    d
                    for w in runs
                    for d in range(w[0] - before, w[-1] + after + 1)
                    if d < problem.horizon
                }
            ]
            assert reaches  # one of the reaches, around each weekend of the run
            seen_reach.update(reaches)
    assert len(seen_reach) >= 2
    # a budget for fewer employees: as many as fit, none twice
    small = rota_solver._choose("weekends", 4, work, rng, 600, everyone)
    assert small is not None and 2 <= len(small.employees) < len(everyone)
    # a horizon without a weekend: a part over a span of days instead
    short = attrs.evolve(
        problem,
        horizon=5,
        employees=[attrs.evolve(e, days_off=frozenset()) for e in problem.employees],
        requests=[],
        cover=[c for c in problem.cover if c.day < 5],
    )
    part = rota_solver._choose("weekends", 4, WorkingRoster(short), rng, 6_000, everyone)
    assert part is not None and part.days is None
    assert part.employees == tuple(everyone) and part.stop - part.first == 4


def test_parts_of_every_employee_wait_for_them_and_get_every_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In the search with two parts at once, parts over days and weekends are drawn from every
    employee: they never run beside a part holding one of theirs, and a part holding everyone
    runs alone with both workers and the longer step. Every kind still gets its turns."""
    problem = load_instance(INSTANCES / "Instance5.txt")
    roster = construct_roster(problem, time_limit=10, seed=0)
    assert roster is not None
    work = WorkingRoster(problem, roster)
    n_staff = len(problem.employees)
    lock = threading.Lock()
    running: list[Part] = []
    calls: list[tuple[Part, float, int, int]] = []  # part, limit, workers, parts beside it
    real = rota_solver.propose_part

    def spy(work: WorkingRoster, part: Part, limit: float, workers: int, seed: int) -> Any:
        with lock:
            held = {ei for other in running for ei in other.employees}
            assert not held.intersection(part.employees)
            calls.append((part, limit, workers, len(running)))
            running.append(part)
        try:
            return real(work, part, min(limit, 0.2), workers, seed)
        finally:
            with lock:
                running.remove(part)

    drawn: list[str] = []
    real_choose = rota_solver._choose

    def spy_choose(kind: str, *args: Any) -> Part | None:
        part = real_choose(kind, *args)
        if part is not None:
            drawn.append(kind)
        return part

    monkeypatch.setattr(rota_solver, "propose_part", spy)
    monkeypatch.setattr(rota_solver, "_choose", spy_choose)
    run = rota_solver._Run(time.perf_counter(), 6.0, 2, 0, False, None)
    objective = check_roster(problem, roster).objective
    found, _ = rota_solver._lns(None, work, objective, 0, run, 0.0)
    assert check_roster(problem, work.roster()).objective == found <= objective
    assert len(calls) >= 6
    whole = [c for c in calls if len(c[0].employees) == n_staff]
    assert whole and any(c[0].days is not None for c in whole)
    for _, limit, workers, beside in whole:
        assert workers == 2 and beside == 0
        assert limit <= rota_solver.WHOLE_STAFF_STEP_LIMIT
    assert any(c[1] == rota_solver.WHOLE_STAFF_STEP_LIMIT for c in whole)
    for part, limit, workers, _ in calls:
        if len(part.employees) < n_staff:
            assert workers == 1 and limit <= rota_solver.STEP_LIMIT
    # every kind keeps its turn: a kind that finds too few free employees is drawn again
    kinds = rota_solver.KINDS
    assert drawn == [kinds[(1 + i) % len(kinds)] for i in range(len(drawn))]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_part_of_every_employee_is_searched_as_the_whole_model(
    monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    from salonkit.scheduling.rota import parts

    problem, roster = _instance1_start()
    work = WorkingRoster(problem, roster)
    seen: list[bool] = []
    real = parts.solver_parameters

    def spy(*args: Any, whole: bool = False) -> None:
        seen.append(whole)
        real(*args, whole=whole)

    monkeypatch.setattr(parts, "solver_parameters", spy)
    everyone = tuple(range(len(problem.employees)))
    propose_part(work, Part(everyone, 3, 9), 1.0, workers, deterministic=True)
    assert seen[-1] is True
    propose_part(work, Part(everyone[:-1], 3, 9), 1.0, workers, deterministic=True)
    assert seen[-1] is False
