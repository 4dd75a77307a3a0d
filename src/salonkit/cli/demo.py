"""``salonkit demo``: run the demo salon day on an embedded SQLite file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from salonkit.demo import run


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="seed a realistic salon into SQLite and run its day, from booking to report"
    )
    parser.add_argument(
        "--db", type=Path, default=Path("salonkit-demo/salon.db"), help="SQLite file (recreated)"
    )
    parser.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="the day to run (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where the day board and CSV files go (default: next to the database)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="do not show progress on standard error"
    )
    parser.set_defaults(func=_demo)


class _ProgressBar:
    """A one-line progress indicator on standard error."""

    def __init__(self) -> None:
        self._last = ""

    def __call__(self, step: str, done: int, total: int) -> None:
        width = 24
        filled = width * done // total if total else width
        line = f"\r{step:<9} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            sys.stderr.write(line)
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
            self._last = line


def _demo(args: argparse.Namespace) -> int:
    progress = None if args.no_progress else _ProgressBar()
    salon = run(args.db, print, args.date, progress=progress, out_dir=args.out)
    salon.close()
    return 0
