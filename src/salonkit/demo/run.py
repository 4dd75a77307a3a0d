"""The demo script: open a fresh SQLite salon, seed it, and walk through what salonkit does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pendulum

from salonkit.demo.seed import TIMEZONE, seed
from salonkit.salon import Salon
from salonkit.testing.fakes import FrozenClock

Say = Callable[[str], None]


def run(db_path: Path, say: Say, day: dt.date | None = None) -> Salon:
    """Create ``db_path`` afresh, seed the demo salon and run its day; narrate through ``say``.

    The clock is frozen at 08:30 on ``day`` in the store's zone (tomorrow by default), so the
    run is the same every time. Returns the open salon for callers that want to look further.
    """
    day = day or (pendulum.now(TIMEZONE).date() + dt.timedelta(days=1))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    clock = FrozenClock(pendulum.datetime(day.year, day.month, day.day, 8, 30, tz=TIMEZONE))
    salon = Salon.open(str(db_path), clock=clock)
    say(f"salonkit demo: a salon day on {day:%A %d %B %Y}, stored in {db_path}")
    summary = seed(salon, day)
    say(
        f"  seeded {summary.store.name} ({summary.store.timezone}, {summary.store.currency}): "
        f"{summary.staff} staff, {summary.services} services, {summary.resources} resource kinds, "
        f"{summary.products} products, {summary.customers} customers"
    )
    for member in salon.staff.of_store(summary.store.id):
        say(f"    staff  {member.name:<26} skills: {', '.join(sorted(member.skills))}")
    for service in salon.catalogue.services():
        steps = " → ".join(
            f"{s.name} {s.minutes}m{'' if s.staff_busy else ' (staff free)'}" for s in service.steps
        )
        say(f"    service {service.name:<24} {service.price!s:>12}  {steps}")
    for resource in salon.catalogue.resources(summary.store.id):
        say(f"    resource {resource.name or resource.kind}: {resource.capacity}")
    found = salon.customers.find_by_phone("+8613800138001")
    if found is not None:
        say(
            f"  look-up by phone +86 138 0013 8001 → {found.name} (prefers {', '.join(found.preferred_staff)})"
        )
    return salon
