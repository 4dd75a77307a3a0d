"""Orders: lines, tenders, statuses and totals (pure values, no I/O).

An :class:`Order` is opened for an appointment or a walk-in, collects :class:`OrderLine` s while it
is ``open``, is paid once by one or more :class:`Tender` s, and may then be refunded in whole or
line by line. Every amount is exact :class:`~salonkit.domain.money.Money`; tax is computed per
line by :mod:`salonkit.orders.tax` and stored on the line, so a stored order never changes when
tax rules change later.

Status changes::

    open ──checkout──> paid ──refund──> partially_refunded ──refund──> refunded
      └────void──────> voided         └─────────refund (all)─────────> refunded
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty, optional, positive_int
from salonkit.errors import ValidationError


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "order.instant")


def _optional_instant(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else require_aware(value, "order.instant")


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    OPEN = "open"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"


class LineKind(StrEnum):
    """What a line sells. It picks the tax rule, whether it earns points and what checkout does."""

    SERVICE = "service"
    PRODUCT = "product"
    PACKAGE = "package"
    TOP_UP = "top_up"
    TIP = "tip"
    FEE = "fee"


#: Line kinds that campaign, tier and manual discounts may reduce.
DISCOUNTABLE = frozenset({LineKind.SERVICE, LineKind.PRODUCT, LineKind.PACKAGE})


class TenderKind(StrEnum):
    """How (part of) an order was paid."""

    CASH = "cash"
    CARD = "card"
    WALLET = "wallet"
    POINTS = "points"
    DEPOSIT = "deposit"


def _non_negative_money(instance: object, attribute: attrs.Attribute[Money], value: Money) -> None:
    if not isinstance(value, Money):
        raise ValidationError(
            f"{type(instance).__name__.lower()}.{attribute.name}", "must be Money"
        )
    if value.is_negative():
        raise ValidationError(
            f"{type(instance).__name__.lower()}.{attribute.name}",
            f"must not be negative, got {value}",
        )


def _rate(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value >= 1:
        raise ValidationError("orderline.tax_rate", f"must be a Decimal in [0, 1), got {value!r}")


@attrs.frozen(kw_only=True)
class OrderLine:
    """One line of an order.

    - ``unit_price`` × ``quantity`` is the ``gross``; ``discount`` (every discount allocated to the
      line) comes off it to give the ``net``;
    - ``tax`` is the line's tax at ``tax_rate``: with ``tax_inclusive`` it is the part of ``net``
      that is tax, otherwise it is charged on top; ``total`` is what the customer pays for it;
    - ``staff_id`` is who did the service (or sold the product, or receives the tip);
    - ``cost`` is the cost of goods posted to the stock ledger at checkout (products sold and the
      recipe of a service), for margins and the P&L;
    - ``refunded_quantity`` / ``refunded`` record what was given back so far.
    """

    id: str = attrs.field(validator=non_empty)
    kind: LineKind
    item_id: str = attrs.field(validator=non_empty)
    description: str = attrs.field(validator=non_empty)
    unit_price: Money = attrs.field(validator=_non_negative_money)
    quantity: int = attrs.field(default=1, validator=positive_int)
    staff_id: str | None = None
    category: str = ""
    discount: Money = attrs.field(validator=_non_negative_money)
    tax_rate: Decimal = attrs.field(default=Decimal(0), validator=_rate)
    tax_inclusive: bool = True
    tax: Money = attrs.field(validator=_non_negative_money)
    cost: Money = attrs.field(validator=_non_negative_money)
    package_visits: int | None = attrs.field(default=None, validator=optional(positive_int))
    refunded_quantity: int = 0
    refunded: Money = attrs.field(validator=_non_negative_money)

    @discount.default
    def _zero_discount(self) -> Money:
        return Money.zero(self.unit_price.currency)

    @tax.default
    def _zero_tax(self) -> Money:
        return Money.zero(self.unit_price.currency)

    @cost.default
    def _zero_cost(self) -> Money:
        return Money.zero(self.unit_price.currency)

    @refunded.default
    def _zero_refunded(self) -> Money:
        return Money.zero(self.unit_price.currency)

    def __attrs_post_init__(self) -> None:
        currency = self.unit_price.currency
        for name in ("discount", "tax", "cost", "refunded"):
            if getattr(self, name).currency != currency:
                raise ValidationError(f"orderline.{name}", f"must be in {currency}")
        if self.discount > self.gross:
            raise ValidationError("orderline.discount", "cannot exceed the line's gross amount")
        if not 0 <= self.refunded_quantity <= self.quantity:
            raise ValidationError("orderline.refunded_quantity", "must be between 0 and quantity")
        if self.kind is LineKind.PACKAGE and self.package_visits is None:
            raise ValidationError("orderline.package_visits", "a package line says how many visits")

    @property
    def currency(self) -> str:
        """The line's currency."""
        return self.unit_price.currency

    @property
    def gross(self) -> Money:
        """``unit_price × quantity``, before discounts."""
        return self.unit_price * self.quantity

    @property
    def net(self) -> Money:
        """After discounts (tax included when the line's prices include it)."""
        return self.gross - self.discount

    @property
    def total(self) -> Money:
        """What the customer pays for the line."""
        return self.net if self.tax_inclusive else self.net + self.tax

    @property
    def net_of_tax(self) -> Money:
        """Revenue of the line: the total without its tax."""
        return self.total - self.tax

    @property
    def refundable(self) -> Money:
        """What can still be refunded on this line."""
        return self.total - self.refunded


@attrs.frozen(kw_only=True)
class AppliedDiscount:
    """A discount given on an order: its ``source`` (``"campaign"``, ``"tier"``, ``"manual"``),
    what it refers to (a campaign id, a tier name, a reason) and the amount."""

    source: str
    reference: str
    amount: Money
    coupon_code: str | None = None


@attrs.frozen(kw_only=True)
class Tender:
    """One payment of an order.

    ``amount`` is what it paid of the order. For cash, ``given`` is what the customer handed over
    and ``change`` what was given back. ``reference`` is the card terminal's reference or the
    deposit's id; ``points`` the points redeemed for a points tender. ``refunded`` is what was
    returned to this tender so far.
    """

    kind: TenderKind
    amount: Money = attrs.field(validator=_non_negative_money)
    reference: str = ""
    given: Money | None = None
    change: Money | None = None
    points: int = 0
    refunded: Money = attrs.field(validator=_non_negative_money)

    @refunded.default
    def _zero_refunded(self) -> Money:
        return Money.zero(self.amount.currency)

    @property
    def refundable(self) -> Money:
        """What can still go back to this tender."""
        return self.amount - self.refunded


def _lines(value: Iterable[OrderLine]) -> tuple[OrderLine, ...]:
    return tuple(value)


def _discounts(value: Iterable[AppliedDiscount]) -> tuple[AppliedDiscount, ...]:
    return tuple(value)


def _tenders(value: Iterable[Tender]) -> tuple[Tender, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Order:
    """A sale in one store. ``number`` is human-readable and unique per store
    (``20261123-0007``: the local business date and a daily sequence)."""

    id: str = attrs.field(validator=non_empty)
    number: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    currency: str
    business_date: dt.date
    opened_at: pendulum.DateTime = attrs.field(converter=_instant)
    customer_id: str | None = None
    appointment_id: str | None = None
    status: OrderStatus = OrderStatus.OPEN
    lines: tuple[OrderLine, ...] = attrs.field(default=(), converter=_lines)
    discounts: tuple[AppliedDiscount, ...] = attrs.field(default=(), converter=_discounts)
    tenders: tuple[Tender, ...] = attrs.field(default=(), converter=_tenders)
    paid_at: pendulum.DateTime | None = attrs.field(default=None, converter=_optional_instant)
    closed_at: pendulum.DateTime | None = attrs.field(default=None, converter=_optional_instant)
    opened_by: str = ""
    points_earned: int = 0
    points_redeemed: int = 0
    points_clawed_back: int = 0
    points_restored: int = 0
    note: str = ""
    version: int = 0

    def __attrs_post_init__(self) -> None:
        for line in self.lines:
            if line.currency != self.currency:
                raise ValidationError("order.lines", f"every line must be in {self.currency}")

    # -- totals --------------------------------------------------------------------------------

    def _sum(self, values: list[Money]) -> Money:
        return Money.sum(values, self.currency)

    @property
    def subtotal(self) -> Money:
        """Every line's gross, before discounts."""
        return self._sum([line.gross for line in self.lines])

    @property
    def discount_total(self) -> Money:
        """Every discount on the lines."""
        return self._sum([line.discount for line in self.lines])

    @property
    def tax_total(self) -> Money:
        """The tax of every line (included or on top)."""
        return self._sum([line.tax for line in self.lines])

    @property
    def total(self) -> Money:
        """What the customer pays."""
        return self._sum([line.total for line in self.lines])

    @property
    def paid(self) -> Money:
        """What the tenders paid of the order (change excluded)."""
        return self._sum([t.amount for t in self.tenders])

    @property
    def refunded(self) -> Money:
        """What was refunded so far."""
        return self._sum([t.refunded for t in self.tenders])

    @property
    def change(self) -> Money:
        """Cash handed back."""
        return self._sum([t.change for t in self.tenders if t.change is not None])

    def line(self, line_id: str) -> OrderLine:
        """The line with ``line_id``."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise ValidationError("line_id", f"order {self.number} has no line {line_id!r}")

    def staff_ids(self) -> frozenset[str]:
        """Everyone named on a line."""
        return frozenset(line.staff_id for line in self.lines if line.staff_id)

    def next_line_id(self) -> str:
        """The id for a new line: one more than the highest so far."""
        return str(max((int(line.id) for line in self.lines), default=0) + 1)

    def require_open(self) -> None:
        """Raise unless the order can still be changed."""
        if self.status is not OrderStatus.OPEN:
            raise ValidationError("order.status", f"order {self.number} is {self.status.value}")


__all__ = [
    "DISCOUNTABLE",
    "AppliedDiscount",
    "LineKind",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Tender",
    "TenderKind",
]
