"""LoyaltyService and WalletService on every backend: memory, SQLite, PostgreSQL (when configured)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pendulum
import pytest

from salonkit.adapters.memory import MemoryBackend
from salonkit.adapters.sql import SqlBackend
from salonkit.context import Context
from salonkit.domain.customer import Customer
from salonkit.domain.money import Money
from salonkit.errors import IdempotencyConflict, InsufficientBalance
from salonkit.loyalty.campaigns import Campaign, Coupon, CouponRejected, PercentOff, Trigger
from salonkit.loyalty.earning import ActionRule, SpendRule, VisitRule
from salonkit.loyalty.ledger import Balance, EntryType
from salonkit.loyalty.model import LineCategory, Purchase, PurchaseLine
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.records import POINTS_ENTRIES, WALLET_TRANSACTIONS
from salonkit.loyalty.rewards import RedemptionPolicy, Reward, RewardKind
from salonkit.loyalty.service import LoyaltyService, WalletService
from salonkit.loyalty.tiers import Perks, Tier, TierLadder
from salonkit.loyalty.wallet import TopUpOffer, WalletPolicy
from salonkit.storage.records import CUSTOMERS
from salonkit.testing import FrozenClock, RecordingListener, SequentialIds


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


START = pendulum.datetime(2026, 5, 4, 9)
PROGRAMME = Programme(
    currency="CNY",
    timezone="Asia/Shanghai",
    earn_rules=(
        SpendRule(points=1, per=cny("1")),
        VisitRule(points=20),
        ActionRule(action="review", points=50),
    ),
    redemption=RedemptionPolicy(
        block_value=cny("1.00"), points_per_block=100, max_points_per_order=2000
    ),
    rewards=(
        Reward(
            id="blow",
            name="Blow-dry",
            points=800,
            kind=RewardKind.SERVICE,
            item_id="blow",
            value=cny("88.00"),
        ),
    ),
    tiers=TierLadder(
        tiers=(
            Tier(name="silver", threshold=0),
            Tier(name="gold", threshold=1000, perks=Perks(multiplier=Decimal("1.5"))),
        ),
        window_days=365,
    ),
    campaigns=(
        Campaign(
            id="bday",
            name="Birthday 20%",
            offer=PercentOff(percent=Decimal(20)),
            trigger=Trigger.BIRTHDAY_MONTH,
            max_uses_per_member=1,
        ),
        Campaign(
            id="welcome",
            name="Welcome 30%",
            offer=PercentOff(percent=Decimal(30)),
            coupon_required=True,
        ),
    ),
)
WALLET = WalletPolicy(
    currency="CNY",
    top_up_offers=(TopUpOffer(pay=cny("1000"), bonus=cny("100")),),
    low_balance=cny("100"),
)


def open_backend(url: str) -> MemoryBackend | SqlBackend:
    if url.startswith("memory"):
        return MemoryBackend()
    backend = SqlBackend(url)
    backend.migrate()
    return backend


@pytest.fixture
def env(any_url: str) -> Iterator[tuple[Context, FrozenClock, RecordingListener]]:
    backend = open_backend(any_url)
    clock = FrozenClock(START)
    listener = RecordingListener()
    ctx = Context(backend=backend, clock=clock, ids=SequentialIds(), deliver=listener.receive)
    with ctx.unit_of_work() as uow:
        uow.repo(CUSTOMERS).add(
            Customer(id="mei", name="Mei Lin", birthday=dt.date(1990, 5, 17), tags={"vip"})
        )
    yield ctx, clock, listener
    backend.close()


def order(order_id: str, amount: str, *, at: dt.datetime = START, discount: str = "0") -> Purchase:
    line = PurchaseLine(
        category=LineCategory.SERVICE, item_id="cut", amount=cny(amount), discount=cny(discount)
    )
    return Purchase(order_id=order_id, at=at, lines=(line,))


def test_earn_upgrade_redeem_and_events(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, clock, listener = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    first = loyalty.earn("mei", order("o1", "979.99"))
    assert first.points == 999  # 979 for the spend + 20 for the visit
    assert first.tier_change is None and loyalty.member("mei").tier == "silver"
    assert loyalty.earn("mei", order("o1", "979.99")).repeated  # a retried checkout earns nothing
    clock.advance(days=1)
    second = loyalty.earn("mei", order("o2", "1.00"))
    assert second.points == 21
    assert second.tier_change is not None and second.tier_change.new == "gold"  # 1020 >= 1000
    clock.advance(days=1)
    assert loyalty.perks("mei").multiplier == Decimal("1.5")
    assert loyalty.perks("nobody").multiplier == Decimal(1)
    third = loyalty.earn("mei", order("o3", "100.00"))
    assert third.points == 180  # (100 + 20) x 1.5 as gold
    assert loyalty.balance("mei") == Balance(available=1200, pending=0)
    result = loyalty.redeem(
        "mei", order_id="o4", order_value=cny("150.00"), points=5000, reward_ids=["blow"]
    )
    # The reward (800 points, 88.00 off) plus the 400 points left as 4 blocks of 1.00.
    assert (result.plan.points, result.plan.discount) == (1200, cny("92.00"))
    assert result.plan.limited_by == "balance"
    assert loyalty.balance("mei").available == 0
    report = loyalty.report(since=START, until=START + dt.timedelta(days=3))
    assert report.tiers == {"silver": 0, "gold": 1}
    assert (report.points.points, report.points.value) == (0, cny("0"))
    assert (report.redemption.earned, report.redemption.redeemed) == (1200, 1200)
    assert report.redemption.rate == Decimal("1.0000")
    names = listener.names()
    assert (
        names.count("PointsEarned") == 3
        and "TierChanged" in names
        and names[-1] == "PointsRedeemed"
    )


def test_redeem_limits_and_nothing_written_on_failure(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, clock, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    loyalty.earn("mei", order("o1", "3000.00"))
    clock.advance(hours=1)
    result = loyalty.redeem("mei", order_id="o2", order_value=cny("37.50"), points=5000)
    assert (result.plan.points, result.plan.discount, result.plan.limited_by) == (
        2000,
        cny("20.00"),
        "points_per_order",
    )
    assert result.balance.available == 1020
    before = loyalty.history("mei")
    with pytest.raises(InsufficientBalance):
        loyalty.redeem("mei", order_id="o3", order_value=cny("500.00"), reward_ids=["blow", "blow"])
    assert loyalty.history("mei") == before


def test_refund_after_redemption_leaves_a_debt(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, clock, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    loyalty.earn("mei", order("A", "480.00"))  # 500 points
    clock.advance(hours=1)
    spent = loyalty.redeem("mei", order_id="B", order_value=cny("10.00"), points=500)
    assert (spent.plan.points, spent.plan.discount, spent.balance.total) == (500, cny("5.00"), 0)
    clock.advance(hours=1)
    written = loyalty.reverse_order("mei", "A")
    assert [e.type for e in written] == [EntryType.REVERSE]
    balance = loyalty.balance("mei")
    assert balance == Balance(available=0, pending=0, debt=500)
    stored = loyalty.history("mei")
    assert sum(e.points for e in stored) == balance.total


def test_actions_earn_once_per_reference_and_do_not_count_for_tiers(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, _, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    assert loyalty.earn_for_action("mei", "review", "apt_1") == 50
    assert loyalty.earn_for_action("mei", "review", "apt_1") == 0
    assert loyalty.balance("mei").available == 50
    assert loyalty.evaluate_tiers() == []


def test_scheduled_evaluation_downgrades_after_the_window(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, clock, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    loyalty.earn("mei", order("o1", "1000.00"))
    assert loyalty.member("mei").tier == "gold"
    clock.advance(days=364)
    assert loyalty.evaluate_tiers() == []
    clock.advance(days=1)
    [change] = loyalty.evaluate_tiers()
    assert (change.old, change.new, change.move) == ("gold", "silver", "downgrade")
    assert loyalty.member("mei").tier == "silver"
    # Points have their own validity: the 1020 points expire after 365 days too.
    assert loyalty.expire_points(since=clock.now() - dt.timedelta(days=1)) == 1
    assert loyalty.expire_points() == 0
    assert loyalty.balance("mei").total == 0


def test_coupons_and_campaign_report(env: tuple[Context, FrozenClock, RecordingListener]) -> None:
    ctx, _, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    loyalty.issue_coupon(Coupon(code="HELLO", campaign_id="welcome", max_uses=1))
    applied = loyalty.use_offer("mei", order("o1", "200.00"), coupon_code="HELLO")
    assert applied is not None and (applied.campaign_id, applied.discount) == (
        "welcome",
        cny("60.00"),
    )
    with pytest.raises(CouponRejected) as info:
        loyalty.use_offer("mei", order("o2", "200.00"), coupon_code="HELLO")
    assert info.value.reason == "used_up"
    with pytest.raises(CouponRejected):
        loyalty.use_offer("mei", order("o2", "200.00"), coupon_code="NOPE")
    # Without a coupon, May is Mei's birthday month: 20% off.
    birthday = loyalty.use_offer("mei", order("o3", "100.00"))
    assert birthday is not None and birthday.discount == cny("20.00")
    assert loyalty.use_offer("mei", order("o4", "100.00")) is None  # once per birthday month
    report = loyalty.report(since=START, until=START + dt.timedelta(days=1))
    assert report.campaigns["welcome"].revenue == cny("140.00")
    assert report.campaigns["bday"].discount == cny("20.00")


def test_wallet_top_up_pay_refund_packages_and_liability(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, _, listener = env
    wallet = WalletService(ctx, WALLET)
    assert wallet.top_up("mei", cny("1000.00")).total == cny("1100.00")
    with pytest.raises(InsufficientBalance):
        wallet.pay("mei", cny("1100.01"), order_id="o0")
    assert len(wallet.transactions("mei")) == 1
    balance = wallet.pay("mei", cny("1050.00"), order_id="o1")
    assert (balance.paid, balance.bonus) == (cny("0"), cny("50.00"))
    assert listener.names() == ["WalletLow"]
    assert wallet.refund("mei", cny("80.00"), order_id="o1").total == cny("130.00")
    package = wallet.sell_package("mei", service_id="blow", visits=3, price=cny("1000.00"))
    used = wallet.use_package(package.id, order_id="v1")
    assert (used.visits_left, used.value_left) == (2, cny("666.67"))
    liability = wallet.liability()
    assert (liability.wallets, liability.packages) == (cny("130.00"), cny("666.67"))
    for tx in wallet.transactions("mei"):
        assert sum(p.amount.amount for p in tx.postings) == 0


def test_stored_entries_round_trip(env: tuple[Context, FrozenClock, RecordingListener]) -> None:
    ctx, clock, _ = env
    loyalty = LoyaltyService(ctx, PROGRAMME)
    loyalty.earn("mei", order("o1", "99.99"))
    clock.advance(days=2)
    loyalty.adjust("mei", -10, reason="typo", actor="lead")
    with ctx.unit_of_work(readonly=True) as uow:
        entries = uow.repo(POINTS_ENTRIES).select(order_by="seq")
        assert uow.repo(WALLET_TRANSACTIONS).count() == 0
    assert [(e.type, e.points, e.actor) for e in entries] == [
        (EntryType.EARN, 119, None),
        (EntryType.ADJUST, -10, "lead"),
    ]
    assert entries[0].expires_at == START + dt.timedelta(days=365)


def test_wallet_retries_with_an_idempotency_key_charge_once(
    env: tuple[Context, FrozenClock, RecordingListener],
) -> None:
    ctx, _, _ = env
    wallet = WalletService(ctx, WALLET)
    wallet.top_up("mei", cny("500.00"), idempotency_key="top-1")
    assert wallet.top_up("mei", cny("500.00"), idempotency_key="top-1").total == cny("500.00")
    wallet.pay("mei", cny("120.00"), order_id="o1", idempotency_key="pay-1")
    assert wallet.pay("mei", cny("120.00"), order_id="o1", idempotency_key="pay-1").total == cny(
        "380.00"
    )
    with pytest.raises(IdempotencyConflict):
        wallet.pay("mei", cny("99.00"), order_id="o1", idempotency_key="pay-1")
    assert len(wallet.transactions("mei")) == 2
