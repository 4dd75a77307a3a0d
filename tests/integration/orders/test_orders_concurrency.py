"""Two tills checking out the same order at once: one wins, the other is refused, and stock,
points and wallet move once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.domain.money import Money
from salonkit.errors import SalonkitError
from salonkit.orders import tenders as pay
from salonkit.orders.model import OrderStatus
from salonkit.testing import RecordingPrinter

DAY = dt.date(2026, 11, 23)


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[DemoSalon]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'salon.db'}"
    else:
        request.applymarker(pytest.mark.postgres)
        url = request.getfixturevalue("postgres_url")
    opened = open_demo_salon(url, DAY, printer=RecordingPrinter())
    yield opened
    opened.salon.close()


def test_only_one_of_two_simultaneous_checkouts_goes_through(shop: DemoSalon) -> None:
    salon: Any = shop.salon
    salon.wallet.top_up("cust-01", Money("1000", "CNY"))
    appt = shop.book("colour", "cust-01")
    order = salon.orders.open(appointment=appt.id)
    salon.orders.add_product(order.id, "SHAMPOO-R")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def till() -> None:
        start.wait()
        try:
            salon.orders.checkout(order.id, [pay.wallet(Money("848", "CNY"))])
            outcomes.append("paid")
        except SalonkitError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=till) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["ValidationError", "paid"]
    assert salon.orders.get(order.id).status is OrderStatus.PAID
    assert salon.wallet.balance("cust-01").total == Money("252", "CNY")  # 1100 - 848, once
    assert salon.inventory.on_hand("flagship", "SHAMPOO-R") == Decimal(11)
    assert salon.inventory.on_hand("flagship", "DYE-6N") == Decimal(180)
    assert salon.loyalty.balance("cust-01").total == 790
