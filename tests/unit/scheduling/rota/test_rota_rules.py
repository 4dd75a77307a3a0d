"""Each hard rule and each soft penalty on small hand-made rotas with known optima.

Every case is checked twice: the checker flags a roster breaking the rule and scores a valid
one exactly, and the optimiser reaches the known optimum with a roster the checker accepts.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest

from salonkit.scheduling.rota import (
    CoverRequirement,
    Employee,
    HourlyCover,
    RotaProblem,
    ShiftType,
    check_roster,
    solve_rota,
)

from .rota_helpers import DAY, contract, off, on, one

EARLY = ShiftType("E", 480, start=9 * 60)
LATE = ShiftType("L", 480, start=12 * 60, forbidden_next={"E"})


@attrs.frozen
class Case:
    """A rota, its optimum, a roster breaking the rule, and the violation code expected."""

    name: str
    build: Callable[[], RotaProblem]
    optimum: int
    bad: dict[str, list[str]]
    code: str


CASES = [
    Case(
        "rotation",
        lambda: one(2, [on("A", 0, 10, "L"), on("A", 1, 7, "E")], shifts=(EARLY, LATE)),
        7,
        {"A": ["L", "E"]},
        "rotation",
    ),
    Case(
        "max_shifts",
        lambda: one(2, [on("A", 0, 5), on("A", 1, 6)], max_shifts={"D": 1}),
        5,
        {"A": ["D", "D"]},
        "max_shifts",
    ),
    Case(
        "max_minutes",
        lambda: one(3, [on("A", 0, 5), on("A", 1, 6), on("A", 2, 2)], max_minutes=960),
        2,
        {"A": ["D", "D", "D"]},
        "max_minutes",
    ),
    Case(
        "min_minutes",
        lambda: one(3, [off("A", 0, 1), off("A", 1, 2), off("A", 2, 3)], min_minutes=960),
        3,
        {"A": ["", "", "D"]},
        "min_minutes",
    ),
    Case(
        "max_consecutive",
        lambda: one(3, [on("A", 0, 5), on("A", 1, 1), on("A", 2, 5)], max_consecutive=2),
        1,
        {"A": ["D", "D", "D"]},
        "max_consecutive",
    ),
    Case(
        "min_consecutive",
        lambda: one(5, [on("A", 2, 10), off("A", 1, 3), off("A", 3, 4)], min_consecutive=2),
        3,
        {"A": ["", "", "D", "", ""]},
        "min_consecutive",
    ),
    Case(
        "min_days_off",
        lambda: one(5, [off("A", 2, 10)] + [on("A", d, 4) for d in (0, 1, 3, 4)], min_days_off=2),
        4,
        {"A": ["D", "D", "", "D", "D"]},
        "min_days_off",
    ),
    Case(
        "max_weekends",
        lambda: one(14, [on("A", 5, 3), on("A", 12, 4)], max_weekends=1),
        3,
        {"A": ["", "", "", "", "", "D", "", "", "", "", "", "", "D", ""]},
        "max_weekends",
    ),
    Case(
        "day_off",
        lambda: one(2, [on("A", 0, 7), on("A", 1, 2)], days_off={0}),
        7,
        {"A": ["D", "D"]},
        "day_off",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_checker_flags_the_rule(case: Case) -> None:
    report = check_roster(case.build(), case.bad)
    assert case.code in {v.code for v in report.violations}
    assert not report.valid


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_solver_reaches_the_known_optimum(case: Case) -> None:
    problem = case.build()
    solution = solve_rota(problem, time_limit=10, workers=1, seed=0)
    report = check_roster(problem, solution.roster)
    assert report.valid, report.violations
    assert solution.objective == report.objective == case.optimum
    assert solution.status == "OPTIMAL"
    assert solution.bound == case.optimum


def test_runs_touching_the_horizon_edges_are_exempt_from_minimums() -> None:
    p = one(5, min_consecutive=3, min_days_off=3)
    assert check_roster(p, {"A": ["D", "", "", "", "D"]}).valid
    assert check_roster(p, {"A": ["", "D", "D", "D", ""]}).valid
    report = check_roster(p, {"A": ["", "D", "", "", ""]})
    assert {v.code for v in report.violations} == {"min_consecutive"}
    report = check_roster(p, {"A": ["D", "D", "", "D", "D"]})
    assert {v.code for v in report.violations} == {"min_days_off"}


def test_a_saturday_alone_makes_a_weekend() -> None:
    p = one(7, max_weekends=0)
    assert not check_roster(p, {"A": ["", "", "", "", "", "D", ""]}).valid
    assert not check_roster(p, {"A": ["", "", "", "", "", "", "D"]}).valid
    assert check_roster(p, {"A": ["D", "D", "D", "D", "D", "", ""]}).valid


def test_roster_shape_errors_are_reported() -> None:
    p = one(3)
    codes = {v.code for v in check_roster(p, {"A": ["D"], "Z": ["", "", ""]}).violations}
    assert codes == {"row_length", "unknown_employee"}
    assert "missing_employee" in {v.code for v in check_roster(p, {}).violations}
    assert "unknown_shift" in {v.code for v in check_roster(p, {"A": ["X", "", ""]}).violations}


def _three(requirement: int, available: int) -> RotaProblem:
    staff = [
        Employee(n, contract(), days_off={0} if i >= available else set())
        for i, n in enumerate("ABC")
    ]
    return RotaProblem(
        1,
        [DAY],
        staff,
        requests=[on(n, 0, 4) for n in "ABC"],
        cover=[CoverRequirement(0, "D", requirement, under_weight=100, over_weight=10)],
    )


@pytest.mark.parametrize(
    ("requirement", "available", "optimum", "roster"),
    [
        # two wanted, three ask: one request refused (4) beats one too many (10)
        (2, 3, 4, {"A": ["D"], "B": ["D"], "C": [""]}),
        # one wanted, three ask: two refusals (8) beat two too many (20)
        (1, 3, 8, {"A": ["D"], "B": [""], "C": [""]}),
        # three wanted, one may work: two short (200) and two refused requests (8)
        (3, 1, 208, {"A": ["D"], "B": [""], "C": [""]}),
    ],
)
def test_cover_and_request_penalties(
    requirement: int, available: int, optimum: int, roster: dict[str, list[str]]
) -> None:
    problem = _three(requirement, available)
    assert check_roster(problem, roster).objective == optimum
    solution = solve_rota(problem, time_limit=10, workers=1)
    assert solution.objective == check_roster(problem, solution.roster).objective == optimum


def test_off_request_granted_against_the_wish_costs_its_weight() -> None:
    p = one(2, [off("A", 0, 9)], min_minutes=480)
    assert check_roster(p, {"A": ["D", ""]}).objective == 9
    assert check_roster(p, {"A": ["", "D"]}).objective == 0
    assert solve_rota(p, time_limit=5, workers=1).objective == 0


def test_hourly_cover_counts_whole_hours_and_skills() -> None:
    staff = [
        Employee("A", contract(["E", "L"]), skills={"cut"}),
        Employee("B", contract(["E", "L"]), days_off={0}, skills={"colour"}),
    ]
    p = RotaProblem(
        1,
        [EARLY, LATE],
        staff,
        hourly_cover=[
            HourlyCover(0, 9, 1, skill="cut", under_weight=30),
            HourlyCover(0, 18, 1, skill="cut", under_weight=50),
            HourlyCover(0, 19, 1, skill="colour", under_weight=7),
        ],
    )
    # early 09:00-17:00 covers 9 not 18; late 12:00-20:00 covers 18 and 19 but not 9
    assert check_roster(p, {"A": ["E"], "B": [""]}).hourly_penalty == 57
    assert check_roster(p, {"A": ["L"], "B": [""]}).hourly_penalty == 37
    solution = solve_rota(p, time_limit=5, workers=1)
    assert solution.roster["A"] == ("L",)
    assert solution.objective == 37
    kinds = {e.kind for e in solution.explanations}
    assert kinds == {"hourly_under"}


def test_night_shift_covers_the_next_morning() -> None:
    night = ShiftType("N", 600, start=22 * 60)
    p = RotaProblem(
        2,
        [night],
        [Employee("A", contract(["N"]))],
        hourly_cover=[HourlyCover(1, 3, 1, under_weight=10), HourlyCover(1, 23, 1)],
    )
    assert check_roster(p, {"A": ["N", ""]}).hourly_penalty == 100
    assert check_roster(p, {"A": ["", "N"]}).hourly_penalty == 10
    assert check_roster(p, {"A": ["N", "N"]}).hourly_penalty == 0
