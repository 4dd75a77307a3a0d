"""A salon day through the public API on every backend: the money, points, wallet and stock
ledgers agree with the orders, and a refund brings them all back; checkout is all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from salonkit.demo.seed import OPENING_STOCK, STORE_ID
from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.inventory.recipes import planned_quantities
from salonkit.inventory.service import InventoryService
from salonkit.orders import tenders as pay
from salonkit.orders.model import LineKind, Order, OrderStatus, TenderKind
from salonkit.plugins.hookspecs import PrintJob
from salonkit.testing import RecordingPrinter

DAY = dt.date(2026, 11, 23)
SKUS = [sku for sku, *_ in OPENING_STOCK]


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


@pytest.fixture
def shop(any_url: str) -> Iterator[DemoSalon]:
    opened = open_demo_salon(any_url, DAY, printer=RecordingPrinter())
    yield opened
    opened.salon.close()


def opening(shop: DemoSalon) -> dict[str, Decimal]:
    salon: Any = shop.salon
    return {sku: salon.inventory.on_hand(STORE_ID, sku) for sku in SKUS}


def run_day(shop: DemoSalon) -> list[Order]:
    """Five visits paid five ways, a retail sale and a deposit."""
    salon: Any = shop.salon
    salon.wallet.top_up("cust-02", cny("1000"))  # + 100 bonus
    salon.loyalty.adjust("cust-07", 2000, reason="migrated points", actor="test")
    colour = shop.book("colour", "cust-01", hour=10)
    deposit = salon.orders.take_deposit(colour.id, pay.card(reference="DEP-1"))
    cut = shop.book("womens-cut", "cust-02", hour=12)
    treat = shop.book("treatment", "cust-11", hour=11)
    mens = shop.book("mens-cut", "cust-07", hour=14)
    shop.clock.set(shop.at(19))
    paid = []
    o = salon.orders.open(appointment=colour.id)
    salon.orders.add_product(o.id, "SHAMPOO-R")
    paid.append(salon.orders.checkout(o.id, [pay.deposit(deposit.id), pay.cash(cny("800"))]))
    o = salon.orders.open(appointment=cut.id)
    salon.orders.add_tip(o.id, cny("30"), staff=cut.staff_id)
    paid.append(salon.orders.checkout(o.id, [pay.wallet(cny("298"))]))
    o = salon.orders.open(appointment=treat.id)
    salon.orders.add_product(o.id, "MASK-R", 2)
    paid.append(salon.orders.checkout(o.id, [pay.card(reference="T-3")]))
    o = salon.orders.open(appointment=mens.id)
    paid.append(salon.orders.checkout(o.id, [pay.points(2000), pay.cash(cny("200"))]))
    o = salon.orders.open(STORE_ID)
    salon.orders.add_product(o.id, "SHAMPOO-R", 2)
    paid.append(
        salon.orders.checkout(o.id, [pay.card(cny("136"), reference="T-5"), pay.cash(cny("200"))])
    )
    return paid


def expected_stock(
    shop: DemoSalon, start: dict[str, Decimal], orders: list[Order]
) -> dict[str, Decimal]:
    """Opening stock less the recipes of the services and the products sold (net of returns)."""
    salon: Any = shop.salon
    recipes = salon.inventory.recipes()
    stock = dict(start)
    ledger = salon.inventory.ledger(STORE_ID)
    for order in orders:
        for line in order.lines:
            if line.kind is LineKind.SERVICE and line.item_id in recipes:
                for sku, qty in planned_quantities(ledger, recipes[line.item_id]).items():
                    stock[sku] -= qty * line.quantity
            elif line.kind is LineKind.PRODUCT:
                stock[line.item_id] -= line.quantity - line.refunded_quantity
    return stock


def test_a_day_balances_on_every_ledger_and_a_refund_brings_them_back(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    start = opening(shop)
    orders = run_day(shop)
    assert all(o.status is OrderStatus.PAID for o in orders)

    # takings equal tenders: every order tender except deposits, plus the deposit taken
    takings = salon.reports.takings(STORE_ID, day=DAY)
    by_kind: dict[str, Money] = {}
    for order in orders:
        for tender in order.tenders:
            if tender.kind is not TenderKind.DEPOSIT:
                by_kind[tender.kind.value] = (
                    by_kind.get(tender.kind.value, cny("0")) + tender.amount
                )
    by_kind["card"] = by_kind["card"] + cny("100")  # the colour's deposit, paid by card
    assert {t.kind: t.received for t in takings.tenders} == by_kind
    total = Money.sum((o.total for o in orders), "CNY")
    assert takings.received == total  # the deposit was received once, before the visit
    assert takings.orders == len(orders) and takings.refunded == cny("0")

    # stock ledger agrees with recipes and sales
    assert opening(shop) == expected_stock(shop, start, orders)

    # points ledger agrees with the orders
    for order in orders:
        assert order.customer_id is not None or order.points_earned == 0
    assert salon.loyalty.balance("cust-01").total == orders[0].points_earned
    assert (
        salon.loyalty.balance("cust-07").total
        == 2000 - orders[3].points_redeemed + orders[3].points_earned
    )
    assert (
        sum(e.points for e in salon.loyalty.history("cust-07"))
        == salon.loyalty.balance("cust-07").total
    )
    # wallet: 1000 + 100 bonus - 298 paid
    assert salon.wallet.balance("cust-02").total == cny("802")

    # a full refund of the colour visit: money back to its tenders, points reversed, shampoo
    # back on the shelf (the colour's dye stays used)
    colour_order = orders[0]
    refund = salon.orders.refund(colour_order.id, reason="allergic reaction", actor="manager")
    assert refund.amount == colour_order.total
    assert salon.loyalty.balance("cust-01").total == 0
    after = salon.orders.get(colour_order.id)
    assert after.status is OrderStatus.REFUNDED
    assert opening(shop) == expected_stock(shop, start, [after, *orders[1:]])
    takings = salon.reports.takings(STORE_ID, day=DAY)
    assert takings.refunded == colour_order.total
    assert takings.of("cash").refunded == cny("748")  # 848 - 100 deposit, back in cash
    assert takings.of("card").refunded == cny("100")  # the deposit goes back to its card
    assert takings.net == total - colour_order.total

    # a refund of the wallet visit puts the money back in the wallet
    salon.orders.refund(orders[1].id, reason="redo", actor="manager")
    assert salon.wallet.balance("cust-02").total == cny("1100")

    # sales and P&L see the refunds
    pnl = salon.reports.profit_and_loss(STORE_ID, day=DAY)
    kept = [salon.orders.get(o.id) for o in orders[2:]]
    assert pnl.revenue == Money.sum(
        (x.net_of_tax for o in kept for x in o.lines if x.kind is not LineKind.TIP), "CNY"
    )


def _state(shop: DemoSalon, order_id: str, appt_id: str) -> tuple[Any, ...]:
    salon: Any = shop.salon
    return (
        salon.orders.get(order_id),
        salon.bookings.get(appt_id).status,
        opening(shop),
        len(salon.inventory.history(STORE_ID, "DYE-6N")),
        salon.loyalty.balance("cust-01"),
        len(salon.loyalty.history("cust-01")),
        salon.wallet.balance("cust-01"),
        len(salon.wallet.transactions("cust-01")),
        len(salon.notifications.messages()),
    )


def _prepared(shop: DemoSalon) -> tuple[str, str]:
    salon: Any = shop.salon
    salon.loyalty.adjust("cust-01", 1000, reason="gift", actor="test")
    salon.wallet.top_up("cust-01", cny("300"))
    appt = shop.book("colour", "cust-01")
    order = salon.orders.open(appointment=appt.id)
    salon.orders.add_product(order.id, "SHAMPOO-R")
    return order.id, appt.id


PAYMENTS = [pay.points(1000), pay.wallet(cny("300")), pay.card(reference="T")]


def test_a_printer_failure_rolls_the_whole_checkout_back(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    order_id, appt_id = _prepared(shop)
    before = _state(shop, order_id, appt_id)

    class Jammed:
        def print(self, job: PrintJob) -> None:
            raise OSError("paper jam")

    salon.orders.printer = Jammed()
    with pytest.raises(OSError, match="paper jam"):
        salon.orders.checkout(order_id, PAYMENTS)
    assert _state(shop, order_id, appt_id) == before


def test_a_stock_failure_rolls_the_whole_checkout_back(
    shop: DemoSalon, monkeypatch: pytest.MonkeyPatch
) -> None:
    salon: Any = shop.salon
    order_id, appt_id = _prepared(shop)
    before = _state(shop, order_id, appt_id)
    real = InventoryService.consume_for_service

    def consume_then_fail(self: InventoryService, *args: Any, **kwargs: Any) -> Any:
        real(self, *args, **kwargs)
        raise RuntimeError("stock step failed")

    monkeypatch.setattr(InventoryService, "consume_for_service", consume_then_fail)
    with pytest.raises(RuntimeError, match="stock step failed"):
        salon.orders.checkout(order_id, PAYMENTS)
    assert _state(shop, order_id, appt_id) == before
