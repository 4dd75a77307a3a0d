"""Domain events of orders, delivered to ``salonkit_on_event`` listeners after commit."""

from __future__ import annotations

import attrs

from salonkit.domain.events import DomainEvent
from salonkit.domain.money import Money


@attrs.frozen(kw_only=True)
class OrderOpened(DomainEvent):
    """An order was opened (for an appointment or a walk-in)."""

    order_id: str
    number: str
    customer_id: str | None = None
    appointment_id: str | None = None


@attrs.frozen(kw_only=True)
class OrderPaid(DomainEvent):
    """An order was checked out: ``total`` paid by ``tenders`` (kind names)."""

    order_id: str
    number: str
    customer_id: str | None
    total: Money
    tenders: tuple[str, ...]
    points_earned: int = 0


@attrs.frozen(kw_only=True)
class OrderRefunded(DomainEvent):
    """``amount`` of an order was refunded (``full`` when nothing is left)."""

    order_id: str
    number: str
    refund_id: str
    amount: Money
    full: bool


@attrs.frozen(kw_only=True)
class OrderVoided(DomainEvent):
    """An open order was voided before payment."""

    order_id: str
    number: str
    reason: str


@attrs.frozen(kw_only=True)
class DepositTaken(DomainEvent):
    """A deposit was taken for an appointment."""

    deposit_id: str
    customer_id: str
    amount: Money
    appointment_id: str | None = None


@attrs.frozen(kw_only=True)
class FeeCharged(DomainEvent):
    """A no-show or late-cancellation fee was charged (``kind`` says which)."""

    order_id: str
    appointment_id: str
    kind: str
    fee: Money
    from_deposit: Money


__all__ = [
    "DepositTaken",
    "FeeCharged",
    "OrderOpened",
    "OrderPaid",
    "OrderRefunded",
    "OrderVoided",
]
