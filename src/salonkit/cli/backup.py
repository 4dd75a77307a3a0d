"""``salonkit backup DB OUT`` and ``salonkit restore IN DB``: portable, checksummed backups."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from salonkit.backup import backup, restore, sqlite_snapshot
from salonkit.salon import Salon, url_scheme


def register(subparsers: Any) -> None:
    """Add the ``backup`` and ``restore`` sub-commands."""
    make = subparsers.add_parser("backup", help="write every record to a portable backup file")
    make.add_argument("db", help="SQLite file or database URL")
    make.add_argument("out", type=Path, help="backup file to write (.skbak)")
    make.add_argument(
        "--sqlite-copy",
        type=Path,
        default=None,
        help="also copy the SQLite file itself (online backup API)",
    )
    make.set_defaults(func=_backup)
    back = subparsers.add_parser("restore", help="restore a backup file into an empty database")
    back.add_argument("backup", type=Path, help="backup file written by 'salonkit backup'")
    back.add_argument("db", help="SQLite file or database URL (created if missing; must be empty)")
    back.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    salon = Salon.open(args.db, migrate=False, load_entrypoints=True)
    try:
        summary = backup(salon.backend, args.out)
    finally:
        salon.close()
    print(f"backed up {summary.records} records of {len(summary.counts)} kinds to {args.out}")
    if args.sqlite_copy is not None:
        if url_scheme(args.db) != "sqlite":
            print("--sqlite-copy applies to SQLite databases only")
            return 2
        sqlite_snapshot(Path(args.db.removeprefix("sqlite:///")), args.sqlite_copy)
        print(f"copied the SQLite file to {args.sqlite_copy}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    salon = Salon.open(args.db)
    try:
        summary = restore(args.backup, salon.backend)
    finally:
        salon.close()
    print(f"restored {summary.records} records (backup of {summary.created_at}) into {args.db}")
    return 0
