"""Golden tests of campaigns, segments and coupons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

from salonkit.domain.money import Money
from salonkit.loyalty.campaigns import (
    AmountOff,
    BuyXGetY,
    Campaign,
    CampaignUse,
    Coupon,
    CouponRejected,
    PercentOff,
    PointsMultiplier,
    Segment,
    Trigger,
    best_offer,
    check_coupon,
    discount_for,
    points_multipliers,
)
from salonkit.loyalty.model import LineCategory, MemberProfile, Purchase, PurchaseLine

AT = dt.datetime(2026, 5, 4, 9, tzinfo=dt.UTC)


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def purchase(*lines: PurchaseLine, at: dt.datetime = AT) -> Purchase:
    return Purchase(order_id="o", at=at, lines=lines)


COLOUR = PurchaseLine(category=LineCategory.SERVICE, item_id="colour", amount=cny("388.00"))
SHAMPOO = PurchaseLine(category=LineCategory.PRODUCT, item_id="SHAMPOO", amount=cny("99.90"))
MEMBER = MemberProfile(
    member_id="m", tier="gold", tags={"vip"}, birthday=dt.date(1990, 5, 17), visits=3
)
BIRTHDAY = Campaign(
    id="bday",
    name="Birthday 20%",
    offer=PercentOff(percent=Decimal(20)),
    trigger=Trigger.BIRTHDAY_MONTH,
)


def test_birthday_month_twenty_percent() -> None:
    applied = best_offer(purchase(COLOUR), MEMBER, [BIRTHDAY])
    assert applied is not None and applied.discount == cny("77.60")
    june = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert best_offer(purchase(COLOUR, at=june), MEMBER, [BIRTHDAY]) is None


def test_birthday_month_is_read_in_the_programme_time_zone() -> None:
    # 2026-04-30 17:00 UTC is already 1 May, 01:00 in Shanghai.
    late_april = dt.datetime(2026, 4, 30, 17, tzinfo=dt.UTC)
    assert best_offer(purchase(COLOUR, at=late_april), MEMBER, [BIRTHDAY]) is None
    applied = best_offer(
        purchase(COLOUR, at=late_april), MEMBER, [BIRTHDAY], timezone="Asia/Shanghai"
    )
    assert applied is not None


def test_percent_discount_rounds_half_up() -> None:
    line = PurchaseLine(category=LineCategory.SERVICE, amount=cny("88.88"))
    # 15% of 88.88 = 13.332 -> 13.33; 12.5% of 88.60 = 11.075 -> 11.08
    assert discount_for(PercentOff(percent=Decimal(15)), purchase(line)) == cny("13.33")
    other = PurchaseLine(category=LineCategory.SERVICE, amount=cny("88.60"))
    assert discount_for(PercentOff(percent=Decimal("12.5")), purchase(other)) == cny("11.08")


def test_buy_two_get_one_free_discounts_the_cheapest_units() -> None:
    offer = BuyXGetY(item_id="SHAMPOO", buy=2, get=1)
    three = PurchaseLine(
        category=LineCategory.PRODUCT, item_id="SHAMPOO", amount=cny("299.70"), quantity=3
    )
    assert discount_for(offer, purchase(three)) == cny("99.90")
    five = PurchaseLine(
        category=LineCategory.PRODUCT, item_id="SHAMPOO", amount=cny("499.50"), quantity=5
    )
    assert discount_for(offer, purchase(five)) == cny("99.90")
    cheap = PurchaseLine(category=LineCategory.PRODUCT, item_id="SHAMPOO", amount=cny("50.00"))
    two = PurchaseLine(
        category=LineCategory.PRODUCT, item_id="SHAMPOO", amount=cny("199.80"), quantity=2
    )
    assert discount_for(offer, purchase(two, cheap)) == cny("50.00")


def test_fixed_amount_needs_the_minimum_spend() -> None:
    offer = AmountOff(amount=cny("50.00"), min_spend=cny("300.00"))
    assert discount_for(offer, purchase(SHAMPOO)) == cny("0")
    assert discount_for(offer, purchase(COLOUR)) == cny("50.00")
    small = AmountOff(amount=cny("500.00"))
    assert discount_for(small, purchase(SHAMPOO)) == cny("99.90")  # never more than the lines


def test_largest_discount_wins_and_coupon_campaigns_need_their_coupon() -> None:
    ten_off = Campaign(id="ten", name="10 off", offer=AmountOff(amount=cny("10.00")))
    coupon_only = Campaign(
        id="c100", name="100 off", offer=AmountOff(amount=cny("100.00")), coupon_required=True
    )
    campaigns = [ten_off, coupon_only, BIRTHDAY]
    applied = best_offer(purchase(COLOUR), MEMBER, campaigns)
    assert applied is not None and applied.campaign_id == "bday"
    coupon = Coupon(code="WELCOME", campaign_id="c100")
    applied = best_offer(purchase(COLOUR), MEMBER, campaigns, coupon=coupon)
    assert applied is not None
    assert (applied.campaign_id, applied.discount, applied.coupon_code) == (
        "c100",
        cny("100.00"),
        "WELCOME",
    )


def test_first_visit_offer() -> None:
    first = Campaign(
        id="first",
        name="First visit",
        offer=PercentOff(percent=Decimal(30)),
        trigger=Trigger.FIRST_VISIT,
    )
    newcomer = MemberProfile(member_id="n")
    assert best_offer(purchase(COLOUR), newcomer, [first]) is not None
    assert best_offer(purchase(COLOUR), MEMBER, [first]) is None


def test_segments_and_campaign_window() -> None:
    at = AT
    recent = MemberProfile(
        member_id="r", tier="gold", tags={"colour"}, last_visit_at=at - dt.timedelta(days=10)
    )
    lapsed = MemberProfile(member_id="l", tier="silver", last_visit_at=at - dt.timedelta(days=200))
    assert Segment(tiers={"gold"}).matches(recent, at)
    assert not Segment(tiers={"gold"}).matches(lapsed, at)
    assert Segment(tags_any={"colour", "nails"}).matches(recent, at)
    assert not Segment(tags_any={"nails"}).matches(recent, at)
    assert Segment(visited_within_days=30).matches(recent, at)
    assert not Segment(visited_within_days=30).matches(lapsed, at)
    assert Segment(absent_for_days=180).matches(lapsed, at)
    assert not Segment(absent_for_days=180).matches(recent, at)
    double = Campaign(
        id="x2",
        name="Double points",
        offer=PointsMultiplier(factor=Decimal(2)),
        starts=at,
        ends=at + dt.timedelta(days=7),
    )
    assert points_multipliers(recent, [double], at) == [("x2", Decimal(2))]
    assert points_multipliers(recent, [double], at + dt.timedelta(days=7)) == []
    assert points_multipliers(recent, [double], at - dt.timedelta(seconds=1)) == []


@pytest.mark.parametrize(
    ("coupon", "uses", "member_uses", "reason"),
    [
        (
            Coupon(code="C", campaign_id="c", valid_from=AT + dt.timedelta(hours=1)),
            0,
            0,
            "not_yet_valid",
        ),
        (Coupon(code="C", campaign_id="c", valid_until=AT), 0, 0, "expired"),
        (Coupon(code="C", campaign_id="c", member_id="someone"), 0, 0, "other_member"),
        (Coupon(code="C", campaign_id="c", max_uses=100), 100, 0, "used_up"),
        (Coupon(code="C", campaign_id="c"), 5, 1, "used_by_member"),
    ],
)
def test_coupon_rejections(coupon: Coupon, uses: int, member_uses: int, reason: str) -> None:
    with pytest.raises(CouponRejected) as info:
        check_coupon(coupon, member_id="m", at=AT, uses=uses, member_uses=member_uses)
    assert info.value.reason == reason
    assert info.value.field == "coupon"


def test_coupon_accepted_inside_its_limits() -> None:
    coupon = Coupon(
        code="C",
        campaign_id="c",
        max_uses=100,
        max_uses_per_member=2,
        valid_until=AT + dt.timedelta(days=1),
    )
    check_coupon(coupon, member_id="m", at=AT, uses=99, member_uses=1)


def test_birthday_offer_once_per_birthday_month() -> None:
    once = attrs.evolve(BIRTHDAY, max_uses_per_member=1)
    may_4 = purchase(COLOUR)
    used = CampaignUse(
        id="u1",
        campaign_id="bday",
        member_id="m",
        order_id="o",
        at=AT,
        discount=cny("77.60"),
        revenue=cny("310.40"),
    )
    assert best_offer(may_4, MEMBER, [once]) is not None
    assert best_offer(may_4, MEMBER, [once], uses=[used]) is None
    next_may = purchase(COLOUR, at=dt.datetime(2027, 5, 2, tzinfo=dt.UTC))
    assert best_offer(next_may, MEMBER, [once], uses=[used]) is not None
    other = attrs.evolve(used, campaign_id="other")
    assert best_offer(may_4, MEMBER, [once], uses=[other]) is not None
