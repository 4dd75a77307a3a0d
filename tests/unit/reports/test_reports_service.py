"""Reports over a small day in memory: takings, sales, heat map, P&L, retention and CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.orders import tenders as pay
from salonkit.reports.export import to_csv
from salonkit.reports.money import SalesRow
from salonkit.testing import RecordingPrinter

DAY = dt.date(2026, 11, 23)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


@pytest.fixture
def shop() -> Iterator[DemoSalon]:
    opened = open_demo_salon("memory://", DAY, printer=RecordingPrinter())
    yield opened
    opened.salon.close()


def day_of_orders(shop: DemoSalon) -> Any:
    salon: Any = shop.salon
    cut = shop.book("womens-cut", "cust-10", hour=10, staff="ana")  # 10:00-10:45, +5 buffer
    colour = shop.book("colour", "cust-01", hour=11, staff="chen")
    deposit = salon.orders.take_deposit(colour.id, pay.card(reference="D"))
    shop.clock.set(shop.at(18))
    a = salon.orders.open(appointment=cut.id)
    salon.orders.add_product(a.id, "SHAMPOO-R")
    salon.orders.add_tip(a.id, cny("20"), staff="ana")
    a = salon.orders.checkout(a.id, [pay.cash(cny("500"))])
    b = salon.orders.open(appointment=colour.id)
    b = salon.orders.checkout(b.id, [pay.deposit(deposit.id), pay.card(reference="T")])
    salon.orders.refund(a.id, {"2": 1}, reason="wrong product", actor="mei")
    return cut, colour, a, b


def test_takings_sales_and_pnl_of_a_day(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    day_of_orders(shop)
    takings = salon.reports.takings("flagship", day=DAY)
    # cash 268 + 168 + 20 = 456 received, 168 refunded; card 100 deposit + 580
    assert takings.of("cash").received == cny("456")
    assert takings.of("cash").refunded == cny("168")
    assert takings.of("card").received == cny("680")
    assert takings.net == cny("968") and takings.change_given == cny("44")
    by_service = {r.key: r for r in salon.reports.sales("flagship", by="service", day=DAY)}
    assert by_service["colour"].revenue == cny("641.51")  # 680 - 38.49
    assert by_service["womens-cut"].revenue == cny("252.83")  # 268 - 15.17
    products = salon.reports.sales("flagship", by="product", day=DAY)
    assert products[0].quantity == 0 and products[0].revenue == cny("0.00")
    staff = {r.key: r.revenue for r in salon.reports.sales("flagship", by="staff", day=DAY)}
    assert staff == {"chen": cny("641.51"), "ana": cny("252.83")}
    salon.reports.add_expense("flagship", day=DAY, category="rent", amount=cny("300"))
    pnl = salon.reports.profit_and_loss("flagship", day=DAY)
    assert pnl.revenue == cny("894.34")
    assert pnl.cost_of_goods == cny("49.80")  # the colour's dye and developer; shampoo returned
    # commission: chen (senior) 35 % of 641.51 = 224.5285, ana (director) 40 % of 252.83 = 101.132
    assert pnl.commissions == cny("224.53") + cny("101.13")
    assert pnl.tips == cny("20") and pnl.expenses == {"rent": cny("300")}
    assert pnl.net_profit == cny("894.34") - cny("49.80") - cny("325.66") - cny("300")


def test_the_heat_map_counts_staff_busy_minutes_and_held_units(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    day_of_orders(shop)
    heat = salon.reports.utilisation("flagship", day=DAY)
    assert heat.hours == tuple(range(10, 21))
    ana = next(r for r in heat.staff if r.key == "ana")
    assert (ana.available[0], ana.busy[0]) == (60, 50)  # wash 10 + cut 35 + buffer 5
    assert ana.available[3] == 30  # lunch 13:00-13:30
    chen = next(r for r in heat.staff if r.key == "chen")
    # the colour from 11:00: apply 30 busy, process 40 free, rinse 15 busy
    assert chen.busy[1] == 30 and chen.busy[2] == 15
    basin = next(r for r in heat.resources if r.key == "basin")
    assert basin.available[0] == 120 and basin.busy[0] == 10
    assert ana.percent(0) == 83 and heat.staff_utilisation > 0


def test_a_day_report_and_its_csv(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    day_of_orders(shop)
    report = salon.reports.day("flagship", DAY)
    assert report.orders == 2 and report.retention.customers == 2 and report.retention.new == 2
    text = to_csv(report.by_service)
    lines = text.splitlines()
    assert lines[0].startswith("key,label,quantity,gross,gross_currency")
    assert lines[1].startswith("colour,Full colour,1,680.00,CNY")


@given(
    rows=st.lists(
        st.tuples(st.text(alphabet='abc,"\n ', max_size=8), st.integers(0, 10**6)), max_size=8
    )
)
def test_csv_export_keeps_every_row_and_value(rows: list[tuple[str, int]]) -> None:
    import csv
    import io

    zero = Money.zero("CNY")
    records = [
        SalesRow(
            key=k,
            label=k,
            quantity=1,
            gross=Money.from_minor(m, "CNY"),
            discount=zero,
            tax=zero,
            refunded=zero,
            revenue=zero,
            cost=zero,
        )
        for k, m in rows
    ]
    parsed = list(csv.DictReader(io.StringIO(to_csv(records))))
    assert len(parsed) == len(rows)
    for row, (key, minor) in zip(parsed, rows, strict=True):
        assert row["key"] == key
        assert Money(row["gross"], "CNY") == Money.from_minor(minor, "CNY")
