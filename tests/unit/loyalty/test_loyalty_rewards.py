"""Golden tests of redemption limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salonkit.domain.money import Money
from salonkit.errors import InsufficientBalance, ValidationError
from salonkit.loyalty.rewards import RedemptionPolicy, Reward, RewardKind, plan_redemption


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


POLICY = RedemptionPolicy(block_value=cny("1.00"), points_per_block=100, max_points_per_order=2000)
BLOW_DRY = Reward(
    id="r-blow",
    name="Blow-dry",
    points=800,
    kind=RewardKind.SERVICE,
    item_id="blow",
    value=cny("88.00"),
)


def test_points_discount_is_capped_per_order() -> None:
    plan = plan_redemption(POLICY, order_value=cny("37.50"), available=5000, points=5000)
    assert (plan.points, plan.discount, plan.limited_by) == (2000, cny("20.00"), "points_per_order")


def test_points_discount_never_exceeds_the_order_value() -> None:
    plan = plan_redemption(POLICY, order_value=cny("15.50"), available=5000, points=5000)
    assert (plan.points, plan.discount, plan.limited_by) == (1500, cny("15.00"), "order_value")


def test_only_whole_blocks_are_used() -> None:
    plan = plan_redemption(POLICY, order_value=cny("100.00"), available=5000, points=250)
    assert (plan.points, plan.discount, plan.limited_by) == (200, cny("2.00"), "requested")
    plan = plan_redemption(POLICY, order_value=cny("100.00"), available=399, points=1000)
    assert (plan.points, plan.discount, plan.limited_by) == (300, cny("3.00"), "balance")


def test_share_limit() -> None:
    policy = RedemptionPolicy(block_value=cny("1.00"), max_share=Decimal("0.5"))
    plan = plan_redemption(policy, order_value=cny("45.99"), available=10_000, points=10_000)
    # half of 45.99 is 22.995 -> 22.99 -> 22 whole blocks
    assert (plan.points, plan.discount, plan.limited_by) == (2200, cny("22.00"), "share")


def test_reward_plus_points_on_one_order() -> None:
    plan = plan_redemption(
        POLICY, order_value=cny("120.00"), available=3000, points=3000, rewards=[BLOW_DRY]
    )
    # The reward costs 800 and takes 88.00 off; 1200 more points fit under the 2000 cap.
    assert plan.points == 2000
    assert plan.discount == cny("100.00")
    assert plan.points_discount == cny("12.00")


def test_reward_worth_more_than_the_order_only_takes_the_order_value() -> None:
    plan = plan_redemption(POLICY, order_value=cny("60.00"), available=800, rewards=[BLOW_DRY])
    assert (plan.points, plan.discount) == (800, cny("60.00"))


def test_rewards_that_break_a_limit_are_refused() -> None:
    with pytest.raises(InsufficientBalance):
        plan_redemption(POLICY, order_value=cny("200.00"), available=799, rewards=[BLOW_DRY])
    one_reward = RedemptionPolicy(block_value=cny("1.00"), max_rewards_per_order=1)
    with pytest.raises(ValidationError) as info:
        plan_redemption(
            one_reward, order_value=cny("500.00"), available=9999, rewards=[BLOW_DRY] * 2
        )
    assert info.value.field == "rewards"
    tight = RedemptionPolicy(block_value=cny("1.00"), max_points_per_order=500)
    with pytest.raises(ValidationError):
        plan_redemption(tight, order_value=cny("500.00"), available=9999, rewards=[BLOW_DRY])
