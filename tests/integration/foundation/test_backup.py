"""Backups restore across backends exactly; damaged files are rejected and restore nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
import threading
from pathlib import Path

import pytest

import salonkit
from salonkit.audit import verify
from salonkit.backup import BackupError, backup, read_backup, restore, sqlite_snapshot
from salonkit.cli import main
from salonkit.demo import seed
from salonkit.storage.catalog import all_kinds
from salonkit.storage.codec import unstructure
from salonkit.testing import FrozenClock


def _everything(salon: salonkit.Salon) -> dict[str, list[dict[str, object]]]:
    with salon.backend.unit_of_work(readonly=True) as uow:
        return {
            kind.name: [unstructure(r) for r in uow.repo(kind).select()] for kind in all_kinds()
        }


@pytest.fixture
def seeded_sqlite(tmp_path: Path) -> Path:
    db = tmp_path / "source.db"
    with salonkit.Salon.open(str(db), clock=FrozenClock(), load_entrypoints=False) as salon:
        seed(salon, dt.date(2026, 11, 23))
        salon.customers.change("cust-01", notes="likes jasmine tea")
    return db


def test_sqlite_backup_restores_into_postgresql_exactly(
    seeded_sqlite: Path, tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "salon.skbak"
    assert main(["backup", str(seeded_sqlite), str(out)]) == 0
    assert main(["restore", str(out), postgres_url]) == 0
    assert "restored" in capsys.readouterr().out
    with (
        salonkit.Salon.open(str(seeded_sqlite), load_entrypoints=False) as source,
        salonkit.Salon.open(postgres_url, load_entrypoints=False) as target,
    ):
        assert _everything(target) == _everything(source)
        assert verify(target.backend).ok
        assert target.customers.find_by_phone("+86 138 0013 8001") is not None


def test_round_trip_into_sqlite_and_memory_counts(seeded_sqlite: Path, tmp_path: Path) -> None:
    out = tmp_path / "salon.skbak"
    with salonkit.Salon.open(str(seeded_sqlite), load_entrypoints=False) as source:
        summary = backup(source.backend, out)
        expected = _everything(source)
    assert summary.counts["customer"] == 12
    assert summary.counts["audit_entry"] == summary.records - sum(
        n for k, n in summary.counts.items() if k != "audit_entry"
    )
    for url in ("memory://", f"sqlite:///{tmp_path / 'copy.db'}"):
        with salonkit.Salon.open(url, load_entrypoints=False) as target:
            restore(out, target.backend)
            assert _everything(target) == expected


def _rewrite(path: Path, change: object) -> None:
    with gzip.open(path, "rb") as fh:
        lines = fh.read().splitlines(keepends=True)
    lines = change(lines)  # type: ignore[operator]
    with gzip.open(path, "wb") as fh:
        fh.writelines(lines)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda lines: [line.replace(b"Lin Mei", b"Lin Mai") for line in lines],
            "checksum mismatch",
        ),
        (lambda lines: lines[:-1], "truncated"),
        (lambda lines: lines[:1] + lines[2:], "checksum mismatch"),
        (lambda lines: [lines[0].replace(b'"version":1', b'"version":9'), *lines[1:]], "version 9"),
    ],
    ids=["edited", "truncated", "record-removed", "future-version"],
)
def test_damaged_backups_are_rejected_and_restore_nothing(
    seeded_sqlite: Path, tmp_path: Path, damage: object, message: str
) -> None:
    out = tmp_path / "salon.skbak"
    with salonkit.Salon.open(str(seeded_sqlite), load_entrypoints=False) as source:
        backup(source.backend, out)
    _rewrite(out, damage)
    target_db = tmp_path / "target.db"
    with salonkit.Salon.open(str(target_db), load_entrypoints=False) as target:
        with pytest.raises(BackupError, match=message):
            restore(out, target.backend)
        assert all(not rows for rows in _everything(target).values())


def test_not_a_backup_and_non_empty_target(seeded_sqlite: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.skbak"
    junk.write_bytes(b"hello")
    with pytest.raises(BackupError, match="not a readable"):
        read_backup(junk)
    out = tmp_path / "salon.skbak"
    with salonkit.Salon.open(str(seeded_sqlite), load_entrypoints=False) as source:
        backup(source.backend, out)
        with pytest.raises(BackupError, match="not empty"):
            restore(out, source.backend)


def test_sqlite_online_snapshot_while_writing(seeded_sqlite: Path, tmp_path: Path) -> None:
    stop = threading.Event()

    def keep_writing() -> None:
        with salonkit.Salon.open(str(seeded_sqlite), load_entrypoints=False) as salon:
            n = 0
            while not stop.is_set() and n < 200:
                salon.customers.register(f"Walk-in {n}")
                n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    copy = tmp_path / "snapshot.db"
    try:
        sqlite_snapshot(seeded_sqlite, copy)
    finally:
        stop.set()
        writer.join()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with salonkit.Salon.open(str(copy), load_entrypoints=False) as snapshot:
        assert len(snapshot.customers.list()) >= 12
        assert verify(snapshot.backend).ok
