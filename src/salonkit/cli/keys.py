"""``salonkit keys generate`` and ``salonkit keys rotate DB``: master keys for personal data."""

from __future__ import annotations

import argparse
from typing import Any

from salonkit.salon import Salon
from salonkit.storage.protection import KeyRing


def register(subparsers: Any) -> None:
    """Add the ``keys`` sub-command."""
    parser: argparse.ArgumentParser = subparsers.add_parser("keys", help="manage encryption keys")
    actions = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    generate = actions.add_parser("generate", help="print a new random master key")
    generate.add_argument("--kid", default="k1", help="the key's id")
    generate.set_defaults(func=_generate)
    rotate = actions.add_parser(
        "rotate",
        help="re-wrap every data key under the current (first) key of SALONKIT_MASTER_KEYS",
    )
    rotate.add_argument("db", help="SQLite file or database URL")
    rotate.set_defaults(func=_rotate)


def _generate(args: argparse.Namespace) -> int:
    print(KeyRing.generate_text(args.kid))
    return 0


def _rotate(args: argparse.Namespace) -> int:
    salon = Salon.open(args.db, migrate=False)
    try:
        protector = getattr(salon.backend, "protector", None)
        if protector is None:
            print("no encryption keys configured (set SALONKIT_MASTER_KEYS)")
            return 2
        with salon.backend.unit_of_work() as uow:
            changed = protector.rewrap(uow)
    finally:
        salon.close()
    print(f"re-wrapped {changed} data key(s) under {protector.ring.current}")
    return 0
