"""Golden scenarios: exact quantity, value, rate and cost after every move."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from salonkit.errors import InsufficientStock
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import NegativeStockPolicy, Posting, ValuationMethod

T0 = pendulum.datetime(2026, 3, 2, 9)
FIFO = ValuationMethod.FIFO
MA = ValuationMethod.MOVING_AVERAGE
ALLOW = NegativeStockPolicy.ALLOW
REFUSE = NegativeStockPolicy.REFUSE

# (minute, action, quantity, unit cost) -> expected (quantity, value, rate, cost, settlement, rounding)
Step = tuple[int, str, str, str | None, tuple[str, str, str, str, str, str]]


def run(ledger: StockLedger, minute: int, action: str, qty: str, cost: str | None) -> Posting:
    when = T0.add(minutes=minute)
    if action == "receive":
        assert cost is not None
        return ledger.receive("s1", "P", Decimal(qty), unit_cost=Decimal(cost), actor="a", at=when)
    if action == "consume":
        return ledger.consume("s1", "P", Decimal(qty), actor="a", at=when)
    return ledger.sell("s1", "P", Decimal(qty), actor="a", at=when)


def check(posting: Posting, expected: tuple[str, str, str, str, str, str]) -> None:
    got = (
        posting.quantity_after,
        posting.value_after,
        posting.rate_after,
        posting.cost,
        posting.settlement,
        posting.rounding,
    )
    assert got == tuple(Decimal(x) for x in expected), (posting.move.type, got)


FIFO_BASIC: list[Step] = [
    (1, "receive", "10", "2.00", ("10", "20", "2", "0", "0", "0")),
    (2, "receive", "5", "3.00", ("15", "35", "2.333333", "0", "0", "0")),
    # 10 from the first layer (20.00) + 2 of 5 from the second (15 × 2/5 = 6)
    (3, "consume", "12", None, ("3", "9", "3", "26", "0", "0")),
    (4, "receive", "4", "3.50", ("7", "23", "3.285714", "0", "0", "0")),
    # 3 left of the second layer (9) + 2 of 4 of the third (14 × 2/4 = 7)
    (5, "sell", "5", None, ("2", "7", "3.5", "16", "0", "0")),
]

MA_BASIC: list[Step] = [
    (1, "receive", "10", "2.00", ("10", "20", "2", "0", "0", "0")),
    # R = round(35 / 15) = 2.333333; value 15 × R = 34.999995; rounding 0.000005
    (2, "receive", "5", "3.00", ("15", "34.999995", "2.333333", "0", "0", "0.000005")),
    (3, "consume", "12", None, ("3", "6.999999", "2.333333", "27.999996", "0", "0")),
    # R = round((6.999999 + 14) / 7) = round(2.99999985...) = 3.000000; rounding -0.000001
    (4, "receive", "4", "3.50", ("7", "21", "3", "0", "0", "-0.000001")),
    (5, "sell", "5", None, ("2", "6", "3", "15", "0", "0")),
]

FIFO_NEGATIVE: list[Step] = [
    (1, "receive", "5", "2.00", ("5", "10", "2", "0", "0", "0")),
    # 5 from stock (10) + 3 negative at the last incoming unit cost 2 (6)
    (2, "consume", "8", None, ("-3", "-6", "2", "16", "0", "0")),
    # 3 of the 10 settle the negative: 25 × 3/10 = 7.5 against 3 × 2 = 6 -> settlement 1.5
    (3, "receive", "10", "2.50", ("7", "17.5", "2.5", "0", "1.5", "0")),
    (4, "sell", "9", None, ("-2", "-5", "2.5", "22.5", "0", "0")),
    # 1 unit at 4 settles 1 of the 2 negative units issued at 2.5
    (5, "receive", "1", "4.00", ("-1", "-2.5", "2.5", "0", "1.5", "0")),
    # a new negative unit at the last incoming cost 4: layers (1 @ 2.5) and (1 @ 4)
    (6, "consume", "1", None, ("-2", "-6.5", "3.25", "4", "0", "0")),
    # 3 @ 5: settles 1 @ 2.5 (+2.5) then 1 @ 4 (+1): settlement 3.5; 1 left at 5
    (7, "receive", "3", "5.00", ("1", "5", "5", "0", "3.5", "0")),
]

MA_NEGATIVE: list[Step] = [
    (1, "receive", "5", "2.00", ("5", "10", "2", "0", "0", "0")),
    (2, "consume", "8", None, ("-3", "-6", "2", "16", "0", "0")),
    # 3 settle at 7.5 vs 6 -> 1.5; the other 7 enter at 17.5 / 7 = 2.5
    (3, "receive", "10", "2.50", ("7", "17.5", "2.5", "0", "1.5", "0")),
    (4, "consume", "9", None, ("-2", "-5", "2.5", "22.5", "0", "0")),
    # still negative after the receipt: R stays 2.5
    (5, "receive", "1", "4.00", ("-1", "-2.5", "2.5", "0", "1.5", "0")),
]


@pytest.mark.parametrize(
    ("method", "policy", "steps"),
    [
        (FIFO, REFUSE, FIFO_BASIC),
        (MA, REFUSE, MA_BASIC),
        (FIFO, ALLOW, FIFO_NEGATIVE),
        (MA, ALLOW, MA_NEGATIVE),
    ],
    ids=["fifo", "moving-average", "fifo-negative", "moving-average-negative"],
)
def test_golden_sequence(
    new_ledger: Callable[..., StockLedger],
    method: ValuationMethod,
    policy: NegativeStockPolicy,
    steps: list[Step],
) -> None:
    ledger = new_ledger(method, policy)
    for minute, action, qty, cost, expected in steps:
        check(run(ledger, minute, action, qty, cost), expected)
    final = steps[-1][4]
    assert ledger.on_hand("s1", "P") == Decimal(final[0])
    assert ledger.value("s1", "P").amount == Decimal(final[1])


def test_fifo_back_dated_receipt_reposts_later_moves(
    new_ledger: Callable[..., StockLedger],
) -> None:
    ledger = new_ledger(FIFO, REFUSE)
    for minute, action, qty, cost, _ in FIFO_BASIC:
        run(ledger, minute, action, qty, cost)
    # 2 @ 1.00 posted later but dated between the second receipt and the consume
    late = ledger.receive(
        "s1",
        "P",
        Decimal(2),
        unit_cost=Decimal("1.00"),
        actor="a",
        at=T0.add(minutes=2, seconds=30),
    )
    check(late, ("17", "37", "2.176471", "0", "0", "0"))
    got = [(p.move.type.value, p.quantity_after, p.value_after, p.cost) for p in ledger.postings()]
    assert got == [
        ("receive", Decimal(10), Decimal(20), Decimal(0)),
        ("receive", Decimal(15), Decimal(35), Decimal(0)),
        ("receive", Decimal(17), Decimal(37), Decimal(0)),
        # the consume still takes 10 @ 2 and 2 of the 3.00 layer: 26
        ("consume", Decimal(5), Decimal(11), Decimal(26)),
        ("receive", Decimal(9), Decimal(25), Decimal(0)),
        # the sale now takes 3 @ 3.00 (9) and the 2 @ 1.00 (2)
        ("sell", Decimal(4), Decimal(14), Decimal(11)),
    ]
    assert ledger.rate("s1", "P").amount == Decimal("3.5")


def test_moving_average_back_dated_receipt_reposts_later_moves(
    new_ledger: Callable[..., StockLedger],
) -> None:
    ledger = new_ledger(MA, REFUSE)
    run(ledger, 1, "receive", "10", "2.00")
    run(ledger, 3, "consume", "4", None)
    run(ledger, 4, "receive", "6", "3.00")
    check(run(ledger, 5, "consume", "6", None), ("6", "15", "2.5", "15", "0", "0"))
    run(ledger, 2, "receive", "10", "1.00")
    steps = [
        (p.quantity_after, p.value_after, p.rate_after, p.cost, p.rounding)
        for p in ledger.postings()
    ]
    assert steps == [
        (Decimal(10), Decimal(20), Decimal(2), Decimal(0), Decimal(0)),
        (Decimal(20), Decimal(30), Decimal("1.5"), Decimal(0), Decimal(0)),
        (Decimal(16), Decimal(24), Decimal("1.5"), Decimal(6), Decimal(0)),
        # R = round(42 / 22) = 1.909091; 22 × R = 42.000002
        (Decimal(22), Decimal("42.000002"), Decimal("1.909091"), Decimal(0), Decimal("-0.000002")),
        (Decimal(16), Decimal("30.545456"), Decimal("1.909091"), Decimal("11.454546"), Decimal(0)),
    ]


def test_refused_back_dated_consume_changes_nothing(new_ledger: Callable[..., StockLedger]) -> None:
    ledger = new_ledger(FIFO, REFUSE)
    run(ledger, 1, "receive", "10", "2.00")
    run(ledger, 5, "consume", "8", None)
    before = ledger.postings()
    with pytest.raises(InsufficientStock):
        run(ledger, 3, "consume", "5", None)  # would leave 5 for the later 8
    assert ledger.postings() == before
    assert ledger.on_hand("s1", "P") == Decimal(2)


def test_balance_at_a_past_moment(new_ledger: Callable[..., StockLedger]) -> None:
    ledger = new_ledger(FIFO, REFUSE)
    for minute, action, qty, cost, _ in FIFO_BASIC:
        run(ledger, minute, action, qty, cost)
    before_sale = ledger.balance("s1", "P", at=T0.add(minutes=4, seconds=59))
    assert (before_sale.quantity, before_sale.value) == (Decimal(7), Decimal(23))
    assert ledger.balance("s1", "P", at=T0).quantity == Decimal(0)
    assert ledger.on_hand("s1", "P", at=T0.add(minutes=3)) == Decimal(3)


@pytest.mark.parametrize("method", [FIFO, MA], ids=["fifo", "moving-average"])
def test_back_dated_receipt_into_a_negative_period(
    new_ledger: Callable[..., StockLedger], method: ValuationMethod
) -> None:
    ledger = new_ledger(method, ALLOW)
    # nothing received yet: the 3 missing units are costed at the last known rate, zero
    check(run(ledger, 2, "consume", "3", None), ("-3", "0", "0", "0", "0", "0"))
    # 5 @ 2.00 arrive: 3 settle the negative (6.00 charged as settlement), 2 stay at 2.00
    check(run(ledger, 3, "receive", "5", "2.00"), ("2", "4", "2", "0", "6", "0"))
    # the stock that was used turns out to have been received before the consume
    run(ledger, 1, "receive", "4", "1.50")
    got = [
        (p.quantity_after, p.value_after, p.rate_after, p.cost, p.settlement)
        for p in ledger.postings()
    ]
    rate = Decimal("1.916667")
    assert got == [
        (Decimal(4), Decimal(6), Decimal("1.5"), Decimal(0), Decimal(0)),
        (Decimal(1), Decimal("1.5"), Decimal("1.5"), Decimal("4.5"), Decimal(0)),
        # no negative any more: no settlement; FIFO holds 1 @ 1.50 + 5 @ 2.00 = 11.50,
        # moving average rounds 11.5 / 6 to 1.916667 and holds 6 × that
        (Decimal(6), Decimal("11.5") if method is FIFO else 6 * rate, rate, Decimal(0), Decimal(0)),
    ]
