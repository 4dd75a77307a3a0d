"""The stored-value wallet: prepaid balances and packages of visits, kept as double entry.

Every movement is a :class:`WalletTransaction` of :class:`Posting` s that add up to zero (debits
positive, credits negative), so the salon's liability to its customers is always known: it is the
credit balance of the ``liability:`` accounts.

Accounts:

- ``asset:cash`` — money taken at the till for top-ups and package sales;
- ``liability:wallet:<member>:paid`` and ``liability:wallet:<member>:bonus`` — what a member's
  wallet holds, split into money paid in and bonus given;
- ``liability:package:<package>`` — the unused value of a package of visits;
- ``expense:wallet_bonus`` — the cost of bonuses (pay 1,000, get 1,100: 100 of bonus);
- ``revenue:sales`` — services and products paid from a wallet or a package;
- ``revenue:refunds`` — refunds given back to a wallet (a contra-revenue account);
- ``revenue:breakage`` — stored value that expired unused.

Policies, exactly: a payment uses the **paid** part first, then the bonus; a refund of an order
paid from the wallet gives back to the parts it came from (bonus first, then paid), and any excess
over what the order took from the wallet is credited as paid money (store credit); a wallet
expires ``validity_days`` after its last top-up (its whole balance goes to breakage); one package
visit is worth the remaining value divided by the remaining visits, rounded down to the minor
unit, and the last visit takes what is left, so nothing is lost to rounding.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from salonkit.domain.money import Money
from salonkit.domain.validation import optional, positive_int
from salonkit.errors import InsufficientBalance, NotFound, ValidationError

CASH = "asset:cash"
BONUS_EXPENSE = "expense:wallet_bonus"
SALES = "revenue:sales"
REFUNDS = "revenue:refunds"
BREAKAGE = "revenue:breakage"


def paid_account(member_id: str) -> str:
    """The liability account of the money a member paid into the wallet."""
    return f"liability:wallet:{member_id}:paid"


def bonus_account(member_id: str) -> str:
    """The liability account of the bonus a member was given."""
    return f"liability:wallet:{member_id}:bonus"


def package_account(package_id: str) -> str:
    """The liability account of a package's unused value."""
    return f"liability:package:{package_id}"


class WalletOp(enum.Enum):
    """What a wallet transaction records."""

    TOP_UP = "top_up"
    PAY = "pay"
    REFUND = "refund"
    EXPIRE = "expire"
    PACKAGE_SALE = "package_sale"
    PACKAGE_USE = "package_use"
    PACKAGE_EXPIRE = "package_expire"


@attrs.frozen
class Posting:
    """One line of a transaction: ``amount`` debited (positive) or credited (negative)."""

    account: str
    amount: Money


def _balanced(
    instance: WalletTransaction, attribute: object, postings: tuple[Posting, ...]
) -> None:
    if not postings:
        raise ValidationError("wallet_transaction.postings", "a transaction needs postings")
    currencies = {p.amount.currency for p in postings}
    if len(currencies) != 1:
        raise ValidationError(
            "wallet_transaction.postings", f"mixes currencies {sorted(currencies)}"
        )
    if sum(p.amount.amount for p in postings) != 0:
        raise ValidationError("wallet_transaction.postings", "debits and credits do not balance")


def _as_postings(value: Iterable[Posting]) -> tuple[Posting, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class WalletTransaction:
    """One balanced money movement; for packages it also carries the package's terms."""

    id: str
    member_id: str
    seq: int
    """Position in the member's wallet journal (1, 2, 3 ...): the order to replay in."""
    op: WalletOp
    at: dt.datetime
    postings: tuple[Posting, ...] = attrs.field(converter=_as_postings, validator=_balanced)
    order_id: str | None = None
    package_id: str | None = None
    service_id: str | None = None
    visits: int = 0
    """For packages: visits sold (sale), used (-1 per use) or written off (expiry)."""
    expires_at: dt.datetime | None = None
    note: str = ""

    def amount_on(self, account: str) -> Decimal:
        """The net amount this transaction posts to ``account``."""
        return sum((p.amount.amount for p in self.postings if p.account == account), Decimal(0))


@attrs.frozen(kw_only=True)
class TopUpOffer:
    """Pay at least ``pay`` in one top-up and get ``bonus`` on top (pay 1,000, get 100 more)."""

    pay: Money
    bonus: Money

    def __attrs_post_init__(self) -> None:
        if (
            self.pay.amount <= 0
            or self.bonus.is_negative()
            or self.pay.currency != self.bonus.currency
        ):
            raise ValidationError(
                "top_up_offer", "pay must be positive and the bonus >= 0, same currency"
            )


@attrs.frozen(kw_only=True)
class WalletPolicy:
    """The wallet's currency, top-up bonuses, validity and the low-balance alert threshold."""

    currency: str
    top_up_offers: tuple[TopUpOffer, ...] = attrs.field(default=(), converter=tuple)
    validity_days: int | None = attrs.field(default=None, validator=optional(positive_int))
    low_balance: Money | None = None

    def bonus_for(self, paid: Money) -> Money:
        """The bonus of the largest offer whose ``pay`` the top-up reaches (zero if none)."""
        bonus = Money.zero(self.currency)
        best: TopUpOffer | None = None
        for offer in self.top_up_offers:
            if paid >= offer.pay and (best is None or offer.pay > best.pay):
                best = offer
        if best is not None:
            bonus = best.bonus
        return bonus


@attrs.frozen
class WalletBalance:
    """A member's wallet: the ``paid`` part and the ``bonus`` part."""

    paid: Money
    bonus: Money

    @property
    def total(self) -> Money:
        """What the member can spend."""
        return self.paid + self.bonus


@attrs.frozen(kw_only=True)
class Package:
    """A package of visits of one service, as it stands now."""

    id: str
    member_id: str
    service_id: str
    visits_sold: int
    visits_left: int
    price: Money
    value_left: Money
    expires_at: dt.datetime | None


@attrs.define
class _PackageState:
    id: str
    member_id: str
    service_id: str
    visits_sold: int
    visits_left: int
    price: Money
    expires_at: dt.datetime | None


def _positive_money(value: object, currency: str, field: str) -> Money:
    if not isinstance(value, Money):
        raise ValidationError(field, f"must be Money, got {type(value).__name__}")
    if value.currency != currency:
        raise ValidationError(
            f"{field}.currency", f"the wallet is in {currency}, got {value.currency}"
        )
    if value.amount <= 0:
        raise ValidationError(field, f"must be positive, got {value}")
    if value.round("down") != value:
        raise ValidationError(field, f"has more decimal places than {currency} allows: {value}")
    return value


class WalletBook:
    """The wallet journal of many members, in memory; every method posts one balanced transaction.

    A transaction's id is ``<member>#<seq>`` (``m1#0000003``): the third of member ``m1``.
    """

    def __init__(self, policy: WalletPolicy) -> None:
        self.policy = policy
        self._counts: dict[str, int] = {}
        self._transactions: list[WalletTransaction] = []
        self._balances: dict[str, Decimal] = {}
        self._last_top_up: dict[str, dt.datetime] = {}
        self._from_wallet: dict[
            str, tuple[str, Decimal, Decimal]
        ] = {}  # order -> member, paid, bonus
        self._packages: dict[str, _PackageState] = {}

    # -- reading ---------------------------------------------------------------------------

    @property
    def transactions(self) -> tuple[WalletTransaction, ...]:
        """Every transaction, in the order posted."""
        return tuple(self._transactions)

    def account_balance(self, account: str) -> Money:
        """The net debit balance of ``account`` (negative for a credit balance)."""
        return Money(self._balances.get(account, Decimal(0)), self.policy.currency)

    def accounts(self) -> dict[str, Money]:
        """Every account with its net debit balance."""
        return {
            name: Money(value, self.policy.currency)
            for name, value in sorted(self._balances.items())
        }

    def balance(self, member_id: str) -> WalletBalance:
        """What ``member_id``'s wallet holds (expiry is written by the next operation or :meth:`expire`)."""
        return WalletBalance(
            paid=-self.account_balance(paid_account(member_id)),
            bonus=-self.account_balance(bonus_account(member_id)),
        )

    def liability(self) -> Money:
        """Everything owed to customers: wallets plus unused packages (the credit of liabilities)."""
        total = sum(
            (v for name, v in self._balances.items() if name.startswith("liability:")), Decimal(0)
        )
        return Money(-total, self.policy.currency)

    def package(self, package_id: str) -> Package:
        """The package ``package_id`` as it stands."""
        state = self._packages.get(package_id)
        if state is None:
            raise NotFound("package", package_id)
        return Package(
            id=state.id,
            member_id=state.member_id,
            service_id=state.service_id,
            visits_sold=state.visits_sold,
            visits_left=state.visits_left,
            price=state.price,
            value_left=-self.account_balance(package_account(package_id)),
            expires_at=state.expires_at,
        )

    def packages(self, member_id: str) -> list[Package]:
        """The member's packages."""
        return [self.package(p) for p, s in self._packages.items() if s.member_id == member_id]

    def paid_from_wallet(self, order_id: str) -> Money:
        """What an order took from a wallet and was not refunded yet."""
        found = self._from_wallet.get(order_id)
        total = found[1] + found[2] if found else Decimal(0)
        return Money(total, self.policy.currency)

    # -- writing ---------------------------------------------------------------------------

    def top_up(
        self, member_id: str, paid: Money, *, at: dt.datetime, order_id: str | None = None
    ) -> list[WalletTransaction]:
        """Load ``paid`` (plus the policy's bonus) onto the wallet; returns what was posted."""
        paid = _positive_money(paid, self.policy.currency, "paid")
        written = self._expire_if_due(member_id, at)
        bonus = self.policy.bonus_for(paid)
        postings = [Posting(CASH, paid), Posting(paid_account(member_id), -paid)]
        if bonus.amount > 0:
            postings += [Posting(BONUS_EXPENSE, bonus), Posting(bonus_account(member_id), -bonus)]
        written.append(self._post(member_id, WalletOp.TOP_UP, at, postings, order_id=order_id))
        return written

    def pay(
        self, member_id: str, amount: Money, *, at: dt.datetime, order_id: str
    ) -> list[WalletTransaction]:
        """Pay ``amount`` of order ``order_id`` from the wallet, paid part first, then bonus.

        Raises :class:`~salonkit.errors.InsufficientBalance` if the wallet holds less.
        """
        amount = _positive_money(amount, self.policy.currency, "amount")
        if not order_id:
            raise ValidationError("order_id", "a wallet payment names its order")
        written = self._expire_if_due(member_id, at)
        balance = self.balance(member_id)
        if balance.total < amount:
            raise InsufficientBalance(
                f"wallet of {member_id!r} holds {balance.total}, {amount} asked"
            )
        from_paid = min(amount, balance.paid)
        from_bonus = amount - from_paid
        postings = [Posting(SALES, -amount)]
        if from_paid.amount:
            postings.append(Posting(paid_account(member_id), from_paid))
        if from_bonus.amount:
            postings.append(Posting(bonus_account(member_id), from_bonus))
        written.append(self._post(member_id, WalletOp.PAY, at, postings, order_id=order_id))
        return written

    def refund(
        self, member_id: str, amount: Money, *, at: dt.datetime, order_id: str
    ) -> list[WalletTransaction]:
        """Refund ``amount`` of order ``order_id`` to the wallet (see the module notes)."""
        amount = _positive_money(amount, self.policy.currency, "amount")
        if not order_id:
            raise ValidationError("order_id", "a refund names its order")
        written = self._expire_if_due(member_id, at)
        taken = self._from_wallet.get(order_id)
        if taken is not None and taken[0] != member_id:
            raise ValidationError("member_id", f"order {order_id!r} was paid from another wallet")
        took_paid, took_bonus = (taken[1], taken[2]) if taken else (Decimal(0), Decimal(0))
        left = amount.amount
        to_bonus = min(left, took_bonus)
        left -= to_bonus
        to_paid = left  # what the order took from the paid part, plus any store credit
        store_credit = max(to_paid - took_paid, Decimal(0))
        currency = self.policy.currency
        postings = []
        if to_bonus:
            postings.append(Posting(bonus_account(member_id), Money(-to_bonus, currency)))
        if to_paid:
            postings.append(Posting(paid_account(member_id), Money(-to_paid, currency)))
        postings.append(Posting(REFUNDS, amount))
        written.append(
            self._post(
                member_id,
                WalletOp.REFUND,
                at,
                postings,
                order_id=order_id,
                note=f"store credit {Money(store_credit, currency)}" if store_credit else "",
            )
        )
        return written

    def expire(self, member_id: str, *, at: dt.datetime) -> list[WalletTransaction]:
        """Write off the wallet if it expired by ``at``; returns what was posted."""
        return self._expire_if_due(member_id, at)

    def sell_package(
        self,
        member_id: str,
        *,
        package_id: str,
        service_id: str,
        visits: int,
        price: Money,
        at: dt.datetime,
        expires_at: dt.datetime | None = None,
        order_id: str | None = None,
    ) -> WalletTransaction:
        """Sell a package of ``visits`` visits of ``service_id`` for ``price``."""
        price = _positive_money(price, self.policy.currency, "price")
        if not isinstance(package_id, str) or not package_id:
            raise ValidationError("package_id", "must be a non-empty string")
        if isinstance(visits, bool) or not isinstance(visits, int) or visits < 1:
            raise ValidationError("visits", f"must be a positive integer, got {visits!r}")
        if package_id in self._packages:
            raise ValidationError("package_id", f"package {package_id!r} already exists")
        postings = [Posting(CASH, price), Posting(package_account(package_id), -price)]
        return self._post(
            member_id,
            WalletOp.PACKAGE_SALE,
            at,
            postings,
            order_id=order_id,
            package_id=package_id,
            service_id=service_id,
            visits=visits,
            expires_at=expires_at,
        )

    def use_package(
        self, package_id: str, *, at: dt.datetime, order_id: str
    ) -> list[WalletTransaction]:
        """Use one visit of a package: its share of the value becomes revenue."""
        state = self._packages.get(package_id)
        if state is None:
            raise NotFound("package", package_id)
        written = self._expire_package_if_due(state, at)
        if state.visits_left == 0:
            raise InsufficientBalance(f"package {package_id!r} has no visits left")
        left = -self.account_balance(package_account(package_id))
        # The last visit takes what is left, so rounding never strands a cent.
        share = Money(left.amount / state.visits_left, left.currency).round("down")
        value = left if state.visits_left == 1 else share
        postings = [Posting(package_account(package_id), value), Posting(SALES, -value)]
        written.append(
            self._post(
                state.member_id,
                WalletOp.PACKAGE_USE,
                at,
                postings,
                order_id=order_id,
                package_id=package_id,
                visits=-1,
            )
        )
        return written

    def expire_package(self, package_id: str, *, at: dt.datetime) -> list[WalletTransaction]:
        """Write off a package that expired by ``at``; returns what was posted."""
        state = self._packages.get(package_id)
        if state is None:
            raise NotFound("package", package_id)
        return self._expire_package_if_due(state, at)

    def load(self, transactions: Sequence[WalletTransaction]) -> None:
        """Rebuild state from stored transactions (in the order they were posted)."""
        for tx in transactions:
            self._apply(tx)

    # -- internals -------------------------------------------------------------------------

    def _expire_if_due(self, member_id: str, at: dt.datetime) -> list[WalletTransaction]:
        if at.tzinfo is None:
            raise ValidationError("at", "must be timezone-aware")
        days = self.policy.validity_days
        last = self._last_top_up.get(member_id)
        if days is None or last is None or at < last + dt.timedelta(days=days):
            return []
        balance = self.balance(member_id)
        if not balance.total.amount:
            return []
        postings = [Posting(BREAKAGE, -balance.total)]
        if balance.paid.amount:
            postings.append(Posting(paid_account(member_id), balance.paid))
        if balance.bonus.amount:
            postings.append(Posting(bonus_account(member_id), balance.bonus))
        expiry = last + dt.timedelta(days=days)
        return [
            self._post(member_id, WalletOp.EXPIRE, expiry, postings, note="wallet validity ended")
        ]

    def _expire_package_if_due(
        self, state: _PackageState, at: dt.datetime
    ) -> list[WalletTransaction]:
        if state.expires_at is None or at < state.expires_at or state.visits_left == 0:
            return []
        left = -self.account_balance(package_account(state.id))
        postings = [Posting(package_account(state.id), left), Posting(BREAKAGE, -left)]
        return [
            self._post(
                state.member_id,
                WalletOp.PACKAGE_EXPIRE,
                state.expires_at,
                postings,
                package_id=state.id,
                visits=-state.visits_left,
                note="package validity ended",
            )
        ]

    def _post(
        self,
        member_id: str,
        op: WalletOp,
        at: dt.datetime,
        postings: Sequence[Posting],
        **extra: Any,
    ) -> WalletTransaction:
        if not isinstance(member_id, str) or not member_id:
            raise ValidationError("member_id", "must be a non-empty string")
        seq = self._counts.get(member_id, 0) + 1
        tx = attrs.evolve(
            WalletTransaction(
                id=f"{member_id}#{seq:07d}",
                member_id=member_id,
                seq=seq,
                op=op,
                at=at,
                postings=postings,
            ),
            **extra,
        )
        self._apply(tx)
        return tx

    def _apply(self, tx: WalletTransaction) -> None:
        """Fold one transaction into the balances (the only place state changes)."""
        self._transactions.append(tx)
        self._counts[tx.member_id] = tx.seq
        for posting in tx.postings:
            self._balances[posting.account] = (
                self._balances.get(posting.account, Decimal(0)) + posting.amount.amount
            )
        member = tx.member_id
        if tx.op is WalletOp.TOP_UP:
            self._last_top_up[member] = tx.at
        elif tx.op is WalletOp.PAY and tx.order_id is not None:
            _, paid, bonus = self._from_wallet.get(tx.order_id, (member, Decimal(0), Decimal(0)))
            self._from_wallet[tx.order_id] = (
                member,
                paid + tx.amount_on(paid_account(member)),
                bonus + tx.amount_on(bonus_account(member)),
            )
        elif tx.op is WalletOp.REFUND and tx.order_id in self._from_wallet:
            assert tx.order_id is not None
            _, paid, bonus = self._from_wallet[tx.order_id]
            paid = max(paid + tx.amount_on(paid_account(member)), Decimal(0))
            bonus = bonus + tx.amount_on(bonus_account(member))
            self._from_wallet[tx.order_id] = (member, paid, bonus)
        elif tx.op is WalletOp.PACKAGE_SALE:
            assert tx.package_id is not None and tx.service_id is not None
            self._packages[tx.package_id] = _PackageState(
                id=tx.package_id,
                member_id=member,
                service_id=tx.service_id,
                visits_sold=tx.visits,
                visits_left=tx.visits,
                price=Money(tx.amount_on(CASH), tx.postings[0].amount.currency),
                expires_at=tx.expires_at,
            )
        elif tx.op in (WalletOp.PACKAGE_USE, WalletOp.PACKAGE_EXPIRE):
            assert tx.package_id is not None
            self._packages[tx.package_id].visits_left += tx.visits


def member_liability(transactions: Iterable[WalletTransaction], member_id: str) -> Decimal:
    """The wallet liability to ``member_id`` recomputed from transactions (for checks and reports)."""
    accounts = {paid_account(member_id), bonus_account(member_id)}
    return -sum(
        (p.amount.amount for tx in transactions for p in tx.postings if p.account in accounts),
        Decimal(0),
    )
