"""Loyalty reports: what the programme owes, how much is redeemed, tiers and campaign results.

All are pure functions over the in-memory engines (or over records loaded by the services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs

from salonkit.domain.money import Money
from salonkit.loyalty.campaigns import CampaignUse
from salonkit.loyalty.ledger import EntryType, PointsEntry, PointsLedger
from salonkit.loyalty.rewards import RedemptionPolicy
from salonkit.loyalty.wallet import WalletBook


@attrs.frozen(kw_only=True)
class PointsLiability:
    """Points outstanding at one instant and what they are worth at the redemption rate.

    ``value`` counts every point (available and pending) at ``block_value / points_per_block``,
    rounded half-up to the minor unit; debts are not netted off.
    """

    members: int
    available: int
    pending: int
    value: Money

    @property
    def points(self) -> int:
        """Available plus pending points."""
        return self.available + self.pending


def points_liability(
    ledger: PointsLedger, *, at: dt.datetime, redemption: RedemptionPolicy
) -> PointsLiability:
    """The points the programme owes at ``at`` across every member of ``ledger``."""
    available = pending = members = 0
    for member_id in ledger.members():
        balance = ledger.balance(member_id, at=at)
        available += balance.available
        pending += balance.pending
        members += 1 if balance.total else 0
    per_point = redemption.block_value.amount / redemption.points_per_block
    value = Money((available + pending) * per_point, redemption.block_value.currency)
    return PointsLiability(
        members=members, available=available, pending=pending, value=value.round("half_up")
    )


@attrs.frozen(kw_only=True)
class RedemptionRate:
    """Points earned and redeemed in a period; ``rate`` is redeemed / earned (4 places)."""

    earned: int
    redeemed: int
    rate: Decimal | None


def redemption_rate(
    entries: Iterable[PointsEntry], *, since: dt.datetime, until: dt.datetime
) -> RedemptionRate:
    """Redemption rate over entries dated ``since <= at < until``.

    Earned is earnings (purchases and actions) minus reversals; redeemed is redemptions minus
    restorations. ``rate`` is ``None`` when nothing was earned.
    """
    earned = redeemed = 0
    for entry in entries:
        if not since <= entry.at < until:
            continue
        if entry.type is EntryType.EARN:
            earned += entry.points
        elif entry.type is EntryType.REVERSE:
            earned += entry.points - entry.shortfall
        elif entry.type in (EntryType.REDEEM, EntryType.RESTORE):
            redeemed -= entry.points
    rate = (Decimal(redeemed) / earned).quantize(Decimal("0.0001")) if earned > 0 else None
    return RedemptionRate(earned=earned, redeemed=redeemed, rate=rate)


@attrs.frozen(kw_only=True)
class WalletLiability:
    """What stored value the salon owes: wallet balances and unused packages."""

    wallets: Money
    packages: Money

    @property
    def total(self) -> Money:
        """Wallets plus packages."""
        return self.wallets + self.packages


def wallet_liability(book: WalletBook) -> WalletLiability:
    """The stored-value liability in ``book``, split into wallets and packages."""
    currency = book.policy.currency
    wallets = packages = Decimal(0)
    for name, balance in book.accounts().items():
        if name.startswith("liability:wallet:"):
            wallets -= balance.amount
        elif name.startswith("liability:package:"):
            packages -= balance.amount
    return WalletLiability(wallets=Money(wallets, currency), packages=Money(packages, currency))


@attrs.frozen(kw_only=True)
class CampaignResult:
    """One campaign's results: uses, distinct members, revenue after discount, discount given."""

    campaign_id: str
    uses: int
    members: int
    revenue: Money
    discount: Money


def campaign_results(uses: Iterable[CampaignUse], currency: str) -> dict[str, CampaignResult]:
    """Results per campaign id, in order of first use."""
    grouped: dict[str, list[CampaignUse]] = {}
    for use in uses:
        grouped.setdefault(use.campaign_id, []).append(use)
    return {
        campaign_id: CampaignResult(
            campaign_id=campaign_id,
            uses=len(items),
            members=len({u.member_id for u in items}),
            revenue=Money.sum((u.revenue for u in items), currency),
            discount=Money.sum((u.discount for u in items), currency),
        )
        for campaign_id, items in grouped.items()
    }
