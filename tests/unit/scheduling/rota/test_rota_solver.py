"""The optimiser against brute force, and its warm start, progress, determinism, explanations."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salonkit.errors import ValidationError
from salonkit.scheduling.rota import (
    Contract,
    CoverRequirement,
    Employee,
    HourlyCover,
    Progress,
    RotaInfeasible,
    RotaProblem,
    ShiftRequest,
    ShiftType,
    check_employee,
    check_roster,
    load_instance,
    solve_rota,
)
from salonkit.scheduling.rota import solver as rota_solver
from salonkit.scheduling.rota.parts import WorkingRoster

from .rota_helpers import INSTANCES, one


@st.composite
def tiny_rotas(draw: st.DrawFn) -> RotaProblem:
    """Rotas small enough to enumerate every roster."""
    n_shifts = draw(st.integers(1, 2))
    n_staff = draw(st.integers(1, 2))
    horizon = draw(st.integers(3, 6 if n_staff * n_shifts == 1 else 4))
    ids = ["E", "L"][:n_shifts]
    shifts = [ShiftType("E", draw(st.sampled_from([240, 480])))]
    if n_shifts == 2:
        blocked = draw(st.booleans())
        shifts.append(ShiftType("L", 480, forbidden_next={"E"} if blocked else set()))
    staff = []
    for name in ["A", "B"][:n_staff]:
        max_minutes = draw(st.integers(0, horizon * 480))
        max_cons = draw(st.integers(1, horizon))
        contract = Contract(
            max_shifts={s: draw(st.integers(0, horizon)) for s in ids},
            max_minutes=max_minutes,
            min_minutes=draw(st.integers(0, max_minutes)) if draw(st.booleans()) else 0,
            max_consecutive=max_cons,
            min_consecutive=draw(st.integers(1, max_cons)),
            min_days_off=draw(st.integers(1, 3)),
            max_weekends=draw(st.integers(0, 1)),
        )
        days_off = draw(st.sets(st.integers(0, horizon - 1), max_size=1))
        staff.append(Employee(name, contract, days_off=days_off))
    requests = draw(
        st.lists(
            st.builds(
                ShiftRequest,
                st.sampled_from([e.id for e in staff]),
                st.integers(0, horizon - 1),
                st.sampled_from(ids),
                st.integers(0, 5),
                st.sampled_from(["on", "off"]),
            ),
            max_size=5,
        )
    )
    cover = [
        CoverRequirement(d, s, draw(st.integers(0, n_staff)), draw(st.integers(0, 9)), 1)
        for d in range(horizon)
        for s in ids
        if draw(st.booleans())
    ]
    return RotaProblem(horizon, shifts, staff, requests=requests, cover=cover)


def valid_rows(problem: RotaProblem, employee: Employee) -> list[tuple[str, ...]]:
    """Every row of ``employee`` that meets their rules."""
    choices = ["", *problem.shift_ids]
    return [
        r
        for r in itertools.product(choices, repeat=problem.horizon)
        if not check_employee(problem, employee, r)
    ]


def brute_force(problem: RotaProblem) -> int | None:
    """The best objective over every valid roster, or None when there is none."""
    rows = []
    for e in problem.employees:
        valid = valid_rows(problem, e)
        if not valid:
            return None
        rows.append(valid)
    best = None
    for combo in itertools.product(*rows):
        roster = {e.id: row for e, row in zip(problem.employees, combo, strict=True)}
        value = check_roster(problem, roster).objective
        best = value if best is None else min(best, value)
    return best


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_rotas())
def test_optimum_matches_brute_force_and_passes_the_checker(problem: RotaProblem) -> None:
    expected = brute_force(problem)
    if expected is None:
        with pytest.raises(RotaInfeasible):
            solve_rota(problem, time_limit=5, workers=1, explain=False)
        return
    solution = solve_rota(problem, time_limit=5, workers=1)
    report = check_roster(problem, solution.roster)
    assert report.valid, report.violations
    assert solution.objective == report.objective == expected
    assert solution.status == "OPTIMAL"


def test_instance1_optimal_with_progress_and_explanations() -> None:
    problem = load_instance(INSTANCES / "Instance1.txt")
    events: list[Progress] = []
    solution = solve_rota(problem, time_limit=20, workers=2, seed=1, progress=events.append)
    assert solution.objective == solution.bound == 607
    assert solution.status == "OPTIMAL" and solution.gap == 0.0
    assert check_roster(problem, solution.roster).valid
    assert events and events[-1].objective == 607
    assert [e.objective for e in events] == sorted((e.objective for e in events), reverse=True)
    # the explained penalties add up to the objective
    assert sum(e.penalty for e in solution.explanations) == 607
    under = [e for e in solution.explanations if e.kind == "under_cover"]
    assert under and all(e.reasons for e in under)
    assert all("would break" in r or "would not lower" in r for e in under for r in e.reasons)


def test_hint_is_used_as_a_warm_start() -> None:
    problem = load_instance(INSTANCES / "Instance2.txt")
    first = solve_rota(problem, time_limit=4, workers=1, seed=0, explain=False, lns=False)
    events: list[Progress] = []
    again = solve_rota(
        problem, time_limit=2, workers=1, seed=0, hint=first, explain=False, progress=events.append
    )
    assert events[0].objective <= first.objective
    assert again.objective <= first.objective
    assert check_roster(problem, again.roster).valid


def test_deterministic_mode_repeats_itself() -> None:
    problem = load_instance(INSTANCES / "Instance1.txt")
    runs = [
        solve_rota(problem, time_limit=2, workers=1, seed=5, deterministic=True, explain=False)
        for _ in range(2)
    ]
    assert runs[0].roster == runs[1].roster
    assert runs[0].objective == runs[1].objective


def test_impossible_rota_raises() -> None:
    problem = one(3, min_minutes=3 * 480, days_off={1})
    with pytest.raises(RotaInfeasible):
        solve_rota(problem, time_limit=5, workers=1)


@pytest.mark.parametrize(
    ("kw", "field"), [({"time_limit": 0}, "time_limit"), ({"workers": 0}, "workers")]
)
def test_bad_parameters(kw: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        solve_rota(one(2), **kw)  # type: ignore[arg-type]
    assert info.value.field == field


def test_row_by_row_construction_is_valid() -> None:
    from salonkit.scheduling.rota.construct import construct_roster
    from salonkit.scheduling.rota.model import NoValidRow

    problem = load_instance(INSTANCES / "Instance2.txt")
    roster = construct_roster(problem, time_limit=10, seed=0)
    assert roster is not None
    assert check_roster(problem, roster).valid
    # a row that cannot meet its contract stops the construction, naming the employee
    impossible = one(3, min_minutes=3 * 480, days_off={1})
    with pytest.raises(NoValidRow, match=f"no row of employee {impossible.employees[0].id} "):
        construct_roster(impossible, time_limit=5)


def test_cover_part_takes_the_days_around_a_short_shift_and_who_may_work_it() -> None:
    early, late = ShiftType("E", 480), ShiftType("L", 480)
    staff = [Employee(f"S{i}", Contract.unlimited(["E"], max_minutes=10_000)) for i in range(4)]
    staff += [Employee(f"T{i}", Contract.unlimited(["L"], max_minutes=10_000)) for i in range(3)]
    problem = RotaProblem(
        21,
        [early, late],
        staff,
        cover=[CoverRequirement(d, s, 1) for d in range(21) for s in ("E", "L")],
    )
    roster = {e.id: ["E" if e.id == "S0" else "L" if e.id == "T0" else ""] * 21 for e in staff}
    roster["T0"][15] = ""  # only (15, L) is short
    work = WorkingRoster(problem, roster)
    assert rota_solver._short_cover(work) == [(15, frozenset({"L"}), None)]
    everyone = list(range(len(staff)))
    for seed in range(20):
        part = rota_solver._choose("cover", 5, work, random.Random(seed), 6_000, everyone)
        assert part is not None
        assert (part.first, part.stop) == (13, 18)
        assert {staff[ei].id for ei in part.employees} == {"T0", "T1", "T2"}
    # short cover nobody available may give: a block of days like any other
    part = rota_solver._choose("cover", 5, work, random.Random(0), 6_000, [0, 1, 2, 3])
    assert part is not None and part.stop - part.first == 5
    assert not {staff[ei].id for ei in part.employees} & {"T0", "T1", "T2"}
    # nothing short: a block of days like any other
    roster["T0"][15] = "L"
    work.reset(roster)
    assert rota_solver._short_cover(work) == []
    part = rota_solver._choose("cover", 5, work, random.Random(0), 6_000, everyone)
    assert part is not None and part.stop - part.first == 5


def test_cover_part_for_an_hour_short_of_a_skill() -> None:
    """Hourly cover: the part holds only employees with the skill whose shifts cover the hour
    (a night shift of the day before counts for an hour after midnight)."""
    early, night = ShiftType("E", 480, start=8 * 60), ShiftType("N", 600, start=20 * 60)
    staff = [
        Employee("A", Contract.unlimited(["E"], max_minutes=20_000), skills={"colour"}),
        Employee("B", Contract.unlimited(["N"], max_minutes=20_000), skills={"colour"}),
        Employee("C", Contract.unlimited(["N"], max_minutes=20_000), skills={"cut"}),
        Employee("D", Contract.unlimited(["E", "N"], max_minutes=20_000), skills={"colour"}),
    ]
    problem = RotaProblem(
        14,
        [early, night],
        staff,
        hourly_cover=[HourlyCover(9, 3, 1, "colour"), HourlyCover(9, 10, 1, "cut", 0)],
    )
    work = WorkingRoster(problem, {})
    # 03:00 on day 9 needs a colourist on a night shift; the cut hour costs nothing short
    assert rota_solver._short_cover(work) == [(9, frozenset({"N"}), "colour")]
    for seed in range(10):
        part = rota_solver._choose("cover", 4, work, random.Random(seed), 6_000, [0, 1, 2, 3])
        assert part is not None and (part.first, part.stop) == (7, 11)
        assert {staff[ei].id for ei in part.employees} == {"B", "D"}
