"""Several processes race for the same slots: exactly one wins each, the others get conflicts.

Real processes (multiprocessing with ``spawn``), each with its own connection pool, on SQLite
and, when configured, PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import defaultdict

import pendulum
import pytest
from scheduling_race_worker import NOW, contender, open_backend

from salonkit.context import Context
from salonkit.domain.customer import Customer
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.scheduling.sample import install_sample_salon
from salonkit.storage.records import CUSTOMERS
from salonkit.testing import FrozenClock

WORKERS = 4
TZ = "Europe/London"


def contested() -> list[tuple[str, str]]:
    """Four slots: two for the same stylist overlapping by 15 minutes, two for another."""
    day = pendulum.datetime(2026, 5, 5, tz=TZ)
    return [
        ("s01", day.at(10).in_timezone("UTC").isoformat()),
        ("s01", day.at(10, 30).in_timezone("UTC").isoformat()),  # overlaps the 10:00 cut
        ("s02", day.at(14).in_timezone("UTC").isoformat()),
        ("s02", day.at(16).in_timezone("UTC").isoformat()),
    ]


def race(url: str) -> None:
    backend = open_backend(url, create=True)
    ctx = Context(backend=backend, clock=FrozenClock(NOW))
    install_sample_salon(ctx, staff=2, chairs=4, basins=4)
    with ctx.unit_of_work() as uow:
        uow.repo(CUSTOMERS).add_many([Customer(id=f"c{n}", name=f"C{n}") for n in range(WORKERS)])
    spawn = mp.get_context("spawn")
    barrier = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    procs = [
        spawn.Process(target=contender, args=(url, n, contested(), barrier, results))
        for n in range(WORKERS)
    ]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(WORKERS * len(contested()))]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    errors = [o for o in outcomes if o[3].startswith("error")]
    assert not errors, errors
    wins: dict[tuple[str, str], list[int]] = defaultdict(list)
    for worker, staff, start, outcome in outcomes:
        if outcome.startswith("booked"):
            wins[(staff, start)].append(worker)
    slots = contested()
    # the 10:00 and 10:30 cuts of s01 overlap: exactly one of the two is booked
    assert len(wins[slots[0]]) + len(wins[slots[1]]) == 1
    assert len(wins[slots[2]]) == 1 and len(wins[slots[3]]) == 1
    losers = [o for o in outcomes if o[3].startswith("conflict")]
    assert len(losers) == WORKERS * len(slots) - 3
    assert all("staff_busy" in o[3] or "customer_busy" in o[3] for o in losers)
    with ctx.unit_of_work(readonly=True) as uow:
        stored = uow.repo(APPOINTMENTS).select()
    assert len(stored) == 3
    backend.close()


@pytest.mark.slow
def test_processes_race_on_sqlite(sqlite_url: str) -> None:
    race(sqlite_url)


@pytest.mark.slow
def test_processes_race_on_postgres(postgres_url: str) -> None:
    race(postgres_url)
