"""The receipt as plain data: whoever sells (the orders package, a host's till) fills it in.

Every amount is given, not recomputed here, so the printed figures are exactly the seller's.
All money on one receipt is in one currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal

import attrs
import pendulum

from salonkit.domain.money import Money
from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty
from salonkit.errors import ValidationError


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "receipt.issued_at")


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class StoreHeader:
    """What the top of a receipt says about the store."""

    name: str = attrs.field(validator=non_empty)
    address: str = ""
    phone: str = ""
    tax_id: str = ""


@attrs.frozen(kw_only=True)
class ReceiptLine:
    """One sold item: ``quantity`` × ``unit_price``, the line's ``amount`` after its own
    ``discount`` (if any), and who did it (``staff``)."""

    description: str = attrs.field(validator=non_empty)
    quantity: Decimal = attrs.field(converter=Decimal)
    unit_price: Money
    amount: Money
    discount: Money | None = None
    staff: str = ""


@attrs.frozen(kw_only=True)
class Adjustment:
    """A discount (or any amount taken off the subtotal): a label and a positive amount."""

    label: str
    amount: Money


@attrs.frozen(kw_only=True)
class TaxLine:
    """Tax at ``rate`` (``Decimal("0.06")``): ``included`` in the prices or added on top."""

    label: str
    rate: Decimal
    amount: Money
    included: bool = True


@attrs.frozen(kw_only=True)
class TenderLine:
    """A payment: ``method`` (``"cash"``, ``"card"``, ``"wechat"``...), ``amount`` and an optional
    terminal ``reference``."""

    method: str
    amount: Money
    reference: str = ""


CodeKind = Literal["qr", "code128"]


@attrs.frozen(kw_only=True)
class Receipt:
    """A receipt for a paid order.

    ``code`` (default: the order number) is printed as a QR code or a Code 128 barcode so the
    receipt can be scanned back (refunds, reprints); ``language`` picks the labels and number
    format, ``timezone`` the local time of ``issued_at``.
    """

    store: StoreHeader
    order_number: str = attrs.field(validator=non_empty)
    issued_at: pendulum.DateTime = attrs.field(converter=_instant)
    timezone: str
    currency: str
    lines: tuple[ReceiptLine, ...] = attrs.field(converter=_tuple)
    subtotal: Money
    total: Money
    discounts: tuple[Adjustment, ...] = attrs.field(default=(), converter=_tuple)
    taxes: tuple[TaxLine, ...] = attrs.field(default=(), converter=_tuple)
    tenders: tuple[TenderLine, ...] = attrs.field(default=(), converter=_tuple)
    change: Money | None = None
    points_earned: int | None = None
    points_balance: int | None = None
    wallet_balance: Money | None = None
    customer: str = ""
    cashier: str = ""
    language: str = "en"
    code: str = ""
    code_kind: CodeKind = "qr"
    footer: str = ""

    def __attrs_post_init__(self) -> None:
        for field, money in self._money():
            if money.currency != self.currency:
                raise ValidationError(
                    f"receipt.{field}", f"is in {money.currency}, the receipt in {self.currency}"
                )
        if self.code_kind not in ("qr", "code128"):
            raise ValidationError("receipt.code_kind", "must be 'qr' or 'code128'")
        if not self.code.isascii():
            raise ValidationError("receipt.code", "must be ASCII to be scanned")

    def _money(self) -> Iterable[tuple[str, Money]]:
        yield "subtotal", self.subtotal
        yield "total", self.total
        for line in self.lines:
            yield "lines", line.unit_price
            yield "lines", line.amount
            if line.discount is not None:
                yield "lines", line.discount
        for adjustment in self.discounts:
            yield "discounts", adjustment.amount
        for tax in self.taxes:
            yield "taxes", tax.amount
        for tender in self.tenders:
            yield "tenders", tender.amount
        if self.change is not None:
            yield "change", self.change
        if self.wallet_balance is not None:
            yield "wallet_balance", self.wallet_balance

    @property
    def scan_code(self) -> str:
        """What the barcode or QR code holds: ``code`` or else the order number."""
        return self.code or self.order_number


__all__ = [
    "Adjustment",
    "CodeKind",
    "Receipt",
    "ReceiptLine",
    "StoreHeader",
    "TaxLine",
    "TenderLine",
]
