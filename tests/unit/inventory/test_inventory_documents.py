"""The stored documents of moves and balances: the hand-written codec hooks of
``salonkit.inventory.records`` make and read exactly what the generic codec does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn
from hypothesis import given
from hypothesis import strategies as st

from salonkit.inventory.model import Move, MoveType, ValuationMethod
from salonkit.inventory.records import (
    LayerRecord,
    ShortfallRecord,
    StockBalance,
    StockCheckpoint,
)
from salonkit.storage.codec import converter, structure, unstructure

# the codec's own generated functions, which the hooks replace
generic_move_out = make_dict_unstructure_fn(Move, converter)
generic_move_in = make_dict_structure_fn(Move, converter)
generic_balance_out = make_dict_unstructure_fn(StockBalance, converter)
generic_balance_in = make_dict_structure_fn(StockBalance, converter)


def structure_without_hooks(doc: dict[str, Any], cls: type) -> object:
    """What the codec's generated function does with ``doc`` (no hand-written hook)."""
    load = generic_move_in if cls is Move else generic_balance_in
    return load(doc, cls)


zones = st.sampled_from(
    [
        pendulum.UTC,
        dt.UTC,
        pendulum.timezone("Asia/Shanghai"),
        pendulum.timezone("Europe/London"),
        dt.timezone(dt.timedelta(hours=-5)),
    ]
)
instants = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    zones,
)
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=6, max_value=10**9)
texts = st.text(max_size=8)
optional_texts = st.none() | texts
dates = st.none() | st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 1, 1))

moves = st.builds(
    Move,
    id=texts,
    seq=st.integers(0, 2**40),
    store_id=texts,
    sku=texts,
    type=st.sampled_from(list(MoveType)),
    quantity=decimals,
    posted_at=instants,
    recorded_at=instants,
    actor=texts,
    value=st.none() | decimals,
    lot=optional_texts,
    expires=dates,
    reason=texts,
    reference=optional_texts,
    counterparty=optional_texts,
    service_id=optional_texts,
)
balances = st.builds(
    StockBalance,
    id=texts,
    store_id=texts,
    sku=texts,
    method=st.sampled_from(list(ValuationMethod)),
    quantity=decimals,
    value=decimals,
    rate=decimals,
    last_rate=decimals,
    counter=st.integers(0, 10**6),
    layers=st.lists(
        st.builds(LayerRecord, optional_texts, dates, decimals, decimals, st.integers(0, 10**6)),
        max_size=5,
    ).map(tuple),
    shortfall=st.lists(st.builds(ShortfallRecord, decimals, decimals), max_size=3).map(tuple),
    last_posted_at=st.none() | instants,
    last_seq=st.integers(0, 10**6),
    next_seq=st.integers(1, 10**6),
    moves=st.integers(0, 10**6),
    version=st.integers(0, 100),
)


def same_instants(a: dt.datetime, b: dt.datetime) -> bool:
    return a == b and type(a) is type(b) and a.tzinfo is b.tzinfo


@given(moves)
def test_a_move_is_stored_as_the_codec_stores_it(move: Move) -> None:
    doc = unstructure(move)
    assert doc == generic_move_out(move)
    back = structure(doc, Move)
    reference = generic_move_in(doc, Move)
    assert back == reference == move
    assert same_instants(back.posted_at, reference.posted_at)
    assert same_instants(back.recorded_at, reference.recorded_at)


@given(balances)
def test_a_balance_is_stored_as_the_codec_stores_it(balance: StockBalance) -> None:
    doc = unstructure(balance)
    assert doc == generic_balance_out(balance)
    back = structure(doc, StockBalance)
    assert back == generic_balance_in(doc, StockBalance) == balance
    checkpoint = StockCheckpoint(id="c", stream=balance.id, count=3, balance=balance)
    stored = unstructure(checkpoint)
    assert stored["balance"] == doc
    assert structure(stored, StockCheckpoint) == checkpoint


def test_the_balance_document_keeps_its_format() -> None:
    balance = StockBalance(
        id="s1:DYE",
        store_id="s1",
        sku="DYE",
        method=ValuationMethod.FIFO,
        quantity=Decimal("12.5"),
        value=Decimal("50.000001"),
        rate=Decimal("4.000000"),
        last_rate=Decimal("4.000000"),
        counter=2,
        layers=(LayerRecord("L1", dt.date(2026, 5, 1), Decimal("12.5"), Decimal("50.000001"), 2),),
        shortfall=(ShortfallRecord(Decimal("1"), Decimal("3.5")),),
        last_posted_at=pendulum.datetime(2026, 3, 2, 9, 30, 0, 250),
        last_seq=7,
        next_seq=8,
        moves=5,
        version=3,
    )
    doc = {
        "id": "s1:DYE",
        "store_id": "s1",
        "sku": "DYE",
        "method": "fifo",
        "quantity": "12.5",
        "value": "50.000001",
        "rate": "4.000000",
        "last_rate": "4.000000",
        "counter": 2,
        "layers": [
            {
                "lot": "L1",
                "expires": "2026-05-01",
                "quantity": "12.5",
                "value": "50.000001",
                "order": 2,
            }
        ],
        "shortfall": [{"quantity": "1", "rate": "3.5"}],
        "last_posted_at": "2026-03-02T09:30:00.000250+00:00",
        "last_seq": 7,
        "next_seq": 8,
        "moves": 5,
        "version": 3,
    }
    assert unstructure(balance) == doc
    assert structure(doc, StockBalance) == balance


def test_documents_written_before_later_fields_still_load() -> None:
    doc = {"id": "s1:DYE", "store_id": "s1", "sku": "DYE", "method": "moving_average"}
    assert structure(doc, StockBalance) == StockBalance.empty(
        "s1", "DYE", ValuationMethod.MOVING_AVERAGE
    )
    move = {
        "id": "m1",
        "seq": 1,
        "store_id": "s1",
        "sku": "DYE",
        "type": "sell",
        "quantity": "-2",
        "posted_at": "2026-03-02T09:30:00+08:00",
        "recorded_at": "2026-03-02T01:30:00+00:00",
        "actor": "mei",
    }
    loaded = structure(move, Move)
    assert loaded == generic_move_in(move, Move)
    assert loaded.posted_at == loaded.recorded_at
    assert loaded.posted_at.tzinfo is pendulum.UTC


def failure(load: Callable[[], object]) -> type[BaseException]:
    with pytest.raises(Exception) as caught:  # any error: the caller compares the types
        load()
    return caught.type


@pytest.mark.parametrize(
    "broken",
    [
        {"seq": 1},  # most fields missing
        {"quantity": "lots"},
        {"type": "teleport"},
        {"posted_at": "yesterday"},
        {"expires": "soon"},
    ],
)
def test_a_malformed_move_fails_as_it_did_without_the_hooks(broken: dict[str, Any]) -> None:
    doc: dict[str, Any] = {
        "id": "m1",
        "seq": 1,
        "store_id": "s1",
        "sku": "DYE",
        "type": "sell",
        "quantity": "-2",
        "posted_at": "2026-03-02T09:30:00+00:00",
        "recorded_at": "2026-03-02T09:30:00+00:00",
        "actor": "mei",
    }
    doc = broken if "seq" in broken and len(broken) == 1 else {**doc, **broken}
    assert failure(lambda: structure(doc, Move)) is failure(
        lambda: structure_without_hooks(doc, Move)
    )


def test_a_malformed_balance_fails_as_it_did_without_the_hooks() -> None:
    doc: dict[str, Any] = {
        "id": "s1:DYE",
        "store_id": "s1",
        "sku": "DYE",
        "method": "fifo",
        "layers": [{}],
    }
    assert failure(lambda: structure(doc, StockBalance)) is failure(
        lambda: structure_without_hooks(doc, StockBalance)
    )
