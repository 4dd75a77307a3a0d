"""The persisted path (balances in storage, reposts from stored moves) agrees with the engine."""

from __future__ import annotations

from decimal import Decimal

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit.adapters.memory import MemoryBackend
from salonkit.context import Context
from salonkit.domain.catalogue import Product
from salonkit.errors import InsufficientStock
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import NegativeStockPolicy, ValuationMethod
from salonkit.inventory.service import InventoryService
from salonkit.inventory.stream import Stream
from salonkit.storage.records import PRODUCTS
from salonkit.testing import FrozenClock, SequentialIds

T0 = pendulum.datetime(2026, 3, 2, 9)
SKUS = ("A", "B")

steps = st.lists(
    st.tuples(
        st.sampled_from(["receive", "receive", "consume", "sell", "adjust", "transfer"]),
        st.sampled_from(SKUS),
        st.integers(min_value=1, max_value=30),
        st.integers(min_value=0, max_value=900),
        st.integers(min_value=0, max_value=200),  # minute: later steps may be back-dated
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=25)
@given(
    steps,
    st.sampled_from(list(ValuationMethod)),
    st.sampled_from(list(NegativeStockPolicy)),
    st.sampled_from([1, 2, 3, 256]),
)
def test_service_matches_the_in_memory_ledger(ops, method, policy, every) -> None:  # type: ignore[no-untyped-def]
    saved = Stream.CHECKPOINT_EVERY
    Stream.CHECKPOINT_EVERY = every  # stored checkpoints too: back-dated moves resume from them
    try:
        check_against_ledger(ops, method, policy)
    finally:
        Stream.CHECKPOINT_EVERY = saved


def check_against_ledger(ops, method, policy) -> None:  # type: ignore[no-untyped-def]
    ctx = Context(backend=MemoryBackend(), clock=FrozenClock(T0), ids=SequentialIds())
    products = [Product(sku=s, name=s, unit="ml") for s in SKUS]
    with ctx.unit_of_work() as uow:
        uow.repo(PRODUCTS).add_many(products)
    service = InventoryService(ctx, method=method, negative_stock=policy)
    ledger = StockLedger("CNY", method=method, negative_stock=policy)
    for p in products:
        ledger.add_product(p)
    for kind, sku, qty, cents, minute in ops:
        at = T0.add(minutes=minute, seconds=len(ledger.moves()))  # distinct instants
        q = Decimal(qty)
        for target in (service, ledger):
            try:
                if kind == "receive":
                    target.receive(
                        "s1", sku, q, unit_cost=Decimal(cents).scaleb(-2), actor="a", at=at
                    )
                elif kind == "consume":
                    target.consume("s1", sku, q, actor="a", at=at)
                elif kind == "sell":
                    target.sell("s1", sku, q, actor="a", at=at)
                elif kind == "adjust":
                    target.adjust("s1", sku, -q, reason="loss", actor="a", at=at)
                else:
                    sent = target.send_transfer(
                        sku, q, from_store="s1", to_store="s2", actor="a", at=at
                    )
                    target.receive_transfer(sent.id, actor="b", at=at.add(minutes=1))
            except InsufficientStock:
                pass
    for store in ("s1", "s2"):
        for sku in SKUS:
            expected = ledger.balance(store, sku)
            got = service.balance(store, sku)
            assert (got.quantity, got.value, got.rate) == (
                expected.quantity,
                expected.value,
                expected.rate,
            )
            assert [
                (p.quantity_after, p.value_after, p.cost) for p in service.history(store, sku)
            ] == [(p.quantity_after, p.value_after, p.cost) for p in ledger.postings(store, sku)]
