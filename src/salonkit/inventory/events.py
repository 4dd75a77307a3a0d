"""Domain events of the stock ledger, delivered to ``salonkit_on_event`` listeners after commit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from salonkit.domain.events import DomainEvent


@attrs.frozen(kw_only=True)
class StockLow(DomainEvent):
    """On-hand of ``sku`` fell to or below its reorder point (it was above it before the move)."""

    sku: str
    quantity: Decimal
    reorder_point: Decimal
    reorder_quantity: Decimal | None = None


@attrs.frozen(kw_only=True)
class StockExpiring(DomainEvent):
    """A lot of ``sku`` expires on ``expires`` (within the window asked for, or already)."""

    sku: str
    lot: str | None
    expires: dt.date
    quantity: Decimal
    value: Decimal


@attrs.frozen(kw_only=True)
class StockMoved(DomainEvent):
    """A move was posted (``back_dated`` when later moves were revalued because of it)."""

    sku: str
    move_id: str
    move_type: str
    quantity: Decimal
    back_dated: bool = False


__all__ = ["StockExpiring", "StockLow", "StockMoved"]
