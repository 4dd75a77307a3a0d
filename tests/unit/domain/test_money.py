from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit import Money, ValidationError

amounts = st.decimals(
    min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


def test_exact_addition_and_rounding() -> None:
    assert Money("0.10", "CNY") + Money("0.20", "CNY") == Money("0.30", "CNY")
    assert (Money("10", "CNY") * Decimal("0.125")).round() == Money("1.25", "CNY")
    assert Money("2.345", "CNY").round() == Money("2.34", "CNY")  # half-even
    assert Money("2.345", "CNY").round("half_up") == Money("2.35", "CNY")
    assert Money("2.349", "CNY").round("down") == Money("2.34", "CNY")
    assert Money("100.5", "JPY").round() == Money("100", "JPY")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: Money(1.5, "CNY"), "money.amount"),  # type: ignore[arg-type]
        (lambda: Money("1", "cny"), "money.currency"),
        (lambda: Money("1", "YUAN"), "money.currency"),
        (lambda: Money("NaN", "CNY"), "money.amount"),
        (lambda: Money("abc", "CNY"), "money.amount"),
        (lambda: Money("1", "CNY") + Money("1", "USD"), "money.currency"),
        (lambda: Money("1", "CNY") < Money("1", "USD"), "money.currency"),
        (lambda: Money("1", "CNY") * 1.5, "money.factor"),  # type: ignore[operator]
        (lambda: Money("1.005", "CNY").minor_units, "money.amount"),
        (lambda: Money("1", "CNY").round("up"), "money.rounding"),  # type: ignore[arg-type]
    ],
)
def test_bad_money_names_the_field(call: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field


def test_minor_units() -> None:
    assert Money.from_minor(1050, "CNY") == Money("10.50", "CNY")
    assert Money("10.50", "CNY").minor_units == 1050
    assert Money("1.234", "KWD").minor_units == 1234
    assert str(Money("5", "CNY")) == "5.00 CNY"


@given(st.lists(amounts, min_size=1, max_size=20))
def test_sum_is_exact_and_order_independent(values: list[Decimal]) -> None:
    items = [Money(v, "EUR") for v in values]
    assert Money.sum(items, "EUR").amount == sum(values, Decimal(0))
    assert Money.sum(reversed(items), "EUR") == Money.sum(items, "EUR")


@given(
    amounts.filter(lambda d: d >= 0),
    st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=8),
)
def test_allocate_adds_up_exactly(total: Decimal, ratios: list[int]) -> None:
    if sum(ratios) == 0:
        with pytest.raises(ValidationError):
            Money(total, "EUR").allocate(ratios)
        return
    parts = Money(total, "EUR").allocate(ratios)
    assert Money.sum(parts, "EUR") == Money(total, "EUR").round()
    assert all(p.amount >= 0 for p, r in zip(parts, ratios, strict=True) if r >= 0)
    assert all(p.amount == 0 for p, r in zip(parts, ratios, strict=True) if r == 0)
