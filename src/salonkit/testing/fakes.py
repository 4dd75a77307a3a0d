"""Deterministic stand-ins for the clock, ids, notifier, printer and event listeners."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import pendulum

from salonkit.adapters.memory import MemoryBackend
from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.domain.time import require_aware
from salonkit.plugins.hookspecs import Message, PrintJob, hookimpl


class FrozenClock:
    """A clock that only moves when told: ``FrozenClock(pendulum.datetime(2026, 5, 1, 9))``."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = (
            require_aware(start, "clock.start")
            if start is not None
            else pendulum.datetime(2026, 1, 5, 9)
        )

    def now(self) -> pendulum.DateTime:
        """The frozen instant (UTC)."""
        return self._now

    def set(self, instant: dt.datetime) -> None:
        """Jump to ``instant``."""
        self._now = require_aware(instant, "clock.instant")

    def advance(self, **delta: float) -> pendulum.DateTime:
        """Move forward by ``pendulum.duration(**delta)`` (``minutes=30``, ``days=1``)."""
        self._now = self._now + pendulum.duration(**delta)
        return self._now


class SequentialIds:
    """Ids ``cus_1``, ``cus_2``, ``app_1``... counted per kind."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = defaultdict(lambda: itertools.count(1))

    def new(self, kind: str) -> str:
        """The next id for ``kind``."""
        return f"{kind[:3]}_{next(self._counters[kind])}"


def memory_context(
    clock: FrozenClock | None = None, listener: RecordingListener | None = None
) -> Context:
    """A :class:`Context` over a fresh memory backend with a frozen clock and sequential ids."""
    return Context(
        backend=MemoryBackend(),
        clock=clock or FrozenClock(),
        ids=SequentialIds(),
        deliver=listener.receive if listener is not None else (lambda events: None),
    )


class RecordingListener:
    """An event-listener plugin that keeps every event it was handed, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    def receive(self, events: list[DomainEvent]) -> None:
        """Record a batch of committed events."""
        self.events.extend(events)

    @hookimpl
    def salonkit_on_event(self, event: DomainEvent) -> None:
        """Record one committed event."""
        self.events.append(event)

    def names(self) -> list[str]:
        """The type names of the recorded events."""
        return [e.name for e in self.events]


class RecordingNotifier:
    """A notifier plugin for tests: accepts every message for its channels and keeps it."""

    def __init__(self, channels: tuple[str, ...] = ("sms", "email")) -> None:
        self.channels = channels
        self.sent: list[Message] = []

    @hookimpl
    def salonkit_register_notifiers(self, register: Any) -> None:
        """Offer this notifier for its channels."""
        for channel in self.channels:
            register(channel, self)

    def send(self, message: Message) -> str:
        """Keep the message; return a delivery reference."""
        self.sent.append(message)
        return f"recorded-{len(self.sent)}"


class RecordingPrinter:
    """A printer plugin for tests: keeps every print job."""

    def __init__(self, name: str = "recording") -> None:
        self.name = name
        self.jobs: list[PrintJob] = []

    @hookimpl
    def salonkit_register_printers(self, register: Any) -> None:
        """Offer this printer under its name."""
        register(self.name, self)

    def print(self, job: PrintJob) -> None:
        """Keep the job."""
        self.jobs.append(job)
