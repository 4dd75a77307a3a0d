"""The independent checker rejects every kind of broken rule, one test per rule."""

from __future__ import annotations

from typing import Any

import attrs

from salonkit.scheduling.day import (
    Assignment,
    BreakPlacement,
    DayProblem,
    DaySolution,
    check_solution,
    problem_from_dict,
)


def _day() -> DayProblem:
    doc: dict[str, Any] = {
        "name": "checker",
        "granularity_min": 5,
        "open": "09:00",
        "close": "12:00",
        "resources": [{"id": "chair", "capacity": 2}, {"id": "basin", "capacity": 1}],
        "staff": [
            {
                "id": "A",
                "skills": ["cut", "colour"],
                "shifts": [{"start": "09:00", "end": "12:00"}],
                "breaks": [{"earliest": "10:00", "latest_end": "11:00", "duration_min": 30}],
            },
            {"id": "B", "skills": ["cut"], "shifts": [{"start": "08:00", "end": "11:00"}]},
        ],
        "services": [
            {
                "id": "cut",
                "skill": "cut",
                "steps": [
                    {"name": "wash", "duration_min": 10, "staff": True, "resources": ["basin"]},
                    {"name": "cut", "duration_min": 20, "staff": True, "resources": ["chair"]},
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
                "steps": [{"name": "style", "duration_min": 30, "resources": ["chair"]}],
            },
        ],
        "requests": [
            {"id": "r1", "customer": "c1", "service": "cut", "earliest": "09:00",
             "latest_end": "10:00", "preferred_staff": ["A"], "priority": 1},
            {"id": "r2", "customer": "c2", "service": "colour", "earliest": "09:00",
             "latest_end": "12:00", "priority": 3},
            {"id": "r3", "customer": "c3", "service": "cut", "earliest": "09:00",
             "latest_end": "12:00", "priority": 2, "pinned": {"staff": "B", "start": "10:15"}},
            {"id": "r4", "customer": "c4", "service": "cut", "earliest": "08:00",
             "latest_end": "12:00", "priority": 1},
            {"id": "r5", "customer": "c1", "service": "cut", "earliest": "09:00",
             "latest_end": "12:00", "priority": 1},
            {"id": "r6", "customer": "c6", "service": "blowdry", "earliest": "09:00",
             "latest_end": "12:00", "priority": 1},
        ],
    }  # fmt: skip
    return problem_from_dict(doc)


def _hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _valid() -> DaySolution:
    return DaySolution(
        assignments=[
            Assignment("r1", "B", _hm("09:00")),
            Assignment("r2", "A", _hm("09:00")),
            Assignment("r3", "B", _hm("10:15")),
        ],
        breaks=[BreakPlacement("A", _hm("10:00"))],
        unscheduled=["r4", "r5", "r6"],
        objective=700,
        bound=None,
        status="FEASIBLE",
    )


def _with(request: str, staff: str, start: str, objective: int) -> DaySolution:
    """The valid plan with one more request placed (and the objective kept consistent)."""
    base = _valid()
    return attrs.evolve(
        base,
        assignments=(*base.assignments, Assignment(request, staff, _hm(start))),
        unscheduled=tuple(r for r in base.unscheduled if r != request),
        objective=objective,
    )


def _codes(solution: DaySolution) -> frozenset[str]:
    return check_solution(_day(), solution).codes


def test_the_reference_plan_is_valid_and_scored_by_the_format() -> None:
    report = check_solution(_day(), _valid())
    assert report.valid, report.violations
    assert report.score == 100 + 400 + 200


def test_preferred_staff_earns_ten_points() -> None:
    base = _valid()
    moved = attrs.evolve(
        base,
        assignments=(
            Assignment("r1", "A", _hm("09:20")),
            *base.assignments[1:],
        ),
        objective=710,
    )
    report = check_solution(_day(), moved)
    assert report.score == 710


def test_unknown_request() -> None:
    base = _valid()
    bad = attrs.evolve(base, assignments=(*base.assignments, Assignment("zz", "A", _hm("11:00"))))
    assert "unknown_request" in _codes(bad)


def test_request_listed_twice() -> None:
    bad = attrs.evolve(_valid(), unscheduled=("r1", "r4", "r5", "r6"))
    assert _codes(bad) == {"duplicate_request"}


def test_unknown_staff() -> None:
    assert "unknown_staff" in _codes(_with("r6", "Z", "10:30", 800))


def test_missing_skill() -> None:
    assert _codes(_with("r6", "A", "10:30", 800)) == {"skill"}


def test_staff_step_outside_shift() -> None:
    assert _codes(_with("r4", "B", "10:45", 800)) == {"outside_shift"}


def test_staff_double_booked() -> None:
    assert _codes(_with("r4", "B", "10:00", 800)) == {"staff_overlap"}


def test_service_during_a_break() -> None:
    assert _codes(_with("r4", "A", "10:25", 800)) == {"staff_overlap"}


def test_break_outside_its_window() -> None:
    bad = attrs.evolve(_valid(), breaks=(BreakPlacement("A", _hm("11:00")),))
    assert _codes(bad) == {"break_window"}


def test_one_break_entry_per_break() -> None:
    missing = attrs.evolve(_valid(), breaks=())
    assert _codes(missing) == {"break_count"}
    extra = attrs.evolve(_valid(), breaks=(*_valid().breaks, BreakPlacement("B", _hm("10:00"))))
    assert "break_count" in _codes(extra)


def test_resource_over_capacity() -> None:
    assert _codes(_with("r4", "B", "09:45", 800)) == {"resource_capacity"}


def test_customer_in_two_places() -> None:
    assert _codes(_with("r5", "A", "09:20", 800)) == {"customer_overlap"}


def test_request_outside_its_window() -> None:
    base = _valid()
    bad = attrs.evolve(
        base, assignments=(Assignment("r1", "B", _hm("09:35")), *base.assignments[1:])
    )
    assert _codes(bad) == {"time_window"}


def test_outside_opening_hours() -> None:
    assert _codes(_with("r4", "B", "08:30", 800)) == {"opening_hours"}


def test_pinned_booking_moved_or_dropped() -> None:
    base = _valid()
    moved = attrs.evolve(
        base, assignments=(*base.assignments[:2], Assignment("r3", "B", _hm("10:20")))
    )
    assert _codes(moved) == {"pinned"}
    dropped = attrs.evolve(
        base, assignments=base.assignments[:2], unscheduled=("r3", "r4", "r5", "r6"), objective=500
    )
    assert _codes(dropped) == {"pinned"}


def test_objective_must_be_the_score() -> None:
    assert _codes(attrs.evolve(_valid(), objective=701)) == {"objective_mismatch"}


def test_bound_below_the_score() -> None:
    assert _codes(attrs.evolve(_valid(), bound=600)) == {"bound_below_objective"}


def test_optimal_only_when_objective_meets_bound() -> None:
    assert _codes(attrs.evolve(_valid(), bound=800, status="OPTIMAL")) == {"status"}
    assert check_solution(_day(), attrs.evolve(_valid(), bound=700, status="OPTIMAL")).valid


def test_violation_carries_a_message() -> None:
    report = check_solution(_day(), _with("r4", "B", "09:45", 800))
    (violation,) = report.violations
    assert "basin" in violation.message
    assert violation.subject == "basin"
