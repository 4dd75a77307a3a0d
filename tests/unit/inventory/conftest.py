"""Fixtures for the inventory unit tests."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from salonkit.domain.catalogue import Product, ProductKind
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import NegativeStockPolicy, ValuationMethod

T0 = pendulum.datetime(2026, 3, 2, 9)


class FixedClock:
    """A clock that stays where it is put."""

    def __init__(self, now: pendulum.DateTime = T0) -> None:
        self.current = now

    def now(self) -> pendulum.DateTime:
        return self.current


def make_ledger(
    method: ValuationMethod = ValuationMethod.FIFO,
    policy: NegativeStockPolicy = NegativeStockPolicy.REFUSE,
    skus: tuple[str, ...] = ("P",),
) -> StockLedger:
    """A CNY ledger with professional products counted in ml, bought in 500 ml bottles."""
    ledger = StockLedger("CNY", method=method, negative_stock=policy, clock=FixedClock())
    for sku in skus:
        ledger.add_product(
            Product(
                sku=sku,
                name=sku,
                unit="ml",
                kind=ProductKind.PROFESSIONAL,
                purchase_unit_size=Decimal(500),
                category="colour",
            )
        )
    return ledger


@pytest.fixture
def new_ledger() -> Callable[..., StockLedger]:
    """The :func:`make_ledger` factory."""
    return make_ledger
