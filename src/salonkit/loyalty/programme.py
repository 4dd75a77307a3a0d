"""A loyalty programme: every rule of it in one value, handed to the services.

>>> from salonkit.domain.money import Money
>>> programme = Programme.standard("CNY")
>>> programme.validity_days, programme.redemption.points_per_block
(365, 100)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from salonkit.domain.money import Money, check_currency
from salonkit.domain.validation import positive_int, timezone_name
from salonkit.errors import ValidationError
from salonkit.loyalty.campaigns import Campaign
from salonkit.loyalty.earning import EarnRule, SpendRule
from salonkit.loyalty.ledger import PointsLedger
from salonkit.loyalty.rewards import RedemptionPolicy, Reward
from salonkit.loyalty.tiers import TierLadder


def _non_negative(instance: Any, attribute: Any, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            "programme.pending_days", f"must be a whole number >= 0, got {value!r}"
        )


def _unique(kind: str) -> Any:
    def check(instance: Any, attribute: Any, items: tuple[Any, ...]) -> None:
        ids = [item.id for item in items]
        if len(ids) != len(set(ids)):
            raise ValidationError(f"programme.{attribute.name}", f"{kind} ids must be unique")

    return check


def _rules(value: Iterable[EarnRule]) -> tuple[EarnRule, ...]:
    return tuple(value)


def _rewards(value: Iterable[Reward]) -> tuple[Reward, ...]:
    return tuple(value)


def _campaigns(value: Iterable[Campaign]) -> tuple[Campaign, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Programme:
    """The rules of one loyalty programme.

    - ``currency`` and ``timezone`` (birthday months and campaign days are read in it);
    - ``validity_days``: how long earned points can be used; ``pending_days``: how long purchase
      points wait before they can be redeemed;
    - ``earn_rules``, ``redemption`` (points to money and per-order limits), ``rewards``;
    - ``tiers`` (optional) and ``campaigns``.
    """

    currency: str = attrs.field(validator=lambda i, a, v: check_currency(v, "programme.currency"))
    earn_rules: tuple[EarnRule, ...] = attrs.field(converter=_rules)
    redemption: RedemptionPolicy
    validity_days: int = attrs.field(default=365, validator=positive_int)
    pending_days: int = attrs.field(default=0, validator=_non_negative)
    timezone: str = attrs.field(default="UTC", validator=timezone_name)
    rewards: tuple[Reward, ...] = attrs.field(
        default=(), converter=_rewards, validator=_unique("reward")
    )
    tiers: TierLadder | None = None
    campaigns: tuple[Campaign, ...] = attrs.field(
        default=(), converter=_campaigns, validator=_unique("campaign")
    )

    def __attrs_post_init__(self) -> None:
        if self.redemption.block_value.currency != self.currency:
            raise ValidationError("programme.redemption", f"must redeem in {self.currency}")

    @classmethod
    def standard(cls, currency: str) -> Programme:
        """One point per whole unit spent, 100 points = 1.00 off, points valid 365 days."""
        return cls(
            currency=currency,
            earn_rules=(SpendRule(points=1, per=Money(1, currency)),),
            redemption=RedemptionPolicy(block_value=Money(1, currency)),
        )

    def new_ledger(self) -> PointsLedger:
        """An empty points ledger with this programme's validity and pending days."""
        return PointsLedger(validity_days=self.validity_days, pending_days=self.pending_days)

    def reward(self, reward_id: str) -> Reward:
        """The reward called ``reward_id``."""
        for reward in self.rewards:
            if reward.id == reward_id:
                return reward
        raise ValidationError("reward_id", f"unknown reward {reward_id!r}")

    def campaign(self, campaign_id: str) -> Campaign:
        """The campaign called ``campaign_id``."""
        for campaign in self.campaigns:
            if campaign.id == campaign_id:
                return campaign
        raise ValidationError("campaign_id", f"unknown campaign {campaign_id!r}")

    def base_tier(self) -> str | None:
        """The tier every new member starts in (``None`` without tiers)."""
        return self.tiers.base.name if self.tiers else None
