"""OrderService on the memory backend: opening, changing, checkout, refunds, deposits, fees."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

from salonkit.demo.setup import DemoSalon as Shop
from salonkit.domain.money import Money
from salonkit.errors import InsufficientBalance, ValidationError
from salonkit.inventory.service import InventoryService
from salonkit.loyalty.campaigns import Coupon
from salonkit.loyalty.records import MEMBERS
from salonkit.orders import tenders as pay
from salonkit.orders.deposits import DepositStatus
from salonkit.orders.model import LineKind, OrderStatus, TenderKind
from salonkit.plugins.hookspecs import PrintJob
from salonkit.scheduling.model import AppointmentStatus
from salonkit.testing import RecordingPrinter

DAY = dt.date(2026, 11, 23)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def test_an_order_opened_from_an_appointment_carries_its_service_staff_price_and_tax(
    shop: Shop,
) -> None:
    appt = shop.book("colour", "cust-01")
    order = shop.salon.orders.open(appointment=appt.id)
    (line,) = order.lines
    assert (line.kind, line.item_id, line.staff_id) == (LineKind.SERVICE, "colour", appt.staff_id)
    assert line.unit_price == cny("680")
    assert line.tax == cny("38.49")  # 680 × 6 / 106 = 38.4905..., half-up
    assert line.tax_inclusive and order.total == cny("680")
    assert order.number == "20261123-0001"
    assert order.customer_id == "cust-01" and order.status is OrderStatus.OPEN
    walk_in = shop.salon.orders.open("flagship")
    assert walk_in.number == "20261123-0002"
    with pytest.raises(ValidationError):
        shop.salon.orders.open(appointment=appt.id)  # one order per appointment


def test_lines_can_be_added_changed_and_removed_before_payment(shop: Shop) -> None:
    orders = shop.salon.orders
    order = orders.open("flagship", customer="cust-02")
    order = orders.add_service(order.id, "mens-cut", staff="bo")
    order = orders.add_product(order.id, "SHAMPOO-R", 2)
    order = orders.add_tip(order.id, cny("10"), staff="bo")
    assert [x.kind for x in order.lines] == [LineKind.SERVICE, LineKind.PRODUCT, LineKind.TIP]
    assert order.total == cny("474")  # 128 + 2 × 168 + 10
    # 128 × 6/106 = 7.245 → 7.25 ; 336 × 13/113 = 38.654 → 38.65 ; tip untaxed
    assert order.tax_total == cny("45.90")
    order = orders.set_quantity(order.id, "2", 1)
    order = orders.discount(order.id, cny("20"), reason="loyal customer", line="2")
    assert order.line("2").net == cny("148") and order.line("2").tax == cny("17.03")
    order = orders.remove_line(order.id, "3")
    assert order.total == cny("276")
    assert orders.void(order.id, reason="changed mind").status is OrderStatus.VOIDED
    with pytest.raises(ValidationError):
        orders.add_tip(order.id, cny("5"), staff="bo")


def test_orders_are_found_by_customer_number_day_staff_and_status(shop: Shop) -> None:
    orders = shop.salon.orders
    a = orders.add_service(orders.open("flagship", customer="cust-03").id, "mens-cut", staff="bo")
    b = orders.add_service(orders.open("flagship", customer="cust-04").id, "blow-dry", staff="dai")
    orders.checkout(b.id, [pay.card()])
    assert [o.id for o in orders.find(customer="cust-03")] == [a.id]
    assert orders.by_number("flagship", b.number).id == b.id
    assert {o.id for o in orders.find(store="flagship", day=DAY)} == {a.id, b.id}
    assert [o.id for o in orders.find(staff="dai")] == [b.id]
    assert [o.id for o in orders.find(status=OrderStatus.OPEN)] == [a.id]


def test_checkout_with_split_tenders_does_everything_in_one_go(
    shop: Shop, printer: RecordingPrinter
) -> None:
    salon = shop.salon
    appt = shop.book("colour", "cust-01")
    salon.wallet.top_up("cust-01", cny("300"))
    order = salon.orders.open(appointment=appt.id)
    order = salon.orders.add_product(order.id, "SHAMPOO-R")
    shop.clock.advance(hours=3)
    paid = salon.orders.checkout(
        order.id,
        [pay.wallet(cny("300")), pay.card(cny("200"), reference="T-77"), pay.cash(cny("400"))],
    )
    assert paid.status is OrderStatus.PAID
    assert [(t.kind, t.amount) for t in paid.tenders] == [
        (TenderKind.WALLET, cny("300")),
        (TenderKind.CARD, cny("200")),
        (TenderKind.CASH, cny("348")),
    ]
    assert paid.change == cny("52") and paid.paid == paid.total == cny("848")
    assert salon.wallet.balance("cust-01").total == cny("0")
    assert salon.bookings.get(appt.id).status is AppointmentStatus.COMPLETED
    assert salon.inventory.on_hand("flagship", "DYE-6N") == Decimal(180)
    assert salon.inventory.on_hand("flagship", "SHAMPOO-R") == Decimal(11)
    # points on the net of tax: (680 - 38.49) + (168 - 19.33) = 790.18 → 790
    assert paid.points_earned == 790
    assert salon.loyalty.balance("cust-01").available == 790
    # cost of goods from the stock ledger: 60 ml dye at 45/60 + 60 ml developer at 80/1000, and
    # one shampoo at 62
    assert paid.line("1").cost == cny("49.80") and paid.line("2").cost == cny("62.00")
    (job,) = printer.jobs
    assert job.kind == "receipt" and job.data["order_number"] == paid.number
    assert "找零" in job.text and "52.00" in job.text  # Lin Mei's receipt is in Chinese: change


def test_points_pay_part_of_an_order_and_earn_only_on_the_rest(shop: Shop) -> None:
    salon = shop.salon
    salon.loyalty.adjust("cust-05", 5000, reason="migration", actor="test")
    order = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-05").id, "womens-cut", staff="ana"
    )
    paid = salon.orders.checkout(order.id, [pay.points(4000), pay.cash(cny("300"))])
    points = next(t for t in paid.tenders if t.kind is TenderKind.POINTS)
    assert (points.points, points.amount) == (4000, cny("40"))
    assert paid.points_redeemed == 4000
    # (268 - 40 paid in points) → tax share 228 × 6/106 ... earning on 268 - 40 - 15.17 = 212.83
    assert paid.points_earned == 212
    assert salon.loyalty.balance("cust-05").available == 5000 - 4000 + 212


def test_a_coupon_unlocks_its_campaign_discount_before_tax(shop: Shop) -> None:
    salon = shop.salon
    salon.loyalty.issue_coupon(Coupon(code="HELLO20", campaign_id="welcome"))
    order = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-12").id, "womens-cut", staff="ana"
    )
    paid = salon.orders.checkout(order.id, [pay.coupon("HELLO20"), pay.card()])
    assert paid.total == cny("214.40")  # 268 - 20 %
    assert paid.line("1").tax == cny("12.14")  # 214.40 × 6/106 = 12.135...
    (discount,) = paid.discounts
    assert (discount.source, discount.coupon_code) == ("campaign", "HELLO20")
    order2 = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-12").id, "womens-cut", staff="ana"
    )
    with pytest.raises(ValidationError):  # one use per member
        salon.orders.checkout(order2.id, [pay.coupon("HELLO20"), pay.card()])


def test_a_tier_perk_discounts_the_order(shop: Shop) -> None:
    salon = shop.salon
    salon.loyalty.enrol("cust-10")
    with salon.context.unit_of_work() as uow:
        member = uow.repo(MEMBERS).get("cust-10")
        uow.repo(MEMBERS).update(attrs.evolve(member, tier="gold"))
    order = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-10").id, "perm", staff="bo"
    )
    paid = salon.orders.checkout(order.id, [pay.card()])
    assert paid.total == cny("931")  # 980 - 5 %
    assert [d.source for d in paid.discounts] == ["tier"]


def _state(shop: Shop, order_id: str, appt_id: str) -> tuple[Any, ...]:
    salon = shop.salon
    return (
        salon.orders.get(order_id),
        salon.bookings.get(appt_id).status,
        salon.inventory.on_hand("flagship", "DYE-6N"),
        salon.inventory.on_hand("flagship", "SHAMPOO-R"),
        len(salon.inventory.history("flagship", "DYE-6N")),
        salon.loyalty.balance("cust-01"),
        len(salon.loyalty.history("cust-01")),
        salon.wallet.balance("cust-01"),
        len(salon.wallet.transactions("cust-01")),
    )


def _ready(shop: Shop) -> tuple[str, str]:
    salon = shop.salon
    salon.loyalty.adjust("cust-01", 1000, reason="gift", actor="test")
    salon.wallet.top_up("cust-01", cny("200"))
    appt = shop.book("colour", "cust-01")
    order = salon.orders.open(appointment=appt.id)
    salon.orders.add_product(order.id, "SHAMPOO-R")
    return order.id, appt.id


PAYMENTS = [pay.points(1000), pay.wallet(cny("200")), pay.card()]


def test_a_printer_failure_leaves_nothing_half_done(shop: Shop, printer: RecordingPrinter) -> None:
    order_id, appt_id = _ready(shop)
    before = _state(shop, order_id, appt_id)

    class Jammed:
        def print(self, job: PrintJob) -> None:
            raise OSError("paper jam")

    shop.salon.orders.printer = Jammed()
    with pytest.raises(OSError, match="paper jam"):
        shop.salon.orders.checkout(order_id, PAYMENTS)
    assert _state(shop, order_id, appt_id) == before
    shop.salon.orders.printer = printer
    paid = shop.salon.orders.checkout(order_id, PAYMENTS)
    assert paid.status is OrderStatus.PAID and _state(shop, order_id, appt_id) != before


def test_a_stock_failure_after_posting_leaves_nothing_half_done(
    shop: Shop, printer: RecordingPrinter, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_id, appt_id = _ready(shop)
    before = _state(shop, order_id, appt_id)
    real_sell = InventoryService.sell

    def sell_then_fail(self: InventoryService, *args: Any, **kwargs: Any) -> Any:
        real_sell(self, *args, **kwargs)  # the move is written, then the step blows up
        raise RuntimeError("stock step failed")

    monkeypatch.setattr(InventoryService, "sell", sell_then_fail)
    with pytest.raises(RuntimeError, match="stock step failed"):
        shop.salon.orders.checkout(order_id, PAYMENTS)
    assert _state(shop, order_id, appt_id) == before
    assert not printer.jobs


def test_out_of_stock_refuses_the_checkout(shop: Shop) -> None:
    salon = shop.salon
    order = salon.orders.open("flagship", customer="cust-02")
    salon.orders.add_product(order.id, "SHAMPOO-R", 13)
    with pytest.raises(Exception, match="SHAMPOO-R|stock"):
        salon.orders.checkout(order.id, [pay.card()])
    assert salon.orders.get(order.id).status is OrderStatus.OPEN


def test_bad_payments_are_refused(shop: Shop) -> None:
    salon = shop.salon
    order = salon.orders.add_service(salon.orders.open("flagship").id, "mens-cut", staff="bo")
    with pytest.raises(ValidationError, match="still due"):
        salon.orders.checkout(order.id, [pay.card(cny("100"))])
    with pytest.raises(ValidationError, match="only cash gives change"):
        salon.orders.checkout(order.id, [pay.card(cny("200"))])
    with pytest.raises(ValidationError, match="customer"):
        salon.orders.checkout(order.id, [pay.wallet(cny("128"))])
    member_order = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-03").id, "mens-cut", staff="bo"
    )
    with pytest.raises(InsufficientBalance):
        salon.orders.checkout(member_order.id, [pay.wallet(cny("128"))])


def test_checkout_is_idempotent(shop: Shop) -> None:
    salon = shop.salon
    order = salon.orders.add_product(salon.orders.open("flagship").id, "SHAMPOO-R")
    first = salon.orders.checkout(order.id, [pay.cash(cny("200"))], idempotency_key="k1")
    again = salon.orders.checkout(order.id, [pay.cash(cny("200"))], idempotency_key="k1")
    assert again == first
    assert salon.inventory.on_hand("flagship", "SHAMPOO-R") == Decimal(11)


def test_a_partial_then_full_refund_returns_money_stock_and_points(shop: Shop) -> None:
    salon = shop.salon
    order = salon.orders.open("flagship", customer="cust-06")
    salon.orders.add_service(order.id, "womens-cut", staff="ana")
    salon.orders.add_product(order.id, "SHAMPOO-R", 2)
    paid = salon.orders.checkout(
        order.id, [pay.card(cny("500"), reference="T1"), pay.cash(cny("200"))]
    )
    assert paid.total == cny("604") and paid.points_earned == 550  # (268 - 15.17) + (336 - 38.65)
    first = salon.orders.refund(paid.id, {"2": 1}, reason="damaged bottle", actor="mei")
    assert first.amount == cny("168")
    assert [(t.kind, t.amount) for t in first.tenders] == [
        ("cash", cny("104")),
        ("card", cny("64")),
    ]
    assert salon.inventory.on_hand("flagship", "SHAMPOO-R") == Decimal(11)
    after = salon.orders.get(paid.id)
    assert after.status is OrderStatus.PARTIALLY_REFUNDED
    # points kept in proportion to what was not refunded: 550 × 436 / 604 = 397.0 → 397
    assert first.points_clawed_back == 550 - 397
    assert salon.loyalty.balance("cust-06").available == 397
    second = salon.orders.refund(paid.id, reason="whole visit refunded", actor="mei")
    assert second.amount == cny("436")
    final = salon.orders.get(paid.id)
    assert final.status is OrderStatus.REFUNDED and final.refunded == final.total
    assert salon.loyalty.balance("cust-06").available == 0
    assert salon.inventory.on_hand("flagship", "SHAMPOO-R") == Decimal(12)
    with pytest.raises(ValidationError):
        salon.orders.refund(paid.id, reason="again")


def test_a_full_refund_restores_points_paid_and_wallet(shop: Shop) -> None:
    salon = shop.salon
    salon.loyalty.adjust("cust-07", 3000, reason="gift", actor="test")
    salon.wallet.top_up("cust-07", cny("100"))
    order = salon.orders.add_service(
        salon.orders.open("flagship", customer="cust-07").id, "mens-cut", staff="bo"
    )
    paid = salon.orders.checkout(order.id, [pay.points(2800), pay.wallet(cny("100"))])
    assert paid.points_redeemed == 2800  # 28.00 off, then 100 from the wallet
    salon.orders.refund(paid.id, reason="mistake")
    assert salon.loyalty.balance("cust-07").available == 3000
    assert salon.wallet.balance("cust-07").total == cny("100")


def test_a_deposit_is_settled_at_checkout(shop: Shop) -> None:
    salon = shop.salon
    appt = shop.book("colour", "cust-08")
    deposit = salon.orders.take_deposit(appt.id, pay.card(reference="D-1"))
    assert deposit.amount == cny("100") and deposit.status is DepositStatus.HELD
    order = salon.orders.open(appointment=appt.id)
    paid = salon.orders.checkout(order.id, [pay.deposit(deposit.id), pay.card(reference="T9")])
    assert [(t.kind, t.amount) for t in paid.tenders] == [
        (TenderKind.DEPOSIT, cny("100")),
        (TenderKind.CARD, cny("580")),
    ]
    (settled,) = salon.orders.deposits(appointment=appt.id)
    assert settled.status is DepositStatus.APPLIED and settled.order_id == paid.id


def test_a_no_show_fee_is_taken_from_the_deposit_and_the_rest_stays_due(shop: Shop) -> None:
    salon = shop.salon
    appt = shop.book("colour", "cust-08", hour=11)
    deposit = salon.orders.take_deposit(appt.id, pay.cash(cny("100")))
    shop.clock.set(appt.starts_at.add(minutes=30))
    salon.bookings.no_show(appt.id)
    fee_order = salon.orders.charge_no_show(appt.id)
    assert fee_order.total == cny("340")  # 50 % of 680
    assert fee_order.status is OrderStatus.OPEN and fee_order.paid == cny("100")
    assert salon.orders.deposits(appointment=appt.id)[0].status is DepositStatus.FORFEITED
    paid = salon.orders.checkout(fee_order.id, [pay.card(reference="F1")])
    assert paid.status is OrderStatus.PAID
    assert [t.amount for t in paid.tenders] == [cny("100"), cny("240")]
    assert deposit.id == paid.tenders[0].reference
