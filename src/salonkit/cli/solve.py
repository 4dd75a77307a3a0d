"""``salonkit solve`` and ``salonkit check``: plan a salon day from a JSON instance, check a plan.

``salonkit solve day.json --time-limit 10`` writes the solution JSON on stdout and a progress
line on stderr; ``--greedy`` gives the booking-system baseline instead and ``--deterministic``
makes the answer depend only on the seed and the number of workers. ``salonkit check day.json
plan.json`` prints the recomputed score and every broken rule and exits 0 when the plan is
valid, 1 when it is not.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from salonkit.cli.search import add_search_options, report_violations
from salonkit.scheduling.day import (
    Progress,
    check_solution,
    greedy_solution,
    load_problem,
    load_solution,
    optimize,
    solution_to_dict,
)


def _progress(event: Progress) -> None:
    gap = (event.bound - event.objective) / event.bound * 100 if event.bound > 0 else 0.0
    print(
        f"\r{event.wall_s:6.1f} s  score {event.objective}  bound {event.bound}  gap {gap:5.2f}%",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _solve(args: argparse.Namespace) -> int:
    problem = load_problem(args.instance)
    if args.greedy:
        solution = greedy_solution(problem)
    else:
        solution = optimize(
            problem,
            time_limit=args.time_limit,
            workers=args.workers,
            seed=args.seed,
            progress=_progress,
            deterministic=args.deterministic,
        )
    bound = "none" if solution.bound is None else str(solution.bound)
    print(
        f"\r{problem.name or args.instance}: {solution.status} score {solution.objective} "
        f"bound {bound}, {len(solution.assignments)}/{len(problem.requests)} requests "
        f"scheduled in {solution.wall_s:.1f} s",
        file=sys.stderr,
    )
    json.dump(solution_to_dict(solution), sys.stdout, indent=1)
    print()
    return 0


def _check(args: argparse.Namespace) -> int:
    problem = load_problem(args.instance)
    solution = load_solution(args.solution)
    report = check_solution(problem, solution)
    print(f"score {report.score}")
    return report_violations(report.violations, report.valid)


def register(subparsers: Any) -> None:
    """Add the ``solve`` and ``check`` sub-commands."""
    solve = subparsers.add_parser(
        "solve",
        help="plan a salon day from a JSON instance (solution JSON on stdout)",
        description="Plan a salon day with the CP-SAT optimiser or the greedy baseline.",
    )
    solve.add_argument("instance", help="the day as a JSON instance (benchmark format v1)")
    add_search_options(solve, time_limit=10.0)
    solve.add_argument(
        "--greedy", action="store_true", help="the booking-system baseline, no optimiser"
    )
    solve.add_argument(
        "--deterministic",
        action="store_true",
        help="limit the search by work done instead of seconds: same seed, same plan",
    )
    solve.set_defaults(func=_solve)
    check = subparsers.add_parser(
        "check",
        help="check a plan against every rule of its instance (exit 1 if invalid)",
        description="Recompute the score of a plan and list every rule it breaks.",
    )
    check.add_argument("instance", help="the day as a JSON instance")
    check.add_argument("solution", help="the plan as a JSON solution")
    check.set_defaults(func=_check)
