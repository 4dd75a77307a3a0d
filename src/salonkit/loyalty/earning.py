"""Earn rules as data, and the exact arithmetic that turns a purchase into points.

The rules (all points are whole numbers):

- :class:`SpendRule` — ``points`` for every whole ``per`` of eligible spend. Eligible spend is the
  sum, over lines of the rule's categories, of ``amount - discount`` without tax (see
  :meth:`~salonkit.loyalty.model.Purchase.earning_value`). The sum is taken over the whole
  purchase first and then **rounded down** once to whole ``per`` blocks: 331.31 at one point per
  1.00 earns 331. Tips, gift cards and wallet top-ups never earn; the discounted part never earns.
- :class:`VisitRule` — a fixed number of points once per purchase holding at least one service.
- :class:`ItemRule` — points per unit of a given service or product (lines given away whole,
  with a net of zero, earn nothing).
- :class:`ActionRule` — points for an action: a review left, an online booking, a referral.

Multipliers (tier perks, campaigns) multiply together and apply to the purchase points (spend,
visit and item rules, not actions); the product is rounded down once: 351 x 1.5 = 526.5 earns 526.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.domain.validation import non_empty, positive_int
from salonkit.errors import ValidationError
from salonkit.loyalty.model import NEVER_EARN, LineCategory, Purchase

#: What a spend rule counts unless told otherwise.
DEFAULT_EARNING_CATEGORIES = frozenset(
    {LineCategory.SERVICE, LineCategory.PRODUCT, LineCategory.PACKAGE}
)


def _earning_categories(instance: Any, attribute: Any, value: frozenset[LineCategory]) -> None:
    if not value:
        raise ValidationError("spend_rule.categories", "must name at least one category")
    forbidden = value & NEVER_EARN
    if forbidden:
        names = sorted(c.value for c in forbidden)
        raise ValidationError("spend_rule.categories", f"{names} never earn points")


def _positive_money(instance: Any, attribute: Any, value: Money) -> None:
    if not isinstance(value, Money) or value.amount <= 0:
        raise ValidationError(
            f"spend_rule.{attribute.name}", f"must be a positive amount, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class SpendRule:
    """``points`` for every whole ``per`` of eligible spend (rounded down over the purchase)."""

    points: int = attrs.field(validator=positive_int)
    per: Money = attrs.field(validator=_positive_money)
    categories: frozenset[LineCategory] = attrs.field(
        default=DEFAULT_EARNING_CATEGORIES, converter=frozenset, validator=_earning_categories
    )

    def eligible_spend(self, purchase: Purchase) -> Money:
        """The purchase's spend this rule counts."""
        return Money.sum(
            (
                purchase.earning_value(line)
                for line in purchase.lines
                if line.category in self.categories and line.category not in NEVER_EARN
            ),
            purchase.currency,
        )

    def points_for(self, spend: Money) -> int:
        """Points for ``spend``: whole ``per`` blocks (rounded down) times ``points``."""
        if spend.currency != self.per.currency:
            raise ValidationError("purchase.currency", f"rule earns on {self.per.currency}")
        blocks = (spend.amount / self.per.amount).to_integral_value(rounding=ROUND_FLOOR)
        return max(int(blocks), 0) * self.points


@attrs.frozen(kw_only=True)
class VisitRule:
    """``points`` once per purchase holding at least one service line."""

    points: int = attrs.field(validator=positive_int)


@attrs.frozen(kw_only=True)
class ItemRule:
    """``points`` per unit of the service or product ``item_id``."""

    item_id: str = attrs.field(validator=non_empty)
    points: int = attrs.field(validator=positive_int)


#: The actions the built-in flows reward; hosts may use any other name too.
KNOWN_ACTIONS = frozenset({"review", "online_booking", "referral", "birthday", "signup"})


@attrs.frozen(kw_only=True)
class ActionRule:
    """``points`` for doing ``action`` (``"review"``, ``"online_booking"``, ``"referral"``...)."""

    action: str = attrs.field(validator=non_empty)
    points: int = attrs.field(validator=positive_int)


EarnRule = SpendRule | VisitRule | ItemRule | ActionRule


@attrs.frozen
class EarnLine:
    """Points one rule gave, before multipliers, with a short description."""

    rule: str
    points: int


@attrs.frozen(kw_only=True)
class Earning:
    """The points a purchase earns, and how they were worked out."""

    eligible_spend: Money
    base_points: int
    multiplier: Decimal
    points: int
    lines: tuple[EarnLine, ...] = ()


def combined_multiplier(multipliers: Iterable[Decimal]) -> Decimal:
    """The product of ``multipliers`` (each a positive Decimal, floats refused)."""
    result = Decimal(1)
    for factor in multipliers:
        if not isinstance(factor, Decimal) or not factor.is_finite() or factor <= 0:
            raise ValidationError("multiplier", f"must be a positive Decimal, got {factor!r}")
        result *= factor
    return result


def apply_multiplier(points: int, multiplier: Decimal) -> int:
    """``points x multiplier`` rounded down to a whole point."""
    return int((Decimal(points) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def purchase_points(
    purchase: Purchase, rules: Sequence[EarnRule], multipliers: Iterable[Decimal] = ()
) -> Earning:
    """The points ``purchase`` earns under ``rules`` with ``multipliers`` (see the module notes).

    The eligible spend reported is the largest any spend rule counted (it feeds spend-based tiers).
    """
    lines: list[EarnLine] = []
    eligible = Money.zero(purchase.currency)
    for rule in rules:
        if isinstance(rule, SpendRule):
            spend = rule.eligible_spend(purchase)
            eligible = max(eligible, spend)
            points = rule.points_for(spend)
            label = f"{rule.points} per {rule.per} on {spend}"
        elif isinstance(rule, VisitRule):
            points = rule.points if purchase.has_service else 0
            label = "visit"
        elif isinstance(rule, ItemRule):
            units = sum(
                line.quantity
                for line in purchase.lines
                if line.item_id == rule.item_id
                and line.category not in NEVER_EARN
                and line.net.amount > 0
            )
            points = units * rule.points
            label = f"{units} x {rule.item_id}"
        else:
            continue
        if points:
            lines.append(EarnLine(label, points))
    base = sum(line.points for line in lines)
    factor = combined_multiplier(multipliers)
    return Earning(
        eligible_spend=eligible,
        base_points=base,
        multiplier=factor,
        points=apply_multiplier(base, factor),
        lines=tuple(lines),
    )


def action_points(action: str, rules: Sequence[EarnRule]) -> int:
    """Points for ``action`` (the sum of the matching action rules; 0 when none match)."""
    return sum(r.points for r in rules if isinstance(r, ActionRule) and r.action == action)
