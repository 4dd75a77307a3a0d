"""Every file format and configuration entry point, fed junk: a clear error, nothing written.

Hypothesis mutates valid inputs (benchmark JSON, rota text, backup files, key configuration) and
throws arbitrary data at the loaders. The only acceptable failures are salonkit's own errors
(``SalonkitError``, whose ``ValidationError`` names the field); a crash with ``KeyError``,
``TypeError`` and the like is a bug.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salonkit
from salonkit import SalonkitError
from salonkit.backup import BackupError, backup, restore
from salonkit.demo import seed
from salonkit.scheduling.day.io import problem_from_dict, solution_from_dict
from salonkit.scheduling.rota.solution_io import solution_from_dict as rota_solution_from_dict
from salonkit.scheduling.rota.text_format import parse_instance
from salonkit.storage.catalog import all_kinds
from salonkit.storage.protection import KeyRing

ROOT = Path(__file__).resolve().parents[3]
DAY_INSTANCE = json.loads((ROOT / "benchmarks" / "instances" / "example-small.json").read_text())
ROTA_TEXT = (ROOT / "benchmarks" / "rota_instances" / "Instance1.txt").read_text()

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.extend(_paths(value, (*prefix, index)))
    return out


DAY_PATHS = _paths(DAY_INSTANCE)[1:]


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    mutated = copy.deepcopy(data)
    target = mutated
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return mutated


def _only_salonkit_errors(call: Any, *args: Any) -> None:
    with contextlib.suppress(SalonkitError):
        call(*args)


@given(st.sampled_from(DAY_PATHS), json_values)
def test_day_instance_with_any_field_replaced(path: tuple[Any, ...], value: Any) -> None:
    _only_salonkit_errors(problem_from_dict, _replace(DAY_INSTANCE, path, value))


@given(json_values)
def test_day_instance_and_solution_from_arbitrary_json(value: Any) -> None:
    _only_salonkit_errors(problem_from_dict, value)
    _only_salonkit_errors(solution_from_dict, value)
    _only_salonkit_errors(rota_solution_from_dict, value)


ROTA_LINES = ROTA_TEXT.splitlines()


@given(st.integers(0, len(ROTA_LINES) - 1), st.text(max_size=30))
def test_rota_instance_with_any_line_replaced(index: int, line: str) -> None:
    lines = list(ROTA_LINES)
    lines[index] = line
    _only_salonkit_errors(parse_instance, "\n".join(lines))


@given(st.text(max_size=200))
def test_rota_instance_from_arbitrary_text(text: str) -> None:
    _only_salonkit_errors(parse_instance, text)


@given(st.text(max_size=60), st.none() | st.binary(max_size=40))
def test_key_configuration(text: str, index_key: bytes | None) -> None:
    _only_salonkit_errors(KeyRing.from_text, text, index_key)


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("backup")
    with salonkit.Salon.open("memory://", load_entrypoints=False) as salon:
        seed(salon, dt.date(2026, 11, 23))
        backup(salon.backend, folder / "good.skbak")
    with gzip.open(folder / "good.skbak", "rb") as fh:
        return fh.read()


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_backups_restore_nothing(
    good_backup: bytes, tmp_path: Path, data: st.DataObject
) -> None:
    lines = good_backup.splitlines(keepends=True)
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    replacement = data.draw(st.binary(max_size=60) | st.just(b""), label="replacement")
    mutated = b"".join([*lines[:index], replacement, *lines[index + 1 :]])
    path = tmp_path / "mutated.skbak"
    compress = data.draw(st.booleans(), label="gzip")
    path.write_bytes(gzip.compress(mutated) if compress else mutated)
    with salonkit.Salon.open("memory://", load_entrypoints=False) as target:
        if mutated == good_backup and compress:
            restore(path, target.backend)
            return
        with pytest.raises(BackupError):
            restore(path, target.backend)
        with target.backend.unit_of_work(readonly=True) as uow:
            assert all(uow.repo(kind).count() == 0 for kind in all_kinds())


def test_no_sql_is_built_from_strings() -> None:
    """Library code passes values as bound parameters: no f-string or %-formatted SQL text."""
    offenders = []
    for path in (ROOT / "src" / "salonkit").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            stripped = line.strip()
            if (
                "text(f" in stripped or "exec_driver_sql(f" in stripped or "execute(f" in stripped
            ) and not stripped.startswith("#"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
