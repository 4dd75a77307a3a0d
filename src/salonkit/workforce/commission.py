"""Commission rules and what each staff member earned from the orders (pure).

A :class:`CommissionPlan` holds :class:`CommissionRule` s: a rate on the revenue (net of tax,
discounts and refunds) of one line kind, optionally only for a level (``senior``) or a category
(``colour``). The most specific matching rule wins (level and category, then level, then category,
then the kind alone). Tips go to the staff member named on them, whole.

>>> from decimal import Decimal
>>> plan = CommissionPlan(rules=(CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.3")),))
>>> plan.rate_for(LineKind.SERVICE, level="senior", category="cut")
Decimal('0.3')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.orders.model import LineKind, Order
from salonkit.reports.money import line_revenue


def _rate(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if not isinstance(value, Decimal) or not 0 <= value <= 1:
        raise ValidationError("commissionrule.rate", f"must be a Decimal in [0, 1], got {value!r}")


@attrs.frozen(kw_only=True)
class CommissionRule:
    """``rate`` of the revenue of ``kind`` lines, for ``level`` and/or ``category`` if given."""

    kind: LineKind
    rate: Decimal = attrs.field(validator=_rate)
    level: str | None = None
    category: str | None = None

    def specificity(self) -> int:
        """How specific the rule is (higher wins)."""
        return (2 if self.level else 0) + (1 if self.category else 0)


def _rules(value: Iterable[CommissionRule]) -> tuple[CommissionRule, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class CommissionPlan:
    """A store's commission rules (``id`` is the store's id when stored)."""

    id: str = ""
    rules: tuple[CommissionRule, ...] = attrs.field(default=(), converter=_rules)
    version: int = 0

    @classmethod
    def standard(cls, store_id: str = "") -> CommissionPlan:
        """30 % on services (35 % for seniors, 40 % for directors), 10 % on retail."""
        return cls(
            id=store_id,
            rules=(
                CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.30")),
                CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.35"), level="senior"),
                CommissionRule(kind=LineKind.SERVICE, rate=Decimal("0.40"), level="director"),
                CommissionRule(kind=LineKind.PRODUCT, rate=Decimal("0.10")),
            ),
        )

    def rate_for(self, kind: LineKind, *, level: str = "", category: str = "") -> Decimal:
        """The rate of the most specific rule matching a line (zero when none does)."""
        best: CommissionRule | None = None
        for rule in self.rules:
            if rule.kind is not kind:
                continue
            if rule.level is not None and rule.level != level:
                continue
            if rule.category is not None and rule.category != category:
                continue
            if best is None or rule.specificity() > best.specificity():
                best = rule
        return best.rate if best is not None else Decimal(0)


@attrs.frozen(kw_only=True)
class Commission:
    """What one staff member earned: commission on services and retail, and tips."""

    staff_id: str
    service_revenue: Money
    product_revenue: Money
    commission: Money
    tips: Money

    @property
    def total(self) -> Money:
        """Commission plus tips."""
        return self.commission + self.tips


def commissions(
    orders: Iterable[Order], plan: CommissionPlan, levels: Mapping[str, str], currency: str
) -> list[Commission]:
    """Each staff member's commission on the paid ``orders`` (``levels``: staff id → level)."""
    zero = Money.zero(currency)
    acc: dict[str, dict[str, Money]] = defaultdict(
        lambda: {"service": zero, "product": zero, "commission": zero, "tips": zero}
    )
    for order in orders:
        if order.paid_at is None:
            continue
        for line in order.lines:
            if line.staff_id is None:
                continue
            row = acc[line.staff_id]
            if line.kind is LineKind.TIP:
                row["tips"] += line.total - line.refunded
                continue
            revenue = line_revenue(line)
            rate = plan.rate_for(
                line.kind, level=levels.get(line.staff_id, ""), category=line.category
            )
            row["commission"] += revenue * rate
            if line.kind is LineKind.SERVICE:
                row["service"] += revenue
            elif line.kind is LineKind.PRODUCT:
                row["product"] += revenue
    return [
        Commission(
            staff_id=staff_id,
            service_revenue=row["service"],
            product_revenue=row["product"],
            commission=row["commission"].round("half_up"),
            tips=row["tips"],
        )
        for staff_id, row in sorted(acc.items())
    ]


__all__ = ["Commission", "CommissionPlan", "CommissionRule", "commissions"]
