"""Suppliers, purchase orders and suggested orders.

A purchase order moves draft → sent → partially received → received, or is cancelled (from
draft or sent, or from partially received, which closes what is still outstanding). Receiving
against an order posts one receive move per line received, at the order's unit cost.

Suggested orders (:func:`suggest`) project each product's stock: on hand, plus what is already
on order, minus what the recipes of the upcoming bookings will consume. When the projection is
at or below the reorder point, the suggestion is ``max(reorder quantity, reorder point −
projection)``; without a reorder point a product is suggested only when the projection is below
zero, for the missing amount. Suggestions are rounded up to whole purchase units (packs).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_CEILING, Decimal
from enum import Enum

import attrs

from salonkit.domain.money import Money, to_decimal
from salonkit.domain.validation import email, non_empty, non_negative_int, optional
from salonkit.errors import ValidationError
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import Posting
from salonkit.inventory.recipes import Recipe
from salonkit.inventory.units import PACK, to_stock_units

_ZERO = Decimal(0)


@attrs.frozen(kw_only=True)
class Supplier:
    """Someone the salon buys from. ``lead_time_days`` is how long an order takes to arrive."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    email: str | None = attrs.field(default=None, validator=optional(email))
    phone: str | None = None
    lead_time_days: int = attrs.field(default=0, validator=non_negative_int)
    active: bool = True
    version: int = 0


class OrderStatus(Enum):
    """Where a purchase order is in its life."""

    DRAFT = "draft"
    SENT = "sent"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"


_NEXT: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.SENT, OrderStatus.CANCELLED}),
    OrderStatus.SENT: frozenset(
        {OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED, OrderStatus.CANCELLED}
    ),
    OrderStatus.PARTIALLY_RECEIVED: frozenset(
        {OrderStatus.PARTIALLY_RECEIVED, OrderStatus.RECEIVED, OrderStatus.CANCELLED}
    ),
    OrderStatus.RECEIVED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def _quantity(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError("orderline.quantity", f"must be a positive Decimal, got {value!r}")


@attrs.frozen(kw_only=True)
class OrderLine:
    """``quantity`` of ``sku`` ordered in ``unit`` (packs by default) at ``unit_cost`` per unit."""

    sku: str = attrs.field(validator=non_empty)
    quantity: Decimal = attrs.field(validator=_quantity)
    unit_cost: Money
    unit: str | None = PACK
    received: Decimal = _ZERO

    @property
    def outstanding(self) -> Decimal:
        """Still to arrive (in the line's unit)."""
        return max(self.quantity - self.received, _ZERO)


@attrs.frozen(kw_only=True)
class ReceiptLine:
    """What arrived for one order line: ``quantity`` in the line's unit, with its lot."""

    sku: str
    quantity: Decimal
    lot: str | None = None
    expires: dt.date | None = None


def _order_lines(value: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class PurchaseOrder:
    """An order to a supplier for one store."""

    id: str = attrs.field(validator=non_empty)
    supplier_id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    lines: tuple[OrderLine, ...] = attrs.field(default=(), converter=_order_lines)
    status: OrderStatus = OrderStatus.DRAFT
    created_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    note: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise ValidationError("purchaseorder.lines", "a product is ordered on two lines")

    def _go(self, status: OrderStatus) -> None:
        if status not in _NEXT[self.status]:
            raise ValidationError(
                "purchaseorder.status",
                f"order {self.id} is {self.status.value}; it cannot become {status.value}",
            )

    def line(self, sku: str) -> OrderLine:
        """The line for ``sku``."""
        for line in self.lines:
            if line.sku == sku:
                return line
        raise ValidationError("sku", f"{sku} is not on order {self.id}")

    def with_line(self, line: OrderLine) -> PurchaseOrder:
        """A draft with ``line`` added (or replacing the line of the same product)."""
        if self.status is not OrderStatus.DRAFT:
            raise ValidationError("purchaseorder.status", "only a draft order can be edited")
        others = tuple(x for x in self.lines if x.sku != line.sku)
        return attrs.evolve(self, lines=(*others, line))

    def send(self, at: dt.datetime) -> PurchaseOrder:
        """Mark the order sent to the supplier (it needs at least one line)."""
        self._go(OrderStatus.SENT)
        if not self.lines:
            raise ValidationError("purchaseorder.lines", "an empty order cannot be sent")
        return attrs.evolve(self, status=OrderStatus.SENT, sent_at=at)

    def cancel(self, at: dt.datetime) -> PurchaseOrder:
        """Cancel the order (what was received stays received)."""
        self._go(OrderStatus.CANCELLED)
        return attrs.evolve(self, status=OrderStatus.CANCELLED, closed_at=at)

    def record_receipt(self, received: Sequence[ReceiptLine], at: dt.datetime) -> PurchaseOrder:
        """The order after ``received`` arrived: partially received, or received when complete.

        Receiving more than is outstanding on a line is refused.
        """
        if not received:
            raise ValidationError("received", "nothing received")
        got: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        for item in received:
            got[item.sku] += to_decimal(item.quantity, "received.quantity")
        lines = []
        for line in self.lines:
            add = got.pop(line.sku, _ZERO)
            if add < 0 or add > line.outstanding:
                raise ValidationError(
                    "received.quantity",
                    f"{add} of {line.sku} received, {line.outstanding} outstanding",
                )
            lines.append(attrs.evolve(line, received=line.received + add))
        if got:
            raise ValidationError("received.sku", f"not on order {self.id}: {sorted(got)}")
        complete = all(not line.outstanding for line in lines)
        status = OrderStatus.RECEIVED if complete else OrderStatus.PARTIALLY_RECEIVED
        self._go(status)
        return attrs.evolve(
            self, lines=tuple(lines), status=status, closed_at=at if complete else None
        )

    @property
    def total(self) -> Money | None:
        """The order's value (``None`` for an empty order)."""
        if not self.lines:
            return None
        currency = self.lines[0].unit_cost.currency
        return Money.sum((x.unit_cost * x.quantity for x in self.lines), currency)

    def outstanding_stock_units(self, ledger: StockLedger) -> dict[str, Decimal]:
        """What is still to arrive, per product, in stock units (open orders only)."""
        if self.status not in (OrderStatus.SENT, OrderStatus.PARTIALLY_RECEIVED):
            return {}
        return {
            x.sku: to_stock_units(x.outstanding, x.unit, ledger.product(x.sku))
            for x in self.lines
            if x.outstanding
        }


def receive_against(
    ledger: StockLedger,
    order: PurchaseOrder,
    received: Sequence[ReceiptLine],
    *,
    actor: str,
    at: dt.datetime | None = None,
) -> tuple[PurchaseOrder, list[Posting]]:
    """Post receive moves for what arrived against ``order`` (all or nothing)."""
    when = at or ledger.clock.now()
    updated = order.record_receipt(received, when)
    postings: list[Posting] = []
    with ledger.atomic():
        for item in received:
            line = order.line(item.sku)
            if not item.quantity:
                continue
            postings.append(
                ledger.receive(
                    order.store_id,
                    item.sku,
                    item.quantity,
                    unit=line.unit,
                    unit_cost=line.unit_cost,
                    actor=actor,
                    lot=item.lot,
                    expires=item.expires,
                    supplier_id=order.supplier_id,
                    reference=order.id,
                    at=at,
                )
            )
    return updated, postings


Booking = tuple[str, dt.date]


@attrs.frozen(kw_only=True)
class Suggestion:
    """A product worth ordering, and why. Quantities in stock units except ``packs``."""

    store_id: str
    sku: str
    supplier_id: str | None
    on_hand: Decimal
    on_order: Decimal
    demand: Decimal
    projected: Decimal
    reorder_point: Decimal | None
    quantity: Decimal
    packs: Decimal


def booking_demand(
    ledger: StockLedger,
    recipes: Mapping[str, Recipe],
    bookings: Iterable[Booking],
    *,
    start: dt.date,
    days: int,
) -> dict[str, Decimal]:
    """Stock units the recipes of ``bookings`` dated in ``[start, start + days)`` consume."""
    end = start + dt.timedelta(days=days)
    demand: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for service_id, day in bookings:
        recipe = recipes.get(service_id)
        if recipe is None or not start <= day < end:
            continue
        for sku, qty in recipe.in_stock_units(ledger).items():
            demand[sku] += qty
    return dict(demand)


def suggest(
    ledger: StockLedger,
    *,
    store_id: str,
    today: dt.date,
    days: int = 14,
    recipes: Mapping[str, Recipe] | None = None,
    bookings: Iterable[Booking] = (),
    open_orders: Iterable[PurchaseOrder] = (),
    suppliers: Mapping[str, str] | None = None,
) -> list[Suggestion]:
    """What to order for ``store_id``: reorder points and the next ``days`` of bookings.

    ``bookings`` is plain data, ``[(service_id, date), ...]``; ``suppliers`` maps a SKU to the
    supplier it is bought from.
    """
    if days < 0:
        raise ValidationError("days", "must not be negative")
    demand = booking_demand(ledger, recipes or {}, bookings, start=today, days=days)
    on_order: dict[str, Decimal] = defaultdict(lambda: _ZERO)
    for order in open_orders:
        if order.store_id == store_id:
            for sku, qty in order.outstanding_stock_units(ledger).items():
                on_order[sku] += qty
    out: list[Suggestion] = []
    for product in ledger.products():
        if not product.active:
            continue
        settings = ledger.settings(product.sku)
        have = ledger.on_hand(store_id, product.sku)
        coming = on_order.get(product.sku, _ZERO)
        need = demand.get(product.sku, _ZERO)
        projected = have + coming - need
        point = settings.reorder_point
        if point is not None and projected <= point:
            quantity = max(settings.reorder_quantity or _ZERO, point - projected)
        elif point is None and projected < 0:
            quantity = -projected
        else:
            continue
        if quantity <= 0:
            continue
        packs = (quantity / product.purchase_unit_size).to_integral_value(rounding=ROUND_CEILING)
        out.append(
            Suggestion(
                store_id=store_id,
                sku=product.sku,
                supplier_id=(suppliers or {}).get(product.sku),
                on_hand=have,
                on_order=coming,
                demand=need,
                projected=projected,
                reorder_point=point,
                quantity=packs * product.purchase_unit_size,
                packs=packs,
            )
        )
    return out


def draft_orders(
    ledger: StockLedger,
    suggestions: Iterable[Suggestion],
    *,
    ids: Iterable[str],
    at: dt.datetime,
) -> list[PurchaseOrder]:
    """Group suggestions into one draft order per supplier, priced at the last unit cost."""
    groups: dict[tuple[str, str], list[Suggestion]] = defaultdict(list)
    for s in suggestions:
        if s.supplier_id is not None:
            groups[(s.store_id, s.supplier_id)].append(s)
    id_iter = iter(ids)
    orders = []
    for (store_id, supplier_id), items in sorted(groups.items()):
        lines = []
        for s in items:
            state = ledger.state(store_id, s.sku)
            rate = state.last_rate if state is not None else _ZERO
            pack = ledger.product(s.sku).purchase_unit_size
            lines.append(
                OrderLine(
                    sku=s.sku,
                    quantity=s.packs,
                    unit=PACK,
                    unit_cost=Money(rate * pack, ledger.currency).round(),
                )
            )
        orders.append(
            PurchaseOrder(
                id=next(id_iter),
                supplier_id=supplier_id,
                store_id=store_id,
                lines=tuple(lines),
                created_at=at,
            )
        )
    return orders


__all__ = [
    "Booking",
    "OrderLine",
    "OrderStatus",
    "PurchaseOrder",
    "ReceiptLine",
    "Suggestion",
    "Supplier",
    "booking_demand",
    "draft_orders",
    "receive_against",
    "suggest",
]
