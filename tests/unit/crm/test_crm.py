"""CRM analytics: golden segments, RFM, trend and next visit; the service on a salon history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.crm.analytics import (
    Visit,
    expected_next_visit,
    rfm_scores,
    segment_of,
    spending_trend,
)
from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.orders import tenders as pay
from salonkit.testing import RecordingPrinter

TODAY = dt.date(2026, 11, 23)


def visit(day: dt.date, spend: str = "100", services: tuple[str, ...] = ("cut",)) -> Visit:
    return Visit(
        order_id=f"o{day}",
        day=day,
        spend=Money(spend, "CNY"),
        services=services,
        categories=("cut",) * len(services),
        products=(),
        staff=("ana",),
    )


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_segments() -> None:
    assert segment_of([], TODAY) == "prospect"
    assert segment_of([visit(days_ago(10))], TODAY) == "new"
    assert segment_of([visit(days_ago(50)), visit(days_ago(10))], TODAY) == "regular"
    assert segment_of([visit(days_ago(200)), visit(days_ago(120))], TODAY) == "lapsed"
    assert segment_of([visit(days_ago(10), "6000")], TODAY) == "vip"
    assert segment_of([visit(days_ago(10))], TODAY, vip=True) == "vip"


def test_rfm_scores_rank_customers_against_each_other() -> None:
    scores = {
        r.customer_id: r
        for r in rfm_scores(
            {
                "a": [
                    visit(days_ago(3), "900"),
                    visit(days_ago(40), "900"),
                    visit(days_ago(80), "900"),
                ],
                "b": [visit(days_ago(200), "100")],
                "c": [visit(days_ago(30), "300"), visit(days_ago(60), "300")],
            },
            TODAY,
        )
    }
    assert scores["a"].score == "555"
    assert scores["b"].score == "111"
    assert (scores["c"].r, scores["c"].f, scores["c"].m) == (3, 3, 3)


@given(st.lists(st.integers(min_value=1, max_value=365), min_size=1, max_size=20, unique=True))
def test_rfm_scores_stay_between_1_and_5(ages: list[int]) -> None:
    found = rfm_scores({f"c{n}": [visit(days_ago(n), str(n))] for n in ages}, TODAY)
    assert len(found) == len(ages)
    assert all(1 <= x <= 5 for r in found for x in (r.r, r.f, r.m))


def test_spending_trend_and_expected_next_visit() -> None:
    rising = [visit(dt.date(2026, m, 5), str(100 * m)) for m in range(1, 12)]
    trend = spending_trend(rising, "CNY", today=TODAY)
    assert trend.direction == "rising" and trend.monthly["2026-11"] == Money("1100", "CNY")
    assert trend.slope_per_month == Decimal("100.00")  # 0 in Dec 2025, then +100 a month
    falling = [visit(dt.date(2026, m, 5), str(1200 - 100 * m)) for m in range(1, 12)]
    assert spending_trend(falling, "CNY", today=TODAY).direction == "falling"
    assert expected_next_visit([]) is None
    assert expected_next_visit([days_ago(10)], ["colour"]) == days_ago(10) + dt.timedelta(days=56)
    assert expected_next_visit([days_ago(90), days_ago(60), days_ago(20)]) == days_ago(
        20
    ) + dt.timedelta(days=35)


@pytest.fixture
def shop() -> Iterator[DemoSalon]:
    opened = open_demo_salon("memory://", TODAY, printer=RecordingPrinter())
    yield opened
    opened.salon.close()


def test_a_profile_with_history_and_recommendations(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    # cust-03 had a men's cut every 28 days; cust-07 had men's cuts and bought shampoo
    for n, customer, extra in (
        (84, "cust-03", None),
        (56, "cust-03", None),
        (28, "cust-03", None),
        (30, "cust-07", "SHAMPOO-R"),
        (20, "cust-07", None),
    ):
        shop.clock.set(shop.at(12).subtract(days=n))
        order = salon.orders.open("flagship", customer=customer)
        salon.orders.add_service(order.id, "mens-cut", staff="bo")
        if extra:
            salon.orders.add_product(order.id, extra)
        salon.orders.checkout(order.id, [pay.card()])
    shop.clock.set(shop.at(9))
    profile = salon.crm.profile("cust-03", today=TODAY)
    assert [v.day for v in profile.visits] == [days_ago(84), days_ago(56), days_ago(28)]
    assert profile.segment == "regular" and profile.favourite_staff == ("bo",)
    assert profile.total_spent == Money("362.25", "CNY")  # 3 × (128 - 7.25)
    assert profile.expected_next_visit == TODAY
    recs = salon.crm.recommendations("cust-03", today=TODAY)
    assert [(r.kind, r.item_id) for r in recs] == [("rebook", "mens-cut"), ("product", "SHAMPOO-R")]
    segments = salon.crm.segments(today=TODAY)
    assert segments["regular"] == ["cust-03", "cust-07"]
    assert "cust-10" in segments["vip"]  # flagged VIP in the seed
