"""Tax per line category, inclusive or exclusive, with explicit rounding.

A :class:`TaxPolicy` maps a line category to a :class:`TaxRule` (a rate and whether prices include
the tax). The rule for a line is looked up as ``"<kind>:<category>"`` first (``"product:care"``),
then ``"<kind>"`` (``"service"``), then the policy's default. Tax is computed and rounded **per
line** to the currency's minor unit with the policy's rounding mode (half-up by default, as tax
authorities usually require), so the receipt's lines add up to its totals exactly.

>>> from decimal import Decimal
>>> from salonkit.domain.money import Money
>>> included = TaxRule(Decimal("0.06"))
>>> included.tax_on(Money("268.00", "CNY"))
Money('15.17', 'CNY')
>>> TaxRule(Decimal("0.06"), inclusive=False).tax_on(Money("268.00", "CNY"))
Money('16.08', 'CNY')
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money, Rounding
from salonkit.errors import ValidationError
from salonkit.orders.model import LineKind, OrderLine

_MODES = ("half_even", "half_up", "down")


def _rate(instance: object, attribute: attrs.Attribute[Decimal], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value < 1:
        raise ValidationError("taxrule.rate", f"must be a Decimal in [0, 1), got {value!r}")


@attrs.frozen
class TaxRule:
    """A tax ``rate`` (``Decimal("0.06")`` for 6 %) and whether prices include it."""

    rate: Decimal = attrs.field(validator=_rate)
    inclusive: bool = True

    def tax_on(self, net: Money, rounding: Rounding = "half_up") -> Money:
        """The tax of a line whose price after discounts is ``net``, rounded to the minor unit.

        Inclusive: ``net × rate / (1 + rate)`` (the part of ``net`` that is tax); exclusive:
        ``net × rate`` (charged on top).
        """
        if not self.rate:
            return Money.zero(net.currency)
        if self.inclusive:
            return Money(net.amount * self.rate / (1 + self.rate), net.currency).round(rounding)
        return (net * self.rate).round(rounding)


def _rules(value: Mapping[str, TaxRule] | None) -> dict[str, TaxRule]:
    return dict(value or {})


def _rounding(instance: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in _MODES:
        raise ValidationError("taxpolicy.rounding", f"must be one of {_MODES}, got {value!r}")


@attrs.frozen
class TaxPolicy:
    """The tax rules of a store: per category, a default, and the rounding mode."""

    rules: Mapping[str, TaxRule] = attrs.field(factory=dict, converter=_rules, hash=False)
    default: TaxRule = TaxRule(Decimal(0))
    rounding: Rounding = attrs.field(default="half_up", validator=_rounding)

    @classmethod
    def none(cls) -> TaxPolicy:
        """No tax at all."""
        return cls()

    @classmethod
    def china_vat(cls) -> TaxPolicy:
        """Prices include VAT: 6 % on services, 13 % on goods; tips, top-ups and packages
        (stored value, taxed when used) carry none."""
        zero = TaxRule(Decimal(0))
        return cls(
            rules={
                LineKind.SERVICE.value: TaxRule(Decimal("0.06")),
                LineKind.FEE.value: TaxRule(Decimal("0.06")),
                LineKind.PRODUCT.value: TaxRule(Decimal("0.13")),
                LineKind.TIP.value: zero,
                LineKind.TOP_UP.value: zero,
                LineKind.PACKAGE.value: zero,
            }
        )

    def rule_for(self, kind: LineKind, category: str = "") -> TaxRule:
        """The rule for a line of ``kind`` in ``category``."""
        if category and f"{kind.value}:{category}" in self.rules:
            return self.rules[f"{kind.value}:{category}"]
        return self.rules.get(kind.value, self.default)

    def apply(self, line: OrderLine) -> OrderLine:
        """``line`` with its tax rate, inclusiveness and tax amount set from this policy."""
        rule = self.rule_for(line.kind, line.category)
        return attrs.evolve(
            line,
            tax_rate=rule.rate,
            tax_inclusive=rule.inclusive,
            tax=rule.tax_on(line.net, self.rounding),
        )


__all__ = ["TaxPolicy", "TaxRule"]
