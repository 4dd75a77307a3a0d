"""Golden tests of the stored-value wallet and packages, with exact figures."""

from __future__ import annotations

import datetime as dt

import pytest

from salonkit.domain.money import Money
from salonkit.errors import InsufficientBalance, ValidationError
from salonkit.loyalty.wallet import (
    BONUS_EXPENSE,
    BREAKAGE,
    CASH,
    REFUNDS,
    SALES,
    Posting,
    TopUpOffer,
    WalletBook,
    WalletOp,
    WalletPolicy,
    WalletTransaction,
)

T0 = dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


POLICY = WalletPolicy(
    currency="CNY",
    top_up_offers=(
        TopUpOffer(pay=cny("500"), bonus=cny("30")),
        TopUpOffer(pay=cny("1000"), bonus=cny("100")),
    ),
    validity_days=365,
)


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def test_top_up_with_bonus_pay_1000_get_1100() -> None:
    book = WalletBook(POLICY)
    [tx] = book.top_up("m", cny("1000.00"), at=at(0))
    assert tx.op is WalletOp.TOP_UP
    assert book.balance("m").paid == cny("1000.00")
    assert book.balance("m").bonus == cny("100.00")
    assert book.balance("m").total == cny("1100.00")
    assert book.account_balance(CASH) == cny("1000.00")
    assert book.account_balance(BONUS_EXPENSE) == cny("100.00")
    assert book.liability() == cny("1100.00")


@pytest.mark.parametrize(
    ("paid", "bonus"), [("499.99", "0"), ("500.00", "30"), ("999.99", "30"), ("2000", "100")]
)
def test_the_largest_offer_reached_gives_the_bonus(paid: str, bonus: str) -> None:
    assert POLICY.bonus_for(cny(paid)) == cny(bonus)


def test_pay_uses_paid_money_first_then_bonus() -> None:
    book = WalletBook(POLICY)
    book.top_up("m", cny("1000.00"), at=at(0))
    book.pay("m", cny("1050.00"), at=at(1), order_id="o1")
    assert book.balance("m").paid == cny("0")
    assert book.balance("m").bonus == cny("50.00")
    assert book.account_balance(SALES) == cny("-1050.00")
    assert book.paid_from_wallet("o1") == cny("1050.00")
    with pytest.raises(InsufficientBalance):
        book.pay("m", cny("50.01"), at=at(2), order_id="o2")
    assert len(book.transactions) == 2


def test_refund_goes_back_to_the_parts_it_came_from_bonus_first() -> None:
    book = WalletBook(POLICY)
    book.top_up("m", cny("1000.00"), at=at(0))
    book.pay("m", cny("1050.00"), at=at(1), order_id="o1")
    book.refund("m", cny("80.00"), at=at(2), order_id="o1")
    assert book.balance("m").bonus == cny("100.00")  # 50 back to bonus
    assert book.balance("m").paid == cny("30.00")  # the other 30 to paid
    book.refund("m", cny("970.00"), at=at(3), order_id="o1")
    assert book.balance("m").total == cny("1100.00")
    assert book.account_balance(REFUNDS) == cny("1050.00")
    assert book.paid_from_wallet("o1") == cny("0")


def test_refund_of_an_order_paid_elsewhere_is_store_credit() -> None:
    book = WalletBook(POLICY)
    [tx] = book.refund("m", cny("88.00"), at=at(0), order_id="cash-order")
    assert book.balance("m").paid == cny("88.00")
    assert tx.note == "store credit 88.00 CNY"


def test_wallet_expires_after_its_validity_into_breakage() -> None:
    book = WalletBook(POLICY)
    book.top_up("m", cny("1000.00"), at=at(0))
    book.pay("m", cny("100.00"), at=at(10), order_id="o1")
    assert book.expire("m", at=at(365) - dt.timedelta(seconds=1)) == []
    [expiry] = book.expire("m", at=at(400))
    assert expiry.at == at(365)
    assert book.account_balance(BREAKAGE) == cny("-1000.00")
    assert book.balance("m").total == cny("0")
    assert book.liability() == cny("0")


def test_package_of_three_visits_recognises_exact_thirds() -> None:
    book = WalletBook(POLICY)
    book.sell_package(
        "m", package_id="p1", service_id="blow", visits=3, price=cny("1000.00"), at=at(0)
    )
    values = []
    for n in range(3):
        [use] = book.use_package("p1", at=at(n + 1), order_id=f"v{n}")
        values.append(-use.amount_on(SALES))
    assert [str(v) for v in values] == ["333.33", "333.33", "333.34"]
    assert book.package("p1").visits_left == 0
    with pytest.raises(InsufficientBalance):
        book.use_package("p1", at=at(5), order_id="v4")
    assert book.liability() == cny("0")


def test_package_expiry_writes_off_the_unused_value() -> None:
    book = WalletBook(POLICY)
    book.sell_package(
        "m",
        package_id="p1",
        service_id="nails",
        visits=5,
        price=cny("500.00"),
        at=at(0),
        expires_at=at(90),
    )
    book.use_package("p1", at=at(10), order_id="v1")
    [expiry] = book.expire_package("p1", at=at(90))
    assert expiry.op is WalletOp.PACKAGE_EXPIRE
    assert book.account_balance(BREAKAGE) == cny("-400.00")
    assert book.package("p1").visits_left == 0
    with pytest.raises(InsufficientBalance):
        book.use_package("p1", at=at(91), order_id="v2")


def test_unbalanced_or_bad_input_is_refused() -> None:
    with pytest.raises(ValidationError):
        WalletTransaction(
            id="x",
            member_id="m",
            seq=1,
            op=WalletOp.PAY,
            at=T0,
            postings=(Posting(CASH, cny("1")),),
        )
    book = WalletBook(POLICY)
    with pytest.raises(ValidationError):
        book.top_up("m", Money("10", "USD"), at=T0)
    with pytest.raises(ValidationError):
        book.top_up("m", cny("10.001"), at=T0)
    with pytest.raises(ValidationError):
        book.top_up("m", cny("-5"), at=T0)


def test_load_rebuilds_balances() -> None:
    book = WalletBook(POLICY)
    book.top_up("m", cny("1000.00"), at=at(0))
    book.pay("m", cny("300.00"), at=at(1), order_id="o1")
    book.sell_package("m", package_id="p", service_id="s", visits=2, price=cny("99.99"), at=at(2))
    book.use_package("p", at=at(3), order_id="o2")
    copy = WalletBook(POLICY)
    copy.load(book.transactions)
    assert copy.accounts() == book.accounts()
    assert copy.package("p") == book.package("p")
    assert copy.paid_from_wallet("o1") == cny("300.00")
