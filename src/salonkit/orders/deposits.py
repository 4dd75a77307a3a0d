"""Deposits taken at booking, and the store's fee policy for no-shows and late cancellations.

A :class:`Deposit` is money taken when an appointment is booked (a colour, a long perm). It is
``held`` until the visit is checked out (``applied`` as a tender of the order), kept against a
no-show or late-cancellation fee (``forfeited``, the rest ``refunded``), or given back.

>>> from decimal import Decimal
>>> from salonkit.domain.money import Money
>>> policy = FeePolicy(no_show_percent=Decimal(50))
>>> str(policy.no_show_fee(Money("680", "CNY")))
'340.00 CNY'
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError
from salonkit.orders.model import Tender
from salonkit.orders.tax import TaxPolicy


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "deposit.taken_at")


class DepositStatus(StrEnum):
    """Where a deposit is."""

    HELD = "held"
    APPLIED = "applied"
    FORFEITED = "forfeited"
    REFUNDED = "refunded"


@attrs.frozen(kw_only=True)
class Deposit:
    """Money taken ahead of an appointment. ``tender`` says how it was paid; ``applied`` is what
    paid an order (or a fee), ``returned`` what went back to the customer."""

    id: str = attrs.field(validator=non_empty)
    store_id: str = attrs.field(validator=non_empty)
    customer_id: str = attrs.field(validator=non_empty)
    appointment_id: str | None = None
    amount: Money
    tender: Tender
    taken_at: pendulum.DateTime = attrs.field(converter=_instant)
    status: DepositStatus = DepositStatus.HELD
    applied: Money = attrs.field()
    returned: Money = attrs.field()
    order_id: str | None = None
    settled_at: pendulum.DateTime | None = None
    version: int = 0

    @applied.default
    def _zero_applied(self) -> Money:
        return Money.zero(self.amount.currency)

    @returned.default
    def _zero_returned(self) -> Money:
        return Money.zero(self.amount.currency)

    @property
    def available(self) -> Money:
        """What the deposit still holds."""
        return self.amount - self.applied - self.returned


def _percent(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not 0 <= value <= 100:
        raise ValidationError(f"feepolicy.{attribute.name}", f"must be 0-100, got {value!r}")


@attrs.frozen(kw_only=True)
class FeePolicy:
    """What a no-show or a late cancellation costs: a percentage of the service price, or a
    fixed amount when one is set (never more than the price)."""

    no_show_percent: Decimal = attrs.field(default=Decimal(0), validator=_percent)
    no_show_fixed: Money | None = None
    late_cancel_percent: Decimal = attrs.field(default=Decimal(0), validator=_percent)
    late_cancel_fixed: Money | None = None

    @staticmethod
    def _fee(price: Money, percent: Decimal, fixed: Money | None) -> Money:
        fee = fixed if fixed is not None else (price * (percent / 100)).round("half_up")
        return min(fee, price)

    def no_show_fee(self, price: Money) -> Money:
        """The fee for not coming to a service priced ``price``."""
        return self._fee(price, self.no_show_percent, self.no_show_fixed)

    def late_cancel_fee(self, price: Money) -> Money:
        """The fee for cancelling a service priced ``price`` inside the cut-off."""
        return self._fee(price, self.late_cancel_percent, self.late_cancel_fixed)


@attrs.frozen(kw_only=True)
class StoreOrderSettings:
    """A store's order settings: its tax policy and fee policy (``id`` is the store's id)."""

    id: str = attrs.field(validator=non_empty)
    tax: TaxPolicy = attrs.field(factory=TaxPolicy)
    fees: FeePolicy = attrs.field(factory=FeePolicy)
    version: int = 0


__all__ = ["Deposit", "DepositStatus", "FeePolicy", "StoreOrderSettings"]
