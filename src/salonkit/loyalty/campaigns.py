"""Campaigns and coupons: offers, who they are for, when they run, and which one applies.

Offers: :class:`PercentOff`, :class:`AmountOff`, :class:`BuyXGetY` take money off a purchase;
:class:`PointsMultiplier` multiplies the points it earns. A :class:`Campaign` puts an offer in a
date window for a :class:`Segment` (tiers, tags, last visit) with an optional trigger: the
member's first visit, or the member's birthday month (in the programme's time zone).

Policies, exactly:

- discounts are worked out on the lines' net amounts (after any earlier line discount) of the
  offer's categories and rounded **half-up** to the currency's minor unit; a discount never
  exceeds what those lines cost;
- discount campaigns do **not** stack: of every eligible one (coupon campaigns only with their
  coupon), the largest discount applies; a tie goes to the campaign listed first;
- points multipliers of every eligible campaign do stack (they multiply, and multiply the tier's);
- a coupon is valid from ``valid_from`` (inclusive) to ``valid_until`` (exclusive), up to
  ``max_uses`` uses in all and ``max_uses_per_member`` per member, and only for its own member
  when it is personal.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.domain.time import local_date
from salonkit.domain.validation import non_empty, optional, positive_int
from salonkit.errors import ValidationError
from salonkit.loyalty.model import LineCategory, MemberProfile, Purchase

_SHOPPING = frozenset({LineCategory.SERVICE, LineCategory.PRODUCT})


def _percent(instance: Any, attribute: Any, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not 0 < value <= 100:
        raise ValidationError(f"offer.{attribute.name}", f"must be in (0, 100], got {value!r}")


@attrs.frozen(kw_only=True)
class PercentOff:
    """``percent`` off the lines of ``categories`` (services and products by default)."""

    percent: Decimal = attrs.field(validator=_percent)
    categories: frozenset[LineCategory] = attrs.field(default=_SHOPPING, converter=frozenset)


@attrs.frozen(kw_only=True)
class AmountOff:
    """A fixed ``amount`` off when the lines of ``categories`` cost at least ``min_spend``."""

    amount: Money
    min_spend: Money | None = None
    categories: frozenset[LineCategory] = attrs.field(default=_SHOPPING, converter=frozenset)


@attrs.frozen(kw_only=True)
class BuyXGetY:
    """For every ``buy`` units of ``item_id`` the next ``get`` are ``percent`` off (free at 100).

    The cheapest units are the ones discounted.
    """

    item_id: str = attrs.field(validator=non_empty)
    buy: int = attrs.field(validator=positive_int)
    get: int = attrs.field(validator=positive_int)
    percent: Decimal = attrs.field(default=Decimal(100), validator=_percent)


@attrs.frozen(kw_only=True)
class PointsMultiplier:
    """Multiply the points a purchase earns by ``factor`` (e.g. ``Decimal("2")``)."""

    factor: Decimal

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.factor, Decimal) or self.factor <= 0:
            raise ValidationError(
                "offer.factor", f"must be a positive Decimal, got {self.factor!r}"
            )


Offer = PercentOff | AmountOff | BuyXGetY | PointsMultiplier


class Trigger(enum.Enum):
    """An extra condition on the member."""

    ALWAYS = "always"
    FIRST_VISIT = "first_visit"
    """Only on the member's first visit (no visit recorded before)."""
    BIRTHDAY_MONTH = "birthday_month"
    """Only in the calendar month of the member's birthday (programme time zone)."""


@attrs.frozen(kw_only=True)
class Segment:
    """Who a campaign is for; an empty segment is everybody.

    ``tiers``: any of these tiers; ``tags_any``: at least one of these tags;
    ``visited_within_days``: last visit no longer ago than this (active customers);
    ``absent_for_days``: no visit for at least this long (lapsed customers, win-back).
    """

    tiers: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    tags_any: frozenset[str] = attrs.field(default=frozenset(), converter=frozenset)
    visited_within_days: int | None = attrs.field(default=None, validator=optional(positive_int))
    absent_for_days: int | None = attrs.field(default=None, validator=optional(positive_int))

    def matches(self, member: MemberProfile, at: dt.datetime) -> bool:
        """True when ``member`` belongs to this segment at ``at``."""
        if self.tiers and member.tier not in self.tiers:
            return False
        if self.tags_any and not (self.tags_any & member.tags):
            return False
        last = member.last_visit_at
        if self.visited_within_days is not None and (
            last is None or at - last > dt.timedelta(days=self.visited_within_days)
        ):
            return False
        return not (
            self.absent_for_days is not None
            and last is not None
            and at - last < dt.timedelta(days=self.absent_for_days)
        )


@attrs.frozen(kw_only=True)
class Campaign:
    """An offer for a segment in a window ``[starts, ends)`` (either end open when ``None``)."""

    id: str = attrs.field(validator=non_empty)
    name: str = attrs.field(validator=non_empty)
    offer: Offer
    segment: Segment = Segment()
    trigger: Trigger = Trigger.ALWAYS
    starts: dt.datetime | None = None
    ends: dt.datetime | None = None
    coupon_required: bool = False
    max_uses_per_member: int | None = attrs.field(default=None, validator=optional(positive_int))
    """At most this many uses per member: in all, or per birthday month for a birthday offer."""

    def is_running(self, at: dt.datetime) -> bool:
        """True inside the campaign's window."""
        return (self.starts is None or self.starts <= at) and (self.ends is None or at < self.ends)

    def counts_toward_limit(self, used_at: dt.datetime, at: dt.datetime, timezone: str) -> bool:
        """Whether a use at ``used_at`` counts toward ``max_uses_per_member`` at ``at``.

        For a birthday offer only uses in the same birthday month (same year) count.
        """
        if self.trigger is Trigger.BIRTHDAY_MONTH:
            then, now = local_date(used_at, timezone), local_date(at, timezone)
            return (then.year, then.month) == (now.year, now.month)
        return True

    def used_up(self, uses: Sequence[CampaignUse], at: dt.datetime, timezone: str = "UTC") -> bool:
        """True when a member with past ``uses`` has reached ``max_uses_per_member``."""
        if self.max_uses_per_member is None:
            return False
        count = sum(
            1
            for use in uses
            if use.campaign_id == self.id and self.counts_toward_limit(use.at, at, timezone)
        )
        return count >= self.max_uses_per_member

    def applies_to(self, member: MemberProfile, at: dt.datetime, timezone: str = "UTC") -> bool:
        """True when the campaign runs at ``at`` and ``member`` qualifies (segment and trigger)."""
        if not self.is_running(at) or not self.segment.matches(member, at):
            return False
        if self.trigger is Trigger.FIRST_VISIT:
            return member.visits == 0
        if self.trigger is Trigger.BIRTHDAY_MONTH:
            return (
                member.birthday is not None
                and local_date(at, timezone).month == member.birthday.month
            )
        return True


@attrs.frozen(kw_only=True)
class Coupon:
    """A code that unlocks a campaign, with usage limits and a validity window."""

    code: str = attrs.field(validator=non_empty)
    campaign_id: str = attrs.field(validator=non_empty)
    max_uses: int | None = attrs.field(default=None, validator=optional(positive_int))
    max_uses_per_member: int | None = attrs.field(default=1, validator=optional(positive_int))
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    member_id: str | None = None


class CouponRejected(ValidationError):
    """A coupon code cannot be used; ``reason`` is one of ``unknown``, ``not_yet_valid``,
    ``expired``, ``used_up``, ``used_by_member``, ``other_member``, ``not_eligible``."""

    def __init__(self, code: str, reason: str, message: str) -> None:
        self.code = code
        self.reason = reason
        super().__init__("coupon", f"{code!r}: {message}")


def check_coupon(
    coupon: Coupon, *, member_id: str, at: dt.datetime, uses: int, member_uses: int
) -> None:
    """Raise :class:`CouponRejected` unless ``coupon`` may be used now by ``member_id``.

    ``uses`` and ``member_uses`` are how often it was used so far, in all and by this member.
    """
    if coupon.valid_from is not None and at < coupon.valid_from:
        raise CouponRejected(coupon.code, "not_yet_valid", f"valid from {coupon.valid_from}")
    if coupon.valid_until is not None and at >= coupon.valid_until:
        raise CouponRejected(coupon.code, "expired", f"expired at {coupon.valid_until}")
    if coupon.member_id is not None and coupon.member_id != member_id:
        raise CouponRejected(coupon.code, "other_member", "issued to another member")
    if coupon.max_uses is not None and uses >= coupon.max_uses:
        raise CouponRejected(coupon.code, "used_up", f"all {coupon.max_uses} uses are taken")
    if coupon.max_uses_per_member is not None and member_uses >= coupon.max_uses_per_member:
        raise CouponRejected(
            coupon.code, "used_by_member", f"already used {member_uses} time(s) by this member"
        )


def _lines_value(purchase: Purchase, categories: frozenset[LineCategory]) -> Money:
    return Money.sum(
        (line.net for line in purchase.lines if line.category in categories), purchase.currency
    )


def discount_for(offer: Offer, purchase: Purchase) -> Money:
    """The money ``offer`` takes off ``purchase`` (zero for a points multiplier)."""
    zero = Money.zero(purchase.currency)
    if isinstance(offer, PercentOff):
        base = _lines_value(purchase, offer.categories)
        return (base * (offer.percent / 100)).round("half_up")
    if isinstance(offer, AmountOff):
        base = _lines_value(purchase, offer.categories)
        if offer.min_spend is not None and base < offer.min_spend:
            return zero
        return min(offer.amount, base)
    if isinstance(offer, BuyXGetY):
        prices: list[Money] = []
        for line in purchase.lines:
            if line.item_id == offer.item_id and line.category in _SHOPPING:
                unit = Money(line.net.amount / line.quantity, purchase.currency)
                prices.extend([unit] * line.quantity)
        free_units = (len(prices) // (offer.buy + offer.get)) * offer.get
        cheapest = sorted(prices, key=lambda m: m.amount)[:free_units]
        total = Money.sum(cheapest, purchase.currency) * (offer.percent / 100)
        return total.round("half_up")
    return zero


@attrs.frozen(kw_only=True)
class AppliedOffer:
    """The campaign chosen for a purchase and the discount it gives."""

    campaign_id: str
    discount: Money
    coupon_code: str | None = None


def best_offer(
    purchase: Purchase,
    member: MemberProfile,
    campaigns: Sequence[Campaign],
    *,
    coupon: Coupon | None = None,
    timezone: str = "UTC",
    uses: Sequence[CampaignUse] = (),
) -> AppliedOffer | None:
    """The one discount campaign that applies to ``purchase`` (the largest), or ``None``.

    ``coupon`` must already have passed :func:`check_coupon`; it unlocks its own campaign.
    ``uses`` are the member's earlier campaign uses, checked against ``max_uses_per_member``.
    """
    best: AppliedOffer | None = None
    for campaign in campaigns:
        if isinstance(campaign.offer, PointsMultiplier):
            continue
        unlocked = coupon is not None and coupon.campaign_id == campaign.id
        if campaign.coupon_required and not unlocked:
            continue
        if not campaign.applies_to(member, purchase.at, timezone):
            continue
        if campaign.used_up(uses, purchase.at, timezone):
            continue
        discount = discount_for(campaign.offer, purchase)
        if discount.amount <= 0:
            continue
        if best is None or discount > best.discount:
            best = AppliedOffer(
                campaign_id=campaign.id,
                discount=discount,
                coupon_code=coupon.code if unlocked and coupon is not None else None,
            )
    return best


def points_multipliers(
    member: MemberProfile, campaigns: Sequence[Campaign], at: dt.datetime, timezone: str = "UTC"
) -> list[tuple[str, Decimal]]:
    """``(campaign id, factor)`` of every points-multiplier campaign that applies now."""
    return [
        (c.id, c.offer.factor)
        for c in campaigns
        if isinstance(c.offer, PointsMultiplier)
        and not c.coupon_required
        and c.applies_to(member, at, timezone)
    ]


@attrs.frozen(kw_only=True)
class CampaignUse:
    """A campaign (or coupon) used on an order: the discount given and the revenue after it."""

    id: str
    campaign_id: str
    member_id: str
    order_id: str
    at: dt.datetime
    discount: Money
    revenue: Money
    coupon_code: str | None = None
