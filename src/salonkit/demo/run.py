"""The demo script: open a fresh SQLite salon, seed it, and run its day from booking to report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from salonkit.adapters.console import ConsoleNotifier, ConsolePrinter
from salonkit.demo.day import ProgressCallback, run_day
from salonkit.demo.seed import STORE_ID, TIMEZONE
from salonkit.demo.setup import open_demo_salon
from salonkit.domain.events import DomainEvent
from salonkit.loyalty.events import TierChanged
from salonkit.plugins.hookspecs import hookimpl
from salonkit.salon import Salon

Say = Callable[[str], None]


class _SayStream:
    """A text stream that hands each complete line to ``say``."""

    def __init__(self, say: Say, indent: str = "      ") -> None:
        self._say = say
        self._indent = indent
        self._buffer = ""

    def write(self, text: str) -> int:
        self._buffer += text
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            self._say(self._indent + line)
        return len(text)

    def flush(self) -> None:
        """Nothing is held back beyond an unfinished line."""


class ConsoleChannels:
    """The demo's plugin: SMS, e-mail and console messages, and receipts, go to the narration."""

    def __init__(self, say: Say) -> None:
        stream: Any = _SayStream(say)
        self._say = say
        self.notifier = ConsoleNotifier(stream)
        self.printer = ConsolePrinter(stream)

    @hookimpl
    def salonkit_on_event(self, event: DomainEvent) -> None:
        """Loyalty tier changes are announced as they happen."""
        if isinstance(event, TierChanged):
            self._say(
                f"    loyalty: {event.member_id} {event.move}d from {event.old} to {event.new}"
            )

    @hookimpl
    def salonkit_register_notifiers(self, register: Callable[[str, Any], None]) -> None:
        """Every channel the demo uses (``desk`` is the manager's screen) writes to the console."""
        for channel in ("sms", "email", "desk"):
            register(channel, self.notifier)

    @hookimpl
    def salonkit_register_printers(self, register: Callable[[str, Any], None]) -> None:
        """The receipt printer writes to the console."""
        register("console", self.printer)


def run(
    db_path: Path,
    say: Say,
    day: dt.date | None = None,
    *,
    progress: ProgressCallback | None = None,
    out_dir: Path | None = None,
) -> Salon:
    """Create ``db_path`` afresh, seed the demo salon and run its day; narrate through ``say``.

    The clock is frozen at 08:30 on ``day`` in the store's zone (tomorrow by default) and moves
    with the day, so the run is the same every time. The day board (HTML) and the report's CSV
    files go to ``out_dir`` (next to the database by default). Returns the open salon.
    """
    day = day or (pendulum.now(TIMEZONE).date() + dt.timedelta(days=1))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    say(f"salonkit demo: a salon day on {day:%A %d %B %Y}, stored in {db_path}")
    tick = progress or (lambda step, done, total: None)
    tick("seed", 0, 1)
    channels = ConsoleChannels(say)
    demo = open_demo_salon(str(db_path), day, plugins=[channels])
    demo.salon.orders.printer = channels.printer
    salon = demo.salon
    tick("seed", 1, 1)
    store = salon.stores.get(STORE_ID)
    staff = salon.staff.of_store(STORE_ID)
    services = salon.catalogue.services()
    resources = salon.catalogue.resources(STORE_ID)
    say(
        f"  seeded {store.name} ({store.timezone}, {store.currency}): "
        f"{len(staff)} staff, {len(services)} services, {len(resources)} resource kinds, "
        f"4 products, {len(salon.customers.list())} customers"
    )
    for member in staff:
        say(f"    staff  {member.name:<26} skills: {', '.join(sorted(member.skills))}")
    for service in services:
        steps = " → ".join(
            f"{s.name} {s.minutes}m{'' if s.staff_busy else ' (staff free)'}" for s in service.steps
        )
        say(f"    service {service.name:<24} {service.price!s:>12}  {steps}")
    for resource in resources:
        say(f"    resource {resource.name or resource.kind}: {resource.capacity}")
    found = salon.customers.find_by_phone("+8613800138001")
    if found is not None:
        say(
            f"  look-up by phone +86 138 0013 8001 → {found.name} (prefers {', '.join(found.preferred_staff)})"
        )
    run_day(demo, say, progress=progress, out_dir=out_dir or db_path.parent)
    return salon
