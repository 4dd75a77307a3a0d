"""What the optimiser commands (``solve``, ``roster``) share: search options and check output."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Protocol


class _Violation(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def message(self) -> str: ...


def add_search_options(parser: argparse.ArgumentParser, time_limit: float) -> None:
    """``--time-limit``, ``--workers`` and ``--seed``, with ``time_limit`` seconds by default."""
    parser.add_argument(
        "--time-limit",
        type=float,
        default=time_limit,
        help=f"seconds of search (default {time_limit:g})",
    )
    parser.add_argument("--workers", type=int, default=2, help="search threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")


def report_violations(violations: Iterable[_Violation], valid: bool) -> int:
    """Print each violation and the verdict; the exit code: 0 valid, 1 invalid."""
    found = list(violations)
    for violation in found:
        print(f"{violation.code}: {violation.message}")
    print("valid" if valid else f"invalid: {len(found)} violations")
    return 0 if valid else 1
