"""Record kinds of the orders package: orders, daily number counters, refunds, deposits and
each store's order settings."""

from __future__ import annotations

import datetime as dt

import attrs

from salonkit.domain.money import Money
from salonkit.orders.deposits import Deposit, StoreOrderSettings
from salonkit.orders.model import Order
from salonkit.storage.kinds import Column, Kind, registry


@attrs.frozen(kw_only=True)
class OrderCounter:
    """The last order number used by a store on one business date (``id`` = ``store/date``)."""

    id: str
    last: int = 0
    version: int = 0


@attrs.frozen(kw_only=True)
class RefundLine:
    """What a refund gave back on one order line."""

    line_id: str
    quantity: int
    amount: Money
    restocked: bool = False


@attrs.frozen(kw_only=True)
class TenderRefund:
    """What a refund paid back through one of the order's tenders (by position)."""

    tender_index: int
    kind: str
    amount: Money
    points: int = 0


@attrs.frozen(kw_only=True)
class Refund:
    """A refund of (part of) an order: the lines, the tenders it went back to, the points
    clawed back from what the order earned, and who did it when and why."""

    id: str
    order_id: str
    store_id: str
    customer_id: str | None
    at: dt.datetime
    amount: Money
    lines: tuple[RefundLine, ...]
    tenders: tuple[TenderRefund, ...]
    points_clawed_back: int = 0
    points_restored: int = 0
    reason: str = ""
    actor: str = ""


ORDERS = registry.register(
    Kind(
        "order",
        Order,
        columns=(
            Column("store_id", str),
            Column("number_key", str, extract=lambda o: f"{o.store_id}/{o.number}", unique=True),
            Column("customer_id", str),
            Column("appointment_id", str),
            Column("status", str, extract=lambda o: o.status.value),
            Column("business_date", dt.date),
            Column("opened_at", dt.datetime),
            Column("paid_at", dt.datetime),
        ),
    )
)
ORDER_COUNTERS = registry.register(Kind("order_counter", OrderCounter))
REFUNDS = registry.register(
    Kind(
        "order_refund",
        Refund,
        columns=(
            Column("order_id", str),
            Column("store_id", str),
            Column("at", dt.datetime),
        ),
        append_only=True,
        versioned=False,
    )
)
DEPOSITS = registry.register(
    Kind(
        "deposit",
        Deposit,
        columns=(
            Column("store_id", str),
            Column("customer_id", str),
            Column("appointment_id", str),
            Column("status", str, extract=lambda d: d.status.value),
            Column("taken_at", dt.datetime),
        ),
    )
)
ORDER_SETTINGS = registry.register(Kind("order_settings", StoreOrderSettings))

#: Every kind this package stores.
KINDS = (ORDERS, ORDER_COUNTERS, REFUNDS, DEPOSITS, ORDER_SETTINGS)

__all__ = [
    "DEPOSITS",
    "KINDS",
    "ORDERS",
    "ORDER_COUNTERS",
    "ORDER_SETTINGS",
    "REFUNDS",
    "OrderCounter",
    "Refund",
    "RefundLine",
    "TenderRefund",
]
