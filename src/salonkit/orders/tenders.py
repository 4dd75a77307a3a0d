"""How a customer pays: payment requests and settling them against what is due.

Build the requests with :func:`cash`, :func:`card`, :func:`wallet`, :func:`points`,
:func:`deposit` and :func:`coupon` and hand them to ``salon.orders.checkout``. A coupon is not
money: it unlocks a campaign whose discount comes off the lines before anything is paid.

:func:`settle` applies the payments in a fixed order (deposit, points, wallet, card, then cash) so
that only cash ever gives change; every other tender must fit inside what is still due. A card
without an amount pays whatever is left at the very end.

>>> from salonkit.domain.money import Money
>>> due = Money("386.00", "CNY")
>>> tenders = settle(due, [card(Money("300.00", "CNY"), reference="T1"), cash(Money("100", "CNY"))])
>>> [(t.kind.value, str(t.amount), str(t.change)) for t in tenders]
[('card', '300.00 CNY', 'None'), ('cash', '86.00 CNY', '14.00 CNY')]
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.orders.model import Tender, TenderKind


class PaymentKind(StrEnum):
    """What a payment request is."""

    CASH = "cash"
    CARD = "card"
    WALLET = "wallet"
    POINTS = "points"
    DEPOSIT = "deposit"
    COUPON = "coupon"


@attrs.frozen(kw_only=True)
class Payment:
    """A payment request. ``amount`` is ``None`` for a card paying whatever is left, a points
    request (its value comes from the loyalty programme), a deposit (what it holds) and a coupon."""

    kind: PaymentKind
    amount: Money | None = None
    points: int = 0
    reference: str = ""

    def __attrs_post_init__(self) -> None:
        if self.amount is not None and (self.amount.is_negative() or not self.amount):
            raise ValidationError(f"payment.{self.kind.value}", "the amount must be positive")


def cash(given: Money) -> Payment:
    """Cash handed over (``given``); change is worked out at checkout."""
    return Payment(kind=PaymentKind.CASH, amount=given)


def card(amount: Money | None = None, *, reference: str = "") -> Payment:
    """A card payment of ``amount`` (whatever is left when ``None``) with the terminal reference."""
    return Payment(kind=PaymentKind.CARD, amount=amount, reference=reference)


def wallet(amount: Money) -> Payment:
    """Pay ``amount`` from the customer's stored-value wallet."""
    return Payment(kind=PaymentKind.WALLET, amount=amount)


def points(count: int) -> Payment:
    """Redeem up to ``count`` points (whole blocks, within the programme's limits)."""
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise ValidationError("payment.points", f"must be a positive whole number, got {count!r}")
    return Payment(kind=PaymentKind.POINTS, points=count)


def deposit(deposit_id: str) -> Payment:
    """Settle with a deposit taken when the appointment was booked."""
    if not deposit_id:
        raise ValidationError("payment.deposit", "name the deposit")
    return Payment(kind=PaymentKind.DEPOSIT, reference=deposit_id)


def coupon(code: str) -> Payment:
    """Use a coupon code (its campaign's discount comes off the lines)."""
    if not code:
        raise ValidationError("payment.coupon", "name the coupon code")
    return Payment(kind=PaymentKind.COUPON, reference=code)


_ORDER = {
    PaymentKind.DEPOSIT: 0,
    PaymentKind.POINTS: 1,
    PaymentKind.WALLET: 2,
    PaymentKind.CARD: 3,
    PaymentKind.CASH: 5,
}


def settle(due: Money, payments: Sequence[Payment]) -> tuple[Tender, ...]:
    """The tenders that pay ``due`` exactly with ``payments`` (coupons excluded).

    Points and deposit requests must already carry their money ``amount``. A card without an
    amount pays whatever is left at the end (after any cash). Raises :class:`~salonkit.ValidationError` when a
    non-cash tender would pay more than is due, when money is still due at the end, or when a
    payment is in another currency.
    """
    remaining = due
    tenders: list[Tender] = []
    open_cards = [p for p in payments if p.kind is PaymentKind.CARD and p.amount is None]
    if len(open_cards) > 1:
        raise ValidationError("payments", "at most one card may pay 'whatever is left'")
    ordered = sorted(
        (p for p in payments if p.kind is not PaymentKind.COUPON),
        key=lambda p: 6 if p.kind is PaymentKind.CARD and p.amount is None else _ORDER[p.kind],
    )
    for payment in ordered:
        if payment.amount is not None and payment.amount.currency != due.currency:
            raise ValidationError(f"payment.{payment.kind.value}", f"must be in {due.currency}")
        if payment.kind is PaymentKind.CASH:
            assert payment.amount is not None
            if not remaining:
                raise ValidationError("payment.cash", "nothing is left to pay in cash")
            applied = min(payment.amount, remaining)
            tenders.append(
                Tender(
                    kind=TenderKind.CASH,
                    amount=applied,
                    given=payment.amount,
                    change=payment.amount - applied,
                )
            )
            remaining = remaining - applied
            continue
        amount = payment.amount if payment.amount is not None else remaining
        if amount > remaining:
            raise ValidationError(
                f"payment.{payment.kind.value}",
                f"{amount} is more than the {remaining} still due; only cash gives change",
            )
        if not amount and payment.kind is not PaymentKind.POINTS:
            continue
        tenders.append(
            Tender(
                kind=TenderKind(payment.kind.value),
                amount=amount,
                reference=payment.reference,
                points=payment.points,
            )
        )
        remaining = remaining - amount
    if remaining.amount > 0:
        raise ValidationError("payments", f"{remaining} is still due")
    return tuple(tenders)


__all__ = [
    "Payment",
    "PaymentKind",
    "card",
    "cash",
    "coupon",
    "deposit",
    "points",
    "settle",
    "wallet",
]
