"""Helpers for the booking race tests: open a backend with the booking tables, and a worker
process that tries to book contested slots (importable by ``multiprocessing`` spawn children)."""

from __future__ import annotations

import random
from typing import Any

import pendulum

from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql import SqlBackend
from salonkit.context import Context
from salonkit.errors import BookingConflict
from salonkit.scheduling.model import BookingRequest
from salonkit.scheduling.service import BookingService
from salonkit.storage.port import Backend
from salonkit.testing import FrozenClock, SequentialIds

#: Monday 4 May 2026, 08:00 UTC.
NOW = pendulum.datetime(2026, 5, 4, 8)


def open_backend(url: str, *, create: bool = False) -> Backend:
    """The backend at ``url``; with ``create``, migrate it."""
    if url.startswith("memory"):
        return MemoryBackend()
    backend = SqlBackend(url)
    if create:
        backend.migrate()
    return backend


class _PrefixedIds(SequentialIds):
    """Sequential ids that stay unique across processes."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def new(self, kind: str) -> str:
        return f"{self.prefix}-{super().new(kind)}"


def contender(
    url: str, worker: int, slots: list[tuple[str, str]], barrier: Any, results: Any
) -> None:
    """Book each ``(staff, ISO start)`` of ``slots`` in a random order for this worker's own
    customer; report ``(worker, staff, start, outcome)`` for each."""
    backend = open_backend(url)
    ctx = Context(backend=backend, clock=FrozenClock(NOW), ids=_PrefixedIds(f"w{worker}"))
    bookings = BookingService(ctx, store_id="flagship")
    order = list(slots)
    random.Random(worker).shuffle(order)
    barrier.wait()
    for staff, start in order:
        request = BookingRequest(
            store_id="flagship",
            service_id="cut",
            customer_id=f"c{worker}",
            staff_id=staff,
            starts_at=pendulum.parse(start),
        )
        try:
            appt = bookings.book(request, idempotency_key=f"w{worker}:{staff}:{start}")
            results.put((worker, staff, start, "booked:" + appt.id))
        except BookingConflict as exc:
            results.put((worker, staff, start, "conflict:" + ",".join(sorted(exc.codes))))
        except Exception as exc:
            results.put((worker, staff, start, f"error:{type(exc).__name__}:{exc}"))
    backend.close()
