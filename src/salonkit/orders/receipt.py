"""The receipt of a paid order: a plain value and its rendering as text for a printer.

>>> import datetime as dt, pendulum
>>> from salonkit.domain.money import Money
>>> from salonkit.orders.model import LineKind, Order, OrderLine, OrderStatus, Tender, TenderKind
>>> line = OrderLine(id="1", kind=LineKind.SERVICE, item_id="cut", description="Cut",
...                  unit_price=Money("128.00", "CNY"), staff_id="bo")
>>> order = Order(id="ord_1", number="20261123-0001", store_id="s", currency="CNY",
...               business_date=dt.date(2026, 11, 23), opened_at=pendulum.datetime(2026, 11, 23, 2),
...               lines=(line,), status=OrderStatus.PAID,
...               tenders=(Tender(kind=TenderKind.CARD, amount=Money("128.00", "CNY")),))
>>> print(render(Receipt.of(order, store_name="Jade Salon", timezone="Asia/Shanghai")))
... # doctest: +NORMALIZE_WHITESPACE
Jade Salon
Order 20261123-0001   2026-11-23 10:00
------------------------------------------
Cut (bo)                        128.00
------------------------------------------
Subtotal                        128.00
TOTAL                       128.00 CNY
card                            128.00
"""

from __future__ import annotations

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.orders.model import Order
from salonkit.plugins.hookspecs import PrintJob

WIDTH = 42


@attrs.frozen(kw_only=True)
class Receipt:
    """What a receipt shows: the order, the store, the customer and the points after it."""

    order: Order
    store_name: str
    timezone: str
    address: str = ""
    customer_name: str = ""
    points_balance: int | None = None
    wallet_balance: Money | None = None

    @classmethod
    def of(
        cls,
        order: Order,
        *,
        store_name: str,
        timezone: str,
        address: str = "",
        customer_name: str = "",
        points_balance: int | None = None,
        wallet_balance: Money | None = None,
    ) -> Receipt:
        """A receipt for ``order``."""
        return cls(
            order=order,
            store_name=store_name,
            timezone=timezone,
            address=address,
            customer_name=customer_name,
            points_balance=points_balance,
            wallet_balance=wallet_balance,
        )


def _row(left: str, right: str) -> str:
    room = WIDTH - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


def _amount(money: Money) -> str:
    return str(money).rsplit(" ", 1)[0]


def render(receipt: Receipt) -> str:
    """The receipt as fixed-width text (42 columns, a thermal printer's width)."""
    order = receipt.order
    rule = "-" * WIDTH
    when = pendulum.instance(order.paid_at or order.opened_at).in_timezone(receipt.timezone)
    out = [receipt.store_name]
    if receipt.address:
        out.append(receipt.address)
    out.append(f"Order {order.number}   {when:%Y-%m-%d %H:%M}")
    if receipt.customer_name:
        out.append(f"Customer: {receipt.customer_name}")
    out.append(rule)
    for line in order.lines:
        label = line.description + (f" x{line.quantity}" if line.quantity > 1 else "")
        if line.staff_id:
            label += f" ({line.staff_id})"
        out.append(_row(label, _amount(line.gross)))
        if line.discount:
            out.append(_row("  discount", "-" + _amount(line.discount)))
    out.append(rule)
    out.append(_row("Subtotal", _amount(order.subtotal)))
    for discount in order.discounts:
        out.append(
            _row(f"  {discount.source}: {discount.reference}", "-" + _amount(discount.amount))
        )
    if order.tax_total:
        included = all(line.tax_inclusive for line in order.lines if line.tax)
        out.append(_row("Tax (included)" if included else "Tax", _amount(order.tax_total)))
    out.append(_row("TOTAL", str(order.total)))
    for tender in order.tenders:
        label = tender.kind.value + (f" {tender.reference}" if tender.reference else "")
        if tender.points:
            label += f" ({tender.points} pts)"
        out.append(_row(label, _amount(tender.amount)))
        if tender.given is not None and tender.change:
            out.append(_row("  given", _amount(tender.given)))
            out.append(_row("  change", _amount(tender.change)))
    if order.points_earned:
        out.append(_row("Points earned", str(order.points_earned)))
    if receipt.points_balance is not None:
        out.append(_row("Points balance", str(receipt.points_balance)))
    if receipt.wallet_balance is not None:
        out.append(_row("Wallet balance", _amount(receipt.wallet_balance)))
    return "\n".join(out)


def print_job(receipt: Receipt) -> PrintJob:
    """The print job for ``receipt``."""
    return PrintJob(
        kind="receipt",
        text=render(receipt),
        store_id=receipt.order.store_id,
        data={"order_id": receipt.order.id, "number": receipt.order.number},
    )


__all__ = ["Receipt", "print_job", "render"]
