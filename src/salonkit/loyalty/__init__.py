"""salonkit.loyalty: points, tiers, campaigns and coupons, and the stored-value wallet.

- pure engines, usable in memory on their own: :class:`PointsLedger` (append-only points with
  lots, pending days, expiry, reversal), :func:`purchase_points` (earn rules as data),
  :func:`plan_redemption`, :class:`TierLadder`, the campaign functions, :class:`WalletBook`
  (double-entry stored value and packages);
- use cases over storage: :class:`LoyaltyService` and :class:`WalletService`;
- the whole rule set of a programme in one value: :class:`Programme`.

See the how-to guide "Run a loyalty programme" for the exact rounding and expiry rules.
"""

from salonkit.loyalty.campaigns import (
    AmountOff,
    BuyXGetY,
    Campaign,
    Coupon,
    CouponRejected,
    PercentOff,
    PointsMultiplier,
    Segment,
    Trigger,
)
from salonkit.loyalty.earning import ActionRule, ItemRule, SpendRule, VisitRule, purchase_points
from salonkit.loyalty.events import PointsEarned, PointsRedeemed, TierChanged, WalletLow
from salonkit.loyalty.ledger import Balance, EntryType, PointsEntry, PointsLedger
from salonkit.loyalty.model import LineCategory, MemberProfile, Purchase, PurchaseLine
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.rewards import RedemptionPolicy, Reward, RewardKind, plan_redemption
from salonkit.loyalty.service import LoyaltyService, WalletService
from salonkit.loyalty.tiers import Perks, Tier, TierBasis, TierLadder
from salonkit.loyalty.wallet import TopUpOffer, WalletBook, WalletPolicy

__all__ = [
    "ActionRule",
    "AmountOff",
    "Balance",
    "BuyXGetY",
    "Campaign",
    "Coupon",
    "CouponRejected",
    "EntryType",
    "ItemRule",
    "LineCategory",
    "LoyaltyService",
    "MemberProfile",
    "PercentOff",
    "Perks",
    "PointsEarned",
    "PointsEntry",
    "PointsLedger",
    "PointsMultiplier",
    "PointsRedeemed",
    "Programme",
    "Purchase",
    "PurchaseLine",
    "RedemptionPolicy",
    "Reward",
    "RewardKind",
    "Segment",
    "SpendRule",
    "Tier",
    "TierBasis",
    "TierChanged",
    "TierLadder",
    "TopUpOffer",
    "Trigger",
    "VisitRule",
    "WalletBook",
    "WalletLow",
    "WalletPolicy",
    "WalletService",
    "plan_redemption",
    "purchase_points",
]
