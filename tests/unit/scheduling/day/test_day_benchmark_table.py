"""The scheduler benchmark's tables (``benchmarks/scheduler.py``): against a reference run, and
the score over time."""

from __future__ import annotations

import importlib.util
import statistics
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


def test_score_at_is_the_best_score_found_by_then(scheduler: ModuleType) -> None:
    trace = [(0.5, 100, 300), (1.0, 180, 290), (2.0, 150, 280), (4.0, 200, 250)]
    assert scheduler.score_at(trace, 0.4) is None  # no plan yet
    assert scheduler.score_at(trace, 0.5) == 100
    assert scheduler.score_at(trace, 3.0) == 180  # the best so far, not the newest
    assert scheduler.score_at(trace, 10.0) == 200


def test_the_timeline_gives_the_median_score_at_each_checkpoint_and_its_share(
    scheduler: ModuleType,
) -> None:
    row = _row("day", 2000, 2100)
    row["traces"] = [
        [(0.5, 1000, 2500), (4.0, 1800, 2200), (9.9, 2000, 2100)],
        [(1.5, 1200, 2500), (2.0, 1600, 2200), (10.2, 2000, 2100)],
        [(0.9, 1100, 2500), (6.0, 1900, 2200), (10.3, 2000, 2100)],
    ]
    late = _row("late", 2000, 2100)
    late["traces"] = [[(1.5, 1500, 2500), (10.4, 2000, None)]]  # ends a little after 10 s
    empty = _row("empty", 0, 10)
    empty["traces"] = [[(0.1, 0, 0)]]
    untraced = _row("untraced", 2000, 2100)  # rows saved before traces were recorded
    text = scheduler.timeline([row, late, empty, untraced], 10.0)
    assert text.splitlines()[0] == "| instance | at 1 s | at 2.5 s | at 5 s | at 10 s |"
    # at 1 s the second run has no plan yet: no median is given
    assert _cells(text, "day") == ["day", "none", "1100 (55.0%)", "1600 (80.0%)", "2000 (100.0%)"]
    # the last column is the plan returned, even when the run ended after the time limit
    assert _cells(text, "late")[1:] == ["none", "1500 (75.0%)", "1500 (75.0%)", "2000 (100.0%)"]
    assert _cells(text, "empty")[1:] == ["0", "0", "0", "0"]  # no share of a score of 0
    assert _cells(text, "untraced")[1:] == ["none"] * 4


def test_a_run_records_the_score_over_time_of_every_run(scheduler: ModuleType) -> None:
    doc = scheduler.instances(["example-small"], 0)[0]
    row = scheduler.run(doc, time_limit=1.0, workers=1, repeat=2)
    assert len(row["traces"]) == 2
    for trace in row["traces"]:
        assert len(trace) >= 2  # the progress of the search, then the plan returned
        seconds = [t for t, _, _ in trace]
        assert seconds == sorted(seconds)
        assert all(bound is None or score <= bound for _, score, bound in trace)
        assert trace[-1][1] == max(score for _, score, _ in trace)
    assert statistics.median(t[-1][1] for t in row["traces"]) == row["score"]
