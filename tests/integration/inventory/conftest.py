"""Inventory services over each storage backend."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pendulum
import pytest

import salonkit.inventory.records  # noqa: F401  (registers the kinds before a backend is built)
from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql.backend import SqlBackend
from salonkit.context import Context
from salonkit.domain.catalogue import Product, ProductKind
from salonkit.domain.store import Store
from salonkit.inventory.service import InventoryService
from salonkit.storage.port import Backend
from salonkit.storage.records import PRODUCTS, STORES
from salonkit.testing import FrozenClock, RecordingListener, SequentialIds

T0 = pendulum.datetime(2026, 3, 2, 9)


def open_backend(url: str) -> Backend:
    """A migrated backend."""
    if url == "memory://":
        return MemoryBackend()
    backend = SqlBackend(url)
    backend.migrate()
    return backend


def seed(ctx: Context) -> None:
    """Two stores and three products."""
    with ctx.unit_of_work() as uow:
        for store_id in ("s1", "s2"):
            uow.repo(STORES).add(
                Store(id=store_id, name=store_id, timezone="Asia/Shanghai", currency="CNY")
            )
        products = uow.repo(PRODUCTS)
        products.add(
            Product(
                sku="DYE",
                name="Dye",
                unit="ml",
                kind=ProductKind.PROFESSIONAL,
                purchase_unit_size=Decimal(60),
                category="colour",
            )
        )
        products.add(
            Product(
                sku="DEV",
                name="Developer",
                unit="ml",
                kind=ProductKind.PROFESSIONAL,
                purchase_unit_size=Decimal(1000),
                category="colour",
            )
        )
        products.add(
            Product(sku="GEL", name="Gel", unit="piece", barcode="690123", category="retail")
        )


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """memory, SQLite and PostgreSQL (when configured) in turn."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        request.applymarker(pytest.mark.sqlite)
        yield f"sqlite:///{tmp_path / 'stock.db'}"
    else:
        request.applymarker(pytest.mark.postgres)
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def world(
    backend_url: str,
) -> Iterator[tuple[InventoryService, Context, RecordingListener, FrozenClock]]:
    """A seeded inventory service, its context, the event listener and the clock."""
    backend = open_backend(backend_url)
    listener = RecordingListener()
    clock = FrozenClock(T0)
    ctx = Context(backend=backend, clock=clock, ids=SequentialIds(), deliver=listener.receive)
    seed(ctx)
    yield InventoryService(ctx, currency="CNY"), ctx, listener, clock
    backend.close()
