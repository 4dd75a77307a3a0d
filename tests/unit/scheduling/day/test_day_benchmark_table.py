"""The scheduler benchmark's table against a reference run (``benchmarks/scheduler.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[4] / "benchmarks" / "scheduler.py"


@pytest.fixture(scope="module")
def scheduler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scheduler_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(name: str, score: int, bound: int) -> dict[str, Any]:
    return {
        "name": name,
        "staff": 4,
        "requests": 30,
        "greedy": 1000,
        "score": score,
        "bound": bound,
        "gap": (bound - score) / bound,
        "time": 10.0,
        "build": 0.01,
        "ratio": score / 1000,
        "valid": True,
        "load": 1.0,
    }


def _cells(text: str, name: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.startswith(f"| {name} |"))
    return [c.strip() for c in line.strip("|").split("|")]


def test_the_reference_column_and_the_count_of_days_that_reach_99_percent(
    scheduler: ModuleType,
) -> None:
    rows = [
        _row("small", 2450, 2450),  # proven optimal, not in the reference
        _row("mid", 1485, 1600),  # 99.0 % of 1,500
        _row("large", 1470, 1600),  # 98.0 % of 1,500
        _row("other", 1470, 1600),  # neither optimal nor in the reference
    ]
    text = scheduler.table(rows, {"mid": 1500, "large": 1500})
    assert _cells(text, "small")[-1] == "optimal"
    assert _cells(text, "mid")[-1] == "99.0%"
    assert _cells(text, "large")[-1] == "98.0%"
    assert _cells(text, "other")[-1] == "not run"
    assert "At least 99% of the reference: 2/3 (1 not compared)." in text


def test_without_a_reference_there_is_no_column_and_no_count(scheduler: ModuleType) -> None:
    text = scheduler.table([_row("small", 2450, 2450)])
    assert "vs ref" not in text
    assert "of the reference" not in text
    assert _cells(text, "small")[-1] == "1.0"  # the load column is the last one
