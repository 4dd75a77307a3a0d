"""``salonkit roster`` and ``salonkit roster-check`` on Instance1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salonkit.cli import main

from .rota_helpers import INSTANCES

INSTANCE1 = str(INSTANCES / "Instance1.txt")


def test_roster_then_roster_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the run stops once optimality is proven (seconds); the limit only matters under load
    assert main(["roster", INSTANCE1, "--time-limit", "40", "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["instance"] == "Instance1"
    assert data["objective"] == 607
    assert data["status"] == "OPTIMAL"
    assert set(data["roster"]) == set("ABCDEFGH")
    assert all(len(row) == 14 for row in data["roster"].values())
    assert "Instance1: OPTIMAL objective 607" in err
    path = tmp_path / "solution.json"
    path.write_text(out)
    assert main(["roster-check", INSTANCE1, str(path)]) == 0
    out, _ = capsys.readouterr()
    assert out.splitlines()[0].startswith("objective 607")
    assert out.splitlines()[-1] == "valid"


def test_roster_check_lists_violations_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = {e: ["D"] * 14 for e in "ABCDEFGH"}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"instance": "Instance1", "roster": roster, "objective": 0}))
    assert main(["roster-check", INSTANCE1, str(path)]) == 1
    out, _ = capsys.readouterr()
    assert "max_consecutive: A: works 14 days in a row" in out
    assert "day_off: A: works on day off 0" in out
    assert "note: the file claims objective 0" in out
    assert out.splitlines()[-1].startswith("invalid:")


def test_unreadable_instance_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("SECTION_HORIZON\nx\n")
    assert main(["roster", str(bad), "--time-limit", "1"]) == 1
    assert "SECTION_SHIFTS: missing section" in capsys.readouterr().err
