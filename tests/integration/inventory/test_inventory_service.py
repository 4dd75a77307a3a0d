"""InventoryService on every backend: one unit of work per use case, nothing half-written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from salonkit.context import Context
from salonkit.domain.money import Money
from salonkit.errors import IdempotencyConflict, InsufficientStock, NotFound, ValidationError
from salonkit.inventory import reports
from salonkit.inventory.model import MoveType, NegativeStockPolicy, StockSettings, ValuationMethod
from salonkit.inventory.purchasing import OrderLine, OrderStatus, ReceiptLine, Supplier
from salonkit.inventory.recipes import Recipe, RecipeLine
from salonkit.inventory.service import InventoryService
from salonkit.inventory.stocktake import StocktakeStatus
from salonkit.testing import FrozenClock, RecordingListener

T0 = pendulum.datetime(2026, 3, 2, 9)
World = tuple[InventoryService, Context, RecordingListener, FrozenClock]


def test_receive_consume_and_query(world: World) -> None:
    stock, _, listener, _ = world
    posted = stock.receive(
        "s1",
        "DYE",
        Decimal(10),
        unit="pack",
        unit_cost=Money("45.00", "CNY"),
        actor="mei",
        lot="L24",
        expires=dt.date(2027, 1, 1),
        at=T0,
    )
    assert posted.quantity_after == 600 and posted.value_after == Decimal(450)
    used = stock.consume("s1", "DYE", Decimal(60), actor="lin", at=T0.add(hours=1))
    assert used.cost == Decimal(45) and used.taken[0].lot == "L24"
    assert stock.on_hand("s1", "DYE") == 540
    assert stock.value("s1", "DYE") == Money(405, "CNY")
    assert stock.lots("s1", "DYE")[0].quantity == 540
    assert stock.balance("s1", "DYE", at=T0.add(minutes=30)).quantity == 600
    assert [p.move.type for p in stock.history("s1", "DYE")] == [MoveType.RECEIVE, MoveType.CONSUME]
    assert listener.names() == ["StockMoved", "StockMoved"]


def test_refused_consume_writes_nothing(world: World) -> None:
    stock, _, listener, _ = world
    stock.receive("s1", "GEL", Decimal(2), unit_cost=Decimal(8), actor="a", at=T0)
    with pytest.raises(InsufficientStock):
        stock.sell("s1", "GEL", Decimal(3), actor="a", at=T0.add(hours=1))
    assert stock.on_hand("s1", "GEL") == 2 and len(stock.history("s1", "GEL")) == 1
    assert len(listener.events) == 1
    with pytest.raises(NotFound):
        stock.sell("s1", "NOPE", Decimal(1), actor="a")


def test_back_dated_receipt_reposts_from_storage(world: World) -> None:
    stock, _, listener, _ = world
    stock.receive("s1", "GEL", Decimal(10), unit_cost=Decimal(2), actor="a", at=T0.add(hours=2))
    stock.sell("s1", "GEL", Decimal(4), actor="a", at=T0.add(hours=3))
    late = stock.receive("s1", "GEL", Decimal(4), unit_cost=Decimal("0.5"), actor="a", at=T0)
    assert late.quantity_after == 4
    history = stock.history("s1", "GEL")
    assert [p.cost for p in history] == [0, 0, Decimal(2)]  # the sale now takes the cheap lot
    assert stock.value("s1", "GEL") == Money(20, "CNY")
    assert listener.events[-1].back_dated  # type: ignore[attr-defined]


def test_moving_average_and_negative_policy_from_settings(world: World) -> None:
    stock, _, _, _ = world
    stock.configure(
        "GEL",
        StockSettings(
            method=ValuationMethod.MOVING_AVERAGE, negative_stock=NegativeStockPolicy.ALLOW
        ),
    )
    stock.receive("s1", "GEL", Decimal(10), unit_cost=Decimal(2), actor="a", at=T0)
    stock.receive("s1", "GEL", Decimal(5), unit_cost=Decimal(3), actor="a", at=T0.add(hours=1))
    assert stock.balance("s1", "GEL").rate == Decimal("2.333333")
    stock.sell("s1", "GEL", Decimal(20), actor="a", at=T0.add(hours=2))
    assert stock.on_hand("s1", "GEL") == -5
    with pytest.raises(ValidationError):
        stock.configure("GEL", StockSettings(method=ValuationMethod.FIFO))


def test_stock_low_event_after_commit(world: World) -> None:
    stock, _, listener, _ = world
    stock.configure("GEL", StockSettings(reorder_point=Decimal(3), reorder_quantity=Decimal(12)))
    stock.receive("s1", "GEL", Decimal(5), unit_cost=Decimal(8), actor="a", at=T0)
    stock.sell("s1", "GEL", Decimal(2), actor="a", at=T0.add(hours=1))
    low = [e for e in listener.events if e.name == "StockLow"]
    assert len(low) == 1 and low[0].quantity == 3 and low[0].store_id == "s1"  # type: ignore[attr-defined]


def test_idempotent_receipt(world: World) -> None:
    stock, _, _, _ = world
    first = stock.receive(
        "s1", "GEL", Decimal(5), unit_cost=Decimal(8), actor="a", at=T0, idempotency_key="k1"
    )
    again = stock.receive(
        "s1", "GEL", Decimal(5), unit_cost=Decimal(8), actor="a", at=T0, idempotency_key="k1"
    )
    assert again == first and stock.on_hand("s1", "GEL") == 5
    with pytest.raises(IdempotencyConflict):
        stock.receive(
            "s1", "GEL", Decimal(6), unit_cost=Decimal(8), actor="a", at=T0, idempotency_key="k1"
        )


def test_transfer_between_stores(world: World) -> None:
    stock, _, _, _ = world
    stock.receive(
        "s1", "DEV", Decimal(2000), unit_cost=Decimal("0.02"), actor="a", at=T0.add(hours=1)
    )
    sent = stock.send_transfer(
        "DEV", Decimal(500), from_store="s1", to_store="s2", actor="a", at=T0.add(hours=2)
    )
    assert sent.in_transit and sent.value == Decimal(10)
    assert [t.id for t in stock.transfers(in_transit=True)] == [sent.id]
    stock.receive_transfer(sent.id, actor="b", at=T0.add(days=1))
    assert stock.on_hand("s2", "DEV") == 500 and stock.value("s2", "DEV") == Money(10, "CNY")
    assert stock.transfers(in_transit=True) == []
    # a cheaper receipt back-dated at the sender reprices what the receiver got
    stock.receive("s1", "DEV", Decimal(500), unit_cost=Decimal("0.01"), actor="a", at=T0)
    assert stock.value("s2", "DEV") == Money(5, "CNY")
    assert stock.value("s1", "DEV") == Money(40, "CNY")


def test_recipe_consumption_all_or_nothing(world: World) -> None:
    stock, _, _, _ = world
    stock.save_recipe(
        Recipe(
            service_id="colour",
            lines=(RecipeLine("DYE", Decimal(60)), RecipeLine("DEV", Decimal(30))),
        )
    )
    stock.receive("s1", "DYE", Decimal(2), unit="pack", unit_cost=Decimal(45), actor="a", at=T0)
    stock.receive("s1", "DEV", Decimal(20), unit_cost=Decimal("0.02"), actor="a", at=T0)
    with pytest.raises(InsufficientStock):
        stock.consume_for_service("s1", "colour", actor="lin", reference="apt1", at=T0.add(hours=1))
    assert stock.on_hand("s1", "DYE") == 120  # nothing half-written
    postings = stock.consume_for_service(
        "s1",
        "colour",
        actor="lin",
        reference="apt1",
        overrides={"DEV": Decimal(20), "DYE": Decimal(70)},
        at=T0.add(hours=1),
        idempotency_key="visit-1",
    )
    assert [(p.move.sku, p.move.quantity, p.move.service_id) for p in postings] == [
        ("DEV", -20, "colour"),
        ("DYE", -70, "colour"),
    ]
    again = stock.consume_for_service(
        "s1",
        "colour",
        actor="lin",
        reference="apt1",
        overrides={"DEV": Decimal(20), "DYE": Decimal(70)},
        at=T0.add(hours=1),
        idempotency_key="visit-1",
    )
    assert again == postings and stock.on_hand("s1", "DYE") == 50


def test_stocktake_round_trip(world: World) -> None:
    stock, _, _, clock = world
    stock.receive("s1", "GEL", Decimal(10), unit_cost=Decimal(8), actor="a", at=T0)
    count = stock.start_stocktake("s1", actor="mei", at=T0.add(hours=1))
    stock.sell("s1", "GEL", Decimal(1), actor="a", at=T0.add(hours=2))
    stock.record_count(count.id, barcode="690123")
    stock.record_count(count.id, barcode="690123", quantity=Decimal(6))
    diffs = stock.review_stocktake(count.id)
    assert [(d.sku, d.expected, d.counted, d.value) for d in diffs] == [
        ("GEL", 10, 7, Money(-24, "CNY"))
    ]
    clock.advance(hours=3)
    done, postings = stock.post_stocktake(count.id, actor="mei")
    assert done.status is StocktakeStatus.POSTED and postings[0].move.posted_at == count.as_of
    assert stock.on_hand("s1", "GEL") == 6
    with pytest.raises(ValidationError):
        stock.post_stocktake(count.id, actor="mei")


def test_purchase_order_flow_and_suggestions(world: World) -> None:
    stock, _, _, _ = world
    stock.add_supplier(Supplier(id="sup", name="Colour Co"))
    stock.configure("DYE", StockSettings(reorder_point=Decimal(120), reorder_quantity=Decimal(600)))
    stock.save_recipe(Recipe(service_id="colour", lines=(RecipeLine("DYE", Decimal(60)),)))
    order = stock.create_order(
        "s1", "sup", [OrderLine(sku="DYE", quantity=Decimal(10), unit_cost=Money(45, "CNY"))]
    )
    with pytest.raises(ValidationError):
        stock.receive_order(order.id, [ReceiptLine(sku="DYE", quantity=Decimal(1))], actor="a")
    stock.send_order(order.id)
    order, postings = stock.receive_order(
        order.id,
        [ReceiptLine(sku="DYE", quantity=Decimal(4), lot="B1", expires=dt.date(2027, 1, 1))],
        actor="a",
        at=T0,
    )
    assert order.status is OrderStatus.PARTIALLY_RECEIVED and stock.on_hand("s1", "DYE") == 240
    assert postings[0].move.reference == order.id
    # 6 packs still on order; 5 colour bookings next week need 300 ml: 240 + 360 - 300 = 300 > 120
    week = [("colour", dt.date(2026, 3, 3 + d)) for d in range(5)]
    assert stock.suggest_orders("s1", today=dt.date(2026, 3, 2), days=7, bookings=week) == []
    stock.cancel_order(order.id)
    found = stock.suggest_orders(
        "s1", today=dt.date(2026, 3, 2), days=7, bookings=week, suppliers={"DYE": "sup"}
    )
    # 240 - 300 = -60 <= 120 -> max(600, 180) = 600 ml = 10 packs
    assert [(s.sku, s.packs, s.supplier_id) for s in found] == [("DYE", 10, "sup")]


def test_reports_through_a_replayed_ledger(world: World) -> None:
    stock, _, _, _ = world
    stock.receive("s1", "GEL", Decimal(10), unit_cost=Decimal(8), actor="a", at=T0)
    stock.receive("s2", "GEL", Decimal(1), unit_cost=Decimal(8), actor="a", at=T0)
    stock.adjust("s1", "GEL", Decimal(-2), reason="broken", actor="a", at=T0.add(hours=1))
    ledger = stock.ledger()
    assert [(r.key, r.value) for r in reports.on_hand(ledger, "store")] == [
        (("s1",), Money(64, "CNY")),
        (("s2",), Money(8, "CNY")),
    ]
    assert reports.shrinkage(ledger)[0].lost_value == Money(16, "CNY")
    assert stock.ledger("s2").stores() == ["s2"]
    assert stock.valuation() == Money(72, "CNY") and stock.valuation("s2") == Money(8, "CNY")
    assert [r.key for r in stock.report_on_hand("product")] == [("GEL",)]
    assert len(stock.report_movements("s1", "GEL")) == 2
    assert stock.report_shrinkage(store_id="s1")[0].lost == 2
    assert stock.report_turnover("s1", "GEL", since=T0, until=T0.add(days=1)).quantity_used == 0
    assert stock.report_slow_movers(since=T0, until=T0.add(days=1))[0].sku == "GEL"
    assert stock.report_expiring(30, today=dt.date(2026, 3, 2)) == []


def test_batch_posting_is_one_transaction(world: World) -> None:
    stock, _, _, _ = world
    from salonkit.inventory.model import MoveRequest

    batch = [
        MoveRequest(
            type=MoveType.RECEIVE,
            store_id="s1",
            sku="GEL",
            quantity=Decimal(5),
            unit_cost=Decimal(2),
            actor="a",
            at=T0.add(hours=1),
        ),
        MoveRequest(
            type=MoveType.SELL,
            store_id="s1",
            sku="GEL",
            quantity=Decimal(2),
            actor="a",
            at=T0.add(hours=2),
        ),
        # back-dated inside the batch
        MoveRequest(
            type=MoveType.RECEIVE,
            store_id="s1",
            sku="GEL",
            quantity=Decimal(1),
            unit_cost=Decimal(1),
            actor="a",
            at=T0,
        ),
        MoveRequest(
            type=MoveType.ADJUST,
            store_id="s2",
            sku="GEL",
            quantity=Decimal(3),
            unit_cost=Decimal(4),
            reason="found",
            actor="a",
            at=T0,
        ),
    ]
    postings = stock.post_moves(batch)
    # each posting as it was when posted; the back-dated one then reposted the later ones
    assert [p.quantity_after for p in postings] == [5, 3, 1, 3]
    assert [p.quantity_after for p in stock.history("s1", "GEL")] == [1, 6, 4]
    assert stock.value("s1", "GEL") == Money(8, "CNY")  # sale took the 1.00 unit and one at 2.00
    bad = [
        *batch[:2],
        MoveRequest(type=MoveType.SELL, store_id="s2", sku="GEL", quantity=Decimal(9), actor="a"),
    ]
    with pytest.raises(InsufficientStock):
        stock.post_moves(bad)
    assert stock.on_hand("s1", "GEL") == 4 and len(stock.history("s1", "GEL")) == 3


def test_expiry_alerts_and_recipe_variance(world: World) -> None:
    stock, _, listener, _ = world
    stock.save_recipe(Recipe(service_id="colour", lines=(RecipeLine("DYE", Decimal(60)),)))
    stock.receive(
        "s1",
        "DYE",
        Decimal(2),
        unit="pack",
        unit_cost=Decimal(45),
        actor="a",
        lot="OLD",
        expires=dt.date(2026, 3, 20),
        at=T0,
    )
    stock.consume_for_service(
        "s1",
        "colour",
        actor="lin",
        reference="apt1",
        overrides={"DYE": Decimal(75)},
        at=T0.add(hours=1),
    )
    events = stock.emit_expiry_alerts(30, today=dt.date(2026, 3, 2))
    assert [(e.sku, e.lot, e.quantity) for e in events] == [("DYE", "OLD", Decimal(45))]
    assert listener.names()[-1] == "StockExpiring"
    (line,) = stock.report_recipe_variance("s1")
    assert (line.expected, line.actual, line.variance, line.value) == (
        60,
        75,
        15,
        Money("11.25", "CNY"),
    )
