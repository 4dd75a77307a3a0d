"""Checkout and refund invariants over random baskets and payment splits; stored value, late
cancellation fees and events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.orders import tenders as pay
from salonkit.orders.model import OrderStatus, TenderKind
from salonkit.scheduling.model import AppointmentStatus, Cancellation
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.testing import RecordingListener, RecordingPrinter

DAY = dt.date(2026, 11, 23)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


@pytest.fixture(scope="module")
def shared() -> Iterator[DemoSalon]:
    opened = open_demo_salon("memory://", DAY, printer=RecordingPrinter())
    opened.salon.inventory.receive(
        "flagship", "SHAMPOO-R", Decimal(500), unit_cost=cny("60"), actor="test"
    )
    yield opened
    opened.salon.close()


@settings(max_examples=25, deadline=None)
@given(
    shampoos=st.integers(min_value=0, max_value=3),
    masks=st.integers(min_value=0, max_value=2),
    cut=st.booleans(),
    card_share=st.decimals(min_value=0, max_value=1, places=2),
    returns=st.lists(st.sampled_from(["1", "2", "3"]), max_size=3),
)
def test_paid_equals_total_and_refunds_bring_everything_back(
    shared: DemoSalon,
    shampoos: int,
    masks: int,
    cut: bool,
    card_share: Decimal,
    returns: list[str],
) -> None:
    salon: Any = shared.salon
    customer = "cust-06"
    points_before = salon.loyalty.balance(customer).total
    stock_before = {s: salon.inventory.on_hand("flagship", s) for s in ("SHAMPOO-R", "MASK-R")}
    order = salon.orders.open("flagship", customer=customer)
    if cut:
        order = salon.orders.add_service(order.id, "blow-dry", staff="eve")
    if shampoos:
        order = salon.orders.add_product(order.id, "SHAMPOO-R", shampoos)
    if masks:
        order = salon.orders.add_product(order.id, "MASK-R", masks)
    if not order.lines:
        salon.orders.void(order.id, reason="empty")
        return
    # (a tier discount may take up to 10 % off at checkout: the card stays inside what is due)
    card = (order.total * card_share * Decimal("0.9")).round("down")
    given = order.total - card + cny("50")
    payments = [pay.card(card)] if card else []
    payments.append(pay.cash(given))
    paid = salon.orders.checkout(order.id, payments)
    assert paid.paid == paid.total <= order.total
    assert Money.sum((t.amount for t in paid.tenders), "CNY") == paid.total
    assert paid.change == given - (paid.total - card)
    assert paid.tax_total == Money.sum((x.tax for x in paid.lines), "CNY")
    # partial returns, then the rest
    for line_id in returns:
        current = salon.orders.get(paid.id)
        line = next((x for x in current.lines if x.id == line_id), None)
        if line is None or line.refunded_quantity == line.quantity:
            continue
        salon.orders.refund(paid.id, {line_id: 1}, reason="return", actor="test")
    current = salon.orders.get(paid.id)
    if current.status is not OrderStatus.REFUNDED:
        salon.orders.refund(paid.id, reason="the rest", actor="test")
    final = salon.orders.get(paid.id)
    assert final.status is OrderStatus.REFUNDED
    assert final.refunded == final.total
    assert all(t.refunded == t.amount for t in final.tenders)
    refunds = salon.orders.refunds(paid.id)
    assert Money.sum((r.amount for r in refunds), "CNY") == final.total
    assert {s: salon.inventory.on_hand("flagship", s) for s in stock_before} == stock_before
    assert salon.loyalty.balance(customer).total == points_before


def test_wallet_top_ups_and_packages_are_credited_at_checkout() -> None:
    demo = open_demo_salon("memory://", DAY, printer=RecordingPrinter())
    salon: Any = demo.salon
    order = salon.orders.open("flagship", customer="cust-11")
    salon.orders.add_top_up(order.id, cny("1000"))
    salon.orders.add_package(order.id, "blow-dry", visits=5, price=cny("600"))
    paid = salon.orders.checkout(order.id, [pay.card(reference="T")])
    assert paid.total == cny("1600") and paid.tax_total == cny("0")
    assert paid.points_earned == 600  # the package earns; the top-up never does
    assert salon.wallet.balance("cust-11").total == cny("1100")  # 1000 + 100 bonus
    (package,) = salon.wallet.packages("cust-11")
    assert (package.service_id, package.visits_left, package.price) == ("blow-dry", 5, cny("600"))
    with pytest.raises(Exception, match="stored value"):
        salon.orders.refund(paid.id, {"1": 1}, reason="no")


def test_a_late_cancellation_is_charged_from_the_deposit() -> None:
    demo = open_demo_salon("memory://", DAY, printer=RecordingPrinter())
    salon: Any = demo.salon
    appt = demo.book("colour", "cust-01", hour=14)
    salon.orders.take_deposit(appt.id, pay.cash(cny("200")), amount=cny("200"))
    with salon.context.unit_of_work() as uow:  # cancelled inside the cut-off
        uow.repo(APPOINTMENTS).update(
            attrs.evolve(
                appt,
                status=AppointmentStatus.CANCELLED,
                cancellation=Cancellation(reason="ill", at=demo.at(12), late=True),
            )
        )
    fee = salon.orders.charge_no_show(appt.id, late_cancel=True)
    assert fee.total == cny("170")  # 25 % of 680
    assert fee.status is OrderStatus.PAID and fee.tenders[0].kind is TenderKind.DEPOSIT
    (deposit,) = salon.orders.deposits(appointment=appt.id)
    assert (deposit.applied, deposit.returned) == (cny("170"), cny("30"))
    takings = salon.reports.takings("flagship", day=DAY)
    assert takings.of("cash").net == cny("170")  # 200 taken, 30 given back


def test_events_are_delivered_only_for_committed_checkouts() -> None:
    listener = RecordingListener()

    class Jammed:
        def print(self, job: object) -> None:
            raise OSError("jam")

    demo = open_demo_salon("memory://", DAY, printer=RecordingPrinter(), plugins=[listener])
    salon: Any = demo.salon
    appt = demo.book("colour", "cust-01")
    order = salon.orders.open(appointment=appt.id)
    listener.events.clear()
    printer, salon.orders.printer = salon.orders.printer, Jammed()
    with pytest.raises(OSError):
        salon.orders.checkout(order.id, [pay.card()])
    assert listener.events == []
    salon.orders.printer = printer
    salon.orders.checkout(order.id, [pay.card()])
    names = listener.names()
    assert {"OrderPaid", "PointsEarned", "StockMoved", "AppointmentStatusChanged"} <= set(names)
    assert names.index("AppointmentStatusChanged") < names.index("OrderPaid")
