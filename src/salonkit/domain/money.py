"""Exact money: a ``Decimal`` amount and an ISO 4217 currency.

Floats are refused, currencies never mix silently, and rounding is explicit: :meth:`Money.round`
uses banker's rounding (half-even) unless told ``HALF_UP``, always to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

import attrs

from salonkit.errors import ValidationError

#: Minor-unit exponents that differ from the default of 2.
_EXPONENTS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "JOD": 3,
    "OMR": 3,
    "TND": 3,
}

Rounding = Literal["half_even", "half_up", "down"]
_MODES = {"half_even": ROUND_HALF_EVEN, "half_up": ROUND_HALF_UP, "down": ROUND_DOWN}


def minor_unit_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for CNY, 0 for JPY)."""
    return _EXPONENTS.get(currency, 2)


def check_currency(currency: object, field: str = "money.currency") -> str:
    """Return ``currency`` when it is a three-letter upper-case ISO 4217 code, else raise."""
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isalpha()
        and currency.isupper()
    ):
        raise ValidationError(field, f"must be a three-letter ISO 4217 code, got {currency!r}")
    return currency


def to_decimal(value: object, field: str = "money.amount") -> Decimal:
    """Convert an ``int``, ``str`` or ``Decimal`` to a finite ``Decimal``; refuse floats."""
    if isinstance(value, (bool, float)):
        raise ValidationError(
            field, f"floats are not exact; pass a Decimal or a string, got {value!r}"
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, str)):
        try:
            result = Decimal(value)
        except InvalidOperation as exc:
            raise ValidationError(field, f"not a number: {value!r}") from exc
    else:
        raise ValidationError(field, f"expected a Decimal, int or str, got {type(value).__name__}")
    if not result.is_finite():
        raise ValidationError(field, f"must be finite, got {value!r}")
    return result


def _amount(value: object) -> Decimal:
    return to_decimal(value)


@attrs.frozen(order=False)
class Money:
    """An exact amount of one currency.

    >>> Money("10.50", "CNY") + Money("0.25", "CNY")
    Money('10.75', 'CNY')
    >>> Money("10", "CNY") * Decimal("0.333")
    Money('3.330', 'CNY')
    >>> (Money("10", "CNY") * Decimal("0.333")).round()
    Money('3.33', 'CNY')
    """

    amount: Decimal = attrs.field(converter=_amount)
    currency: str = attrs.field()

    @currency.validator
    def _check_currency(self, attribute: attrs.Attribute[Any], value: str) -> None:
        check_currency(value)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Build from integer minor units (fen, cents): ``Money.from_minor(1050, "CNY")`` is 10.50."""
        exp = minor_unit_exponent(check_currency(currency))
        return cls(Decimal(units).scaleb(-exp), currency)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str) -> Money:
        """Add up ``items`` (all in ``currency``); an empty iterable gives zero."""
        total = cls.zero(currency)
        for item in items:
            total = total + item
        return total

    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise ValidationError("money", f"cannot {op} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                "money.currency", f"cannot {op} {self.currency} and {other.currency}"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other, "add").amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other, "subtract").amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        return Money(self.amount * to_decimal(factor, "money.factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, "compare").amount

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.currency == other.currency and self.amount == other.amount

    def __hash__(self) -> int:
        return hash((self.amount.normalize(), self.currency))

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount:.{minor_unit_exponent(self.currency)}f} {self.currency}"

    @property
    def minor_units(self) -> int:
        """The amount in integer minor units; raises if it is not a whole number of them."""
        exp = minor_unit_exponent(self.currency)
        scaled = self.amount.scaleb(exp)
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                "money.amount",
                f"{self.amount} has more places than {self.currency} allows; round first",
            )
        return int(scaled)

    def round(self, mode: Rounding = "half_even") -> Money:
        """Round to the currency's minor unit (half-even by default, or ``"half_up"``/``"down"``)."""
        if mode not in _MODES:
            raise ValidationError("money.rounding", f"unknown rounding mode {mode!r}")
        quantum = Decimal(1).scaleb(-minor_unit_exponent(self.currency))
        return Money(self.amount.quantize(quantum, rounding=_MODES[mode]), self.currency)

    def allocate(self, ratios: Iterable[int]) -> list[Money]:
        """Split into parts proportional to ``ratios`` that add up exactly (largest remainder)."""
        weights = list(ratios)
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValidationError(
                "money.ratios", "need at least one non-negative ratio with a positive sum"
            )
        total = self.round().minor_units
        shares = [total * w // sum(weights) for w in weights]
        remainder = total - sum(shares)
        order = sorted(range(len(weights)), key=lambda i: -((total * weights[i]) % sum(weights)))
        for i in order[:remainder]:
            shares[i] += 1
        return [Money.from_minor(s, self.currency) for s in shares]

    def is_negative(self) -> bool:
        """True when below zero."""
        return self.amount < 0
