"""The daily takings slip (end-of-day "Z report"): sales by tender and the cash drawer check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "takings.printed_at")


@attrs.frozen(kw_only=True)
class TakingsLine:
    """What one tender method took: ``count`` payments worth ``amount``."""

    method: str
    count: int
    amount: Money


@attrs.frozen(kw_only=True)
class TakingsSlip:
    """One store's takings for one business day.

    ``gross`` - ``discounts`` - ``refunds`` is expected to be ``net`` (the seller's figures are
    printed as given). With ``cash_float`` (the drawer's starting cash) and ``cash_counted``, the
    slip shows the cash expected (float + cash taken − cash refunded) and the variance.
    """

    store_name: str = attrs.field(validator=non_empty)
    business_day: dt.date
    printed_at: pendulum.DateTime = attrs.field(converter=_instant)
    timezone: str
    currency: str
    orders: int
    gross: Money
    discounts: Money
    refunds: Money
    tax: Money
    net: Money
    tenders: tuple[TakingsLine, ...] = attrs.field(default=(), converter=_tuple)
    cash_refunds: Money | None = None
    cash_float: Money | None = None
    cash_counted: Money | None = None
    language: str = "en"

    def __attrs_post_init__(self) -> None:
        amounts = [self.gross, self.discounts, self.refunds, self.tax, self.net]
        amounts += [t.amount for t in self.tenders]
        amounts += [
            m for m in (self.cash_refunds, self.cash_float, self.cash_counted) if m is not None
        ]
        for money in amounts:
            if money.currency != self.currency:
                raise ValidationError(
                    "takings.currency", f"{money.currency} on a {self.currency} slip"
                )

    @property
    def cash_taken(self) -> Money:
        """What the ``cash`` tender took."""
        return Money.sum((t.amount for t in self.tenders if t.method == "cash"), self.currency)

    @property
    def cash_expected(self) -> Money | None:
        """Float + cash taken − cash refunded; ``None`` without a float."""
        if self.cash_float is None:
            return None
        refunds = self.cash_refunds or Money.zero(self.currency)
        return self.cash_float + self.cash_taken - refunds

    @property
    def variance(self) -> Money | None:
        """Counted − expected (negative: cash is missing); ``None`` until counted."""
        expected = self.cash_expected
        if expected is None or self.cash_counted is None:
            return None
        return self.cash_counted - expected


__all__ = ["TakingsLine", "TakingsSlip"]
