"""The Curtois & Qu reader on Instance1 (the project's own copy) and on broken text."""

from __future__ import annotations

import hashlib

import pytest

from salonkit.errors import ValidationError
from salonkit.scheduling.rota import (
    dump_solution,
    load_instance,
    load_solution,
    parse_instance,
    solution_from_dict,
    solution_to_dict,
)
from salonkit.scheduling.rota.model import Explanation, RotaSolution

from .rota_helpers import INSTANCES


def test_instance1_is_read_completely() -> None:
    p = load_instance(INSTANCES / "Instance1.txt")
    assert p.name == "Instance1"
    assert p.horizon == 14
    assert [(s.id, s.minutes, s.forbidden_next) for s in p.shifts] == [("D", 480, frozenset())]
    assert p.employee_ids == tuple("ABCDEFGH")
    a = p.employees[0]
    assert a.contract.max_shifts == {"D": 14}
    assert (a.contract.max_minutes, a.contract.min_minutes) == (4320, 3360)
    assert (a.contract.max_consecutive, a.contract.min_consecutive) == (5, 2)
    assert (a.contract.min_days_off, a.contract.max_weekends) == (2, 1)
    assert {e.id: sorted(e.days_off) for e in p.employees}["H"] == [7]
    assert len([r for r in p.requests if r.kind == "on"]) == 21
    assert len([r for r in p.requests if r.kind == "off"]) == 5
    assert (p.requests[0].employee, p.requests[0].day, p.requests[0].weight) == ("A", 2, 2)
    assert len(p.cover) == 14
    assert (p.cover[1].requirement, p.cover[1].under_weight, p.cover[1].over_weight) == (7, 100, 1)


def test_the_copied_instances_match_their_checksums() -> None:
    sums = (INSTANCES / "SHA256SUMS").read_text().split("\n")
    for line in filter(None, sums):
        digest, name = line.split()
        assert hashlib.sha256((INSTANCES / name.lstrip("*")).read_bytes()).hexdigest() == digest


def test_rotation_lists_are_read() -> None:
    p = load_instance(INSTANCES / "Instance3.txt")
    by_id = {s.id: s for s in p.shifts}
    assert any(s.forbidden_next for s in by_id.values())


GOOD = """SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=7|L=7,4000,0,5,1,1,1
"""


def test_minimal_text_without_optional_sections() -> None:
    p = parse_instance(GOOD)
    assert p.shift("L").forbidden_next == {"E"}
    assert not p.requests and not p.cover


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (GOOD.replace("7\n", "seven\n", 1), "SECTION_HORIZON line 2"),
        (GOOD.replace("SECTION_HORIZON", "SECTION_HORIZONS"), "line 1"),
        (GOOD.replace("A,E=7|L=7", "A,E7|L=7"), "SECTION_STAFF line 9"),
        (GOOD.replace(",4000,0,", ",4000,5000,"), "SECTION_STAFF line 9: contract.min_minutes"),
        (GOOD.replace("SECTION_STAFF\nA", "SECTION_STAFF\nA,1"), "SECTION_STAFF line 9"),
        (GOOD + "\nSECTION_COVER\n0,X,1,100,1\n", "rotaproblem.cover[0].shift"),
        (GOOD + "\nSECTION_DAYS_OFF\nZ,1\n", "SECTION_DAYS_OFF"),
        (GOOD + "\nSECTION_SHIFT_ON_REQUESTS\nA,1,E\n", "SECTION_SHIFT_ON_REQUESTS line 12"),
        ("7\n" + GOOD, "line 1"),
        (GOOD.split("SECTION_STAFF")[0], "SECTION_STAFF"),
    ],
)
def test_bad_text_names_the_section_and_line(text: str, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_instance(text)
    assert info.value.field == field


def test_solution_json_round_trip(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    s = RotaSolution(
        {"A": ["D", ""], "B": ["", "D"]},
        objective=12,
        bound=10,
        status="FEASIBLE",
        wall_s=1.5,
        instance="x",
        explanations=[Explanation("under_cover", 1, 100, "short", shift="D", reasons=["r"])],
    )
    path = tmp_path / "s.json"
    path.write_text(dump_solution(s))
    back = load_solution(path)
    assert back == s
    assert solution_from_dict(solution_to_dict(s, explanations=False)).explanations == ()
    assert s.gap == pytest.approx(2 / 12)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([], "solution"),
        ({"roster": []}, "solution.roster"),
        ({"roster": {"A": [1]}}, "solution.roster.A"),
        ({"roster": {}, "objective": "x"}, "solution.objective"),
        ({"roster": {}, "bound": 1.5}, "solution.bound"),
        ({"roster": {}, "status": "GREAT"}, "solution.status"),
        ({"roster": {}, "explanations": [{"kind": "x"}]}, "solution.explanations[0]"),
    ],
)
def test_bad_solution_json_names_the_field(data: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        solution_from_dict(data)
    assert info.value.field == field
