"""Record kinds of the loyalty package.

- ``loyalty_points_entry``: the points ledger (append-only; one record per entry, keyed
  ``<member>#<seq>`` so two writers can never store the same position twice);
- ``loyalty_member``: a member's tier and visit counters (versioned);
- ``loyalty_coupon``: issued coupon codes (their uses are counted from campaign uses);
- ``loyalty_campaign_use``: every campaign or coupon used on an order (append-only);
- ``wallet_transaction``: the wallet and package journal (append-only, balanced postings).
"""

from __future__ import annotations

import datetime as dt

import attrs

from salonkit.loyalty.campaigns import CampaignUse, Coupon
from salonkit.loyalty.ledger import PointsEntry
from salonkit.loyalty.wallet import WalletTransaction
from salonkit.storage.kinds import Column, Kind, registry


@attrs.frozen(kw_only=True)
class LoyaltyMember:
    """A member of the programme: the tier held since when, and visit counters.

    The id is the customer's id; birthday and tags are read from the customer record.
    """

    id: str
    joined_at: dt.datetime
    tier: str | None = None
    tier_since: dt.datetime | None = None
    visits: int = 0
    last_visit_at: dt.datetime | None = None
    version: int = 0


POINTS_ENTRIES = registry.register(
    Kind(
        "loyalty_points_entry",
        PointsEntry,
        columns=(
            Column("member_id", str),
            Column("seq", int),
            Column("order_id", str),
            Column("type", str, extract=lambda e: e.type.value),
            Column("at", dt.datetime),
            Column("expires_at", dt.datetime),
        ),
        append_only=True,
        versioned=False,
    )
)

MEMBERS = registry.register(Kind("loyalty_member", LoyaltyMember, columns=(Column("tier", str),)))

COUPONS = registry.register(
    Kind(
        "loyalty_coupon",
        Coupon,
        key="code",
        columns=(Column("campaign_id", str), Column("member_id", str)),
        append_only=True,
        versioned=False,
    )
)

CAMPAIGN_USES = registry.register(
    Kind(
        "loyalty_campaign_use",
        CampaignUse,
        columns=(
            Column("campaign_id", str),
            Column("coupon_code", str),
            Column("member_id", str),
            Column("order_id", str),
            Column("at", dt.datetime),
        ),
        append_only=True,
        versioned=False,
    )
)

WALLET_TRANSACTIONS = registry.register(
    Kind(
        "wallet_transaction",
        WalletTransaction,
        columns=(
            Column("member_id", str),
            Column("seq", int),
            Column("order_id", str),
            Column("package_id", str),
            Column("op", str, extract=lambda t: t.op.value),
            Column("at", dt.datetime),
        ),
        append_only=True,
        versioned=False,
    )
)

#: Every kind this package stores (for schema creation).
KINDS = (POINTS_ENTRIES, MEMBERS, COUPONS, CAMPAIGN_USES, WALLET_TRANSACTIONS)

__all__ = [
    "CAMPAIGN_USES",
    "COUPONS",
    "KINDS",
    "MEMBERS",
    "POINTS_ENTRIES",
    "WALLET_TRANSACTIONS",
    "LoyaltyMember",
]
