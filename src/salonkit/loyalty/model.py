"""The plain values the loyalty package reads: a purchase (order-like) and a member's profile.

A :class:`Purchase` is what the orders package (or a host) hands to loyalty at checkout: its lines
with a category, an amount, the discount given on it and the tax it carries. Loyalty never reads
an order directly, so any till can feed it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError


class LineCategory(enum.Enum):
    """What a purchase line sells. Tips, gift cards and wallet top-ups never earn points."""

    SERVICE = "service"
    PRODUCT = "product"
    PACKAGE = "package"
    """A prepaid package of visits (sold once, used visit by visit)."""
    GIFT_CARD = "gift_card"
    TOP_UP = "top_up"
    """Money loaded onto a stored-value wallet."""
    TIP = "tip"
    FEE = "fee"


#: Categories that never earn points, whatever the rules say.
NEVER_EARN = frozenset({LineCategory.TIP, LineCategory.GIFT_CARD, LineCategory.TOP_UP})


def _check_line(line: PurchaseLine) -> None:
    currency = line.amount.currency
    for name in ("discount", "tax"):
        value: Money = getattr(line, name)
        if value.currency != currency:
            raise ValidationError(f"purchase_line.{name}", "must be in the line's currency")
        if value.is_negative():
            raise ValidationError(f"purchase_line.{name}", f"must not be negative, got {value}")
    if line.amount.is_negative():
        raise ValidationError("purchase_line.amount", f"must not be negative, got {line.amount}")
    if line.discount > line.amount:
        raise ValidationError("purchase_line.discount", "cannot exceed the line amount")
    if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
        raise ValidationError(
            "purchase_line.quantity", f"must be a positive integer, got {line.quantity!r}"
        )


@attrs.frozen(kw_only=True)
class PurchaseLine:
    """One line of a purchase.

    - ``amount``: the line's price for all its units, **before** any discount;
    - ``discount``: the discount given on this line (campaigns, coupons, points redeemed);
    - ``tax``: the tax of this line. With ``Purchase.prices_include_tax`` (the default) it is the
      part of ``amount - discount`` that is tax; otherwise it is charged on top.
    """

    category: LineCategory
    amount: Money
    item_id: str = ""
    quantity: int = 1
    discount: Money = attrs.field()
    tax: Money = attrs.field()

    @discount.default
    def _no_discount(self) -> Money:
        return Money.zero(self.amount.currency)

    @tax.default
    def _no_tax(self) -> Money:
        return Money.zero(self.amount.currency)

    def __attrs_post_init__(self) -> None:
        _check_line(self)

    @property
    def net(self) -> Money:
        """What the line costs after its discount (tax handling aside)."""
        return self.amount - self.discount


def _check_lines(instance: Purchase, attribute: Any, lines: tuple[PurchaseLine, ...]) -> None:
    currencies = {line.amount.currency for line in lines}
    if len(currencies) > 1:
        raise ValidationError("purchase.lines", f"lines mix currencies: {sorted(currencies)}")


@attrs.frozen(kw_only=True)
class Purchase:
    """A checkout as loyalty sees it: an order id, when, its lines and whether prices include tax."""

    order_id: str
    at: dt.datetime
    lines: tuple[PurchaseLine, ...] = attrs.field(converter=tuple, validator=_check_lines)
    currency: str = attrs.field()
    prices_include_tax: bool = True
    store_id: str | None = None

    @currency.default
    def _line_currency(self) -> str:
        if not self.lines:
            raise ValidationError("purchase.currency", "needed when the purchase has no lines")
        return self.lines[0].amount.currency

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.order_id, str) or not self.order_id:
            raise ValidationError("purchase.order_id", "must be a non-empty string")
        if self.at.tzinfo is None:
            raise ValidationError("purchase.at", "must be timezone-aware")
        if any(line.amount.currency != self.currency for line in self.lines):
            raise ValidationError(
                "purchase.currency", "every line must be in the purchase currency"
            )

    def earning_value(self, line: PurchaseLine) -> Money:
        """The part of ``line`` that can earn: after discount, without tax (never below zero)."""
        value = line.net - line.tax if self.prices_include_tax else line.net
        return value if not value.is_negative() else Money.zero(self.currency)

    @property
    def total(self) -> Money:
        """What the customer pays: every line after discount, plus tax when it is charged on top."""
        total = Money.sum((line.net for line in self.lines), self.currency)
        if not self.prices_include_tax:
            total = total + Money.sum((line.tax for line in self.lines), self.currency)
        return total

    @property
    def has_service(self) -> bool:
        """True when at least one line is a service: the purchase is a visit."""
        return any(line.category is LineCategory.SERVICE for line in self.lines)


def _tags(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


@attrs.frozen(kw_only=True)
class MemberProfile:
    """What campaigns and tiers look at to decide whether an offer applies to a member."""

    member_id: str
    tier: str | None = None
    tags: frozenset[str] = attrs.field(default=frozenset(), converter=_tags)
    birthday: dt.date | None = None
    visits: int = 0
    last_visit_at: dt.datetime | None = None
