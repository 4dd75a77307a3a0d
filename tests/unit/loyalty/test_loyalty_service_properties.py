"""Hypothesis over LoyaltyService on the memory backend: stored ledger and balance agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit.domain.money import Money
from salonkit.errors import InsufficientBalance
from salonkit.loyalty.model import LineCategory, Purchase, PurchaseLine
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.service import LoyaltyService
from salonkit.testing import FrozenClock, memory_context

PROGRAMME = Programme.standard("CNY")
operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 800)),
    st.tuples(st.just("redeem"), st.integers(1, 900)),
    st.tuples(st.just("adjust"), st.integers(-200, 200).filter(bool)),
    st.tuples(st.just("reverse"), st.integers(0, 5)),
    st.tuples(st.just("expire"), st.just(0)),
)


@settings(max_examples=25)
@given(st.lists(st.tuples(operation, st.integers(0, 200)), max_size=15))
def test_stored_ledger_sums_to_the_balance_and_never_goes_negative(plan) -> None:  # type: ignore[no-untyped-def]
    clock = FrozenClock()
    loyalty = LoyaltyService(memory_context(clock), PROGRAMME)
    orders = 0
    for (op, value), days in plan:
        clock.advance(days=days)
        try:
            if op == "earn":
                orders += 1
                line = PurchaseLine(category=LineCategory.SERVICE, amount=Money(value, "CNY"))
                loyalty.earn("m", Purchase(order_id=f"o{orders}", at=clock.now(), lines=(line,)))
            elif op == "redeem":
                loyalty.redeem(
                    "m", order_id=f"r{orders}", order_value=Money(value, "CNY"), points=value * 10
                )
            elif op == "adjust":
                loyalty.adjust("m", value, reason="fix", actor="lead")
            elif op == "reverse":
                loyalty.reverse_order("m", f"o{value}")
            else:
                loyalty.expire_points()
        except InsufficientBalance:
            pass
        history = loyalty.history("m")
        balance = loyalty.balance("m")
        assert balance.available >= 0 and balance.pending >= 0 and balance.debt >= 0
        if history:
            # Once expiry up to now is written, the balance is exactly the sum of the entries.
            assert balance.total <= sum(e.points for e in history)
    loyalty.expire_points()
    assert loyalty.balance("m").total == sum(e.points for e in loyalty.history("m"))
