"""Golden tests of earn rules: rounding down, exclusions, multipliers, visits, items, actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.loyalty.earning import (
    ActionRule,
    ItemRule,
    SpendRule,
    VisitRule,
    action_points,
    apply_multiplier,
    purchase_points,
)
from salonkit.loyalty.model import LineCategory, Purchase, PurchaseLine

AT = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def line(category: LineCategory, amount: str, **kw: object) -> PurchaseLine:
    extra = {k: cny(v) if k in ("discount", "tax") else v for k, v in kw.items()}
    return PurchaseLine(category=category, amount=cny(amount), **extra)  # type: ignore[arg-type]


def checkout(*lines: PurchaseLine, include_tax: bool = True) -> Purchase:
    return Purchase(order_id="o-1", at=AT, lines=lines, prices_include_tax=include_tax)


BASKET = checkout(
    line(LineCategory.SERVICE, "288.00", item_id="cut", discount="28.80", tax="16.30"),
    line(LineCategory.PRODUCT, "99.90", item_id="SHAMPOO", tax="11.49"),
    line(LineCategory.TIP, "50.00"),
    line(LineCategory.GIFT_CARD, "500.00"),
    line(LineCategory.TOP_UP, "1000.00"),
)
ONE_PER_YUAN = SpendRule(points=1, per=cny("1"))


def test_spend_excludes_tax_tips_gift_cards_top_ups_and_the_discount_then_rounds_down() -> None:
    earning = purchase_points(BASKET, [ONE_PER_YUAN])
    # (288.00 - 28.80 - 16.30) + (99.90 - 11.49) = 242.90 + 88.41 = 331.31 -> 331 points
    assert earning.eligible_spend == cny("331.31")
    assert earning.points == 331


def test_rounding_down_happens_once_per_purchase_on_whole_blocks() -> None:
    per_ten = SpendRule(points=3, per=cny("10"))
    purchase = checkout(line(LineCategory.SERVICE, "19.99"), line(LineCategory.PRODUCT, "9.99"))
    # 29.98 -> two whole blocks of 10.00 -> 6 points (per line it would have been 3 + 0).
    assert purchase_points(purchase, [per_ten]).points == 6
    assert purchase_points(checkout(line(LineCategory.SERVICE, "9.99")), [per_ten]).points == 0
    assert purchase_points(checkout(line(LineCategory.SERVICE, "10.00")), [per_ten]).points == 3


def test_tax_charged_on_top_never_earns() -> None:
    purchase = checkout(line(LineCategory.SERVICE, "100.00", tax="13.00"), include_tax=False)
    assert purchase.total == cny("113.00")
    assert purchase_points(purchase, [ONE_PER_YUAN]).points == 100


def test_multipliers_apply_to_purchase_points_and_round_down_once() -> None:
    rules = [ONE_PER_YUAN, VisitRule(points=20)]
    earning = purchase_points(BASKET, rules, [Decimal("1.5")])
    assert earning.base_points == 351
    assert earning.points == 526  # 351 x 1.5 = 526.5
    doubled = purchase_points(BASKET, rules, [Decimal("1.5"), Decimal("2")])
    assert doubled.points == 1053  # 351 x 3
    assert apply_multiplier(7, Decimal("1.25")) == 8  # 8.75


def test_visit_rule_needs_a_service_and_item_rules_count_units() -> None:
    rules = [VisitRule(points=20), ItemRule(item_id="SHAMPOO", points=15)]
    products_only = checkout(line(LineCategory.PRODUCT, "99.90", item_id="SHAMPOO", quantity=2))
    assert purchase_points(products_only, rules).points == 30
    assert purchase_points(BASKET, rules).points == 35
    free = checkout(line(LineCategory.PRODUCT, "50.00", item_id="SHAMPOO", discount="50.00"))
    assert purchase_points(free, rules).points == 0


def test_action_rules() -> None:
    rules = [ActionRule(action="review", points=50), ActionRule(action="referral", points=300)]
    assert action_points("review", rules) == 50
    assert action_points("referral", rules) == 300
    assert action_points("online_booking", rules) == 0


def test_rules_refuse_categories_that_never_earn_and_bad_lines() -> None:
    with pytest.raises(ValidationError) as info:
        SpendRule(points=1, per=cny("1"), categories={LineCategory.TIP})
    assert info.value.field == "spend_rule.categories"
    with pytest.raises(ValidationError) as info:
        line(LineCategory.SERVICE, "10.00", discount="10.01")
    assert info.value.field == "purchase_line.discount"
    with pytest.raises(ValidationError):
        checkout(
            line(LineCategory.SERVICE, "10.00"),
            PurchaseLine(category=LineCategory.SERVICE, amount=Money("1", "USD")),
        )
