"""Golden tests of the points ledger with exact figures."""

from __future__ import annotations

import datetime as dt

import pytest

from salonkit.errors import InsufficientBalance, ValidationError
from salonkit.loyalty.ledger import Balance, EntryType, PointsLedger, replay_balance

T0 = dt.datetime(2026, 1, 10, 10, 0, tzinfo=dt.UTC)


def day(n: int, hours: int = 0) -> dt.datetime:
    return T0 + dt.timedelta(days=n, hours=hours)


def test_earn_then_redeem_oldest_lot_first() -> None:
    ledger = PointsLedger(validity_days=365)
    ledger.earn("m", 100, at=day(0), order_id="a")
    ledger.earn("m", 50, at=day(10), order_id="b")
    [entry] = ledger.redeem("m", 120, at=day(20), order_id="c")
    assert entry.type is EntryType.REDEEM
    assert entry.points == -120
    assert [(a.lot, a.points) for a in entry.allocations] == [(1, 100), (2, 20)]
    assert [(lot.seq, lot.remaining) for lot in ledger.lots("m")] == [(2, 30)]
    assert ledger.balance("m", at=day(20)) == Balance(available=30, pending=0)


def test_expiry_exactly_at_the_end_of_validity() -> None:
    ledger = PointsLedger(validity_days=365)
    ledger.earn("m", 80, at=day(0))
    # Usable until one instant before 2027-01-10 10:00 UTC, gone at that instant.
    assert ledger.balance("m", at=day(365) - dt.timedelta(seconds=1)).available == 80
    assert ledger.balance("m", at=day(365)).available == 0
    written = ledger.expire("m", at=day(400))
    assert [(e.type, e.points, e.at) for e in written] == [(EntryType.EXPIRE, -80, day(365))]
    assert ledger.ledger_sum("m") == 0


def test_expiry_is_written_before_a_later_operation_and_oldest_expires_first() -> None:
    ledger = PointsLedger(validity_days=30)
    ledger.earn("m", 10, at=day(0))
    ledger.earn("m", 20, at=day(5))
    written = ledger.earn("m", 40, at=day(50))
    written += ledger.redeem("m", 40, at=day(60))
    assert [(e.type, e.points, e.at) for e in written] == [
        (EntryType.EXPIRE, -10, day(30)),
        (EntryType.EXPIRE, -20, day(35)),
        (EntryType.EARN, 40, day(50)),
        (EntryType.REDEEM, -40, day(60)),
    ]
    assert ledger.balance("m", at=day(60)) == Balance(0, 0)


def test_pending_points_become_usable_after_n_days() -> None:
    ledger = PointsLedger(validity_days=365, pending_days=14)
    ledger.earn("m", 200, at=day(0))
    assert ledger.balance("m", at=day(13, 23)) == Balance(available=0, pending=200)
    with pytest.raises(InsufficientBalance):
        ledger.redeem("m", 1, at=day(13, 23))
    assert ledger.balance("m", at=day(14)) == Balance(available=200, pending=0)
    ledger.redeem("m", 200, at=day(14))
    assert ledger.ledger_sum("m") == 0


def test_redeem_more_than_usable_raises_and_writes_nothing() -> None:
    ledger = PointsLedger()
    ledger.earn("m", 99, at=day(0))
    with pytest.raises(InsufficientBalance):
        ledger.redeem("m", 100, at=day(1))
    assert len(ledger.entries("m")) == 1
    assert ledger.balance("m", at=day(1)).available == 99


def test_manual_adjustment_needs_reason_and_actor_and_never_goes_negative() -> None:
    ledger = PointsLedger()
    with pytest.raises(ValidationError) as info:
        ledger.adjust("m", 10, at=day(0), reason=" ", actor="mei")
    assert info.value.field == "reason"
    with pytest.raises(ValidationError) as info:
        ledger.adjust("m", 10, at=day(0), reason="goodwill", actor="")
    assert info.value.field == "actor"
    [entry] = ledger.adjust("m", 30, at=day(0), reason="goodwill", actor="mei")
    assert (entry.type, entry.points, entry.actor, entry.reason) == (
        EntryType.ADJUST,
        30,
        "mei",
        "goodwill",
    )
    with pytest.raises(InsufficientBalance):
        ledger.adjust("m", -31, at=day(1), reason="typo", actor="mei")
    ledger.adjust("m", -30, at=day(1), reason="typo", actor="mei")
    assert ledger.balance("m", at=day(1)) == Balance(0, 0)


def test_refund_after_redemption_leaves_no_free_points() -> None:
    ledger = PointsLedger()
    ledger.earn("m", 100, at=day(0), order_id="A")
    ledger.redeem("m", 100, at=day(1), order_id="B")
    [reverse] = ledger.reverse("m", "A", at=day(2))
    assert (reverse.type, reverse.points, reverse.shortfall) == (EntryType.REVERSE, 0, 100)
    assert ledger.balance("m", at=day(2)) == Balance(0, 0, debt=100)
    # The next 30 points go to the debt, then the next 100 pay it off and leave 30.
    ledger.earn("m", 30, at=day(3), order_id="C")
    assert ledger.balance("m", at=day(3)) == Balance(0, 0, debt=70)
    written = ledger.earn("m", 100, at=day(4), order_id="D")
    assert [(e.type, e.points) for e in written] == [(EntryType.EARN, 100), (EntryType.SETTLE, -70)]
    assert ledger.balance("m", at=day(4)) == Balance(30, 0, debt=0)


def test_refund_claws_back_from_other_lots_when_order_lot_was_spent() -> None:
    ledger = PointsLedger()
    ledger.earn("m", 100, at=day(0), order_id="A")
    ledger.earn("m", 60, at=day(1), order_id="B")
    ledger.redeem("m", 100, at=day(2))  # spends lot A entirely
    [reverse] = ledger.reverse("m", "A", at=day(3))
    assert reverse.points == -60 and reverse.shortfall == 40
    assert ledger.balance("m", at=day(3)) == Balance(0, 0, debt=40)


def test_refunding_the_order_paid_with_points_restores_them_to_their_lots() -> None:
    ledger = PointsLedger(validity_days=30)
    ledger.earn("m", 100, at=day(0), order_id="A")
    ledger.redeem("m", 70, at=day(1), order_id="B")
    [restore] = ledger.reverse("m", "B", at=day(2))
    assert (restore.type, restore.points) == (EntryType.RESTORE, 70)
    assert ledger.balance("m", at=day(2)).available == 100
    assert ledger.reverse("m", "B", at=day(3)) == []  # twice: nothing more
    # A restored lot keeps its original expiry.
    assert ledger.balance("m", at=day(30)).available == 0


def test_restore_into_an_expired_lot_is_written_off_at_once() -> None:
    ledger = PointsLedger(validity_days=10)
    ledger.earn("m", 50, at=day(0))
    ledger.redeem("m", 50, at=day(1), order_id="B")
    written = ledger.reverse("m", "B", at=day(20))
    assert [(e.type, e.points) for e in written] == [
        (EntryType.RESTORE, 50),
        (EntryType.EXPIRE, -50),
    ]
    assert ledger.ledger_sum("m") == 0


def test_reversal_also_removes_tier_qualifying_points_and_spend() -> None:
    from decimal import Decimal

    ledger = PointsLedger()
    ledger.earn("m", 120, at=day(0), order_id="A", spend=Decimal("120.50"))
    ledger.earn("m", 10, at=day(1), order_id=None, qualifying=False)
    assert ledger.qualifying("m", since=day(-1), until=day(1)) == (120, Decimal("120.50"))
    ledger.reverse("m", "A", at=day(2))
    assert ledger.qualifying("m", since=day(-1), until=day(2)) == (0, Decimal("0.00"))


def test_balance_in_the_past_is_replayed_from_the_ledger() -> None:
    ledger = PointsLedger(validity_days=365, pending_days=7)
    ledger.earn("m", 100, at=day(0))
    ledger.earn("m", 50, at=day(10))
    ledger.redeem("m", 120, at=day(20))
    assert ledger.balance("m", at=day(5)) == Balance(available=0, pending=100)
    assert ledger.balance("m", at=day(12)) == Balance(available=100, pending=50)
    assert ledger.balance("m", at=day(20)) == Balance(available=30, pending=0)
    assert replay_balance(ledger.entries("m"), at=day(12)) == Balance(100, 50)


def test_operations_cannot_go_back_in_time_and_reject_bad_input() -> None:
    ledger = PointsLedger()
    ledger.earn("m", 10, at=day(5))
    with pytest.raises(ValidationError) as info:
        ledger.earn("m", 10, at=day(4))
    assert info.value.field == "at"
    with pytest.raises(ValidationError):
        ledger.earn("m", 0, at=day(6))
    with pytest.raises(ValidationError):
        ledger.earn("m", 1.5, at=day(6))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        ledger.earn("m", 1, at=dt.datetime(2026, 1, 1))  # naive


def test_load_rebuilds_the_same_state() -> None:
    ledger = PointsLedger(validity_days=40, pending_days=3)
    ledger.earn("m", 100, at=day(0), order_id="A")
    ledger.redeem("m", 30, at=day(5), order_id="B")
    ledger.reverse("m", "A", at=day(6))
    ledger.earn("m", 20, at=day(50))
    copy = PointsLedger(validity_days=40, pending_days=3)
    copy.load(ledger.entries("m"))
    assert copy.entries("m") == ledger.entries("m")
    assert copy.balance("m", at=day(60)) == ledger.balance("m", at=day(60))
    assert copy.lots("m") == ledger.lots("m")
