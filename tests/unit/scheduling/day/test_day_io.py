"""The JSON exchange format: every example loads, round trips, and bad input names the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from salonkit.errors import ValidationError
from salonkit.scheduling.day import (
    greedy_solution,
    load_problem,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
)

INSTANCES = Path(__file__).resolve().parents[4] / "benchmarks" / "instances"
EXAMPLES = sorted(INSTANCES.glob("*.json"))


def _small() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INSTANCES / "example-small.json").read_text())
    return data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_load_and_round_trip(path: Path) -> None:
    problem = load_problem(path)
    assert problem.name == path.stem
    assert problem_from_dict(problem_to_dict(problem)) == problem
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(problem)))) == problem


def test_three_examples_ship_with_the_benchmarks() -> None:
    assert [p.stem for p in EXAMPLES] == ["example-large", "example-medium", "example-small"]


def test_times_are_minutes_since_midnight() -> None:
    problem = load_problem(_small())
    assert (problem.open, problem.close) == (9 * 60, 21 * 60)
    first = problem.requests[0]
    assert (first.earliest, first.latest_end) == (12 * 60 + 20, 17 * 60 + 45)


def test_solution_round_trip() -> None:
    problem = load_problem(_small())
    solution = greedy_solution(problem)
    doc = json.loads(json.dumps(solution_to_dict(solution)))
    assert doc["assignments"][0]["start"].count(":") == 1
    back = solution_from_dict(doc)
    assert back.assignments == solution.assignments
    assert back.breaks == solution.breaks
    assert back.unscheduled == solution.unscheduled
    assert (back.objective, back.bound, back.status) == (solution.objective, None, "FEASIBLE")


def test_pinned_and_optional_fields() -> None:
    doc = _small()
    doc["requests"][0]["pinned"] = {"staff": "s4", "start": "12:30"}
    del doc["requests"][1]["preferred_staff"]
    del doc["staff"][0]["breaks"]
    problem = problem_from_dict(doc)
    pin = problem.requests[0].pinned
    assert pin is not None and (pin.staff, pin.start) == ("s4", 12 * 60 + 30)
    assert problem.requests[1].preferred_staff == ()
    assert problem.staff[0].breaks == ()
    assert problem_from_dict(problem_to_dict(problem)) == problem


def _set(doc: dict[str, Any], path: list[Any], value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    if value is _DELETE:
        del doc[path[-1]]
    else:
        doc[path[-1]] = value


_DELETE = object()

BAD = [
    (["requests", 0, "service"], "wash", "requests[0].service"),
    (["requests", 2, "priority"], 4, "requests[2].priority"),
    (["requests", 2, "priority"], 0, "requests[2].priority"),
    (["requests", 1, "id"], "r1", "requests"),
    (["staff", 1, "id"], "s1", "staff"),
    (["services", 1, "id"], "cut", "services"),
    (["resources", 1, "id"], "chair", "resources"),
    (["services", 0, "steps", 0, "resources"], ["sink"], "services[0].steps[0].resources"),
    (["services", 0, "steps", 1, "duration_min"], 33, "services[0].steps[1].duration_min"),
    (["staff", 0, "breaks", 0, "duration_min"], 32, "staff[0].breaks[0].duration_min"),
    (["requests", 0, "preferred_staff"], ["nobody"], "requests[0].preferred_staff"),
    (["requests", 0, "pinned"], {"staff": "nobody", "start": "12:30"}, "requests[0].pinned.staff"),
    (["requests", 0, "earliest"], "25:00", "requests[0].earliest"),
    (["requests", 0, "earliest"], "noon", "requests[0].earliest"),
    (["requests", 0, "customer"], _DELETE, "requests[0].customer"),
    (["staff", 0, "shifts"], [], "staff[0].shifts"),
    (["staff", 0, "shifts", 0, "end"], "11:00", "staff[0].shifts[0].end"),
    (["staff", 0, "breaks", 0, "latest_end"], "15:10", "staff[0].breaks[0].latest_end"),
    (["resources", 0, "capacity"], -1, "resources[0].capacity"),
    (["services", 0, "steps"], [], "services[0].steps"),
    (["close"], "08:00", "close"),
    (["granularity_min"], 0, "granularity_min"),
]


@pytest.mark.parametrize(("path", "value", "field"), BAD, ids=[b[2] + "=" + str(b[1]) for b in BAD])
def test_bad_instances_raise_validation_error_naming_the_field(
    path: list[Any], value: Any, field: str
) -> None:
    doc = copy.deepcopy(_small())
    _set(doc, path, value)
    with pytest.raises(ValidationError) as caught:
        problem_from_dict(doc)
    assert caught.value.field == field


def test_a_skill_nobody_has_is_accepted() -> None:
    # The small example asks for "treatment", which no staff member of that day offers.
    problem = load_problem(_small())
    assert not any("treatment" in s.skills for s in problem.staff)
    plan = greedy_solution(problem)
    treatments = {r.id for r in problem.requests if r.service == "treatment"}
    assert treatments <= set(plan.unscheduled)


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text("{not json")
    with pytest.raises(ValidationError):
        load_problem(path)
