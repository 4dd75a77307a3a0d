"""Loyalty use cases over storage: :class:`LoyaltyService` (points, tiers, offers, reports) and
:class:`WalletService` (stored value and packages).

Each public method is one unit of work. Writers on a member's points first take
``uow.lock("points:<member>")`` and only then read the ledger, so two checkouts redeeming the same
points at once are serialised: the second sees the first one's redemption and fails with
:class:`~salonkit.errors.InsufficientBalance` if the points are gone. The wallet does the same
with ``"wallet:<member>"``, offers with ``"offers:<member>"`` and ``"coupon:<code>"``. Ledger entries are keyed by
``<member>#<seq>``, so even a writer that skipped the lock could not store the same position twice.

The engines are rebuilt from the stored entries of one member for each use case (a member has
tens of entries, not millions), and every entry they write is added in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.money import Money
from salonkit.errors import NotFound, ValidationError
from salonkit.loyalty.campaigns import (
    AppliedOffer,
    CampaignUse,
    Coupon,
    CouponRejected,
    best_offer,
    check_coupon,
    points_multipliers,
)
from salonkit.loyalty.earning import action_points, purchase_points
from salonkit.loyalty.events import PointsEarned, PointsRedeemed, TierChanged, WalletLow
from salonkit.loyalty.ledger import Balance, EntryType, PointsEntry, PointsLedger
from salonkit.loyalty.model import MemberProfile, Purchase
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.records import (
    CAMPAIGN_USES,
    COUPONS,
    MEMBERS,
    POINTS_ENTRIES,
    WALLET_TRANSACTIONS,
    LoyaltyMember,
)
from salonkit.loyalty.reports import (
    CampaignResult,
    PointsLiability,
    RedemptionRate,
    WalletLiability,
    campaign_results,
    points_liability,
    redemption_rate,
    wallet_liability,
)
from salonkit.loyalty.rewards import RedemptionPlan, plan_redemption
from salonkit.loyalty.tiers import Perks, TierBasis, TierDecision, distribution
from salonkit.loyalty.wallet import (
    Package,
    WalletBalance,
    WalletBook,
    WalletOp,
    WalletPolicy,
    WalletTransaction,
)
from salonkit.storage.idempotency import fingerprint, recall, remember
from salonkit.storage.port import UnitOfWork, eq, ge, gt, le, lt
from salonkit.storage.records import CUSTOMERS

log = logging.getLogger(__name__)


@attrs.frozen(kw_only=True)
class EarnResult:
    """What a checkout earned: ``points`` (0 if nothing was eligible), the entries written, the
    balance after it, and the tier change it caused, if any. ``repeated`` is true when the order
    had already earned and nothing new was written."""

    points: int
    entries: tuple[PointsEntry, ...]
    balance: Balance
    tier_change: TierChanged | None = None
    repeated: bool = False


@attrs.frozen(kw_only=True)
class RedemptionResult:
    """What a redemption spent: the plan carried out and the balance after it."""

    plan: RedemptionPlan
    entries: tuple[PointsEntry, ...]
    balance: Balance


@attrs.frozen(kw_only=True)
class LoyaltyReport:
    """The programme's figures: points liability, redemption rate, tiers, campaign results."""

    points: PointsLiability
    redemption: RedemptionRate
    tiers: dict[str, int]
    campaigns: dict[str, CampaignResult]


def _utc(value: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(value).in_timezone("UTC")


class LoyaltyService:
    """Points, tiers, campaigns and coupons of one programme, persisted through the storage port.

    ``LoyaltyService(context)`` runs :meth:`Programme.standard` in CNY; pass ``programme`` for
    your own rules.
    """

    def __init__(self, context: Context, programme: Programme | None = None) -> None:
        self._ctx = context
        self.programme = programme if programme is not None else Programme.standard("CNY")

    # -- helpers ---------------------------------------------------------------------------

    def _now(self) -> pendulum.DateTime:
        return _utc(self._ctx.clock.now())

    def _ledger(self, uow: UnitOfWork, member_id: str) -> PointsLedger:
        ledger = self.programme.new_ledger()
        ledger.load(uow.repo(POINTS_ENTRIES).select(eq("member_id", member_id), order_by="seq"))
        return ledger

    @staticmethod
    def _at(ledger: PointsLedger, member_id: str, now: dt.datetime) -> dt.datetime:
        """Now, or the last entry's instant if another writer's clock ran slightly ahead."""
        last = ledger.last_entry_at(member_id)
        return now if last is None or now >= last else last

    def _member(self, uow: UnitOfWork, member_id: str, now: dt.datetime) -> LoyaltyMember:
        if not isinstance(member_id, str) or not member_id:
            raise ValidationError("member_id", "must be a non-empty string")
        found = uow.repo(MEMBERS).find(member_id)
        if found is not None:
            return found
        return uow.repo(MEMBERS).add(
            LoyaltyMember(
                id=member_id,
                joined_at=now,
                tier=self.programme.base_tier(),
                tier_since=now if self.programme.tiers else None,
            )
        )

    def _profile(self, uow: UnitOfWork, member: LoyaltyMember) -> MemberProfile:
        customer = uow.repo(CUSTOMERS).find(member.id)
        return MemberProfile(
            member_id=member.id,
            tier=member.tier,
            tags=customer.tags if customer else frozenset(),
            birthday=customer.birthday if customer else None,
            visits=member.visits,
            last_visit_at=member.last_visit_at,
        )

    def _qualifying(self, ledger: PointsLedger, member_id: str, at: dt.datetime) -> Decimal:
        ladder = self.programme.tiers
        assert ladder is not None
        points, spend = ledger.qualifying(
            member_id, since=at - dt.timedelta(days=ladder.window_days), until=at
        )
        return spend if ladder.basis is TierBasis.SPEND else Decimal(points)

    def _apply_tier(
        self,
        uow: UnitOfWork,
        member: LoyaltyMember,
        decision: TierDecision,
        now: pendulum.DateTime,
    ) -> tuple[LoyaltyMember, TierChanged | None]:
        if decision.move is None or member.tier == decision.tier:
            return member, None
        event = TierChanged(
            occurred_at=now,
            member_id=member.id,
            old=member.tier or "",
            new=decision.tier,
            move=decision.move.value,
        )
        uow.emit(event)
        return attrs.evolve(member, tier=decision.tier, tier_since=now), event

    # -- points ----------------------------------------------------------------------------

    def enrol(self, member_id: str) -> LoyaltyMember:
        """Make ``member_id`` (a customer id) a member; returns the member (existing or new)."""
        with self._ctx.unit_of_work() as uow:
            return self._member(uow, member_id, self._now())

    def member(self, member_id: str) -> LoyaltyMember:
        """The member record; :class:`~salonkit.errors.NotFound` if not enrolled."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(MEMBERS).get(member_id)

    def perks(self, member_id: str) -> Perks:
        """The perks of the member's tier (multiplier, standing discount, priority booking).

        A member who is not enrolled, or a programme without tiers, gets the neutral perks.
        """
        ladder = self.programme.tiers
        with self._ctx.unit_of_work(readonly=True) as uow:
            member = uow.repo(MEMBERS).find(member_id)
        if ladder is None or member is None or member.tier is None:
            return Perks()
        return ladder.tier(member.tier).perks

    def balance(self, member_id: str, at: dt.datetime | None = None) -> Balance:
        """The member's points now (or at ``at``)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            ledger = self._ledger(uow, member_id)
        return ledger.balance(member_id, at=_utc(at) if at is not None else self._now())

    def history(self, member_id: str) -> list[PointsEntry]:
        """The member's ledger, oldest entry first."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(POINTS_ENTRIES).select(eq("member_id", member_id), order_by="seq")

    def earn(self, member_id: str, purchase: Purchase) -> EarnResult:
        """Award the points ``purchase`` earns (rules, tier and campaign multipliers).

        Counts a visit when the purchase holds a service, then checks for a tier upgrade.
        Calling it again for the same order writes nothing and returns the points already earned.
        """
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"points:{member_id}")
            member = self._member(uow, member_id, now)
            ledger = self._ledger(uow, member_id)
            at = self._at(ledger, member_id, now)
            already = ledger.earned_on(member_id, purchase.order_id)
            if already:
                return EarnResult(
                    points=already,
                    entries=(),
                    balance=ledger.balance(member_id, at=at),
                    repeated=True,
                )
            profile = self._profile(uow, member)
            factors = [
                f
                for _, f in points_multipliers(
                    profile, self.programme.campaigns, purchase.at, self.programme.timezone
                )
            ]
            ladder = self.programme.tiers
            if ladder is not None and member.tier is not None:
                factors.append(ladder.tier(member.tier).perks.multiplier)
            earning = purchase_points(purchase, self.programme.earn_rules, factors)
            written: list[PointsEntry] = []
            if earning.points > 0:
                written = ledger.earn(
                    member_id,
                    earning.points,
                    at=at,
                    order_id=purchase.order_id,
                    reason="purchase",
                    spend=earning.eligible_spend.amount,
                )
            else:
                written = ledger.expire(member_id, at=at)
            uow.repo(POINTS_ENTRIES).add_many(written)
            if purchase.has_service:
                member = attrs.evolve(member, visits=member.visits + 1, last_visit_at=purchase.at)
            change = None
            if ladder is not None and member.tier is not None:
                decision = ladder.on_earn(member.tier, self._qualifying(ledger, member_id, at))
                member, change = self._apply_tier(uow, member, decision, now)
            uow.repo(MEMBERS).update(member)
            balance = ledger.balance(member_id, at=at)
            if earning.points > 0:
                uow.emit(
                    PointsEarned(
                        occurred_at=now,
                        store_id=purchase.store_id,
                        member_id=member_id,
                        points=earning.points,
                        order_id=purchase.order_id,
                        available=balance.available,
                    )
                )
            return EarnResult(
                points=earning.points, entries=tuple(written), balance=balance, tier_change=change
            )

    def earn_for_action(self, member_id: str, action: str, reference: str) -> int:
        """Award the points of ``action`` (``"review"``, ``"online_booking"``, ``"referral"``).

        ``reference`` identifies the occasion (the review's or booking's id): the same action for
        the same reference earns once. Action points do not count toward tiers.
        """
        points = action_points(action, self.programme.earn_rules)
        if not points:
            raise ValidationError("action", f"the programme has no rule for {action!r}")
        key = f"{action}:{reference}"
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"points:{member_id}")
            self._member(uow, member_id, now)
            ledger = self._ledger(uow, member_id)
            if ledger.earned_on(member_id, key):
                return 0
            at = self._at(ledger, member_id, now)
            written = ledger.earn(
                member_id,
                points,
                at=at,
                order_id=key,
                reason=action,
                qualifying=False,
                pending_days=0,
            )
            uow.repo(POINTS_ENTRIES).add_many(written)
            uow.emit(
                PointsEarned(
                    occurred_at=now,
                    member_id=member_id,
                    points=points,
                    action=action,
                    available=ledger.balance(member_id, at=at).available,
                )
            )
            return points

    def redeem(
        self,
        member_id: str,
        *,
        order_id: str,
        order_value: Money,
        points: int = 0,
        reward_ids: Sequence[str] = (),
    ) -> RedemptionResult:
        """Spend points on an order: the rewards named, plus up to ``points`` as a discount.

        The limits of the programme's redemption policy apply (see
        :func:`~salonkit.loyalty.rewards.plan_redemption`). Raises
        :class:`~salonkit.errors.InsufficientBalance` when the points are not there.
        """
        rewards = [self.programme.reward(r) for r in reward_ids]
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"points:{member_id}")  # before reading the balance: no double spending
            self._member(uow, member_id, now)
            ledger = self._ledger(uow, member_id)
            at = self._at(ledger, member_id, now)
            written = ledger.expire(member_id, at=at)
            available = ledger.balance(member_id, at=at).available
            plan = plan_redemption(
                self.programme.redemption,
                order_value=order_value,
                available=available,
                points=points,
                rewards=rewards,
            )
            if plan.points > 0:
                written += ledger.redeem(member_id, plan.points, at=at, order_id=order_id)
            uow.repo(POINTS_ENTRIES).add_many(written)
            balance = ledger.balance(member_id, at=at)
            if plan.points > 0:
                uow.emit(
                    PointsRedeemed(
                        occurred_at=now,
                        member_id=member_id,
                        points=plan.points,
                        order_id=order_id,
                        discount=plan.discount,
                        available=balance.available,
                    )
                )
            return RedemptionResult(plan=plan, entries=tuple(written), balance=balance)

    def adjust(self, member_id: str, points: int, *, reason: str, actor: str) -> list[PointsEntry]:
        """A manual correction with a reason and the person who made it."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"points:{member_id}")
            self._member(uow, member_id, now)
            ledger = self._ledger(uow, member_id)
            written = ledger.adjust(
                member_id, points, at=self._at(ledger, member_id, now), reason=reason, actor=actor
            )
            uow.repo(POINTS_ENTRIES).add_many(written)
            log.info("points of %s adjusted by %s: %+d (%s)", member_id, actor, points, reason)
            return written

    def reverse_order(
        self, member_id: str, order_id: str, *, reason: str = "order refunded"
    ) -> list[PointsEntry]:
        """Undo an order's points after a refund or void (see :meth:`PointsLedger.reverse`)."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"points:{member_id}")
            ledger = self._ledger(uow, member_id)
            written = ledger.reverse(
                member_id, order_id, at=self._at(ledger, member_id, now), reason=reason
            )
            uow.repo(POINTS_ENTRIES).add_many(written)
            return written

    def expire_points(self, *, since: dt.datetime | None = None) -> int:
        """Write off every lot that has expired; returns the entries written.

        The nightly job passes ``since``, its previous run: only members with a lot expiring in
        ``(since, now]`` are read. Without it every member is checked.
        """
        now = self._now()
        count = 0
        with self._ctx.unit_of_work() as uow:
            if since is None:
                members = [m.id for m in uow.repo(MEMBERS).select()]
            else:
                due = uow.repo(POINTS_ENTRIES).select(
                    gt("expires_at", _utc(since)), le("expires_at", now)
                )
                members = sorted({e.member_id for e in due})
            for member_id in members:
                uow.lock(f"points:{member_id}")
                ledger = self._ledger(uow, member_id)
                written = ledger.expire(member_id, at=self._at(ledger, member_id, now))
                uow.repo(POINTS_ENTRIES).add_many(written)
                count += len(written)
        return count

    def evaluate_tiers(self) -> list[TierChanged]:
        """The scheduled evaluation (run it at each period end): upgrades and one-step downgrades."""
        ladder = self.programme.tiers
        if ladder is None:
            return []
        now = self._now()
        changes: list[TierChanged] = []
        with self._ctx.unit_of_work() as uow:
            for member in uow.repo(MEMBERS).select():
                ledger = self._ledger(uow, member.id)
                current = member.tier or ladder.base.name
                decision = ladder.at_period_end(current, self._qualifying(ledger, member.id, now))
                updated, change = self._apply_tier(uow, member, decision, now)
                if change is not None:
                    uow.repo(MEMBERS).update(updated)
                    changes.append(change)
        return changes

    # -- campaigns and coupons -------------------------------------------------------------

    def issue_coupon(self, coupon: Coupon) -> Coupon:
        """Store a coupon code for one of the programme's campaigns."""
        self.programme.campaign(coupon.campaign_id)
        with self._ctx.unit_of_work() as uow:
            return uow.repo(COUPONS).add(coupon)

    def _offer(
        self, uow: UnitOfWork, member_id: str, purchase: Purchase, coupon_code: str | None
    ) -> AppliedOffer | None:
        now = self._now()
        member = uow.repo(MEMBERS).find(member_id) or LoyaltyMember(id=member_id, joined_at=now)
        profile = self._profile(uow, member)
        coupon = None
        if coupon_code is not None:
            coupon = uow.repo(COUPONS).find(coupon_code)
            if coupon is None:
                raise CouponRejected(coupon_code, "unknown", "no such coupon")
            uses = uow.repo(CAMPAIGN_USES)
            check_coupon(
                coupon,
                member_id=member_id,
                at=purchase.at,
                uses=uses.count(eq("coupon_code", coupon_code)),
                member_uses=uses.count(eq("coupon_code", coupon_code), eq("member_id", member_id)),
            )
        applied = best_offer(
            purchase,
            profile,
            self.programme.campaigns,
            coupon=coupon,
            timezone=self.programme.timezone,
            uses=uow.repo(CAMPAIGN_USES).select(eq("member_id", member_id)),
        )

        if coupon is not None and (applied is None or applied.coupon_code != coupon.code):
            raise CouponRejected(
                coupon.code, "not_eligible", "its campaign does not apply to this order"
            )
        return applied

    def preview_offer(
        self, member_id: str, purchase: Purchase, *, coupon_code: str | None = None
    ) -> AppliedOffer | None:
        """The discount campaign that would apply to ``purchase`` (nothing is recorded)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._offer(uow, member_id, purchase, coupon_code)

    def use_offer(
        self, member_id: str, purchase: Purchase, *, coupon_code: str | None = None
    ) -> AppliedOffer | None:
        """Pick the campaign for ``purchase`` and record its use (counting the coupon's uses).

        ``purchase`` is the order before the campaign's discount; the use records the discount
        and the revenue after it, for campaign reports.
        """
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"offers:{member_id}")  # per-member limits
            if coupon_code is not None:
                uow.lock(f"coupon:{coupon_code}")
            applied = self._offer(uow, member_id, purchase, coupon_code)
            if applied is not None:
                uow.repo(CAMPAIGN_USES).add(
                    CampaignUse(
                        id=self._ctx.ids.new("campaign_use"),
                        campaign_id=applied.campaign_id,
                        member_id=member_id,
                        order_id=purchase.order_id,
                        at=_utc(purchase.at),
                        discount=applied.discount,
                        revenue=purchase.total - applied.discount,
                        coupon_code=applied.coupon_code,
                    )
                )
            return applied

    # -- reports ---------------------------------------------------------------------------

    def report(self, *, since: dt.datetime, until: dt.datetime) -> LoyaltyReport:
        """Points liability now, redemption rate and campaign results over ``[since, until)``,
        and the tier distribution."""
        now = self._now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            ledger = self.programme.new_ledger()
            entries = uow.repo(POINTS_ENTRIES).select(order_by="seq")
            ledger.load(entries)
            members = uow.repo(MEMBERS).select()
            uses = uow.repo(CAMPAIGN_USES).select(
                ge("at", _utc(since)), lt("at", _utc(until)), order_by="at"
            )
        tiers = (
            distribution(
                self.programme.tiers, [m.tier or self.programme.tiers.base.name for m in members]
            )
            if self.programme.tiers
            else {}
        )
        return LoyaltyReport(
            points=points_liability(ledger, at=now, redemption=self.programme.redemption),
            redemption=redemption_rate(
                ledger_entries(ledger), since=_utc(since), until=_utc(until)
            ),
            tiers=tiers,
            campaigns=campaign_results(uses, self.programme.currency),
        )


def ledger_entries(ledger: PointsLedger) -> list[PointsEntry]:
    """Every entry of every member of ``ledger``."""
    return [entry for member in ledger.members() for entry in ledger.entries(member)]


class WalletService:
    """Stored-value wallets and packages of visits, persisted through the storage port.

    ``WalletService(context)`` runs a CNY wallet without bonuses or expiry; pass ``policy``.
    """

    def __init__(self, context: Context, policy: WalletPolicy | None = None) -> None:
        self._ctx = context
        self.policy = policy if policy is not None else WalletPolicy(currency="CNY")

    def _now(self) -> pendulum.DateTime:
        return _utc(self._ctx.clock.now())

    def _book(self, uow: UnitOfWork, member_id: str) -> WalletBook:
        if not isinstance(member_id, str) or not member_id:
            raise ValidationError("member_id", "must be a non-empty string")
        book = WalletBook(self.policy)
        book.load(uow.repo(WALLET_TRANSACTIONS).select(eq("member_id", member_id), order_by="seq"))
        return book

    def _write(self, uow: UnitOfWork, written: Sequence[WalletTransaction]) -> None:
        uow.repo(WALLET_TRANSACTIONS).add_many(list(written))

    def balance(self, member_id: str) -> WalletBalance:
        """What the member's wallet holds (an expired wallet shows what it held until written off)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._book(uow, member_id).balance(member_id)

    def transactions(self, member_id: str) -> list[WalletTransaction]:
        """The member's wallet and package journal, in order."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(WALLET_TRANSACTIONS).select(eq("member_id", member_id), order_by="seq")

    def _once(
        self,
        op: str,
        member_id: str,
        amount: Money,
        order_id: str | None,
        idempotency_key: str | None,
        post: Callable[[WalletBook, pendulum.DateTime], list[WalletTransaction]],
    ) -> tuple[WalletBook, bool]:
        """Run ``post`` under the member's lock, once per idempotency key; True if it ran."""
        digest = fingerprint(
            {"op": op, "member": member_id, "amount": str(amount), "order": order_id}
        )
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"wallet:{member_id}")
            book = self._book(uow, member_id)
            if recall(uow, idempotency_key, digest) is not None:
                return book, False
            written = post(book, now)
            self._write(uow, written)
            remember(uow, idempotency_key, digest, WALLET_TRANSACTIONS.name, written[-1].id, now)
            low = self.policy.low_balance
            balance = book.balance(member_id)
            if op == "pay" and low is not None and balance.total < low:
                uow.emit(
                    WalletLow(
                        occurred_at=now, member_id=member_id, balance=balance.total, threshold=low
                    )
                )
            return book, True

    def top_up(
        self,
        member_id: str,
        paid: Money,
        *,
        order_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> WalletBalance:
        """Load ``paid`` onto the wallet, with the policy's bonus.

        A retry with the same ``idempotency_key`` writes nothing and returns the balance.
        """
        book, _ = self._once(
            "top_up",
            member_id,
            paid,
            order_id,
            idempotency_key,
            lambda book, now: book.top_up(member_id, paid, at=now, order_id=order_id),
        )
        return book.balance(member_id)

    def pay(
        self, member_id: str, amount: Money, *, order_id: str, idempotency_key: str | None = None
    ) -> WalletBalance:
        """Pay ``amount`` of an order from the wallet; emits ``WalletLow`` under the threshold.

        A retry with the same ``idempotency_key`` writes nothing and returns the balance.
        """
        book, _ = self._once(
            "pay",
            member_id,
            amount,
            order_id,
            idempotency_key,
            lambda book, now: book.pay(member_id, amount, at=now, order_id=order_id),
        )
        return book.balance(member_id)

    def refund(
        self, member_id: str, amount: Money, *, order_id: str, idempotency_key: str | None = None
    ) -> WalletBalance:
        """Refund ``amount`` of an order to the wallet (to the parts it was paid from).

        A retry with the same ``idempotency_key`` writes nothing and returns the balance.
        """
        book, _ = self._once(
            "refund",
            member_id,
            amount,
            order_id,
            idempotency_key,
            lambda book, now: book.refund(member_id, amount, at=now, order_id=order_id),
        )
        return book.balance(member_id)

    def sell_package(
        self,
        member_id: str,
        *,
        service_id: str,
        visits: int,
        price: Money,
        expires_at: dt.datetime | None = None,
        order_id: str | None = None,
    ) -> Package:
        """Sell a package of ``visits`` visits of ``service_id`` for ``price``."""
        package_id = self._ctx.ids.new("package")
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"wallet:{member_id}")
            book = self._book(uow, member_id)
            tx = book.sell_package(
                member_id,
                package_id=package_id,
                service_id=service_id,
                visits=visits,
                price=price,
                at=self._now(),
                expires_at=_utc(expires_at) if expires_at is not None else None,
                order_id=order_id,
            )
            self._write(uow, [tx])
            return book.package(package_id)

    def _package_owner(self, uow: UnitOfWork, package_id: str) -> str:
        sales = uow.repo(WALLET_TRANSACTIONS).select(
            eq("package_id", package_id), eq("op", WalletOp.PACKAGE_SALE.value), limit=1
        )
        if not sales:
            raise NotFound("package", package_id)
        return sales[0].member_id

    def use_package(self, package_id: str, *, order_id: str) -> Package:
        """Use one visit of a package (its share of the value becomes revenue)."""
        with self._ctx.unit_of_work() as uow:
            member_id = self._package_owner(uow, package_id)
            uow.lock(f"wallet:{member_id}")
            book = self._book(uow, member_id)
            self._write(uow, book.use_package(package_id, at=self._now(), order_id=order_id))
            return book.package(package_id)

    def packages(self, member_id: str) -> list[Package]:
        """The member's packages as they stand."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._book(uow, member_id).packages(member_id)

    def expire_due(self) -> int:
        """Write off expired wallets and packages of every member; returns transactions written."""
        now = self._now()
        count = 0
        with self._ctx.unit_of_work() as uow:
            members = sorted({t.member_id for t in uow.repo(WALLET_TRANSACTIONS).select()})
            for member_id in members:
                uow.lock(f"wallet:{member_id}")
                book = self._book(uow, member_id)
                written = book.expire(member_id, at=now)
                for package in book.packages(member_id):
                    written += book.expire_package(package.id, at=now)
                self._write(uow, written)
                count += len(written)
        return count

    def liability(self) -> WalletLiability:
        """What the salon owes in stored value, from every wallet and package."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            book = WalletBook(self.policy)
            transactions = uow.repo(WALLET_TRANSACTIONS).select()
        by_member: dict[str, list[WalletTransaction]] = {}
        for tx in transactions:
            by_member.setdefault(tx.member_id, []).append(tx)
        for member_txs in by_member.values():
            book.load(sorted(member_txs, key=lambda t: t.seq))
        return wallet_liability(book)


__all__ = [
    "EarnResult",
    "EntryType",
    "LoyaltyReport",
    "LoyaltyService",
    "RedemptionResult",
    "WalletService",
]
