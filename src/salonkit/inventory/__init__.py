"""salonkit.inventory: an append-only stock ledger with lots, expiry, FIFO and moving-average
valuation, stocktake, reorder alerts, purchase orders and per-service consumption recipes.

- :class:`StockLedger`: the in-memory engine, usable on its own.
- :class:`InventoryService`: the use cases over storage, one unit of work each.
- Modules: :mod:`~salonkit.inventory.valuation` (the rules), :mod:`~salonkit.inventory.stocktake`,
  :mod:`~salonkit.inventory.recipes`, :mod:`~salonkit.inventory.purchasing`,
  :mod:`~salonkit.inventory.expiry`, :mod:`~salonkit.inventory.reports`.
"""

from salonkit.inventory.events import StockExpiring, StockLow, StockMoved
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import (
    Balance,
    LotPart,
    Move,
    MoveRequest,
    MoveType,
    NegativeStockPolicy,
    Posting,
    StockSettings,
    Transfer,
    ValuationMethod,
)
from salonkit.inventory.purchasing import OrderLine, PurchaseOrder, ReceiptLine, Supplier
from salonkit.inventory.recipes import Recipe, RecipeLine, consume_for_service
from salonkit.inventory.service import InventoryService
from salonkit.inventory.units import PACK
from salonkit.inventory.valuation import RATE_PLACES, ExpiredStock

__all__ = [
    "PACK",
    "RATE_PLACES",
    "Balance",
    "ExpiredStock",
    "InventoryService",
    "LotPart",
    "Move",
    "MoveRequest",
    "MoveType",
    "NegativeStockPolicy",
    "OrderLine",
    "Posting",
    "PurchaseOrder",
    "ReceiptLine",
    "Recipe",
    "RecipeLine",
    "StockExpiring",
    "StockLedger",
    "StockLow",
    "StockMoved",
    "StockSettings",
    "Supplier",
    "Transfer",
    "ValuationMethod",
    "consume_for_service",
]
