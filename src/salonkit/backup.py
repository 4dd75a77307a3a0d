"""Portable backups: every record of every kind in one versioned, checksummed file.

The file is gzip-compressed JSON lines: a header (format, version, salonkit version, creation time,
record count per kind), one line per record (its kind and stored document), and a trailer with the
SHA-256 of everything before it. Because it holds the documents rather than a database's own
format, a backup made from SQLite restores into PostgreSQL and the other way round.

:func:`restore` reads and checks the whole file before it writes anything, refuses a database that
already holds records, and writes everything in one transaction: a corrupt or truncated file
restores nothing.

:func:`sqlite_snapshot` copies a live SQLite file with SQLite's online backup API, consistent even
while the salon keeps writing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import sqlite3
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import attrs

from salonkit import __version__
from salonkit.errors import SalonkitError, ValidationError
from salonkit.storage.catalog import all_kinds
from salonkit.storage.codec import structure, unstructure
from salonkit.storage.kinds import registry
from salonkit.storage.port import Backend

FORMAT = "salonkit-backup"
FORMAT_VERSION = 1


class BackupError(SalonkitError):
    """A backup file is corrupt, truncated, of another format or version, or cannot be restored."""


@attrs.frozen
class BackupSummary:
    """What a backup holds (or what a restore wrote): record counts per kind."""

    counts: dict[str, int]
    created_at: str

    @property
    def records(self) -> int:
        """Total number of records."""
        return sum(self.counts.values())


def _line(data: dict[str, Any]) -> bytes:
    return (
        json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    ).encode()


def backup(backend: Backend, out: Path, now: dt.datetime | None = None) -> BackupSummary:
    """Write every record of ``backend`` to ``out`` (read in one consistent snapshot)."""
    created = (now or dt.datetime.now(dt.UTC)).isoformat()
    kinds = all_kinds()
    body: list[bytes] = []
    counts: Counter[str] = Counter()
    with backend.unit_of_work(readonly=True) as uow:
        for kind in kinds:
            for record in uow.repo(kind).select():
                body.append(_line({"kind": kind.name, "doc": unstructure(record)}))
                counts[kind.name] += 1
    header = _line(
        {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "salonkit": __version__,
            "created_at": created,
            "counts": dict(sorted(counts.items())),
        }
    )
    digest = hashlib.sha256(header)
    for line in body:
        digest.update(line)
    trailer = _line({"trailer": True, "sha256": digest.hexdigest(), "records": len(body)})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with gzip.open(tmp, "wb") as fh:
        fh.write(header)
        fh.writelines(body)
        fh.write(trailer)
    tmp.replace(out)
    return BackupSummary(dict(counts), created)


def read_backup(path: Path) -> tuple[BackupSummary, list[tuple[str, dict[str, Any]]]]:
    """Read and check a backup file; raise :class:`BackupError` saying what is wrong."""
    try:
        with gzip.open(path, "rb") as fh:
            lines = fh.read().splitlines(keepends=True)
    except FileNotFoundError as exc:
        raise BackupError(f"{path}: no such file") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise BackupError(f"{path}: not a readable salonkit backup ({exc})") from exc
    if len(lines) < 2:
        raise BackupError(f"{path}: truncated backup (no header or trailer)")
    try:
        header = json.loads(lines[0])
        trailer = json.loads(lines[-1])
    except ValueError as exc:
        raise BackupError(f"{path}: corrupt backup (unreadable header or trailer)") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: not a salonkit backup")
    if header.get("version") != FORMAT_VERSION:
        raise BackupError(
            f"{path}: backup format version {header.get('version')!r} is not supported"
        )
    if not isinstance(trailer, dict) or not trailer.get("trailer"):
        raise BackupError(f"{path}: truncated backup (no trailer)")
    digest = hashlib.sha256()
    for line in lines[:-1]:
        digest.update(line)
    if digest.hexdigest() != trailer.get("sha256"):
        raise BackupError(f"{path}: corrupt backup (checksum mismatch)")
    records: list[tuple[str, dict[str, Any]]] = []
    for number, line in enumerate(lines[1:-1], start=2):
        try:
            item = json.loads(line)
            records.append((str(item["kind"]), dict(item["doc"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{path}: corrupt record on line {number}") from exc
    counts = Counter(kind for kind, _ in records)
    if len(records) != trailer.get("records") or dict(counts) != header.get("counts"):
        raise BackupError(f"{path}: record counts do not match the header")
    return BackupSummary(dict(counts), str(header.get("created_at"))), records


def restore(path: Path, backend: Backend) -> BackupSummary:
    """Restore a backup into an empty database, all in one transaction."""
    summary, records = read_backup(path)
    all_kinds()
    by_kind: dict[str, list[Any]] = {}
    for kind_name, doc in records:
        if kind_name not in registry:
            raise BackupError(
                f"{path}: records of unknown kind {kind_name!r}; is a plugin missing?"
            )
        kind = registry.get(kind_name)
        try:
            by_kind.setdefault(kind_name, []).append(structure(doc, kind.cls))
        except Exception as exc:  # any failure to load is the file's fault here
            raise BackupError(f"{path}: a {kind_name} record does not load: {exc}") from exc
    with backend.unit_of_work() as uow:
        for kind in all_kinds():
            if uow.repo(kind).count():
                raise BackupError(
                    f"the target database is not empty ({kind.name} records exist); restore into a new one"
                )
        for kind_name, items in by_kind.items():
            uow.repo(registry.get(kind_name)).add_many(items)
    return summary


def sqlite_snapshot(db: Path, out: Path) -> None:
    """Copy a live SQLite database file with SQLite's online backup API."""
    if not db.exists():
        raise ValidationError("db", f"{db} does not exist")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(db)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
