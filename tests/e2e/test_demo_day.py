"""The demo's whole salon day on every backend: the money, points, wallet and stock ledgers agree
with the orders, receipts and messages went out, the board and CSV files are written, and
refunding every visit brings the ledgers back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salonkit.demo.day import DaySummary, run_day
from salonkit.demo.seed import OPENING_STOCK, STORE_ID
from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.inventory.recipes import planned_quantities
from salonkit.inventory.units import to_stock_units
from salonkit.orders.model import LineKind, Order, OrderStatus, TenderKind
from salonkit.testing import RecordingNotifier, RecordingPrinter

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 11, 23)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


@pytest.fixture
def day(
    any_url: str, tmp_path: Path
) -> Iterator[tuple[DemoSalon, DaySummary, RecordingPrinter, RecordingNotifier, list[str]]]:
    printer = RecordingPrinter()
    notifier = RecordingNotifier(channels=("sms", "email", "desk"))
    demo = open_demo_salon(any_url, DAY, printer=printer, plugins=[notifier])
    lines: list[str] = []
    summary = run_day(demo, lines.append, out_dir=tmp_path / "out")
    yield demo, summary, printer, notifier, lines
    demo.salon.close()


def opening_stock(salon: Any) -> dict[str, Decimal]:
    return {
        sku: to_stock_units(qty, unit, salon.catalogue.product(sku))
        for sku, qty, unit, _, _ in OPENING_STOCK
    }


def expected_stock(salon: Any, orders: list[Order]) -> dict[str, Decimal]:
    stock = opening_stock(salon)
    recipes = salon.inventory.recipes()
    ledger = salon.inventory.ledger(STORE_ID)
    for order in orders:
        if order.paid_at is None:
            continue
        for line in order.lines:
            if line.kind is LineKind.SERVICE and line.item_id in recipes:
                for sku, qty in planned_quantities(ledger, recipes[line.item_id]).items():
                    stock[sku] -= qty * line.quantity
            elif line.kind is LineKind.PRODUCT:
                stock[line.item_id] -= line.quantity - line.refunded_quantity
    return stock


def on_hand(salon: Any) -> dict[str, Decimal]:
    return {sku: salon.inventory.on_hand(STORE_ID, sku) for sku, *_ in OPENING_STOCK}


def points_from_orders(orders: list[Order], customer: str) -> int:
    return sum(
        o.points_earned - o.points_redeemed - o.points_clawed_back + o.points_restored
        for o in orders
        if o.customer_id == customer
    )


def test_the_demo_day_balances_and_a_refund_brings_everything_back(
    day: tuple[DemoSalon, DaySummary, RecordingPrinter, RecordingNotifier, list[str]],
) -> None:
    demo, summary, printer, notifier, lines = day
    salon: Any = demo.salon
    orders = salon.orders.find(store=STORE_ID)
    paid = [o for o in orders if o.paid_at is not None]
    assert len(paid) == 11 and summary.optimiser is not None
    assert not summary.optimiser.unscheduled

    # takings equal tenders (deposits counted when taken, not again when applied)
    takings = summary.report.takings
    deposits = salon.orders.deposits(held_only=False)
    tendered: dict[str, Money] = {}
    for order in paid:
        for tender in order.tenders:
            if tender.kind is not TenderKind.DEPOSIT:
                tendered[tender.kind.value] = (
                    tendered.get(tender.kind.value, cny("0")) + tender.amount
                )
    for deposit in deposits:
        kind = deposit.tender.kind.value
        tendered[kind] = tendered.get(kind, cny("0")) + deposit.amount
    assert {t.kind: t.received for t in takings.tenders} == tendered
    refunds = salon.orders.refunds(store=STORE_ID)
    assert takings.refunded == Money.sum((r.amount for r in refunds), "CNY") == cny("228")
    open_fee = next(o for o in orders if o.status is OrderStatus.OPEN)
    assert open_fee.total - open_fee.paid == cny("79")  # the no-show fee not covered by the deposit

    # one receipt per checkout; reminders, confirmations and the low-stock alert went out
    assert len([j for j in printer.jobs if j.kind == "receipt"]) == len(paid)
    assert [j.kind for j in printer.jobs][-1] == "takings"  # the end-of-day slip
    assert {m.purpose for m in notifier.sent} >= {"confirmation", "reminder", "low_stock", "survey"}
    assert any(m.channel == "desk" for m in notifier.sent)

    # stock, points and wallet ledgers agree with the orders
    assert on_hand(salon) == expected_stock(salon, orders)
    for customer in {o.customer_id for o in paid if o.customer_id}:
        extra = 3000 if customer == "cust-07" else 0
        balance = salon.loyalty.balance(customer).total
        assert balance == points_from_orders(orders, customer) + extra, customer
        assert sum(e.points for e in salon.loyalty.history(customer)) == balance
    assert salon.wallet.balance("cust-01").total == cny("1100") - cny("748")
    assert salon.wallet.balance("cust-11").total == cny("0")

    # the files of the evening
    board = (summary.board or Path()).read_text(encoding="utf-8")
    for name in ("Ana (creative director)", "Bo", "Chen", "chair 1", "basin 2"):
        assert name in board
    assert re.search(r'class="block gap', board)  # processing: the stylist is free
    assert re.search(r'class="block[^"]*\blate\b', board)  # the booking that ran late
    assert {p.name for p in summary.csv_files} >= {"takings.csv", "sales-by-staff.csv"}
    assert any("running late" in line for line in lines)
    assert any("conflict [staff_busy]" in line for line in lines)

    # refund every visit: points back to what was loaded, wallets full, products on the shelf
    for order in paid:
        current = salon.orders.get(order.id)
        if current.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
            salon.orders.refund(order.id, reason="end-to-end check", actor="test")
    after = salon.orders.find(store=STORE_ID)
    assert all(o.status is OrderStatus.REFUNDED for o in after if o.paid_at is not None)
    assert salon.loyalty.balance("cust-07").total == 3000
    assert salon.loyalty.balance("cust-01").total == 0
    assert salon.wallet.balance("cust-01").total == cny("1100")
    assert salon.wallet.balance("cust-11").total == cny("500")
    stock = on_hand(salon)
    assert stock["SHAMPOO-R"] == opening_stock(salon)["SHAMPOO-R"]
    assert stock == expected_stock(salon, after)
    # all that is kept is Zhou Min's cash deposit, forfeited to her no-show fee
    takings = salon.reports.takings(STORE_ID, day=DAY)
    assert takings.net == cny("100") == takings.of("cash").net
