"""Golden tests of tier changes at and around the thresholds, and the downgrade policy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from salonkit.errors import ValidationError
from salonkit.loyalty.ledger import PointsLedger
from salonkit.loyalty.tiers import Perks, Tier, TierLadder, TierMove, distribution

LADDER = TierLadder(
    tiers=(
        Tier(name="silver", threshold=0),
        Tier(name="gold", threshold=1000, perks=Perks(multiplier=Decimal("1.5"))),
        Tier(
            name="platinum",
            threshold=5000,
            perks=Perks(multiplier=Decimal(2), priority_booking=True),
        ),
    ),
    window_days=365,
)
T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("qualifying", "expected"),
    [(999, "silver"), (1000, "gold"), (1001, "gold"), (4999, "gold"), (5000, "platinum")],
)
def test_reaching_the_threshold_upgrades(qualifying: int, expected: str) -> None:
    decision = LADDER.on_earn("silver", Decimal(qualifying))
    assert decision.tier == expected
    assert decision.move is (None if expected == "silver" else TierMove.UPGRADE)


def test_earning_never_downgrades() -> None:
    decision = LADDER.on_earn("platinum", Decimal(10))
    assert (decision.tier, decision.move) == ("platinum", None)


def test_period_end_drops_one_tier_at_a_time() -> None:
    first = LADDER.at_period_end("platinum", Decimal(200))
    assert (first.tier, first.move) == ("gold", TierMove.DOWNGRADE)
    second = LADDER.at_period_end(first.tier, Decimal(200))
    assert (second.tier, second.move) == ("silver", TierMove.DOWNGRADE)
    third = LADDER.at_period_end(second.tier, Decimal(0))
    assert (third.tier, third.move) == ("silver", None)


def test_period_end_keeps_a_tier_held_exactly_at_threshold_and_can_upgrade() -> None:
    assert LADDER.at_period_end("gold", Decimal(1000)).move is None
    assert LADDER.at_period_end("gold", Decimal(999)).move is TierMove.DOWNGRADE
    assert LADDER.at_period_end("silver", Decimal(6000)).tier == "platinum"


def test_rolling_window_over_the_ledger() -> None:
    ledger = PointsLedger(validity_days=730)
    ledger.earn("m", 600, at=T0, order_id="a")
    ledger.earn("m", 400, at=T0 + dt.timedelta(days=100), order_id="b")
    ledger.earn("m", 50, at=T0 + dt.timedelta(days=101), qualifying=False)  # an action: no tier

    def qualifying(at: dt.datetime) -> Decimal:
        points, _ = ledger.qualifying(
            "m", since=at - dt.timedelta(days=LADDER.window_days), until=at
        )
        return Decimal(points)

    at = T0 + dt.timedelta(days=100)
    assert LADDER.on_earn("silver", qualifying(at)).tier == "gold"
    # Points earned exactly 365 days ago have left the window (it is (at - 365 days, at]).
    assert qualifying(T0 + dt.timedelta(days=365)) == 400
    assert qualifying(T0 + dt.timedelta(days=365) - dt.timedelta(seconds=1)) == 1000
    assert LADDER.at_period_end("gold", qualifying(T0 + dt.timedelta(days=365))).tier == "silver"


def test_ladder_validation_and_distribution() -> None:
    with pytest.raises(ValidationError):
        TierLadder(tiers=(Tier(name="a", threshold=10),))
    with pytest.raises(ValidationError):
        TierLadder(tiers=(Tier(name="a", threshold=0), Tier(name="b", threshold=0)))
    with pytest.raises(ValidationError):
        Tier(name="x", threshold=1.5)  # type: ignore[arg-type]
    assert distribution(LADDER, ["gold", "silver", "gold"]) == {
        "silver": 1,
        "gold": 2,
        "platinum": 0,
    }
