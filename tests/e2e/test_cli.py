"""The command line as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import salonkit
from salonkit.cli import main

pytestmark = pytest.mark.e2e


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert salonkit.__version__ in capsys.readouterr().out
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_demo_seeds_a_salon_into_sqlite(tmp_path: Path) -> None:
    db = tmp_path / "demo" / "salon.db"
    result = subprocess.run(
        [sys.executable, "-m", "salonkit.cli", "demo", "--db", str(db), "--date", "2026-11-23"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "5 staff, 6 services" in result.stdout
    assert "Lin Mei" in result.stdout
    assert db.exists()
    assert "takings:" in result.stdout and "running late" in result.stdout
    assert "loyalty: cust-01 upgraded from silver to gold" in result.stdout
    assert (db.parent / "day-board.html").exists() and (db.parent / "takings.csv").exists()
    assert "day" in result.stderr  # the progress indicator
    with salonkit.Salon.open(str(db), load_entrypoints=False) as salon:
        assert len(salon.customers.list()) == 12
        assert salon.stores.get("flagship").currency == "CNY"
    # running it again starts from a fresh file rather than failing on existing records
    again = subprocess.run(
        [sys.executable, "-m", "salonkit.cli", "demo", "--db", str(db), "--date", "2026-11-23"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout == result.stdout
