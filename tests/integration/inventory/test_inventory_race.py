"""Several processes consuming the last units at once never drive stock below zero."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salonkit.context import Context
from salonkit.inventory.model import MoveType
from salonkit.inventory.service import InventoryService

from .conftest import T0, open_backend, seed  # type: ignore[import-not-found]

WORKERS = 4
ATTEMPTS = 8
STOCK = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        request.applymarker(pytest.mark.sqlite)
        return f"sqlite:///{tmp_path / 'race.db'}"
    request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue("postgres_url")


def test_concurrent_consumers_cannot_oversell(
    shared_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = open_backend(shared_url)
    ctx = Context(backend=backend)
    seed(ctx)
    stock = InventoryService(ctx)
    stock.receive("s1", "GEL", Decimal(STOCK), unit_cost=Decimal(8), actor="a", at=T0)
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    import inventory_race_worker  # type: ignore[import-not-found]

    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(WORKERS) as pool:
        results = pool.starmap(
            inventory_race_worker.consume_units, [(shared_url, ATTEMPTS)] * WORKERS
        )
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    assert done == STOCK and refused == WORKERS * ATTEMPTS - STOCK
    assert stock.on_hand("s1", "GEL") == 0
    history = stock.history("s1", "GEL")
    assert sum(1 for p in history if p.move.type is MoveType.CONSUME) == STOCK
    assert all(p.quantity_after >= 0 for p in history)
    backend.close()
