"""The neighbourhoods the search draws: around an unscheduled request, around a scheduled one,
or at random."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from salonkit.scheduling.day import (
    DayProblem,
    greedy_solution,
    lns,
    load_problem,
    problem_from_dict,
)
from salonkit.scheduling.day.prepare import Prepared, Ranges, possible_starts, prepare
from salonkit.scheduling.day.solver import _plan_of

INSTANCES = Path(__file__).resolve().parents[4] / "benchmarks" / "instances"


def _three_stylists() -> DayProblem:
    """Three stylists who can all cut; Ann's customer prefers Cy."""
    cut = {"id": "cut", "skill": "cut", "steps": [{"name": "cut", "duration_min": 30}]}
    shift = [{"start": "09:00", "end": "17:00"}]
    return problem_from_dict(
        {
            "name": "three-stylists",
            "open": "09:00",
            "close": "17:00",
            "staff": [
                {"id": "al", "skills": ["cut"], "shifts": shift},
                {"id": "bo", "skills": ["cut"], "shifts": shift},
                {"id": "cy", "skills": ["cut"], "shifts": shift},
            ],
            "services": [cut],
            "requests": [
                {"id": "ann", "customer": "a", "service": "cut", "earliest": "12:00",
                 "latest_end": "13:00", "priority": 2, "preferred_staff": ["cy"]},
            ],
        }
    )  # fmt: skip


def _only_related_or_random(monkeypatch: pytest.MonkeyPatch, related: float) -> None:
    """No move aimed at an unscheduled request; ``related`` of them around a scheduled one."""
    monkeypatch.setattr(lns, "FOCUSED_SHARE", 0.0)
    monkeypatch.setattr(lns, "RELATED_SHARE", related)


def _ann_with_al() -> tuple[Prepared, dict[int, dict[str, Ranges]], lns.Plan]:
    """The three stylists' day with Ann's cut at noon, served by Al."""
    prep = prepare(_three_stylists())
    return prep, possible_starts(prep), lns.Plan({0: ("al", 12 * 60 // prep.unit)}, {})


def test_a_move_around_a_scheduled_request_frees_its_stylist_and_the_one_it_prefers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _only_related_or_random(monkeypatch, related=1.0)
    prep, options, plan = _ann_with_al()
    span = lns.WINDOW_MIN // prep.unit
    for seed in range(10):
        staff, window = lns._neighbourhood(prep, options, plan, random.Random(seed), 2, span)
        assert staff == ["cy", "al"]  # the preferred stylist first, then the one serving
        centre = (12 * 60 + 15) // prep.unit
        assert window == (centre - span // 2, centre + span // 2)

    improved = lns.search(
        prep, options, plan, seed=0, deadline=0.0, max_moves=1, deterministic=True
    )
    assert improved.placed[0][0] == "cy"
    assert improved.score(prep) == plan.score(prep) + 10


def test_without_a_preference_the_other_stylist_is_anyone_who_could_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _only_related_or_random(monkeypatch, related=1.0)
    problem = load_problem(INSTANCES / "example-medium.json")
    prep = prepare(problem)
    options = possible_starts(prep)
    plan = _plan_of(prep, greedy_solution(problem, prep))
    span = lns.WINDOW_MIN // prep.unit
    for seed in range(40):
        staff, window = lns._neighbourhood(prep, options, plan, random.Random(seed), 3, span)
        partner, serving = staff[:2]
        assert len(set(staff)) == 3
        # some movable request served by the second is one the first could serve too, and the
        # window is centred on it
        assert any(
            where[0] == serving
            and partner in options[i]
            and prep.requests[i].request.pinned is None
            and window[0] <= where[1] + prep.requests[i].length // 2 <= window[1]
            for i, where in plan.placed.items()
        )


def test_with_no_share_for_them_no_move_is_drawn_around_a_scheduled_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _only_related_or_random(monkeypatch, related=0.0)
    prep, options, plan = _ann_with_al()
    span = lns.WINDOW_MIN // prep.unit
    draws = [
        lns._neighbourhood(prep, options, plan, random.Random(seed), 1, span)[0]
        for seed in range(30)
    ]
    assert all(len(staff) == 1 for staff in draws)  # random moves start from one member
    assert {staff[0] for staff in draws} == {"al", "bo", "cy"}
