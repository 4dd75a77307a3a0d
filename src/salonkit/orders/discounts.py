"""Spreading an order-level discount over its lines, exactly.

A campaign, a coupon, a tier perk or a manual discount is an amount off the order; it is
allocated to the eligible lines in proportion to what each still costs (largest remainder, so
the parts add up to the discount to the minor unit) and never takes a line below zero. Tax is
then computed on each line's discounted price.

>>> from salonkit.domain.money import Money
>>> from salonkit.orders.model import LineKind, OrderLine
>>> lines = (
...     OrderLine(id="1", kind=LineKind.SERVICE, item_id="cut", description="Cut",
...               unit_price=Money("200", "CNY")),
...     OrderLine(id="2", kind=LineKind.PRODUCT, item_id="SH", description="Shampoo",
...               unit_price=Money("100", "CNY")),
... )
>>> [str(line.discount) for line in allocate(Money("10", "CNY"), lines)]
['6.67 CNY', '3.33 CNY']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.orders.model import DISCOUNTABLE, OrderLine


def _discountable(line: OrderLine) -> bool:
    return line.kind in DISCOUNTABLE


def allocate(
    amount: Money,
    lines: Sequence[OrderLine],
    eligible: Callable[[OrderLine], bool] = _discountable,
) -> tuple[OrderLine, ...]:
    """``lines`` with ``amount`` added to the discounts of the eligible ones, pro rata.

    Raises :class:`~salonkit.ValidationError` when ``amount`` is negative or larger than what
    the eligible lines still cost.
    """
    if amount.is_negative():
        raise ValidationError("discount", f"must not be negative, got {amount}")
    amount = amount.round()
    picked = [i for i, line in enumerate(lines) if eligible(line) and line.net.amount > 0]
    base = Money.sum((lines[i].net for i in picked), amount.currency)
    if amount > base:
        raise ValidationError("discount", f"{amount} is more than the eligible lines' {base}")
    if not amount or not picked:
        return tuple(lines)
    weights = [lines[i].net.round("down").minor_units for i in picked]
    if sum(weights) == 0:
        weights = [1] * len(picked)
    parts = amount.allocate(weights)
    out = list(lines)
    # A part can exceed a line's net only through rounding of tiny lines; move the excess on.
    spill = Money.zero(amount.currency)
    for i, part in zip(picked, parts, strict=True):
        room = out[i].net
        take = min(part + spill, room)
        spill = part + spill - take
        out[i] = attrs.evolve(out[i], discount=out[i].discount + take)
    for i in picked:
        if not spill:
            break
        take = min(spill, out[i].net)
        out[i] = attrs.evolve(out[i], discount=out[i].discount + take)
        spill = spill - take
    return tuple(out)


def percent_of(lines: Sequence[OrderLine], percent: Decimal) -> Money:
    """``percent`` % of what the discountable ``lines`` still cost, rounded half-up."""
    if not isinstance(percent, Decimal) or not 0 <= percent <= 100:
        raise ValidationError("percent", f"must be a Decimal between 0 and 100, got {percent!r}")
    currency = lines[0].currency if lines else "CNY"
    base = Money.sum((line.net for line in lines if _discountable(line)), currency)
    return (base * (percent / 100)).round("half_up")


__all__ = ["allocate", "percent_of"]
