"""``salonkit solve`` and ``salonkit check`` on the small example."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salonkit import cli

SMALL = Path(__file__).resolve().parents[4] / "benchmarks" / "instances" / "example-small.json"


@pytest.fixture(autouse=True)
def _only_the_solver_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    # The commands under test, without importing the other sub-commands' modules.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("salonkit.cli.solve",))


def test_solve_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["solve", str(SMALL), "--time-limit", "2", "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    plan = json.loads(out)
    assert plan["status"] in ("OPTIMAL", "FEASIBLE")
    assert "score" in err and "example-small" in err
    path = tmp_path / "plan.json"
    path.write_text(out)
    assert cli.main(["check", str(SMALL), str(path)]) == 0
    checked, _ = capsys.readouterr()
    assert checked.splitlines()[0] == f"score {plan['objective']}"
    assert checked.splitlines()[-1] == "valid"


def test_greedy_flag_and_an_invalid_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["solve", str(SMALL), "--greedy"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["bound"] is None
    plan["objective"] += 10
    plan["breaks"] = plan["breaks"][1:]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(plan))
    assert cli.main(["check", str(SMALL), str(path)]) == 1
    out = capsys.readouterr().out
    assert "objective_mismatch:" in out
    assert "break_count:" in out
    assert out.splitlines()[-1] == "invalid: 2 violations"


def test_a_bad_instance_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = json.loads(SMALL.read_text())
    doc["requests"][0]["priority"] = 7
    path = tmp_path / "day.json"
    path.write_text(json.dumps(doc))
    assert cli.main(["solve", str(path)]) == 1
    assert "requests[0].priority" in capsys.readouterr().err


def test_deterministic_solve_repeats_itself(capsys: pytest.CaptureFixture[str]) -> None:
    plans = []
    for _ in range(2):
        args = ["solve", str(SMALL), "--time-limit", "1", "--seed", "5", "--deterministic"]
        assert cli.main(args) == 0
        plan = json.loads(capsys.readouterr().out)
        plan.pop("wall_s")
        plans.append(plan)
    assert plans[0] == plans[1]
