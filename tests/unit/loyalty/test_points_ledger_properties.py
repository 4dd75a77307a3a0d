"""Hypothesis properties of the points ledger: sums, never negative, oldest first, no free points."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from salonkit.errors import InsufficientBalance
from salonkit.loyalty.ledger import EntryType, PointsLedger, replay_balance

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

ORDERS = ["o1", "o2", "o3", "o4", "o5"]

operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(1, 500), st.sampled_from([*ORDERS, None])),
    st.tuples(st.just("redeem"), st.integers(1, 600), st.sampled_from([*ORDERS, None])),
    st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool), st.none()),
    st.tuples(st.just("reverse"), st.just(0), st.sampled_from(ORDERS)),
    st.tuples(st.just("expire"), st.just(0), st.none()),
)
steps = st.lists(st.tuples(operation, st.integers(0, 40 * 24)), max_size=30)


def run(ledger: PointsLedger, plan: list, check) -> dt.datetime:  # type: ignore[no-untyped-def]
    at = T0
    for (op, points, order), hours in plan:
        at = at + dt.timedelta(hours=hours)
        before = ledger.balance("m", at=at)
        try:
            if op == "earn":
                ledger.earn("m", points, at=at, order_id=order)
            elif op == "redeem":
                ledger.redeem("m", points, at=at, order_id=order)
            elif op == "adjust":
                ledger.adjust("m", points, at=at, reason="fix", actor="lead")
            elif op == "reverse":
                assert order is not None
                ledger.reverse("m", order, at=at)
            else:
                ledger.expire("m", at=at)
        except InsufficientBalance:
            # Only ever refused when the balance really was too low.
            if op == "redeem":
                assert before.available < points
            else:
                assert op == "adjust" and before.total < -points
        check(ledger, at)
    return at


def invariants(ledger: PointsLedger, at: dt.datetime) -> None:
    balance = ledger.balance("m", at=at)
    assert balance.available >= 0 and balance.pending >= 0 and balance.debt >= 0
    assert balance.total == ledger.ledger_sum("m") == sum(e.points for e in ledger.entries("m"))
    assert replay_balance(ledger.entries("m"), at=at) == balance
    assert all(lot.remaining > 0 for lot in ledger.lots("m"))
    assert all(lot.expires_at > at for lot in ledger.lots("m"))


@given(steps, st.integers(0, 10), st.integers(20, 120))
def test_balance_is_the_ledger_sum_and_never_negative(plan, pending, validity) -> None:  # type: ignore[no-untyped-def]
    ledger = PointsLedger(validity_days=validity, pending_days=pending)
    run(ledger, plan, invariants)


@given(steps, st.integers(0, 10), st.integers(20, 120))
def test_redemption_and_expiry_consume_the_oldest_lots_first(plan, pending, validity) -> None:  # type: ignore[no-untyped-def]
    ledger = PointsLedger(validity_days=validity, pending_days=pending)
    seen = 0

    def oldest_first(ledger: PointsLedger, at: dt.datetime) -> None:
        nonlocal seen
        entries = ledger.entries("m")
        new, seen = entries[seen:], len(entries)
        for entry in new:
            lots = [a.lot for a in entry.allocations]
            if entry.type in (EntryType.REDEEM, EntryType.EXPIRE, EntryType.ADJUST):
                assert lots == sorted(lots)
            if entry.type is EntryType.REDEEM:
                # No older usable lot is left with points behind the newest lot it touched.
                newest = lots[-1]
                for lot in ledger.lots("m"):
                    if lot.seq < newest and lot.available_at <= entry.at:
                        raise AssertionError(f"lot {lot.seq} skipped by {entry.id}")
        expiries = [e for e in entries if e.type is EntryType.EXPIRE]
        assert [e.at for e in expiries] == sorted(e.at for e in expiries)
        assert [e.at for e in entries] == sorted(e.at for e in entries)

    run(ledger, plan, oldest_first)


@given(steps)
def test_a_refund_never_leaves_free_points(plan) -> None:  # type: ignore[no-untyped-def]
    ledger = PointsLedger(validity_days=60, pending_days=3)
    end = run(ledger, plan, lambda ledger, at: None)
    entries = ledger.entries("m")
    last_reversal: dict[str | None, int] = {
        e.order_id: e.seq for e in entries if e.type is EntryType.REVERSE
    }
    # Earnings stand unless a later reversal of the same order took them back.
    kept_earnings = sum(
        e.points
        for e in entries
        if e.type is EntryType.EARN and e.seq > last_reversal.get(e.order_id, 0)
    )
    adjustments = sum(e.points for e in entries if e.type is EntryType.ADJUST)
    net_redeemed = -sum(
        e.points for e in entries if e.type in (EntryType.REDEEM, EntryType.RESTORE)
    )
    expired = -sum(e.points for e in entries if e.type is EntryType.EXPIRE)
    balance = ledger.balance("m", at=end)
    # What the member got (redeemed, still holds, lost to expiry) minus what it owes equals what
    # it was given by orders that stand and by adjustments: never more.
    assert net_redeemed + expired + balance.total - balance.debt == kept_earnings + adjustments
