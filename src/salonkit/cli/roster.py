"""``salonkit roster`` and ``salonkit roster-check``: plan a staff rota, check a roster.

``salonkit roster Instance1.txt --time-limit 30`` reads a rota in the Curtois & Qu benchmark
format, writes the solution JSON on stdout and its progress on stderr.
``salonkit roster-check Instance1.txt solution.json`` prints the objective recomputed by the
independent checker and every hard rule the roster breaks; it exits 0 when the roster is valid
and 1 when it is not.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from salonkit.cli.search import add_search_options, report_violations
from salonkit.scheduling.rota import (
    Progress,
    check_roster,
    dump_solution,
    load_instance,
    load_solution,
    solve_rota,
)


def _progress(event: Progress) -> None:
    bound = "-" if event.bound is None else str(event.bound)
    print(
        f"\r{event.wall_s:7.1f} s  {event.phase:6}  objective {event.objective}  bound {bound}   ",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _roster(args: argparse.Namespace) -> int:
    problem = load_instance(args.instance)
    solution = solve_rota(
        problem,
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
        progress=_progress,
    )
    gap = solution.gap
    print(
        f"\r{problem.name}: {solution.status} objective {solution.objective} bound "
        f"{solution.bound} gap {0.0 if gap is None else gap * 100:.2f}% "
        f"in {solution.wall_s:.1f} s",
        file=sys.stderr,
    )
    print(dump_solution(solution))
    return 0


def _check(args: argparse.Namespace) -> int:
    problem = load_instance(args.instance)
    solution = load_solution(args.solution)
    report = check_roster(problem, solution.roster)
    print(
        f"objective {report.objective} (requests {report.request_penalty}, cover "
        f"{report.cover_penalty}, hourly cover {report.hourly_penalty})"
    )
    if solution.objective != report.objective:
        print(f"note: the file claims objective {solution.objective}")
    return report_violations(report.violations, report.valid)


def register(subparsers: Any) -> None:
    """Add the ``roster`` and ``roster-check`` sub-commands."""
    roster = subparsers.add_parser(
        "roster",
        help="plan a staff rota from a benchmark instance (solution JSON on stdout)",
        description="Plan a staff rota with the CP-SAT optimiser (Curtois & Qu text format).",
    )
    roster.add_argument("instance", help="the rota as a benchmark text file (Instance1.txt)")
    add_search_options(roster, time_limit=60.0)
    roster.set_defaults(func=_roster)
    check = subparsers.add_parser(
        "roster-check",
        help="check a roster against every rule of its instance (exit 1 if invalid)",
        description="Recompute a roster's objective and list every hard rule it breaks.",
    )
    check.add_argument("instance", help="the rota as a benchmark text file")
    check.add_argument("solution", help="the roster as solution JSON")
    check.set_defaults(func=_check)
