"""A seeded generator of salon-day instances in the benchmark format (v1).

Realistic enough to exercise the optimiser: cuts with a wash at the basin, colour and
highlights with processing time (the stylist is free, the chair is not), perms, basin
treatments and blow-dries; staff with different skills, morning/late/split shifts and a break;
chairs and basins in short supply; customers with preferred staff, some booking two services,
and a few existing bookings pinned in place.

    python benchmarks/day_instances.py --staff 8 --requests 90 --seed 3 > day.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(SRC))

from salonkit.scheduling.day import greedy_solution, problem_from_dict  # noqa: E402

#: (staff, requests) of the generated benchmark set, smallest first.
SIZES: tuple[tuple[int, int], ...] = (
    (3, 25),
    (4, 35),
    (5, 45),
    (6, 60),
    (8, 90),
    (10, 120),
    (12, 150),
    (16, 200),
    (20, 260),
    (25, 330),
    (30, 400),
)

SERVICES: list[dict[str, Any]] = [
    {
        "id": "cut",
        "skill": "cut",
        "steps": [
            {"name": "wash", "duration_min": 10, "staff": True, "resources": ["basin"]},
            {"name": "cut", "duration_min": 35, "staff": True, "resources": ["chair"]},
        ],
    },
    {
        "id": "colour",
        "skill": "colour",
        "steps": [
            {"name": "apply", "duration_min": 30, "staff": True, "resources": ["chair"]},
            {"name": "process", "duration_min": 40, "staff": False, "resources": ["chair"]},
            {"name": "rinse", "duration_min": 15, "staff": True, "resources": ["basin"]},
        ],
    },
    {
        "id": "highlights",
        "skill": "colour",
        "steps": [
            {"name": "foils", "duration_min": 50, "staff": True, "resources": ["chair"]},
            {"name": "process", "duration_min": 30, "staff": False, "resources": ["chair"]},
            {"name": "rinse", "duration_min": 15, "staff": True, "resources": ["basin"]},
            {"name": "dry", "duration_min": 20, "staff": True, "resources": ["chair"]},
        ],
    },
    {
        "id": "perm",
        "skill": "perm",
        "steps": [
            {"name": "wrap", "duration_min": 45, "staff": True, "resources": ["chair"]},
            {"name": "process", "duration_min": 30, "staff": False, "resources": ["chair"]},
            {"name": "neutralise", "duration_min": 20, "staff": True, "resources": ["basin"]},
            {"name": "finish", "duration_min": 20, "staff": True, "resources": ["chair"]},
        ],
    },
    {
        "id": "treatment",
        "skill": "treatment",
        "steps": [{"name": "treat", "duration_min": 40, "staff": True, "resources": ["basin"]}],
    },
    {
        "id": "blowdry",
        "skill": "styling",
        "steps": [{"name": "style", "duration_min": 30, "staff": True, "resources": ["chair"]}],
    },
]
#: How often each service is asked for.
DEMAND = {"cut": 40, "colour": 18, "highlights": 8, "perm": 7, "treatment": 12, "blowdry": 15}
#: Shift patterns (start, end) in hours, with how often they occur.
SHIFTS = [((9, 17), 3), ((10, 18), 3), ((10, 19), 2), ((12, 21), 3), ((11, 20), 2)]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _staff(rng: random.Random, index: int) -> dict[str, Any]:
    skills = {"cut"}
    for skill, chance in (("colour", 0.45), ("perm", 0.3), ("treatment", 0.45), ("styling", 0.5)):
        if rng.random() < chance:
            skills.add(skill)
    if rng.random() < 0.1:  # a split shift
        shifts = [(9 * 60, 13 * 60), (16 * 60, 21 * 60)]
        breaks = [{"earliest": "11:00", "latest_end": "13:00", "duration_min": 15}]
    else:
        (start, end) = rng.choices([s for s, _ in SHIFTS], [w for _, w in SHIFTS])[0]
        shifts = [(start * 60, end * 60)]
        middle = start * 60 + 180 + rng.choice([0, 30, 60])
        breaks = [
            {
                "earliest": _hhmm(middle),
                "latest_end": _hhmm(middle + 180),
                "duration_min": rng.choice([30, 30, 45, 60]),
            }
        ]
    return {
        "id": f"s{index + 1}",
        "skills": sorted(skills),
        "shifts": [{"start": _hhmm(a), "end": _hhmm(b)} for a, b in shifts],
        "breaks": breaks,
    }


def generate(
    staff: int, requests: int, seed: int = 0, pinned_share: float = 0.08
) -> dict[str, Any]:
    """One instance document with ``staff`` staff members and ``requests`` requests."""
    rng = random.Random(f"salon-day/{staff}/{requests}/{seed}")
    open_, close = 9 * 60, 21 * 60
    members = [_staff(rng, i) for i in range(staff)]
    lengths = {s["id"]: sum(t["duration_min"] for t in s["steps"]) for s in SERVICES}
    skill_of = {s["id"]: s["skill"] for s in SERVICES}
    customers = max(2, int(requests * 0.7))
    reqs: list[dict[str, Any]] = []
    names = list(DEMAND)
    while len(reqs) < requests:
        service = rng.choices(names, [DEMAND[n] for n in names])[0]
        length = lengths[service]
        slack = rng.choice([0, 15, 30, 45, 60, 90, 120, 180, 240, 360])
        earliest = rng.randrange(open_, close - length + 1, 5)
        latest_end = min(close, earliest + length + slack)
        able = [m["id"] for m in members if skill_of[service] in m["skills"]]
        preferred = [rng.choice(able)] if able and rng.random() < 0.4 else []
        priority = rng.choices([1, 2, 3], [60, 20, 20])[0]
        customer = f"c{rng.randrange(customers) + 1}"
        reqs.append(
            {
                "id": f"r{len(reqs) + 1}",
                "customer": customer,
                "service": service,
                "earliest": _hhmm(earliest),
                "latest_end": _hhmm(latest_end),
                "preferred_staff": preferred,
                "priority": priority,
            }
        )
    chairs = max(2, round(staff * 0.8))
    basins = max(1, round(staff * 0.3))
    doc: dict[str, Any] = {
        "name": f"gen-{staff}x{requests}-s{seed}",
        "granularity_min": 5,
        "open": _hhmm(open_),
        "close": _hhmm(close),
        "resources": [{"id": "chair", "capacity": chairs}, {"id": "basin", "capacity": basins}],
        "staff": members,
        "services": SERVICES,
        "requests": reqs,
    }
    # Existing bookings: pin a share of what a booking system would have placed.
    plan = greedy_solution(problem_from_dict(doc))
    placed = list(plan.assignments)
    rng.shuffle(placed)
    by_id = {r["id"]: r for r in reqs}
    for a in placed[: int(len(reqs) * pinned_share)]:
        by_id[a.request]["pinned"] = {"staff": a.staff, "start": _hhmm(a.start)}
    return doc


def benchmark_set(seed: int = 0) -> list[dict[str, Any]]:
    """The generated benchmark instances, one per size in :data:`SIZES`."""
    return [generate(staff, requests, seed) for staff, requests in SIZES]


def main() -> int:
    """Write one generated instance as JSON on stdout."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=8)
    parser.add_argument("--requests", type=int, default=90)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    json.dump(generate(args.staff, args.requests, args.seed), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
