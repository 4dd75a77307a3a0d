"""The receipt of a paid order, built for :mod:`salonkit.printing` (its receipt model, layout
and print jobs for text and ESC/POS printers).

Line amounts are shown before discounts; every discount of the order (tier, campaign, coupon,
manual) is listed under the subtotal, then the tax per rate, the total, the tenders (cash as
handed over, with the change), and the points and wallet after the visit. The receipt's labels
follow the customer's language.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from salonkit.domain.money import Money
from salonkit.domain.store import Store
from salonkit.orders.model import Order, TenderKind
from salonkit.plugins.hookspecs import PrintJob
from salonkit.printing.jobs import receipt_job
from salonkit.printing.receipt import (
    Adjustment,
    Receipt,
    ReceiptLine,
    StoreHeader,
    TaxLine,
    TenderLine,
)

_SOURCES = {"tier": "Member discount", "campaign": "Offer", "manual": "Discount"}


def receipt_for(
    order: Order,
    store: Store,
    *,
    customer_name: str = "",
    language: str = "en",
    cashier: str = "",
    points_balance: int | None = None,
    wallet_balance: Money | None = None,
) -> Receipt:
    """The :class:`~salonkit.printing.receipt.Receipt` of a paid ``order``."""
    zero = Money.zero(order.currency)
    taxes: dict[tuple[Decimal, bool], Money] = defaultdict(lambda: zero)
    for line in order.lines:
        if line.tax:
            taxes[(line.tax_rate, line.tax_inclusive)] += line.tax
    tenders = []
    for tender in order.tenders:
        shown = tender.given if tender.kind is TenderKind.CASH and tender.given else tender.amount
        reference = tender.reference if tender.kind is TenderKind.CARD else ""
        if tender.points:
            reference = f"{tender.points} pts"
        tenders.append(TenderLine(method=tender.kind.value, amount=shown, reference=reference))
    return Receipt(
        store=StoreHeader(name=store.name, address=store.address, phone=store.phone or ""),
        order_number=order.number,
        issued_at=order.paid_at or order.opened_at,
        timezone=store.timezone,
        currency=order.currency,
        lines=[
            ReceiptLine(
                description=line.description,
                quantity=Decimal(line.quantity),
                unit_price=line.unit_price,
                amount=line.gross,
                staff=line.staff_id or "",
            )
            for line in order.lines
        ],
        subtotal=order.subtotal,
        discounts=[
            Adjustment(
                label=d.coupon_code or f"{_SOURCES.get(d.source, d.source)}: {d.reference}",
                amount=d.amount,
            )
            for d in order.discounts
        ],
        taxes=[
            TaxLine(label="VAT", rate=rate, amount=amount, included=included)
            for (rate, included), amount in sorted(taxes.items())
        ],
        total=order.total,
        tenders=tenders,
        change=order.change if order.change else None,
        points_earned=order.points_earned or None,
        points_balance=points_balance,
        wallet_balance=wallet_balance,
        customer=customer_name,
        cashier=cashier,
        language=language,
    )


def print_job(receipt: Receipt, *, store_id: str | None = None) -> PrintJob:
    """The print job of ``receipt`` (plain text plus the laid-out document for ESC/POS)."""
    return receipt_job(receipt, store_id=store_id)


__all__ = ["print_job", "receipt_for"]
