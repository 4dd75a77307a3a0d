"""Tax, discount allocation and tender settlement: golden figures and invariants."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.orders import tenders as pay
from salonkit.orders.discounts import allocate, percent_of
from salonkit.orders.model import LineKind, OrderLine, TenderKind
from salonkit.orders.tax import TaxPolicy, TaxRule


def cny(amount: str | int | Decimal) -> Money:
    return Money(amount, "CNY")


def line(n: int, price: Money, kind: LineKind = LineKind.SERVICE, quantity: int = 1) -> OrderLine:
    return OrderLine(
        id=str(n),
        kind=kind,
        item_id=f"i{n}",
        description=f"item {n}",
        unit_price=price,
        quantity=quantity,
    )


prices = st.integers(min_value=0, max_value=500_000).map(lambda m: Money.from_minor(m, "CNY"))
rates = st.sampled_from(
    [Decimal(0), Decimal("0.03"), Decimal("0.06"), Decimal("0.09"), Decimal("0.13")]
)


# -- tax --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("net", "rate", "inclusive", "mode", "tax"),
    [
        ("268.00", "0.06", True, "half_up", "15.17"),
        ("268.00", "0.06", False, "half_up", "16.08"),
        ("168.00", "0.13", True, "half_up", "19.33"),
        ("10.25", "0.06", False, "half_up", "0.62"),  # 0.615 → 0.62
        ("10.25", "0.06", False, "half_even", "0.62"),  # 0.615 → 0.62 (2 is even)
        ("10.75", "0.06", False, "half_even", "0.64"),  # 0.645 → 0.64
        ("10.75", "0.06", False, "half_up", "0.65"),
        ("10.75", "0.06", False, "down", "0.64"),
        ("99.99", "0", True, "half_up", "0.00"),
    ],
)
def test_tax_golden_figures(net: str, rate: str, inclusive: bool, mode: str, tax: str) -> None:
    rule = TaxRule(Decimal(rate), inclusive)
    assert rule.tax_on(cny(net), mode) == cny(tax)  # type: ignore[arg-type]


@given(net=prices, rate=rates)
def test_inclusive_tax_is_the_rounded_share_of_the_price(net: Money, rate: Decimal) -> None:
    tax = TaxRule(rate).tax_on(net)
    exact = net.amount * rate / (1 + rate)
    assert abs(tax.amount - exact) <= Decimal("0.005")
    assert Decimal(0) <= tax.amount <= net.amount
    assert tax == tax.round()


@given(net=prices, rate=rates)
def test_exclusive_tax_goes_on_top_and_the_line_total_adds_up(net: Money, rate: Decimal) -> None:
    policy = TaxPolicy(rules={"service": TaxRule(rate, inclusive=False)})
    priced = policy.apply(line(1, net))
    assert priced.total == priced.net + priced.tax
    assert priced.net_of_tax == priced.net
    assert abs(priced.tax.amount - net.amount * rate) <= Decimal("0.005")


def test_the_rule_for_a_category_beats_the_rule_for_a_kind() -> None:
    policy = TaxPolicy(
        rules={"product": TaxRule(Decimal("0.13")), "product:books": TaxRule(Decimal("0.09"))}
    )
    assert policy.rule_for(LineKind.PRODUCT, "books").rate == Decimal("0.09")
    assert policy.rule_for(LineKind.PRODUCT, "care").rate == Decimal("0.13")
    assert policy.rule_for(LineKind.TIP).rate == Decimal(0)
    with pytest.raises(ValidationError):
        TaxRule(Decimal("1.2"))
    with pytest.raises(ValidationError):
        TaxPolicy(rounding="up")  # type: ignore[arg-type]


# -- discounts --------------------------------------------------------------------------------


@given(
    amounts=st.lists(prices, min_size=1, max_size=6),
    share=st.decimals(min_value=0, max_value=1, places=3),
)
def test_a_discount_is_spread_exactly_and_never_below_zero(
    amounts: list[Money], share: Decimal
) -> None:
    lines = tuple(line(i, a) for i, a in enumerate(amounts, start=1))
    base = Money.sum(amounts, "CNY")
    discount = (base * share).round("down")
    spread = allocate(discount, lines)
    assert Money.sum((x.discount for x in spread), "CNY") == discount
    assert all(not x.net.is_negative() for x in spread)


def test_a_discount_skips_lines_that_cannot_be_discounted() -> None:
    lines = (line(1, cny("100")), line(2, cny("50"), LineKind.TIP))
    spread = allocate(cny("30"), lines)
    assert [x.discount for x in spread] == [cny("30"), cny("0")]
    with pytest.raises(ValidationError):
        allocate(cny("101"), lines)
    assert percent_of(lines, Decimal(10)) == cny("10.00")


# -- tenders ----------------------------------------------------------------------------------


@given(
    due=prices,
    card_share=st.decimals(min_value=0, max_value=1, places=2),
    extra=st.integers(min_value=0, max_value=10_000),
)
def test_settling_pays_exactly_what_is_due_and_only_cash_gives_change(
    due: Money, card_share: Decimal, extra: int
) -> None:
    card_amount = (due * card_share).round("down")
    rest = due - card_amount
    payments = []
    if card_amount:
        payments.append(pay.card(card_amount))
    if rest:
        payments.append(pay.cash(rest + Money.from_minor(extra, "CNY")))
    tenders = pay.settle(due, payments)
    assert Money.sum((t.amount for t in tenders), "CNY") == due
    for tender in tenders:
        if tender.kind is TenderKind.CASH:
            assert tender.given is not None and tender.change is not None
            assert tender.given == tender.amount + tender.change
        else:
            assert tender.change is None


def test_settlement_refuses_overpaying_with_anything_but_cash_and_short_payment() -> None:
    with pytest.raises(ValidationError, match="only cash"):
        pay.settle(cny("100"), [pay.wallet(cny("120"))])
    with pytest.raises(ValidationError, match="still due"):
        pay.settle(cny("100"), [pay.card(cny("60"))])
    with pytest.raises(ValidationError, match="nothing is left"):
        pay.settle(cny("100"), [pay.card(cny("100")), pay.cash(cny("10"))])
    with pytest.raises(ValidationError):
        pay.points(0)
    with pytest.raises(ValidationError):
        pay.settle(cny("100"), [pay.card(), pay.card()])
    tenders = pay.settle(cny("100"), [pay.cash(cny("30")), pay.card(reference="T")])
    assert [(t.kind, t.amount) for t in tenders] == [
        (TenderKind.CASH, cny("30")),
        (TenderKind.CARD, cny("70")),
    ]
