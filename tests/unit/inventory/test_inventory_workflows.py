"""Stocktake, recipes, purchasing and reports over the in-memory ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pendulum
import pytest

from salonkit.domain.catalogue import Product
from salonkit.domain.money import Money
from salonkit.errors import InsufficientStock, NotFound, ValidationError
from salonkit.inventory import purchasing, reports, stocktake
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import MoveType, StockSettings
from salonkit.inventory.purchasing import OrderLine, OrderStatus, PurchaseOrder, ReceiptLine
from salonkit.inventory.recipes import Recipe, RecipeLine, consume_for_service, variance_report
from salonkit.inventory.units import PACK

T0 = pendulum.datetime(2026, 3, 2, 9)
Factory = Callable[..., StockLedger]


@pytest.fixture
def salon(new_ledger: Factory) -> StockLedger:
    ledger = new_ledger(skus=("DYE", "DEV"))
    ledger.add_product(
        Product(sku="GEL", name="Gel", unit="piece", barcode="690123", category="retail"),
        StockSettings(reorder_point=Decimal(5), reorder_quantity=Decimal(12)),
    )
    ledger.receive("s1", "DYE", Decimal(1), unit=PACK, unit_cost=Decimal("60"), actor="a", at=T0)
    ledger.receive("s1", "DEV", Decimal(1), unit=PACK, unit_cost=Decimal("25"), actor="a", at=T0)
    ledger.receive("s1", "GEL", Decimal(10), unit_cost=Decimal("8"), actor="a", at=T0)
    return ledger


COLOUR = Recipe(
    service_id="colour", lines=(RecipeLine("DYE", Decimal(60)), RecipeLine("DEV", Decimal(30)))
)


def test_stocktake_counts_reviews_and_posts_back_dated(salon: StockLedger) -> None:
    count = stocktake.start(salon, "s1", actor="mei", stocktake_id="st1", at=T0.add(hours=1))
    salon.sell("s1", "GEL", Decimal(1), actor="a", at=T0.add(hours=2))  # while counting
    count = stocktake.record(salon, count, barcode="690123")
    count = stocktake.record(salon, count, barcode="690123", quantity=Decimal(6))
    count = stocktake.record(salon, count, sku="DYE", quantity=Decimal("0.45"), unit="l")
    with pytest.raises(NotFound):
        stocktake.record(salon, count, barcode="000")
    diffs = {d.sku: d for d in stocktake.review(salon, count)}
    assert (diffs["GEL"].expected, diffs["GEL"].counted, diffs["GEL"].difference) == (10, 7, -3)
    assert diffs["GEL"].value == Money(Decimal(-24), "CNY")
    assert diffs["DYE"].difference == Decimal(-50)
    assert diffs["DYE"].value.amount == Decimal("-6.00")
    done, postings = stocktake.post(salon, count, actor="mei")
    assert done.status is stocktake.StocktakeStatus.POSTED
    assert [p.move.type for p in postings] == [MoveType.STOCKTAKE, MoveType.STOCKTAKE]
    assert all(p.move.posted_at == count.as_of for p in postings)
    # the sale made while counting still counts: 7 counted at the start, 1 sold since
    assert salon.on_hand("s1", "GEL") == 6
    assert salon.on_hand("s1", "DEV") == 500  # not counted, not touched
    with pytest.raises(ValidationError):
        stocktake.post(salon, done, actor="mei")


def test_full_stocktake_counts_missing_products_as_zero(salon: StockLedger) -> None:
    count = stocktake.start(salon, "s1", actor="mei", stocktake_id="st1", at=T0.add(hours=1))
    count = stocktake.record(salon, count, sku="GEL", quantity=Decimal(10))
    _, postings = stocktake.post(salon, count, actor="mei", uncounted_as_zero=True)
    assert {p.move.sku for p in postings} == {"DYE", "DEV"}
    assert salon.on_hand("s1", "DYE") == 0 and salon.on_hand("s1", "GEL") == 10


def test_stocktake_posting_is_all_or_nothing(salon: StockLedger) -> None:
    count = stocktake.start(salon, "s1", actor="mei", stocktake_id="st1", at=T0.add(hours=1))
    salon.consume("s1", "DEV", Decimal(400), actor="a", at=T0.add(hours=2))
    count = stocktake.record(salon, count, sku="GEL", quantity=Decimal(1))
    count = stocktake.record(salon, count, sku="DEV", quantity=Decimal(100))  # later 400 impossible
    before = salon.postings()
    with pytest.raises(InsufficientStock):
        stocktake.post(salon, count, actor="mei")
    assert salon.postings() == before


def test_recipe_consumption_with_override_and_variance(salon: StockLedger) -> None:
    consume_for_service(
        salon, COLOUR, store_id="s1", actor="lin", reference="apt1", at=T0.add(hours=1)
    )
    consume_for_service(
        salon,
        COLOUR,
        store_id="s1",
        actor="lin",
        reference="apt2",
        at=T0.add(hours=2),
        overrides={"DYE": Decimal(90)},
    )
    assert salon.on_hand("s1", "DYE") == Decimal(350)
    lines = {line.sku: line for line in variance_report(salon, {"colour": COLOUR}, store_id="s1")}
    assert (lines["DYE"].performed, lines["DYE"].expected, lines["DYE"].actual) == (2, 120, 150)
    assert lines["DYE"].variance == 30 and lines["DYE"].value == Money("3.60", "CNY")
    assert lines["DEV"].variance == 0


def test_recipe_consumption_is_all_or_nothing(salon: StockLedger) -> None:
    big = Recipe(
        service_id="big", lines=(RecipeLine("DEV", Decimal(30)), RecipeLine("DYE", Decimal(600)))
    )
    with pytest.raises(InsufficientStock):
        consume_for_service(salon, big, store_id="s1", actor="lin", at=T0.add(hours=1))
    assert salon.on_hand("s1", "DEV") == 500
    with pytest.raises(ValidationError):
        Recipe(service_id="x", lines=(RecipeLine("DYE", Decimal(1)), RecipeLine("DYE", Decimal(2))))
    with pytest.raises(ValidationError):
        RecipeLine("DYE", Decimal(0))


def test_purchase_order_state_machine_and_receiving(salon: StockLedger) -> None:
    order = PurchaseOrder(id="po1", supplier_id="sup", store_id="s1", created_at=T0)
    with pytest.raises(ValidationError):
        order.send(T0)  # empty
    order = order.with_line(OrderLine(sku="DYE", quantity=Decimal(4), unit_cost=Money("58", "CNY")))
    order = order.with_line(
        OrderLine(sku="GEL", quantity=Decimal(12), unit=None, unit_cost=Money("7.5", "CNY"))
    )
    assert order.total == Money("322.0", "CNY")
    with pytest.raises(ValidationError):
        purchasing.receive_against(
            salon, order, [ReceiptLine(sku="DYE", quantity=Decimal(1))], actor="a"
        )
    order = order.send(T0)
    with pytest.raises(ValidationError):
        order.with_line(OrderLine(sku="DEV", quantity=Decimal(1), unit_cost=Money("1", "CNY")))
    order, postings = purchasing.receive_against(
        salon,
        order,
        [ReceiptLine(sku="DYE", quantity=Decimal(3), lot="B7", expires=dt.date(2027, 1, 1))],
        actor="a",
        at=T0.add(days=2),
    )
    assert order.status is OrderStatus.PARTIALLY_RECEIVED
    assert postings[0].move.quantity == 1500 and postings[0].incoming == Decimal(174)
    assert postings[0].move.reference == "po1" and postings[0].move.counterparty == "sup"
    with pytest.raises(ValidationError):
        purchasing.receive_against(
            salon, order, [ReceiptLine(sku="DYE", quantity=Decimal(2))], actor="a"
        )
    order, _ = purchasing.receive_against(
        salon,
        order,
        [ReceiptLine(sku="DYE", quantity=Decimal(1)), ReceiptLine(sku="GEL", quantity=Decimal(12))],
        actor="a",
        at=T0.add(days=3),
    )
    assert order.status is OrderStatus.RECEIVED and salon.on_hand("s1", "GEL") == 22
    with pytest.raises(ValidationError):
        order.cancel(T0)


def test_cancel_from_draft_sent_or_partial() -> None:
    line = OrderLine(sku="DYE", quantity=Decimal(4), unit_cost=Money("58", "CNY"))
    draft = PurchaseOrder(id="po", supplier_id="sup", store_id="s1", lines=(line,))
    assert draft.cancel(T0).status is OrderStatus.CANCELLED
    assert draft.send(T0).cancel(T0).status is OrderStatus.CANCELLED
    partial = draft.send(T0).record_receipt([ReceiptLine(sku="DYE", quantity=Decimal(1))], T0)
    assert partial.cancel(T0).status is OrderStatus.CANCELLED


def test_suggestions_from_reorder_points_and_bookings(salon: StockLedger) -> None:
    salon.add_product(
        salon.product("DYE"),
        StockSettings(reorder_point=Decimal(100), reorder_quantity=Decimal(500)),
    )
    today = dt.date(2026, 3, 2)
    bookings = [("colour", today + dt.timedelta(days=d)) for d in (0, 1, 2, 3, 4, 5, 6, 30)]
    found = {
        s.sku: s
        for s in purchasing.suggest(
            salon,
            store_id="s1",
            today=today,
            days=7,
            recipes={"colour": COLOUR},
            bookings=bookings,
            suppliers={"DYE": "sup", "DEV": "sup"},
        )
    }
    # DYE: 500 on hand, 7 × 60 = 420 needed -> 80 projected <= 100: max(500, 20) = 500 -> 1 pack
    assert (found["DYE"].demand, found["DYE"].projected, found["DYE"].packs) == (420, 80, 1)
    # DEV: no reorder point, 500 - 210 = 290 >= 0 -> nothing; GEL: 10 > 5 -> nothing
    assert set(found) == {"DYE"}
    more = [("colour", today)] * 20
    found = {
        s.sku: s
        for s in purchasing.suggest(
            salon, store_id="s1", today=today, recipes={"colour": COLOUR}, bookings=more
        )
    }
    # DEV: 500 - 600 = -100 -> 100 ml -> 1 pack of 500
    assert found["DEV"].packs == 1 and found["DEV"].quantity == 500
    # DYE: 500 - 1200 = -700 -> max(500, 800) = 800 -> 2 packs
    assert found["DYE"].packs == 2
    # an open order counts as coming
    open_po = PurchaseOrder(
        id="po",
        supplier_id="sup",
        store_id="s1",
        lines=(OrderLine(sku="DEV", quantity=Decimal(1), unit_cost=Money("25", "CNY")),),
    ).send(T0)
    found = {
        s.sku: s
        for s in purchasing.suggest(
            salon,
            store_id="s1",
            today=today,
            recipes={"colour": COLOUR},
            bookings=more,
            open_orders=[open_po],
        )
    }
    assert "DEV" not in found
    drafts = purchasing.draft_orders(
        salon,
        purchasing.suggest(
            salon,
            store_id="s1",
            today=today,
            recipes={"colour": COLOUR},
            bookings=more,
            suppliers={"DYE": "sup", "DEV": "sup"},
        ),
        ids=["po9"],
        at=T0,
    )
    assert [
        (o.id, o.status, [(x.sku, x.quantity, x.unit_cost) for x in o.lines]) for o in drafts
    ] == [
        (
            "po9",
            OrderStatus.DRAFT,
            [("DEV", 1, Money("25.00", "CNY")), ("DYE", 2, Money("60.00", "CNY"))],
        )
    ]


def test_reports(salon: StockLedger) -> None:
    salon.receive("s2", "GEL", Decimal(2), unit_cost=Decimal(8), actor="a", at=T0)
    salon.sell("s1", "GEL", Decimal(4), actor="a", at=T0.add(days=10))
    salon.adjust("s1", "GEL", Decimal(-1), reason="broken", actor="a", at=T0.add(days=11))
    salon.adjust("s1", "DEV", Decimal(5), reason="found", actor="a", at=T0.add(days=11))
    by_category = {r.key: r for r in reports.on_hand(salon, "category")}
    assert by_category[("colour",)].value.amount == Decimal("85.25")
    assert by_category[("colour",)].quantity is None
    by_product = {r.key: r for r in reports.on_hand(salon, "product")}
    assert by_product[("GEL",)].quantity == 7
    assert reports.total_value(salon, store_id="s2") == Money(16, "CNY")
    assert reports.on_hand(salon, "store", at=T0.add(days=5))[0].value.amount == Decimal(165)
    t = reports.turnover(salon, "s1", "GEL", since=T0, until=T0.add(days=30))
    assert t.cost_of_goods.amount == 32 and t.quantity_used == 4
    # average of the value before (0) and at the end (5 × 8): 20 -> 1.6 turns
    assert t.average_value.amount == 20 and t.turns == Decimal("1.60")
    slow = reports.slow_movers(salon, since=T0, until=T0.add(days=30))
    assert [(s.store_id, s.sku) for s in slow] == [("s1", "DYE"), ("s1", "DEV"), ("s2", "GEL")]
    shrink = {s.sku: s for s in reports.shrinkage(salon)}
    assert (shrink["GEL"].lost, shrink["GEL"].lost_value.amount) == (1, 8)
    assert (shrink["DEV"].found, shrink["DEV"].found_value.amount) == (5, Decimal("0.25"))
    assert shrink["GEL"].net_value.amount == 8 and shrink["GEL"].by_reason == (("broken", -1),)
    assert [p.move.type.value for p in reports.movements(salon, "s1", "GEL")] == [
        "receive",
        "sell",
        "adjust",
    ]
