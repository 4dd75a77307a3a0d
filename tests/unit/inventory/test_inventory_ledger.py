"""Ledger behaviour: units, lots and expiry (FEFO), transfers, atomicity, validation, alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from salonkit.domain.catalogue import Product
from salonkit.domain.money import Money
from salonkit.errors import InsufficientStock, NotFound, ValidationError
from salonkit.inventory.events import StockLow
from salonkit.inventory.expiry import expiring, expiring_value, expiry_events
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import (
    MoveType,
    NegativeStockPolicy,
    StockSettings,
    ValuationMethod,
)
from salonkit.inventory.units import PACK
from salonkit.inventory.valuation import ExpiredStock

T0 = pendulum.datetime(2026, 3, 2, 9)
FIFO = ValuationMethod.FIFO
MA = ValuationMethod.MOVING_AVERAGE
Factory = Callable[..., StockLedger]


def test_receiving_packs_and_consuming_millilitres(new_ledger: Factory) -> None:
    ledger = new_ledger()
    # two 500 ml bottles at 89.00 each
    ledger.receive(
        "s1", "P", Decimal(2), unit=PACK, unit_cost=Money("89.00", "CNY"), actor="a", at=T0
    )
    assert ledger.on_hand("s1", "P") == Decimal(1000)
    assert ledger.rate("s1", "P").amount == Decimal("0.178")
    used = ledger.consume("s1", "P", Decimal(60), actor="a", at=T0.add(hours=1))
    assert used.cost == Decimal("10.68")
    ledger.consume("s1", "P", Decimal("0.1"), unit="l", actor="a", at=T0.add(hours=2))
    assert ledger.on_hand("s1", "P") == Decimal(840)
    with pytest.raises(ValidationError) as err:
        ledger.consume("s1", "P", Decimal(1), unit="g", actor="a")
    assert err.value.field == "unit"


def test_bad_input_names_the_field(new_ledger: Factory) -> None:
    ledger = new_ledger()
    with pytest.raises(ValidationError, match="quantity"):
        ledger.receive("s1", "P", Decimal(0), unit_cost=Decimal(1), actor="a")
    with pytest.raises(ValidationError, match="quantity"):
        ledger.receive("s1", "P", 1.5, unit_cost=Decimal(1), actor="a")
    with pytest.raises(ValidationError, match="unit_cost.currency"):
        ledger.receive("s1", "P", Decimal(1), unit_cost=Money("1", "EUR"), actor="a")
    with pytest.raises(ValidationError, match="actor"):
        ledger.receive("s1", "P", Decimal(1), unit_cost=Decimal(1), actor=" ")
    with pytest.raises(ValidationError, match="at"):
        ledger.receive(
            "s1", "P", Decimal(1), unit_cost=Decimal(1), actor="a", at=dt.datetime(2026, 1, 1)
        )
    with pytest.raises(ValidationError, match="reason"):
        ledger.adjust("s1", "P", Decimal(-1), reason="", actor="a")
    with pytest.raises(NotFound):
        ledger.consume("s1", "NOPE", Decimal(1), actor="a")
    assert ledger.streams() == []


def test_refuse_policy_raises_and_posts_nothing(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive("s1", "P", Decimal(5), unit_cost=Decimal(1), actor="a", at=T0)
    with pytest.raises(InsufficientStock):
        ledger.consume("s1", "P", Decimal(6), actor="a", at=T0.add(minutes=1))
    assert ledger.on_hand("s1", "P") == Decimal(5)
    assert len(ledger.postings()) == 1


def test_negative_policy_per_product(new_ledger: Factory) -> None:
    ledger = new_ledger(FIFO, NegativeStockPolicy.REFUSE, ("P", "Q"))
    ledger.add_product(ledger.product("Q"), StockSettings(negative_stock=NegativeStockPolicy.ALLOW))
    ledger.consume("s1", "Q", Decimal(3), actor="a", at=T0)
    assert ledger.on_hand("s1", "Q") == Decimal(-3)
    with pytest.raises(InsufficientStock):
        ledger.consume("s1", "P", Decimal(3), actor="a", at=T0)


def test_method_per_product_and_store_default(new_ledger: Factory) -> None:
    ledger = new_ledger(FIFO, NegativeStockPolicy.REFUSE, ("P", "Q", "R"))
    ledger.add_product(ledger.product("Q"), StockSettings(method=MA))
    ledger.set_store("s2", method=MA)
    assert ledger.method_for("s1", "P") is FIFO
    assert ledger.method_for("s1", "Q") is MA
    assert ledger.method_for("s2", "P") is MA
    ledger.receive("s1", "Q", Decimal(1), unit_cost=Decimal(1), actor="a")
    with pytest.raises(ValidationError, match="method"):
        ledger.add_product(ledger.product("Q"), StockSettings(method=FIFO))


def test_fefo_takes_the_earliest_expiry_and_never_an_expired_lot(new_ledger: Factory) -> None:
    ledger = new_ledger()
    receive = ledger.receive
    receive(
        "s1",
        "P",
        Decimal(10),
        unit_cost=Decimal(1),
        lot="LATE",
        expires=dt.date(2026, 9, 1),
        actor="a",
        at=T0,
    )
    receive(
        "s1",
        "P",
        Decimal(10),
        unit_cost=Decimal(2),
        lot="SOON",
        expires=dt.date(2026, 4, 1),
        actor="a",
        at=T0,
    )
    receive("s1", "P", Decimal(10), unit_cost=Decimal(3), lot="NONE", actor="a", at=T0)
    used = ledger.consume("s1", "P", Decimal(12), actor="a", at=T0.add(days=1))
    assert [(p.lot, p.quantity) for p in used.taken] == [("SOON", 10), ("LATE", 2)]
    assert used.cost == Decimal(22)
    assert [lot.lot for lot in ledger.lots("s1", "P")] == ["LATE", "NONE"]
    # an explicit lot is honoured
    taken = ledger.consume("s1", "P", Decimal(1), lot="NONE", actor="a", at=T0.add(days=1))
    assert taken.taken[0].lot == "NONE" and taken.cost == Decimal(3)


def test_expired_lot_is_refused_even_when_negative_stock_is_allowed(new_ledger: Factory) -> None:
    ledger = new_ledger(FIFO, NegativeStockPolicy.ALLOW)
    ledger.receive(
        "s1",
        "P",
        Decimal(5),
        unit_cost=Decimal(1),
        lot="L1",
        expires=dt.date(2026, 3, 3),
        actor="a",
        at=T0,
    )
    # usable through its expiry date, in the store's zone
    ledger.consume("s1", "P", Decimal(1), actor="a", at=pendulum.datetime(2026, 3, 3, 23))
    with pytest.raises(ExpiredStock):
        ledger.consume("s1", "P", Decimal(1), actor="a", at=pendulum.datetime(2026, 3, 4, 1))
    with pytest.raises(InsufficientStock):
        ledger.consume(
            "s1", "P", Decimal(1), lot="L1", actor="a", at=pendulum.datetime(2026, 3, 4, 1)
        )
    # an adjustment may write the expired lot off
    off = ledger.adjust(
        "s1", "P", Decimal(-4), reason="expired", actor="a", at=pendulum.datetime(2026, 3, 4, 2)
    )
    assert off.taken[0].lot == "L1" and ledger.on_hand("s1", "P") == 0
    # with nothing expired left, the allow policy goes negative
    ledger.consume("s1", "P", Decimal(1), actor="a", at=pendulum.datetime(2026, 3, 4, 3))
    assert ledger.on_hand("s1", "P") == Decimal(-1)


def test_expiry_is_judged_on_the_store_date(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.set_store("sh", timezone="Asia/Shanghai")
    ledger.receive(
        "sh",
        "P",
        Decimal(5),
        unit_cost=Decimal(1),
        lot="L",
        expires=dt.date(2026, 3, 3),
        actor="a",
        at=T0,
    )
    # 17:00 UTC on the 3rd is already the 4th in Shanghai
    with pytest.raises(ExpiredStock):
        ledger.consume("sh", "P", Decimal(1), actor="a", at=pendulum.datetime(2026, 3, 3, 17))


def test_expiring_report_and_events(new_ledger: Factory) -> None:
    ledger = new_ledger()
    for lot, day, cost in (("A", 5, "1"), ("B", 20, "2"), ("C", 60, "3")):
        ledger.receive(
            "s1",
            "P",
            Decimal(10),
            unit_cost=Decimal(cost),
            lot=lot,
            expires=dt.date(2026, 3, 1) + dt.timedelta(days=day),
            actor="a",
            at=T0,
        )
    today = dt.date(2026, 3, 2)
    soon = expiring(ledger, 30, today=today)
    assert [(x.lot, x.quantity, x.value.amount, x.expired) for x in soon] == [
        ("A", 10, 10, False),
        ("B", 10, 20, False),
    ]
    assert expiring_value(ledger, 30, today=today).amount == Decimal(30)
    assert [x.expired for x in expiring(ledger, 0, today=dt.date(2026, 3, 7))] == [True]
    events = expiry_events(ledger, 30, today=today, now=T0)
    assert [(e.name, e.lot, e.store_id) for e in events] == [
        ("StockExpiring", "A", "s1"),
        ("StockExpiring", "B", "s1"),
    ]


def test_transfer_moves_lots_and_cost_between_stores(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive(
        "s1",
        "P",
        Decimal(10),
        unit_cost=Decimal(2),
        lot="L1",
        expires=dt.date(2026, 6, 1),
        actor="a",
        at=T0,
    )
    transfer = ledger.send_transfer(
        "P", Decimal(4), from_store="s1", to_store="s2", actor="a", at=T0.add(hours=1)
    )
    assert transfer.in_transit and ledger.on_hand("s2", "P") == 0 and ledger.on_hand("s1", "P") == 6
    assert ledger.transit_value(transfer.id).amount == Decimal(8)
    with pytest.raises(ValidationError, match="at"):
        ledger.receive_transfer(transfer.id, actor="b", at=T0)
    ledger.receive_transfer(transfer.id, actor="b", at=T0.add(days=1))
    assert ledger.on_hand("s2", "P") == 4 and ledger.value("s2", "P").amount == Decimal(8)
    assert ledger.lots("s2", "P")[0].lot == "L1"
    assert not ledger.transfer(transfer.id).in_transit
    with pytest.raises(ValidationError, match="transfer"):
        ledger.receive_transfer(transfer.id, actor="b")


def test_back_dated_receipt_reprices_a_received_transfer(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive("s1", "P", Decimal(10), unit_cost=Decimal(2), actor="a", at=T0.add(hours=2))
    transfer = ledger.send_transfer(
        "P", Decimal(4), from_store="s1", to_store="s2", actor="a", at=T0.add(hours=3)
    )
    ledger.receive_transfer(transfer.id, actor="b", at=T0.add(hours=4))
    ledger.consume("s2", "P", Decimal(1), actor="b", at=T0.add(hours=5))
    assert ledger.value("s2", "P").amount == Decimal(6)
    # 4 cheaper units turn out to have arrived at s1 earlier: the transfer took those
    ledger.receive("s1", "P", Decimal(4), unit_cost=Decimal("0.50"), actor="a", at=T0)
    assert ledger.transit_value(transfer.id).amount == Decimal(2)
    assert ledger.value("s2", "P").amount == Decimal("1.5")
    assert ledger.value("s1", "P").amount == Decimal(20)


def test_atomic_block_undoes_everything(new_ledger: Factory) -> None:
    ledger = new_ledger(FIFO, NegativeStockPolicy.REFUSE, ("P", "Q"))
    ledger.receive("s1", "P", Decimal(5), unit_cost=Decimal(1), actor="a", at=T0)
    before = ledger.postings()
    with pytest.raises(InsufficientStock), ledger.atomic():
        ledger.consume("s1", "P", Decimal(2), actor="a", at=T0.add(minutes=1))
        ledger.receive("s2", "Q", Decimal(1), unit_cost=Decimal(1), actor="a", at=T0)
        ledger.consume("s1", "Q", Decimal(1), actor="a", at=T0.add(minutes=1))
    assert ledger.postings() == before
    assert ledger.streams() == [("s1", "P")]
    nxt = ledger.consume("s1", "P", Decimal(1), actor="a", at=T0.add(minutes=1))
    assert nxt.move.seq == 2


def test_stock_low_event_when_crossing_the_reorder_point(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.add_product(
        ledger.product("P"),
        StockSettings(reorder_point=Decimal(100), reorder_quantity=Decimal(500)),
    )
    ledger.receive("s1", "P", Decimal(300), unit_cost=Decimal(1), actor="a", at=T0)
    ledger.consume("s1", "P", Decimal(150), actor="a", at=T0.add(minutes=1))
    assert ledger.take_events() == []
    ledger.consume("s1", "P", Decimal(60), actor="a", at=T0.add(minutes=2))
    events = ledger.take_events()
    assert len(events) == 1 and isinstance(events[0], StockLow)
    assert (events[0].quantity, events[0].reorder_quantity, events[0].store_id) == (90, 500, "s1")
    ledger.consume("s1", "P", Decimal(10), actor="a", at=T0.add(minutes=3))
    assert ledger.take_events() == []  # already below: no repeat


def test_history_filters(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive("s1", "P", Decimal(5), unit_cost=Decimal(1), actor="a", at=T0)
    ledger.sell("s1", "P", Decimal(1), actor="a", at=T0.add(days=1))
    ledger.adjust("s1", "P", Decimal(-1), reason="broken", actor="a", at=T0.add(days=2))
    assert [p.move.type for p in ledger.postings(types=[MoveType.SELL])] == [MoveType.SELL]
    assert len(ledger.postings(since=T0.add(days=1))) == 2
    assert len(ledger.postings(until=T0.add(days=1))) == 1
    ledger.adjust("s1", "P", Decimal(2), reason="found", actor="a", at=T0.add(days=3))
    assert ledger.on_hand("s1", "P") == 5 and ledger.value("s1", "P").amount == Decimal(5)


def test_return_to_supplier_may_take_expired_stock(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive(
        "s1",
        "P",
        Decimal(5),
        unit_cost=Decimal(3),
        lot="L",
        expires=dt.date(2026, 3, 2),
        actor="a",
        at=T0,
    )
    back = ledger.return_to_supplier(
        "s1", "P", Decimal(5), supplier_id="sup", actor="a", at=T0.add(days=5)
    )
    assert back.cost == Decimal(15) and back.move.counterparty == "sup"


def test_replay_rebuilds_transfers(new_ledger: Factory) -> None:
    ledger = new_ledger()
    ledger.receive("s1", "P", Decimal(10), unit_cost=Decimal(2), actor="a", at=T0)
    t = ledger.send_transfer(
        "P", Decimal(4), from_store="s1", to_store="s2", actor="a", at=T0.add(hours=1)
    )
    ledger.receive_transfer(t.id, actor="b", at=T0.add(hours=2))
    again = StockLedger.replay(
        ledger.moves(), [Product(sku="P", name="P", unit="ml")], currency="CNY"
    )
    assert again.postings() == ledger.postings()
    assert again.transfer(t.id) == ledger.transfer(t.id)
