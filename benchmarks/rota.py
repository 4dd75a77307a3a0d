"""Benchmark the rota optimiser on the Curtois & Qu instances and on generated salon rotas.

    nice -n 10 .venv/bin/python benchmarks/rota.py --instances 1-12 --time-limit 60
    nice -n 10 .venv/bin/python benchmarks/rota.py --instances 13,14 --time-limit 300 --salon

For each instance it prints the objective, the best-known value, the proven bound, the gap to
the bound and to the best-known value, and the wall time; every roster is verified with the
independent checker. As a baseline measured in the same run, each instance is also solved with
one plain CP-SAT search (``lns=False``) when ``--baseline`` is given; ``--no-columns`` runs
the search without column generation (on by default for rotas of moderate size, see
``salonkit.scheduling.rota.solver.COLUMNS_WORK``). Results are appended as
JSON lines to ``--out`` (with the one-minute load average before and after each run) so a
long run can be resumed and tabulated (``--table``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from salonkit.scheduling.rota import RotaInfeasible, check_roster, load_instance, solve_rota
from salonkit.scheduling.rota.salon import four_week_salon_problem

HERE = Path(__file__).parent
INSTANCES = HERE / "rota_instances"
BEST_KNOWN = {
    1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439, 10: 4631,
    11: 3443, 12: 4040, 13: 1348, 14: 1278, 15: 3829, 16: 3225, 17: 5746, 18: 4459, 19: 3149,
    20: 4769, 21: 21133, 22: 30241, 23: 17428, 24: 42463,
}  # fmt: skip


def machine() -> str:
    """The platform and CPU model."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.platform()}, {cpu}, Python {platform.python_version()}"


def _numbers(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += range(int(a), int(b) + 1)
        elif part:
            out.append(int(part))
    return out


def run_one(
    name: str, problem_loader: object, args: argparse.Namespace, lns: bool
) -> dict[str, object]:
    """Solve one problem; returns a result row (verified by the checker)."""
    problem = problem_loader()  # type: ignore[operator]
    method = "cp-sat+lns" if lns else "cp-sat"
    if lns and args.no_columns:
        method += " (no columns)"
    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    try:
        solution = solve_rota(
            problem,
            time_limit=args.time_limit,
            workers=args.workers,
            seed=args.seed,
            lns=lns,
            columns=False if args.no_columns else None,
            explain=False,
        )
    except RotaInfeasible as exc:
        return {
            "instance": name,
            "method": method,
            "time_limit": args.time_limit,
            "workers": args.workers,
            "objective": None,
            "valid": False,
            "bound": None,
            "status": f"NO ROSTER ({exc})",
            "wall_s": round(time.perf_counter() - started, 1),
            "load": [load_before, round(os.getloadavg()[0], 2)],
        }
    wall = time.perf_counter() - started
    report = check_roster(problem, solution.roster)
    return {
        "instance": name,
        "method": method,
        "time_limit": args.time_limit,
        "workers": args.workers,
        "objective": report.objective,
        "valid": report.valid,
        "bound": solution.bound,
        "status": solution.status,
        "wall_s": round(wall, 1),
        "load": [load_before, round(os.getloadavg()[0], 2)],
    }


def table(rows: list[dict[str, object]]) -> str:
    """A Markdown table of result rows (median objective over repeats of the same setting)."""
    groups: dict[tuple[object, ...], list[dict[str, object]]] = {}
    for r in rows:
        groups.setdefault((r["instance"], r["method"], r["time_limit"]), []).append(r)
    lines = [
        "| instance | method | limit (s) | runs | objective (median) | best known | vs best | "
        "bound | gap to bound | wall (s) | valid |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, method, limit), rs in groups.items():
        if any(r["objective"] is None for r in rs):
            wall = statistics.median(float(r["wall_s"]) for r in rs)  # type: ignore[arg-type]
            lines.append(
                f"| {name} | {method} | {limit:g} | {len(rs)} | no roster found | "
                f"{BEST_KNOWN.get(int(str(name).removeprefix('Instance')), '-')} | - | - | - | "
                f"{wall:.0f} | - |"
            )
            continue
        objective = statistics.median(int(r["objective"]) for r in rs)  # type: ignore[call-overload]
        bound = max(int(r["bound"]) for r in rs if r["bound"] is not None)  # type: ignore[call-overload]
        number = str(name).removeprefix("Instance")
        best = BEST_KNOWN.get(int(number)) if number.isdigit() else None
        vs = f"{(objective - best) / best * 100:+.1f}%" if best else "-"
        gap = f"{(objective - bound) / objective * 100:.1f}%" if objective else "0.0%"
        wall = statistics.median(float(r["wall_s"]) for r in rs)  # type: ignore[arg-type]
        valid = "yes" if all(r["valid"] for r in rs) else "NO"
        lines.append(
            f"| {name} | {method} | {limit:g} | {len(rs)} | {objective:g} | {best or '-'} | {vs} | "
            f"{bound} | {gap} | {wall:.0f} | {valid} |"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1-12", help="benchmark numbers, e.g. 1-12,14")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per instance (seeds differ)")
    parser.add_argument("--baseline", action="store_true", help="also run plain CP-SAT")
    parser.add_argument("--salon", action="store_true", help="also the generated salon rota")
    parser.add_argument(
        "--no-columns",
        action="store_true",
        help="no column generation (the search as it was before it; a baseline for it)",
    )
    parser.add_argument("--out", type=Path, default=Path("rota_results.jsonl"))
    parser.add_argument("--table", action="store_true", help="print the table of --out and stop")
    args = parser.parse_args()
    if args.table:
        rows = [json.loads(line) for line in args.out.read_text().splitlines() if line.strip()]
        print(table(rows))
        return 0
    if args.workers > 2:
        parser.error("this benchmark runs with at most 2 workers")
    print(f"machine: {machine()}", flush=True)
    jobs: list[tuple[str, object]] = []
    if args.salon:
        jobs.append(("salon-4w-12", four_week_salon_problem))
    for n in _numbers(args.instances):
        path = INSTANCES / f"Instance{n}.txt"
        jobs.append((f"Instance{n}", lambda path=path: load_instance(path)))
    rows = []
    for name, loader in jobs:
        methods = [True, False] if args.baseline else [True]
        for lns in methods:
            for k in range(args.repeat):
                run_args = argparse.Namespace(**{**vars(args), "seed": args.seed + k})
                row = run_one(name, loader, run_args, lns)
                rows.append(row)
                with args.out.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                print(json.dumps(row), flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
