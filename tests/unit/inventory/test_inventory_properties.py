"""Invariants of the stock ledger for any sequence of moves (hypothesis)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from decimal import Decimal

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.catalogue import Product
from salonkit.errors import InsufficientStock
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import Move, MoveType, NegativeStockPolicy, ValuationMethod
from salonkit.inventory.stream import Stream

T0 = pendulum.datetime(2026, 3, 2, 9)
SKUS = ("A", "B")
STORES = ("s1", "s2")

quantities = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(40), places=1)
costs = st.decimals(min_value=Decimal(0), max_value=Decimal(9), places=2)
operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "receive", "consume", "sell", "adjust", "return", "stocktake"]),
        st.sampled_from(STORES),
        st.sampled_from(SKUS),
        quantities,
        costs,
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)
methods = st.sampled_from(list(ValuationMethod))
policies = st.sampled_from(list(NegativeStockPolicy))


def make(method: ValuationMethod, policy: NegativeStockPolicy) -> StockLedger:
    ledger = StockLedger("CNY", method=method, negative_stock=policy)
    for sku in SKUS:
        ledger.add_product(Product(sku=sku, name=sku, unit="ml"))
    return ledger


def to_moves(
    ledger: StockLedger, ops: list[tuple[str, str, str, Decimal, Decimal, bool]]
) -> list[Move]:
    """Moves at distinct instants (one minute apart), in posting order."""
    moves = []
    for i, (kind, store, sku, qty, cost, sign) in enumerate(ops):
        incoming = kind == "receive" or (kind in ("adjust", "stocktake") and sign)
        moves.append(
            Move(
                id=f"m{i}",
                seq=i + 1,
                store_id=store,
                sku=sku,
                type=MoveType(kind if kind != "return" else "return"),
                quantity=qty if incoming else -qty,
                posted_at=T0.add(minutes=i),
                recorded_at=T0,
                actor="a",
                value=qty * cost if kind == "receive" else None,
                reason="r",
            )
        )
    return moves


def post_all(ledger: StockLedger, moves: list[Move]) -> list[Move]:
    """Post each move; return the ones accepted (refusals leave the ledger untouched)."""
    accepted = []
    for move in moves:
        try:
            ledger.post(move)
        except InsufficientStock:
            continue
        accepted.append(move)
    return accepted


def snapshot(ledger: StockLedger) -> dict[tuple[str, str], tuple[Decimal, Decimal, Decimal]]:
    return {
        (store, sku): (b.quantity, b.value, b.rate)
        for store in STORES
        for sku in SKUS
        for b in [ledger.balance(store, sku)]
    }


@given(operations, methods, policies)
def test_on_hand_is_the_sum_of_moves(ops, method, policy) -> None:  # type: ignore[no-untyped-def]
    ledger = make(method, policy)
    accepted = post_all(ledger, to_moves(ledger, ops))
    for store in STORES:
        for sku in SKUS:
            total = sum((m.quantity for m in accepted if m.stream == (store, sku)), Decimal(0))
            assert ledger.on_hand(store, sku) == total
            if policy is NegativeStockPolicy.REFUSE:
                assert ledger.on_hand(store, sku) >= 0
            # and at every past instant
            for m in accepted:
                if m.stream == (store, sku):
                    upto = sum(
                        (
                            x.quantity
                            for x in accepted
                            if x.stream == (store, sku) and x.posted_at <= m.posted_at
                        ),
                        Decimal(0),
                    )
                    assert ledger.on_hand(store, sku, at=m.posted_at) == upto


@given(operations, methods, policies)
def test_value_matches_lots_or_rate(ops, method, policy) -> None:  # type: ignore[no-untyped-def]
    ledger = make(method, policy)
    post_all(ledger, to_moves(ledger, ops))
    for store in STORES:
        for sku in SKUS:
            state = ledger.state(store, sku)
            if state is None:
                continue
            lots_value = sum((lot.value for lot in ledger.lots(store, sku)), Decimal(0))
            lots_qty = sum((lot.quantity for lot in ledger.lots(store, sku)), Decimal(0))
            negative = sum((s.quantity * s.rate for s in state.shortfall), Decimal(0))
            assert lots_qty - state.shortfall_quantity() == state.quantity
            assert not (state.layers and state.shortfall)
            if method is ValuationMethod.FIFO:
                assert state.value == lots_value - negative
            else:
                assert state.value == state.quantity * state.rate
                if state.quantity >= 0:
                    assert state.value == lots_value


@given(operations, methods, policies)
def test_value_is_what_came_in_minus_what_went_out(ops, method, policy) -> None:  # type: ignore[no-untyped-def]
    ledger = make(method, policy)
    post_all(ledger, to_moves(ledger, ops))
    for store in STORES:
        for sku in SKUS:
            postings = ledger.postings(store, sku)
            previous = Decimal(0)
            for p in postings:
                assert p.value_after - previous == p.incoming - p.cost - p.settlement - p.rounding
                previous = p.value_after
            assert ledger.value(store, sku).amount == previous


@given(operations, methods, policies, st.booleans())
def test_replay_from_scratch_gives_the_same_balances(ops, method, policy, by_time) -> None:  # type: ignore[no-untyped-def]
    ledger = make(method, policy)
    post_all(ledger, to_moves(ledger, ops))
    moves = ledger.moves()
    if by_time:
        moves.sort(key=lambda m: (m.posted_at, m.seq))
    again = StockLedger.replay(
        moves,
        [Product(sku=s, name=s, unit="ml") for s in SKUS],
        method=method,
        negative_stock=policy,
    )
    assert snapshot(again) == snapshot(ledger)
    assert again.postings() == ledger.postings()


@given(operations, methods, st.randoms(use_true_random=False))
def test_back_dated_posting_equals_posting_in_order(ops, method, rnd: random.Random) -> None:  # type: ignore[no-untyped-def]
    in_order = make(method, NegativeStockPolicy.ALLOW)
    moves = to_moves(in_order, ops)
    post_all(in_order, moves)
    shuffled = list(moves)
    rnd.shuffle(shuffled)
    late = make(method, NegativeStockPolicy.ALLOW)
    post_all(late, shuffled)
    assert snapshot(late) == snapshot(in_order)
    assert late.postings() == in_order.postings()
    for store in STORES:
        for sku in SKUS:
            assert late.lots(store, sku) == in_order.lots(store, sku)


@given(operations, methods, st.integers(min_value=0, max_value=39))
def test_refused_back_dated_moves_leave_no_trace(ops, method, position) -> None:  # type: ignore[no-untyped-def]
    ledger = make(method, NegativeStockPolicy.REFUSE)
    post_all(ledger, to_moves(ledger, ops))
    before = ledger.postings()
    when = T0.add(minutes=min(position, len(ops)), seconds=30)
    try:
        ledger.consume("s1", "A", Decimal(25), actor="a", at=when)
    except InsufficientStock:
        assert ledger.postings() == before
    else:
        assert len(ledger.postings()) == len(before) + 1
    assert all(ledger.on_hand(s, k) >= 0 for s in STORES for k in SKUS)


@contextlib.contextmanager
def checkpoints_every(count: int) -> Iterator[None]:
    """Keep a state copy every ``count`` moves (small, so short streams use checkpoints)."""
    saved = Stream.CHECKPOINT_EVERY
    Stream.CHECKPOINT_EVERY = count
    try:
        yield
    finally:
        Stream.CHECKPOINT_EVERY = saved


@given(operations, methods, st.randoms(use_true_random=False), st.sampled_from([1, 2, 3, 5]))
def test_back_dated_posting_with_checkpoints(ops, method, rnd: random.Random, every) -> None:  # type: ignore[no-untyped-def]
    with checkpoints_every(every):
        in_order = make(method, NegativeStockPolicy.ALLOW)
        moves = to_moves(in_order, ops)
        post_all(in_order, moves)
        shuffled = list(moves)
        rnd.shuffle(shuffled)
        late = make(method, NegativeStockPolicy.ALLOW)
        post_all(late, shuffled)
    assert snapshot(late) == snapshot(in_order)
    assert late.postings() == in_order.postings()


transfer_ops = st.lists(
    st.tuples(
        st.sampled_from(["receive", "consume", "transfer", "transfer", "late receive"]),
        st.sampled_from(SKUS),
        quantities,
        costs,
        st.integers(min_value=0, max_value=60),
    ),
    min_size=1,
    max_size=30,
)


@given(transfer_ops, methods, policies, st.sampled_from([1, 2, 4, 256]))
def test_back_dated_moves_reprice_transfers_like_a_replay(ops, method, policy, every) -> None:  # type: ignore[no-untyped-def]
    """Back-dated receipts reprice transfers and their receivers exactly as posting in order."""
    with checkpoints_every(every):
        ledger = make(method, policy)
        minute = 100
        for kind, sku, qty, cost, back in ops:
            minute += 1
            when = T0.add(minutes=minute)
            store = "s1" if kind != "consume" else "s2"
            try:
                if kind == "receive":
                    ledger.receive("s1", sku, qty, unit_cost=cost, actor="a", at=when)
                elif kind == "late receive":
                    ledger.receive(
                        "s1",
                        sku,
                        qty,
                        unit_cost=cost,
                        actor="a",
                        at=T0.add(minutes=back, seconds=minute),
                    )
                elif kind == "consume":
                    ledger.consume(store, sku, qty, actor="a", at=when)
                else:
                    sent = ledger.send_transfer(
                        sku, qty, from_store="s1", to_store="s2", actor="a", at=when
                    )
                    ledger.receive_transfer(sent.id, actor="b", at=when.add(seconds=30))
            except InsufficientStock:
                continue
        replayed = StockLedger.replay(
            sorted(ledger.moves(), key=lambda m: (m.posted_at, m.seq)),
            [Product(sku=s, name=s, unit="ml") for s in SKUS],
            method=method,
            negative_stock=NegativeStockPolicy.ALLOW,
        )
    assert snapshot(replayed) == snapshot(ledger)
    assert replayed.postings() == ledger.postings()
