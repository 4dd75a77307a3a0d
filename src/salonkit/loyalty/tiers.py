"""Tiers: thresholds on points or spend over a rolling window, perks, and the change policy.

The policy, exactly:

- a member's *qualifying* value is what counts toward tiers over the rolling window
  ``(at - window_days, at]``: points earned on purchases (not adjustments, not actions) or the
  eligible spend, minus what reversals took back;
- **upgrades** are checked on every earning and on every scheduled evaluation: the member moves
  straight to the highest tier whose threshold the qualifying value **reaches** (equal to the
  threshold is enough);
- **downgrades** happen only at a scheduled evaluation (run it at the end of each period, e.g.
  monthly): a member whose qualifying value is below the current tier's threshold drops **one tier**
  per evaluation, never more, so a bad quarter costs one step at a time; the lowest tier (threshold
  zero) is never left.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from salonkit.domain.money import to_decimal
from salonkit.domain.validation import non_empty, positive_int
from salonkit.errors import ValidationError


class TierBasis(enum.Enum):
    """What a tier threshold measures."""

    POINTS = "points"
    SPEND = "spend"


def _positive_decimal(instance: Any, attribute: Any, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise ValidationError(
            f"perks.{attribute.name}", f"must be a positive Decimal, got {value!r}"
        )


def _percent(instance: Any, attribute: Any, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not 0 <= value <= 100:
        raise ValidationError("perks.discount_percent", f"must be between 0 and 100, got {value!r}")


@attrs.frozen(kw_only=True)
class Perks:
    """What a tier gives: a points ``multiplier``, a standing discount and priority booking."""

    multiplier: Decimal = attrs.field(default=Decimal(1), validator=_positive_decimal)
    discount_percent: Decimal = attrs.field(default=Decimal(0), validator=_percent)
    priority_booking: bool = False


def _threshold(instance: Any, attribute: Any, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise ValidationError("tier.threshold", f"must be a Decimal >= 0, got {value!r}")


def _to_threshold(value: object) -> Decimal:
    return to_decimal(value, "tier.threshold")


@attrs.frozen(kw_only=True)
class Tier:
    """A tier: its ``name``, the qualifying value that reaches it, and its perks."""

    name: str = attrs.field(validator=non_empty)
    threshold: Decimal = attrs.field(converter=_to_threshold, validator=_threshold)
    perks: Perks = Perks()


class TierMove(enum.Enum):
    """The direction of a tier change."""

    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"


@attrs.frozen
class TierDecision:
    """The outcome of an evaluation: the tier to hold and, if it differs, the move."""

    tier: str
    move: TierMove | None
    qualifying: Decimal


def _ladder(instance: Any, attribute: Any, tiers: tuple[Tier, ...]) -> None:
    if not tiers:
        raise ValidationError("tier_ladder.tiers", "needs at least one tier")
    if tiers[0].threshold != 0:
        raise ValidationError("tier_ladder.tiers", "the first tier must have threshold 0")
    thresholds = [t.threshold for t in tiers]
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        raise ValidationError("tier_ladder.tiers", "thresholds must strictly increase")
    names = [t.name for t in tiers]
    if len(set(names)) != len(names):
        raise ValidationError("tier_ladder.tiers", "tier names must be unique")


@attrs.frozen(kw_only=True)
class TierLadder:
    """The programme's tiers, lowest first, measured on ``basis`` over ``window_days``."""

    tiers: tuple[Tier, ...] = attrs.field(converter=tuple, validator=_ladder)
    basis: TierBasis = TierBasis.POINTS
    window_days: int = attrs.field(default=365, validator=positive_int)

    @property
    def base(self) -> Tier:
        """The lowest tier (threshold zero): where every member starts."""
        return self.tiers[0]

    def tier(self, name: str) -> Tier:
        """The tier called ``name``."""
        for tier in self.tiers:
            if tier.name == name:
                return tier
        raise ValidationError("tier", f"unknown tier {name!r}")

    def _index(self, name: str) -> int:
        return self.tiers.index(self.tier(name))

    def reached(self, qualifying: Decimal) -> Tier:
        """The highest tier whose threshold ``qualifying`` reaches (``>=``)."""
        best = self.base
        for tier in self.tiers:
            if qualifying >= tier.threshold:
                best = tier
        return best

    def on_earn(self, current: str, qualifying: Decimal) -> TierDecision:
        """Evaluation after an earning: upgrades only."""
        now = self._index(current)
        target = self.tiers.index(self.reached(qualifying))
        if target > now:
            return TierDecision(self.tiers[target].name, TierMove.UPGRADE, qualifying)
        return TierDecision(current, None, qualifying)

    def at_period_end(self, current: str, qualifying: Decimal) -> TierDecision:
        """Scheduled evaluation: upgrade as far as reached, or drop one tier if below threshold."""
        decision = self.on_earn(current, qualifying)
        if decision.move is not None:
            return decision
        now = self._index(current)
        if now > 0 and qualifying < self.tiers[now].threshold:
            return TierDecision(self.tiers[now - 1].name, TierMove.DOWNGRADE, qualifying)
        return decision


def distribution(ladder: TierLadder, tiers: Sequence[str]) -> dict[str, int]:
    """How many members hold each tier (every tier listed, lowest first, zeros included)."""
    counts = {tier.name: 0 for tier in ladder.tiers}
    for name in tiers:
        counts[ladder.tier(name).name] += 1
    return counts
