"""A stream's stored form: postings kept as flat rows, moves ordered by instant then sequence
(ties included), checkpoints as plain snapshots the garbage collector stops tracking."""

from __future__ import annotations

import datetime as dt
import gc
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.catalogue import Product
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import (
    LotPart,
    Move,
    MoveType,
    NegativeStockPolicy,
    Posting,
    ValuationMethod,
)
from salonkit.inventory.stream import Stream, posting_of, row_of
from salonkit.inventory.valuation import StreamState

T0 = pendulum.datetime(2026, 3, 2, 9)
UTC = ZoneInfo("UTC")


def move(seq: int, quantity: str, minute: int, **fields: object) -> Move:
    at = T0.add(minutes=minute)
    kind = fields.pop("type", MoveType.RECEIVE if Decimal(quantity) > 0 else MoveType.SELL)
    return Move(
        id=f"m{seq}",
        seq=seq,
        store_id="s1",
        sku="A",
        type=kind,  # type: ignore[arg-type]
        quantity=Decimal(quantity),
        posted_at=at,
        recorded_at=at,
        actor="a",
        **fields,  # type: ignore[arg-type]
    )


def test_rows_give_back_equal_postings() -> None:
    stream = Stream("s1", "A", ValuationMethod.FIFO, False, UTC)
    returned = [
        stream.append(
            move(1, "10", 0, value=Decimal("30"), lot="L1", expires=dt.date(2026, 5, 1)), None
        ),
        stream.append(move(2, "5", 1, value=Decimal("20"), lot="L2"), None),
        stream.append(move(3, "-12", 2), None),
        stream.append(move(4, "-1", 3), None),
    ]
    assert returned[2].taken == (
        LotPart("L1", dt.date(2026, 5, 1), Decimal(10), Decimal(30)),
        LotPart("L2", None, Decimal(2), Decimal("8.000000")),
    )
    assert stream.postings == returned
    assert [stream.posting(i) for i in range(4)] == returned
    assert all(type(p) is Posting for p in stream.postings)
    assert all(type(part) is LotPart for part in stream.posting(2).taken)
    for posting in returned:
        assert posting_of(posting.move, row_of(posting)) == posting


def test_rows_and_snapshots_are_left_untracked_by_the_collector() -> None:
    stream = Stream("s1", "A", ValuationMethod.FIFO, False, UTC)
    every = Stream.CHECKPOINT_EVERY
    for i in range(every + 2):
        stream.checkpoint()
        kind = "10" if i % 2 == 0 else "-3"
        extra = {"value": Decimal("4.5"), "lot": f"L{i}"} if i % 2 == 0 else {}
        stream.append(move(i + 1, kind, i, **extra), None)
    gc.collect()
    assert not any(gc.is_tracked(row) for row in stream.rows)  # flat: at the first collection
    gc.collect()  # a snapshot nests tuples three deep: untracked inside out, a level a time
    gc.collect()
    assert stream.checkpoints
    assert not any(gc.is_tracked(snap) for snap in stream.checkpoints.values())
    snapshot = stream.checkpoints[every]
    restored = StreamState.restore(snapshot)
    assert restored.snapshot() == snapshot


def test_equal_instants_are_ordered_by_sequence() -> None:
    stream = Stream("s1", "A", ValuationMethod.FIFO, False, UTC)
    for m in (move(1, "10", 0, value=Decimal(10)), move(3, "5", 1, value=Decimal(5))):
        assert stream.is_after_last(m)
        stream.append(m, None)
    same_instant_earlier = move(2, "1", 1, value=Decimal(1))
    assert not stream.is_after_last(same_instant_earlier)
    assert stream.index_for(same_instant_earlier) == 1
    assert stream.is_after_last(move(4, "1", 1, value=Decimal(1)))
    assert stream.index_for(move(0, "1", 0, value=Decimal(1))) == 0
    at = stream.at(T0.add(minutes=1))
    assert at is not None and at.move.seq == 3
    assert stream.at(T0.subtract(seconds=1)) is None


def ledger(method: ValuationMethod) -> StockLedger:
    book = StockLedger("CNY", method=method, negative_stock=NegativeStockPolicy.ALLOW)
    book.add_product(Product(sku="A", name="A", unit="ml"))
    return book


operations = st.lists(
    st.tuples(
        st.sampled_from(["in", "in", "out", "out", "out"]),
        st.integers(1, 20),
        st.integers(0, 3),  # few distinct minutes: many moves share an instant
    ),
    min_size=1,
    max_size=30,
)


@given(operations, st.sampled_from(list(ValuationMethod)), st.randoms(use_true_random=False))
def test_moves_at_the_same_instant_in_any_order(ops, method, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    moves = [
        move(
            i + 1,
            str(q if kind == "in" else -q),
            minute,
            value=Decimal(q) * 2 if kind == "in" else None,
        )
        for i, (kind, q, minute) in enumerate(ops)
    ]
    in_order = ledger(method)
    for m in sorted(moves, key=lambda m: (m.posted_at, m.seq)):
        in_order.post(m)
    shuffled = list(moves)
    rnd.shuffle(shuffled)
    late = ledger(method)
    for m in shuffled:
        late.post(m)
    assert late.postings() == in_order.postings()
    for minute in range(-1, 5):
        at = T0.add(minutes=minute)
        assert late.balance("s1", "A", at) == in_order.balance("s1", "A", at)
