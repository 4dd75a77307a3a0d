"""Golden tests of the loyalty reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from salonkit.domain.money import Money
from salonkit.loyalty.campaigns import CampaignUse
from salonkit.loyalty.ledger import PointsLedger
from salonkit.loyalty.reports import (
    campaign_results,
    points_liability,
    redemption_rate,
    wallet_liability,
)
from salonkit.loyalty.rewards import RedemptionPolicy
from salonkit.loyalty.wallet import TopUpOffer, WalletBook, WalletPolicy

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_points_liability_and_redemption_rate() -> None:
    ledger = PointsLedger(validity_days=365, pending_days=7)
    ledger.earn("a", 1234, at=day(0), order_id="o1")
    ledger.earn("b", 500, at=day(1), order_id="o2")
    ledger.redeem("a", 1000, at=day(8), order_id="o3")
    ledger.earn("b", 51, at=day(9), order_id="o4")
    report = points_liability(
        ledger, at=day(10), redemption=RedemptionPolicy(block_value=cny("1.00"))
    )
    assert (report.available, report.pending, report.members) == (734, 51, 2)
    assert report.value == cny("7.85")  # 785 points at 0.01 each
    entries = [*ledger.entries("a"), *ledger.entries("b")]
    rate = redemption_rate(entries, since=day(0), until=day(10))
    assert (rate.earned, rate.redeemed, rate.rate) == (1785, 1000, Decimal("0.5602"))
    ledger.reverse("a", "o3", at=day(11))  # the redemption is restored
    rate = redemption_rate(
        [*ledger.entries("a"), *ledger.entries("b")], since=day(0), until=day(12)
    )
    assert rate.redeemed == 0


def test_wallet_liability_splits_wallets_and_packages() -> None:
    book = WalletBook(
        WalletPolicy(currency="CNY", top_up_offers=(TopUpOffer(pay=cny("1000"), bonus=cny("100")),))
    )
    book.top_up("a", cny("1000"), at=T0)
    book.pay("a", cny("250.50"), at=day(1), order_id="o1")
    book.sell_package("b", package_id="p", service_id="s", visits=4, price=cny("400"), at=T0)
    book.use_package("p", at=day(2), order_id="o2")
    report = wallet_liability(book)
    assert (report.wallets, report.packages, report.total) == (
        cny("849.50"),
        cny("300.00"),
        cny("1149.50"),
    )


def test_campaign_results() -> None:
    uses = [
        CampaignUse(
            id="1",
            campaign_id="bday",
            member_id="a",
            order_id="o1",
            at=T0,
            discount=cny("20"),
            revenue=cny("80"),
        ),
        CampaignUse(
            id="2",
            campaign_id="bday",
            member_id="b",
            order_id="o2",
            at=T0,
            discount=cny("30"),
            revenue=cny("120"),
        ),
        CampaignUse(
            id="3",
            campaign_id="x",
            member_id="a",
            order_id="o3",
            at=T0,
            discount=cny("5"),
            revenue=cny("45"),
        ),
    ]
    results = campaign_results(uses, "CNY")
    assert list(results) == ["bday", "x"]
    bday = results["bday"]
    assert (bday.uses, bday.members, bday.revenue, bday.discount) == (2, 2, cny("200"), cny("50"))
