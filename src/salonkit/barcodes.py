"""Barcode input: what a scanned code at the till is — a product, a member card or an order.

Member cards carry a code of this scheme (Code 128 or QR, plain ASCII)::

    M-<customer id>-<check>        e.g.  M-cus_1-57

``<check>`` is two digits, ``SHA-256(customer id) mod 97`` (as in IBANs): a mistyped or misread
card is recognised as a bad card instead of someone else's. Customer ids may contain any
character except whitespace; the check digits are the part after the last ``-``.

:meth:`BarcodeResolver.resolve` tries, in order: a member card (a well-formed code with a wrong
check is refused, not tried as a product); a product's ``barcode`` (a 12-digit UPC-A also matches
its 13-digit EAN form with a leading 0, and the reverse); then the order resolver the host
passes (orders live in their own package). Scanners often add a carriage return or spaces:
they are stripped.

>>> code = member_card_code("cus_1")
>>> code
'M-cus_1-57'
>>> parse_member_card(code)
'cus_1'
>>> parse_member_card("M-cus_1-58") is None
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Literal

import attrs

from salonkit.context import Context
from salonkit.domain.catalogue import Product
from salonkit.domain.customer import Customer
from salonkit.errors import NotFound, ValidationError
from salonkit.storage import eq
from salonkit.storage.records import CUSTOMERS, PRODUCTS

MEMBER_PREFIX = "M-"

#: Looks an order up by the code on its receipt; returns the order (any object) or ``None``.
OrderResolver = Callable[[str], object | None]

ScanKind = Literal["product", "member", "order"]


def _check(customer_id: str) -> str:
    digest = int.from_bytes(hashlib.sha256(customer_id.encode("utf-8")).digest(), "big")
    return f"{digest % 97:02d}"


def member_card_code(customer_id: str) -> str:
    """The member-card code of ``customer_id`` (see the module doc)."""
    if not customer_id or any(ch.isspace() for ch in customer_id) or not customer_id.isascii():
        raise ValidationError("customer_id", "a member card needs an ASCII id without spaces")
    return f"{MEMBER_PREFIX}{customer_id}-{_check(customer_id)}"


def _member_parts(code: str) -> tuple[str, str] | None:
    """``(customer id, check)`` when ``code`` has the member-card shape, else ``None``."""
    if not code.startswith(MEMBER_PREFIX):
        return None
    body, sep, check = code[len(MEMBER_PREFIX) :].rpartition("-")
    if not sep or not body or len(check) != 2 or not check.isdigit():
        return None
    return body, check


def parse_member_card(code: str) -> str | None:
    """The customer id on a member card, or ``None`` if ``code`` is not a valid one."""
    parts = _member_parts(code.strip())
    if parts is None or _check(parts[0]) != parts[1]:
        return None
    return parts[0]


def gtin_variants(code: str) -> list[str]:
    """``code`` and its other GTIN spelling: a UPC-A (12 digits) and the same number as an
    EAN-13 with a leading zero.

    >>> gtin_variants("012345678905"), gtin_variants("0012345678905"), gtin_variants("ABC")
    (['012345678905', '0012345678905'], ['0012345678905', '012345678905'], ['ABC'])
    """
    if code.isdigit() and len(code) == 12:
        return [code, "0" + code]
    if code.isdigit() and len(code) == 13 and code.startswith("0"):
        return [code, code[1:]]
    return [code]


@attrs.frozen
class Scan:
    """What a code resolved to: ``kind``, the record's ``key`` and the ``record`` itself
    (a :class:`~salonkit.domain.catalogue.Product`, a
    :class:`~salonkit.domain.customer.Customer`, or whatever the order resolver returned)."""

    kind: ScanKind
    key: str
    record: object


class BadMemberCard(ValidationError):
    """A code shaped like a member card whose check digits are wrong (misread or forged)."""

    def __init__(self, code: str) -> None:
        super().__init__("code", f"{code!r} is not a valid member card (check digits)")


class BarcodeResolver:
    """Resolves scanned codes through storage. ``BarcodeResolver(context, orders=None)``:
    ``orders`` looks orders up by receipt code."""

    def __init__(self, context: Context, orders: OrderResolver | None = None) -> None:
        self._ctx = context
        self._orders = orders

    def resolve(self, code: str) -> Scan:
        """What ``code`` is; :class:`~salonkit.NotFound` (kind ``"barcode"``) when nothing
        matches, :class:`BadMemberCard` for a member card with wrong check digits."""
        if not isinstance(code, str) or not code.strip():
            raise ValidationError("code", "nothing was scanned")
        clean = code.strip()
        parts = _member_parts(clean)
        with self._ctx.unit_of_work(readonly=True) as uow:
            if parts is not None:
                customer_id, check = parts
                if _check(customer_id) != check:
                    raise BadMemberCard(clean)
                customer: Customer | None = uow.repo(CUSTOMERS).find(customer_id)
                if customer is None:
                    raise NotFound("customer", customer_id)
                return Scan("member", customer.id, customer)
            for variant in gtin_variants(clean):
                found: list[Product] = uow.repo(PRODUCTS).select(eq("barcode", variant), limit=1)
                if found:
                    return Scan("product", found[0].sku, found[0])
        if self._orders is not None:
            order = self._orders(clean)
            if order is not None:
                return Scan("order", clean, order)
        raise NotFound("barcode", clean)


__all__ = [
    "MEMBER_PREFIX",
    "BadMemberCard",
    "BarcodeResolver",
    "OrderResolver",
    "Scan",
    "gtin_variants",
    "member_card_code",
    "parse_member_card",
]
