"""The points ledger: an append-only list of entries per member, and the lots they imply.

Every change of a member's points is a :class:`PointsEntry`; nothing is ever updated or removed.
Points are earned in *lots*: each lot remembers when it becomes usable (``available_at``, after
the programme's pending days) and when it expires (``expires_at``, after the programme's
validity). Redemption, expiry and negative adjustments consume the **oldest lots first** (the
lot created first is used first).

Rules the ledger enforces (and the tests check):

- the balance is always the sum of the member's entries, and never negative
  (:class:`~salonkit.errors.InsufficientBalance` is raised instead);
- operations on one member must not go back in time (``at`` never earlier than the member's last
  entry); before each operation, every lot that expired in between is written off by an
  ``EXPIRE`` entry dated at the lot's own expiry instant, so the ledger stays in time order;
- a lot is usable while ``available_at <= at < expires_at``;
- reversing an order (refund or void) restores the points redeemed on it and claws back the points
  it earned: first from that order's own lots, then from the member's other lots (usable ones
  oldest first, then pending ones oldest first). Whatever cannot be clawed back because it was
  already spent becomes a *debt* that the member's next earnings pay off first, so a refund after
  a redemption never leaves free points.

The ledger is a plain in-memory object: hosts and tests use it directly, and
:class:`salonkit.loyalty.service.LoyaltyService` rebuilds it from stored entries for each use case.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from salonkit.errors import InsufficientBalance, ValidationError

_ZERO = Decimal(0)


class EntryType(enum.Enum):
    """What a ledger entry records."""

    EARN = "earn"
    """Points earned (creates a lot)."""
    REDEEM = "redeem"
    """Points spent on a reward or a discount."""
    EXPIRE = "expire"
    """The rest of a lot written off at its expiry instant."""
    ADJUST = "adjust"
    """A manual correction with a reason and the person who made it (positive creates a lot)."""
    REVERSE = "reverse"
    """Points earned by an order taken back because the order was refunded or voided."""
    RESTORE = "restore"
    """Points redeemed on an order given back because the order was refunded or voided."""
    SETTLE = "settle"
    """New points used to pay off a debt left by an earlier reversal."""


@attrs.frozen
class Allocation:
    """``points`` taken from (for ``RESTORE``: given back to) the lot opened by entry ``lot``."""

    lot: int
    points: int


@attrs.frozen(kw_only=True)
class PointsEntry:
    """One immutable line of a member's points ledger.

    - ``seq``: position in the member's ledger (1, 2, 3 ...); a lot is named by the ``seq`` of the
      entry that created it.
    - ``points``: the signed change of the balance.
    - ``available_at`` / ``expires_at``: set on entries that create a lot.
    - ``allocations``: which lots an entry consumed (or restored), oldest first.
    - ``qualifying_points`` / ``spend``: what counts toward tiers (earned on purchases, minus
      reversals).
    - ``shortfall``: points a reversal could not claw back (they become a debt).
    """

    id: str
    member_id: str
    seq: int
    type: EntryType
    points: int
    at: dt.datetime
    order_id: str | None = None
    reason: str = ""
    actor: str | None = None
    available_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    allocations: tuple[Allocation, ...] = ()
    qualifying_points: int = 0
    spend: Decimal = _ZERO
    shortfall: int = 0

    @property
    def creates_lot(self) -> bool:
        """True for entries that open a lot (earnings and positive adjustments)."""
        return self.expires_at is not None


@attrs.frozen
class Balance:
    """A member's points at one instant.

    ``available`` can be redeemed now; ``pending`` is earned but not usable yet; ``debt`` is what
    a reversal could not claw back (paid off by future earnings before they count).
    """

    available: int
    pending: int
    debt: int = 0

    @property
    def total(self) -> int:
        """Available plus pending: the sum of the ledger once expiry is written."""
        return self.available + self.pending


@attrs.frozen
class Lot:
    """A read-only view of one lot: what it started with and what is left."""

    seq: int
    earned_at: dt.datetime
    available_at: dt.datetime
    expires_at: dt.datetime
    points: int
    remaining: int
    order_id: str | None


@attrs.define
class _Lot:
    seq: int
    earned_at: dt.datetime
    available_at: dt.datetime
    expires_at: dt.datetime
    points: int
    remaining: int
    order_id: str | None

    def view(self) -> Lot:
        return Lot(
            self.seq,
            self.earned_at,
            self.available_at,
            self.expires_at,
            self.points,
            self.remaining,
            self.order_id,
        )


@attrs.define
class _Account:
    """The mutable state derived from one member's entries (never stored)."""

    member_id: str
    entries: list[PointsEntry] = attrs.Factory(list)
    open_lots: list[_Lot] = attrs.Factory(list)  # remaining > 0, ordered by seq (oldest first)
    lots: dict[int, _Lot] = attrs.Factory(dict)  # every lot ever created, by seq
    total: int = 0
    debt: int = 0
    qualifying_by_order: dict[str, int] = attrs.Factory(dict)  # net qualifying earn per order
    redeemed_by_order: dict[str, list[Allocation]] = attrs.Factory(dict)
    order_spend: dict[str, Decimal] = attrs.Factory(dict)
    order_points: dict[str, int] = attrs.Factory(dict)  # net earned (points) per order

    last_at: dt.datetime | None = None
    next_expiry: dt.datetime | None = None  # the earliest expiry among open lots

    def refresh_expiry(self) -> None:
        self.next_expiry = min((lot.expires_at for lot in self.open_lots), default=None)


def _require_points(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(field, f"must be a positive whole number of points, got {value!r}")
    return value


def _require_at(value: object, field: str = "at") -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, f"must be a timezone-aware datetime, got {value!r}")
    return value


def _non_negative_days(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(field, f"must be a whole number of days >= 0, got {value!r}")
    return value


class PointsLedger:
    """Points ledgers of many members, in memory.

    ``validity_days`` is how long a lot can be used after it was earned; ``pending_days`` how long
    earned points wait before they can be redeemed (0: at once). Both apply per lot and are fixed
    when the lot is created.

    Not thread-safe: a host sharing one ledger between threads guards it with a lock (the
    services never share one: they rebuild a member's ledger inside each unit of work).

    >>> import datetime as dt
    >>> t0 = dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC)
    >>> ledger = PointsLedger(validity_days=365)
    >>> _ = ledger.earn("m1", 120, at=t0, order_id="o1")
    >>> _ = ledger.redeem("m1", 100, at=t0 + dt.timedelta(days=1))
    >>> ledger.balance("m1", at=t0 + dt.timedelta(days=2)).available
    20
    >>> ledger.balance("m1", at=t0 + dt.timedelta(days=365)).available
    0
    """

    def __init__(self, *, validity_days: int = 365, pending_days: int = 0) -> None:
        self.validity_days = _non_negative_days(validity_days, "programme.validity_days")
        if validity_days == 0:
            raise ValidationError("programme.validity_days", "must be at least one day")
        self.pending_days = _non_negative_days(pending_days, "programme.pending_days")
        self._accounts: dict[str, _Account] = {}

    # -- reading ---------------------------------------------------------------------------

    def members(self) -> list[str]:
        """Ids of every member with at least one entry."""
        return [m for m, a in self._accounts.items() if a.entries]

    def entries(self, member_id: str) -> tuple[PointsEntry, ...]:
        """The member's ledger, oldest entry first."""
        account = self._accounts.get(member_id)
        return tuple(account.entries) if account else ()

    def ledger_sum(self, member_id: str) -> int:
        """The sum of the member's entries (kept as a running total)."""
        account = self._accounts.get(member_id)
        return account.total if account else 0

    def lots(self, member_id: str) -> tuple[Lot, ...]:
        """The member's lots that still hold points, oldest first."""
        account = self._accounts.get(member_id)
        return tuple(lot.view() for lot in account.open_lots) if account else ()

    def last_entry_at(self, member_id: str) -> dt.datetime | None:
        """When the member's last entry happened (``None`` for a new member)."""
        account = self._accounts.get(member_id)
        return account.last_at if account else None

    def balance(self, member_id: str, *, at: dt.datetime) -> Balance:
        """The member's points at instant ``at`` (any moment, past or future).

        From the member's last entry onwards this reads the open lots (a few of them, whatever
        the length of the history); before it, the ledger is replayed up to ``at``.
        """
        _require_at(at)
        account = self._accounts.get(member_id)
        if account is None:
            return Balance(0, 0)
        last = account.last_at
        if last is not None and at < last:
            return replay_balance(account.entries, at=at)
        available = pending = 0
        for lot in account.open_lots:
            if lot.expires_at <= at:
                continue
            if lot.available_at <= at:
                available += lot.remaining
            else:
                pending += lot.remaining
        return Balance(available, pending, account.debt)

    def earned_on(self, member_id: str, order_id: str) -> int:
        """Points the order earned and that were not reversed yet."""
        account = self._accounts.get(member_id)
        return account.order_points.get(order_id, 0) if account else 0

    def redeemed_on(self, member_id: str, order_id: str) -> int:
        """Points redeemed on the order and not restored yet."""
        account = self._accounts.get(member_id)
        if account is None:
            return 0
        return sum(a.points for a in account.redeemed_by_order.get(order_id, ()))

    def qualifying(
        self, member_id: str, *, since: dt.datetime, until: dt.datetime
    ) -> tuple[int, Decimal]:
        """Tier-qualifying points and spend dated ``since < at <= until`` (earned - reversed)."""
        account = self._accounts.get(member_id)
        points, spend = 0, _ZERO
        if account is None:
            return points, spend
        for entry in reversed(account.entries):
            if entry.at <= since:
                break
            if entry.at <= until:
                points += entry.qualifying_points
                spend += entry.spend
        return points, spend

    # -- writing ---------------------------------------------------------------------------

    def earn(
        self,
        member_id: str,
        points: int,
        *,
        at: dt.datetime,
        order_id: str | None = None,
        reason: str = "",
        spend: Decimal = _ZERO,
        qualifying: bool = True,
        pending_days: int | None = None,
    ) -> list[PointsEntry]:
        """Add a lot of ``points`` earned at ``at``; returns the entries written.

        ``spend`` (the eligible amount of the order) and ``qualifying`` feed tier evaluation.
        The entries are any expiry written first, the ``EARN`` entry, and a ``SETTLE`` entry when
        the member has a debt.
        """
        _require_points(points, "points")
        if not isinstance(spend, Decimal) or spend < 0:
            raise ValidationError("spend", f"must be a non-negative Decimal, got {spend!r}")
        wait = self.pending_days if pending_days is None else pending_days
        _non_negative_days(wait, "pending_days")
        account, written = self._advance(member_id, at)
        earn = self._new_entry(
            account,
            EntryType.EARN,
            points,
            at,
            order_id,
            reason,
            available_at=at + dt.timedelta(days=wait),
            expires_at=at + dt.timedelta(days=self.validity_days),
            qualifying_points=points if qualifying else 0,
            spend=spend,
        )
        written.append(self._apply(account, earn))
        if account.debt:
            paid = min(account.debt, points)
            settle = self._new_entry(
                account,
                EntryType.SETTLE,
                -paid,
                at,
                order_id,
                "debt from an earlier reversal",
                allocations=(Allocation(earn.seq, paid),),
            )
            written.append(self._apply(account, settle))
        return written

    def redeem(
        self,
        member_id: str,
        points: int,
        *,
        at: dt.datetime,
        order_id: str | None = None,
        reason: str = "",
    ) -> list[PointsEntry]:
        """Spend ``points`` of the usable balance, oldest lots first.

        Raises :class:`~salonkit.errors.InsufficientBalance` when fewer points are usable.
        """
        _require_points(points, "points")
        account, written = self._advance(member_id, at)
        usable = [lot for lot in account.open_lots if lot.available_at <= at]
        allocations = _take(usable, points)
        if allocations is None:
            have = sum(lot.remaining for lot in usable)
            raise InsufficientBalance(
                f"member {member_id!r} has {have} usable points, {points} asked for"
            )
        entry = self._new_entry(
            account, EntryType.REDEEM, -points, at, order_id, reason, allocations=allocations
        )
        written.append(self._apply(account, entry))
        return written

    def adjust(
        self,
        member_id: str,
        points: int,
        *,
        at: dt.datetime,
        reason: str,
        actor: str,
    ) -> list[PointsEntry]:
        """A manual correction of ``points`` (signed, not zero) with a ``reason`` and an ``actor``.

        A positive adjustment opens a lot usable at once (same validity as earnings) that does
        not count toward tiers; a negative one consumes usable lots oldest first, then pending
        ones, and raises :class:`~salonkit.errors.InsufficientBalance` if the balance is too low.
        """
        if isinstance(points, bool) or not isinstance(points, int) or points == 0:
            raise ValidationError("points", f"must be a non-zero whole number, got {points!r}")
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "a manual adjustment needs a reason")
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError("actor", "a manual adjustment needs the person who made it")
        account, written = self._advance(member_id, at)
        if points > 0:
            entry = self._new_entry(
                account,
                EntryType.ADJUST,
                points,
                at,
                None,
                reason,
                actor=actor,
                available_at=at,
                expires_at=at + dt.timedelta(days=self.validity_days),
            )
        else:
            allocations = _take(_usable_then_pending(account.open_lots, at), -points)
            if allocations is None:
                raise InsufficientBalance(
                    f"member {member_id!r} has {account.total} points, cannot remove {-points}"
                )
            entry = self._new_entry(
                account,
                EntryType.ADJUST,
                points,
                at,
                None,
                reason,
                actor=actor,
                allocations=allocations,
            )
        written.append(self._apply(account, entry))
        return written

    def reverse(
        self, member_id: str, order_id: str, *, at: dt.datetime, reason: str = "order refunded"
    ) -> list[PointsEntry]:
        """Undo the points of a refunded or voided order; returns the entries written.

        Points redeemed on the order come back to the lots they were taken from (a lot that has
        expired meanwhile is written off again at once); then the points the order earned are
        clawed back, from the order's own lots first, then the member's other lots (usable oldest
        first, then pending). What cannot be clawed back is recorded as ``shortfall`` and becomes
        a debt. Reversing an order twice writes nothing the second time.
        """
        if not isinstance(order_id, str) or not order_id:
            raise ValidationError("order_id", "must be a non-empty string")
        account, written = self._advance(member_id, at)
        redeemed = account.redeemed_by_order.get(order_id, [])
        if redeemed:
            back = tuple(redeemed)
            entry = self._new_entry(
                account,
                EntryType.RESTORE,
                sum(a.points for a in back),
                at,
                order_id,
                reason,
                allocations=back,
            )
            written.append(self._apply(account, entry))
            written.extend(self._expire(account, at, dated_at_lot=False))
        earned = account.order_points.get(order_id, 0)
        if earned > 0:
            own = [lot for lot in account.open_lots if lot.order_id == order_id]
            others = [lot for lot in account.open_lots if lot.order_id != order_id]
            order = own + _usable_then_pending(others, at)
            allocations, missing = _take_up_to(order, earned)
            entry = self._new_entry(
                account,
                EntryType.REVERSE,
                -(earned - missing),
                at,
                order_id,
                reason,
                allocations=allocations,
                qualifying_points=-account.qualifying_by_order.get(order_id, 0),
                spend=-account.order_spend.get(order_id, _ZERO),
                shortfall=missing,
            )
            written.append(self._apply(account, entry))
        return written

    def expire(self, member_id: str, *, at: dt.datetime) -> list[PointsEntry]:
        """Write off every lot that expired by ``at``; returns the ``EXPIRE`` entries written."""
        _, written = self._advance(member_id, at)
        return written

    def expire_all(self, *, at: dt.datetime) -> list[PointsEntry]:
        """Run :meth:`expire` for every member (the nightly job)."""
        written: list[PointsEntry] = []
        for member_id in list(self._accounts):
            written.extend(self.expire(member_id, at=at))
        return written

    def load(self, entries: Iterable[PointsEntry]) -> None:
        """Rebuild state from stored entries (each member's in ``seq`` order)."""
        for entry in entries:
            account = self._accounts.setdefault(entry.member_id, _Account(entry.member_id))
            if entry.seq != len(account.entries) + 1:
                raise ValidationError(
                    "entries", f"entry {entry.id!r} is out of order (seq {entry.seq})"
                )
            self._apply(account, entry)

    # -- internals -------------------------------------------------------------------------

    def _advance(self, member_id: str, at: dt.datetime) -> tuple[_Account, list[PointsEntry]]:
        _require_at(at)
        if not isinstance(member_id, str) or not member_id:
            raise ValidationError("member_id", "must be a non-empty string")
        account = self._accounts.get(member_id)
        if account is None:
            account = self._accounts[member_id] = _Account(member_id)
        last = account.last_at
        if last is not None and at < last:
            raise ValidationError(
                "at", f"{at.isoformat()} is before the member's last entry ({last.isoformat()})"
            )
        return account, self._expire(account, at, dated_at_lot=True)

    def _expire(
        self, account: _Account, at: dt.datetime, *, dated_at_lot: bool
    ) -> list[PointsEntry]:
        if account.next_expiry is None or at < account.next_expiry:
            return []
        due = [lot for lot in account.open_lots if lot.expires_at <= at]
        if not due:
            return []
        due.sort(key=lambda lot: (lot.expires_at, lot.seq))
        written = []
        for lot in due:
            entry = self._new_entry(
                account,
                EntryType.EXPIRE,
                -lot.remaining,
                lot.expires_at if dated_at_lot else at,
                lot.order_id,
                "validity ended",
                allocations=(Allocation(lot.seq, lot.remaining),),
            )
            written.append(self._apply(account, entry))
        return written

    def _new_entry(
        self,
        account: _Account,
        type: EntryType,
        points: int,
        at: dt.datetime,
        order_id: str | None,
        reason: str,
        **extra: object,
    ) -> PointsEntry:
        seq = len(account.entries) + 1
        return PointsEntry(
            id=_entry_id(account.member_id, seq),
            member_id=account.member_id,
            seq=seq,
            type=type,
            points=points,
            at=at,
            order_id=order_id,
            reason=reason,
            **extra,  # type: ignore[arg-type]
        )

    def _apply(self, account: _Account, entry: PointsEntry) -> PointsEntry:
        """Fold one entry into the derived state (the only place state changes)."""
        account.entries.append(entry)
        account.last_at = entry.at
        account.total += entry.points
        if entry.creates_lot:
            assert entry.available_at is not None and entry.expires_at is not None
            lot = _Lot(
                entry.seq,
                entry.at,
                entry.available_at,
                entry.expires_at,
                entry.points,
                entry.points,
                entry.order_id,
            )
            account.lots[entry.seq] = lot
            account.open_lots.append(lot)
            if account.next_expiry is None or lot.expires_at < account.next_expiry:
                account.next_expiry = lot.expires_at
        elif entry.type is EntryType.RESTORE:
            reopened = False
            for alloc in entry.allocations:
                lot = account.lots[alloc.lot]
                if lot.remaining == 0:
                    reopened = True
                lot.remaining += alloc.points
            if reopened:
                account.open_lots = sorted(
                    (lot for lot in account.lots.values() if lot.remaining > 0),
                    key=lambda lot: lot.seq,
                )
                account.refresh_expiry()
        else:
            closed = False
            for alloc in entry.allocations:
                lot = account.lots[alloc.lot]
                lot.remaining -= alloc.points
                closed = closed or lot.remaining == 0
            if closed:
                account.open_lots = [lot for lot in account.open_lots if lot.remaining > 0]
                account.refresh_expiry()
        order = entry.order_id
        if entry.type is EntryType.EARN and order is not None:
            account.order_points[order] = account.order_points.get(order, 0) + entry.points
            account.qualifying_by_order[order] = (
                account.qualifying_by_order.get(order, 0) + entry.qualifying_points
            )
            account.order_spend[order] = account.order_spend.get(order, _ZERO) + entry.spend
        elif entry.type is EntryType.REVERSE and order is not None:
            account.order_points.pop(order, None)
            account.qualifying_by_order.pop(order, None)
            account.order_spend.pop(order, None)
            account.debt += entry.shortfall
        elif entry.type is EntryType.REDEEM and order is not None:
            account.redeemed_by_order.setdefault(order, []).extend(entry.allocations)
        elif entry.type is EntryType.RESTORE and order is not None:
            account.redeemed_by_order.pop(order, None)
        elif entry.type is EntryType.SETTLE:
            account.debt += entry.points  # points are negative: the debt shrinks
        return entry


def _entry_id(member_id: str, seq: int) -> str:
    return f"{member_id}#{seq:07d}"


def _usable_then_pending(lots: Sequence[_Lot], at: dt.datetime) -> list[_Lot]:
    usable = [lot for lot in lots if lot.available_at <= at]
    pending = [lot for lot in lots if lot.available_at > at]
    return usable + pending


def _take(lots: Sequence[_Lot], points: int) -> tuple[Allocation, ...] | None:
    allocations, missing = _take_up_to(lots, points)
    return None if missing else allocations


def _take_up_to(lots: Sequence[_Lot], points: int) -> tuple[tuple[Allocation, ...], int]:
    """Allocate up to ``points`` from ``lots`` in the order given; returns what was missing."""
    left = points
    allocations = []
    for lot in lots:
        if left == 0:
            break
        if lot.remaining <= 0:
            continue
        used = min(lot.remaining, left)
        allocations.append(Allocation(lot.seq, used))
        left -= used
    return tuple(allocations), left


def replay_balance(entries: Iterable[PointsEntry], *, at: dt.datetime) -> Balance:
    """The balance at ``at`` recomputed from every entry up to it (the slow, obvious way).

    Used for moments before a member's last entry, and as the baseline the benchmark compares
    the running balance against.
    """
    remaining: dict[int, int] = {}
    windows: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    debt = 0
    for entry in entries:
        if entry.at > at:
            break
        if entry.creates_lot:
            assert entry.available_at is not None and entry.expires_at is not None
            remaining[entry.seq] = entry.points
            windows[entry.seq] = (entry.available_at, entry.expires_at)
        sign = 1 if entry.type is EntryType.RESTORE else -1
        for alloc in entry.allocations:
            remaining[alloc.lot] += sign * alloc.points
        debt += entry.shortfall
        if entry.type is EntryType.SETTLE:
            debt += entry.points
    available = pending = 0
    for seq, left in remaining.items():
        available_at, expires_at = windows[seq]
        if left <= 0 or expires_at <= at:
            continue
        if available_at <= at:
            available += left
        else:
            pending += left
    return Balance(available, pending, debt)
