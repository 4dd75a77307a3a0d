"""``salonkit demo``: run the demo salon day on an embedded SQLite file."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from salonkit.demo import run


def register(subparsers: Any) -> None:
    """Add the ``demo`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo", help="seed a realistic salon into SQLite and run its day"
    )
    parser.add_argument(
        "--db", type=Path, default=Path("salonkit-demo/salon.db"), help="SQLite file (recreated)"
    )
    parser.add_argument(
        "--date", type=dt.date.fromisoformat, default=None, help="the day to run (YYYY-MM-DD)"
    )
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    salon = run(args.db, print, args.date)
    salon.close()
    return 0
