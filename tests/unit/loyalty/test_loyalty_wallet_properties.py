"""Hypothesis: the wallet's double entries always balance and the liability is always known."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.money import Money
from salonkit.errors import InsufficientBalance
from salonkit.loyalty.wallet import TopUpOffer, WalletBook, WalletPolicy, member_liability

T0 = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
MEMBERS = ["a", "b"]
POLICY = WalletPolicy(
    currency="CNY",
    top_up_offers=(TopUpOffer(pay=Money("100", "CNY"), bonus=Money("7.77", "CNY")),),
    validity_days=60,
)
cents = st.integers(1, 50_000).map(lambda c: Money.from_minor(c, "CNY"))
operation = st.one_of(
    st.tuples(st.just("top_up"), st.sampled_from(MEMBERS), cents, st.just("")),
    st.tuples(st.just("pay"), st.sampled_from(MEMBERS), cents, st.sampled_from(["o1", "o2", "o3"])),
    st.tuples(
        st.just("refund"), st.sampled_from(MEMBERS), cents, st.sampled_from(["o1", "o2", "o3"])
    ),
    st.tuples(st.just("sell"), st.sampled_from(MEMBERS), cents, st.integers(1, 7).map(str)),
    st.tuples(st.just("use"), st.sampled_from(MEMBERS), cents, st.sampled_from(["p1", "p2", "p3"])),
    st.tuples(st.just("expire"), st.sampled_from(MEMBERS), cents, st.just("")),
)


@given(st.lists(st.tuples(operation, st.integers(0, 20)), max_size=40))
def test_double_entries_always_balance(plan) -> None:  # type: ignore[no-untyped-def]
    book = WalletBook(POLICY)
    at = T0
    packages = 0
    for (op, member, amount, extra), days in plan:
        at = at + dt.timedelta(days=days)
        try:
            if op == "top_up":
                book.top_up(member, amount, at=at)
            elif op == "pay":
                book.pay(member, amount, at=at, order_id=f"{member}-{extra}")
            elif op == "refund":
                taken = book.paid_from_wallet(f"{member}-{extra}")
                if taken.amount:
                    book.refund(member, min(amount, taken), at=at, order_id=f"{member}-{extra}")
            elif op == "sell":
                packages += 1
                book.sell_package(
                    member,
                    package_id=f"p{packages}",
                    service_id="s",
                    visits=int(extra),
                    price=amount,
                    at=at,
                    expires_at=at + dt.timedelta(days=30),
                )
            elif op == "use" and int(extra[1:]) <= packages:
                book.use_package(extra, at=at, order_id="visit")
            elif op == "expire":
                book.expire(member, at=at)
        except InsufficientBalance:
            pass
        for tx in book.transactions:
            assert sum(p.amount.amount for p in tx.postings) == 0
        accounts = book.accounts()
        assert sum(m.amount for m in accounts.values()) == 0  # the trial balance
        wallets = sum(book.balance(m).total.amount for m in MEMBERS)
        held = sum(book.package(f"p{n}").value_left.amount for n in range(1, packages + 1))
        assert book.liability().amount == wallets + held
        for m in MEMBERS:
            balance = book.balance(m)
            assert balance.paid.amount >= 0 and balance.bonus.amount >= 0
            assert member_liability(book.transactions, m) == balance.total.amount
        for n in range(1, packages + 1):
            package = book.package(f"p{n}")
            assert package.value_left.amount >= 0
            assert (package.visits_left == 0) == (package.value_left.amount == Decimal(0))
