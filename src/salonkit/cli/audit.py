"""``salonkit audit verify DB`` and ``salonkit audit head DB``: check the audit log's hash chain."""

from __future__ import annotations

import argparse
from typing import Any

from salonkit.audit import verify
from salonkit.salon import Salon


def register(subparsers: Any) -> None:
    """Add the ``audit`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser("audit", help="verify the audit log")
    actions = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    check = actions.add_parser("verify", help="check every entry of the hash chain")
    check.add_argument("db", help="SQLite file or database URL")
    check.set_defaults(func=_verify)
    head = actions.add_parser("head", help="print the newest entry's hash, to keep elsewhere")
    head.add_argument("db", help="SQLite file or database URL")
    head.set_defaults(func=_head)


def _verify(args: argparse.Namespace) -> int:
    salon = Salon.open(args.db, migrate=False)
    try:
        report = verify(salon.backend)
    finally:
        salon.close()
    for problem in report.problems:
        print(problem)
    state = "chain intact" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{report.entries} entries, {state}; head {report.head_hash}")
    return 0 if report.ok else 1


def _head(args: argparse.Namespace) -> int:
    salon = Salon.open(args.db, migrate=False)
    try:
        print(verify(salon.backend).head_hash)
    finally:
        salon.close()
    return 0
