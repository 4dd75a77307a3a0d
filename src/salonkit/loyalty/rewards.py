"""Rewards and redemption: what points buy, and the limits on one order.

Two ways to spend points at checkout, which can be combined on one order:

- a :class:`Reward` from the catalogue: a service or a product given free, or a fixed discount,
  for a fixed number of points;
- a points discount: whole blocks of ``points_per_block`` points, each worth ``block_value``
  off (100 points = 1.00 by default). Only whole blocks are used: asking for 250 uses 200.

Limits (:class:`RedemptionPolicy`): the discount never exceeds the order value (what is left of it
after rewards), nor ``max_share`` of it; at most ``max_points_per_order`` points and at most
``max_rewards_per_order`` rewards per order. Rewards asked for explicitly are refused with an
error when they break a limit; a points discount is silently capped and the plan says by what.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.domain.validation import non_empty, optional, positive_int
from salonkit.errors import InsufficientBalance, ValidationError


class RewardKind(enum.Enum):
    """What a reward gives."""

    SERVICE = "service"
    PRODUCT = "product"
    DISCOUNT = "discount"


@attrs.frozen(kw_only=True)
class Reward:
    """A catalogue reward: ``points`` buy a service or product (``item_id``) or a discount.

    ``value`` is what the reward takes off the order (the item's price, or the discount).
    """

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    points: int = attrs.field(validator=positive_int)
    kind: RewardKind
    value: Money
    item_id: str = ""

    def __attrs_post_init__(self) -> None:
        if self.kind is not RewardKind.DISCOUNT and not self.item_id:
            raise ValidationError("reward.item_id", "a service or product reward names its item")
        if self.value.amount <= 0:
            raise ValidationError("reward.value", f"must be positive, got {self.value}")


def _share(instance: Any, attribute: Any, value: Decimal | None) -> None:
    if value is not None and (not isinstance(value, Decimal) or not 0 < value <= 1):
        raise ValidationError("redemption_policy.max_share", f"must be in (0, 1], got {value!r}")


@attrs.frozen(kw_only=True)
class RedemptionPolicy:
    """How points turn into money off (``points_per_block`` points = ``block_value``) and limits."""

    block_value: Money
    points_per_block: int = attrs.field(default=100, validator=positive_int)
    max_points_per_order: int | None = attrs.field(default=None, validator=optional(positive_int))
    max_rewards_per_order: int | None = attrs.field(default=None, validator=optional(positive_int))
    max_share: Decimal | None = attrs.field(default=None, validator=_share)

    def __attrs_post_init__(self) -> None:
        if self.block_value.amount <= 0:
            raise ValidationError("redemption_policy.block_value", "must be positive")

    def value_of(self, points: int) -> Money:
        """What ``points`` are worth as a discount (whole blocks only)."""
        return self.block_value * (points // self.points_per_block)


@attrs.frozen(kw_only=True)
class RedemptionPlan:
    """What to redeem on one order: ``points`` in all, ``discount`` off, and why it stopped.

    ``limited_by`` is one of ``"requested"``, ``"balance"``, ``"order_value"``, ``"share"``,
    ``"points_per_order"``.
    """

    points: int
    discount: Money
    rewards: tuple[Reward, ...] = ()
    points_discount: Money
    limited_by: str = "requested"


def plan_redemption(
    policy: RedemptionPolicy,
    *,
    order_value: Money,
    available: int,
    points: int = 0,
    rewards: Sequence[Reward] = (),
) -> RedemptionPlan:
    """Plan spending ``rewards`` and up to ``points`` of a ``available`` balance on one order.

    Raises :class:`~salonkit.errors.InsufficientBalance` when the rewards alone cost more than
    the balance, and :class:`~salonkit.errors.ValidationError` when they break a per-order limit.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValidationError("points", f"must be a whole number >= 0, got {points!r}")
    if order_value.is_negative():
        raise ValidationError("order_value", "must not be negative")
    currency = order_value.currency
    if policy.block_value.currency != currency:
        raise ValidationError(
            "order_value.currency", f"the programme redeems in {policy.block_value.currency}"
        )
    cap_points = policy.max_points_per_order
    if policy.max_rewards_per_order is not None and len(rewards) > policy.max_rewards_per_order:
        raise ValidationError(
            "rewards",
            f"at most {policy.max_rewards_per_order} rewards per order, {len(rewards)} asked",
        )
    reward_points = sum(r.points for r in rewards)
    if cap_points is not None and reward_points > cap_points:
        raise ValidationError(
            "rewards", f"at most {cap_points} points per order, rewards cost {reward_points}"
        )
    if reward_points > available:
        raise InsufficientBalance(f"rewards cost {reward_points} points, {available} usable")
    money_cap = order_value
    if policy.max_share is not None:
        money_cap = Money(order_value.amount * policy.max_share, currency).round("down")
    discount = Money.zero(currency)
    for reward in rewards:
        if reward.value.currency != currency:
            raise ValidationError("reward.value", f"reward {reward.id!r} is not in {currency}")
        discount = discount + min(reward.value, money_cap - discount)
    # The points discount: whole blocks within every limit; say which limit bound it.
    limits = {
        "requested": points // policy.points_per_block,
        "balance": (available - reward_points) // policy.points_per_block,
        "share" if policy.max_share is not None else "order_value": int(
            ((money_cap - discount).amount / policy.block_value.amount).to_integral_value(
                rounding=ROUND_FLOOR
            )
        ),
    }
    if cap_points is not None:
        limits["points_per_order"] = (cap_points - reward_points) // policy.points_per_block
    # min() keeps the first of equal limits, so a request that fits exactly says "requested".
    limited_by = min(limits, key=lambda name: limits[name])
    blocks = max(limits[limited_by], 0)
    points_discount = policy.block_value * blocks
    return RedemptionPlan(
        points=reward_points + blocks * policy.points_per_block,
        discount=discount + points_discount,
        rewards=tuple(rewards),
        points_discount=points_discount,
        limited_by=limited_by,
    )
