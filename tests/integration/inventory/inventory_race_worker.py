"""A worker process for the concurrent-consumption test (imported by name in spawned children)."""

from __future__ import annotations

import os
from decimal import Decimal


def consume_units(url: str, attempts: int) -> tuple[int, int]:
    """Try to consume one GEL in store s1 ``attempts`` times; count successes and refusals."""
    from salonkit.adapters.sql.backend import SqlBackend
    from salonkit.context import Context
    from salonkit.errors import InsufficientStock
    from salonkit.inventory.service import InventoryService

    backend = SqlBackend(url)
    stock = InventoryService(Context(backend=backend))
    done = refused = 0
    try:
        for _ in range(attempts):
            try:
                stock.consume("s1", "GEL", Decimal(1), actor=f"worker-{os.getpid()}")
                done += 1
            except InsufficientStock:
                refused += 1
    finally:
        backend.close()
    return done, refused
