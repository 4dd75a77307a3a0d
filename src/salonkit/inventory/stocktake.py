"""Stocktake: count what is on the shelves, review the differences, post the corrections.

A count is taken *as of* the instant it started: the expected quantity of each product is the
ledger's on-hand at that instant, and the corrections are posted back-dated to it, so moves made
while people were counting stay valid. Posting is all or nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import Enum

import attrs

from salonkit.domain.money import Money, to_decimal
from salonkit.errors import NotFound, ValidationError
from salonkit.inventory.ledger import StockLedger, utc_instant
from salonkit.inventory.model import Posting
from salonkit.inventory.units import to_stock_units


class StocktakeStatus(Enum):
    """An open count can take counts; a posted or cancelled one cannot."""

    OPEN = "open"
    POSTED = "posted"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class Stocktake:
    """A count of one store as of ``as_of``.

    ``skus`` limits the count to some products (``None``: every product); ``counts`` holds the
    counted quantity of each product in stock units.
    """

    id: str
    store_id: str
    as_of: dt.datetime
    started_by: str
    skus: frozenset[str] | None = None
    counts: dict[str, Decimal] = attrs.field(factory=dict)
    status: StocktakeStatus = StocktakeStatus.OPEN
    posted_at: dt.datetime | None = None
    posted_by: str | None = None
    version: int = 0

    def _open(self) -> None:
        if self.status is not StocktakeStatus.OPEN:
            raise ValidationError("stocktake.status", f"stocktake {self.id} is {self.status.value}")

    def _in_scope(self, sku: str) -> None:
        if self.skus is not None and sku not in self.skus:
            raise ValidationError("sku", f"{sku} is not part of stocktake {self.id}")

    def count(self, sku: str, quantity: Decimal) -> Stocktake:
        """Set the counted quantity of ``sku`` (stock units), replacing an earlier count."""
        self._open()
        self._in_scope(sku)
        amount = to_decimal(quantity, "quantity")
        if amount < 0:
            raise ValidationError("quantity", "a count cannot be negative")
        return attrs.evolve(self, counts={**self.counts, sku: amount})

    def add(self, sku: str, quantity: Decimal) -> Stocktake:
        """Add to the counted quantity of ``sku`` (each barcode scan adds one item)."""
        return self.count(sku, self.counts.get(sku, Decimal(0)) + to_decimal(quantity, "quantity"))

    def cancel(self) -> Stocktake:
        """Abandon the count; nothing is posted."""
        self._open()
        return attrs.evolve(self, status=StocktakeStatus.CANCELLED)


@attrs.frozen(kw_only=True)
class Difference:
    """One product's expected and counted quantities and the value of the difference."""

    sku: str
    expected: Decimal
    counted: Decimal
    difference: Decimal
    rate: Money
    value: Money


def start(
    ledger: StockLedger,
    store_id: str,
    *,
    actor: str,
    stocktake_id: str,
    at: dt.datetime | None = None,
    skus: Iterable[str] | None = None,
) -> Stocktake:
    """Open a count of ``store_id`` as of ``at`` (now by default)."""
    scope = frozenset(skus) if skus is not None else None
    for sku in scope or ():
        ledger.product(sku)
    as_of = utc_instant(at) if at is not None else ledger.clock.now()
    return Stocktake(id=stocktake_id, store_id=store_id, as_of=as_of, started_by=actor, skus=scope)


def sku_for_barcode(ledger: StockLedger, barcode: str) -> str:
    """The SKU whose product carries ``barcode``; :class:`~salonkit.NotFound` otherwise."""
    for product in ledger.products():
        if product.barcode == barcode:
            return product.sku
    raise NotFound("barcode", barcode)


def record(
    ledger: StockLedger,
    stocktake: Stocktake,
    *,
    sku: str | None = None,
    barcode: str | None = None,
    quantity: Decimal = Decimal(1),
    unit: str | None = None,
    add: bool | None = None,
) -> Stocktake:
    """Record a count by ``sku`` or by ``barcode`` (quantity in ``unit``, stock units default).

    By SKU the quantity replaces the earlier count; by barcode it is added (one scan, one
    item), unless ``add`` says otherwise.
    """
    if (sku is None) == (barcode is None):
        raise ValidationError("sku", "give either a sku or a barcode")
    code = sku if sku is not None else sku_for_barcode(ledger, barcode or "")
    amount = to_stock_units(to_decimal(quantity, "quantity"), unit, ledger.product(code))
    adding = add if add is not None else barcode is not None
    return stocktake.add(code, amount) if adding else stocktake.count(code, amount)


def review(
    ledger: StockLedger, stocktake: Stocktake, *, uncounted_as_zero: bool = False
) -> list[Difference]:
    """Expected (on-hand as of the count) against counted, for every counted product.

    With ``uncounted_as_zero`` products in scope that were not counted but have stock count as
    zero (a full count). Differences are valued at the rate as of the count.
    """
    counts = dict(stocktake.counts)
    if uncounted_as_zero:
        scope = stocktake.skus
        if scope is None:
            scope = frozenset(sku for store, sku in ledger.streams() if store == stocktake.store_id)
        for sku in scope:
            counts.setdefault(sku, Decimal(0))
    out: list[Difference] = []
    for sku in sorted(counts):
        balance = ledger.balance(stocktake.store_id, sku, at=stocktake.as_of)
        diff = counts[sku] - balance.quantity
        rate = (
            balance.rate
            if balance.quantity or balance.rate
            else ledger.rate(stocktake.store_id, sku).amount
        )
        out.append(
            Difference(
                sku=sku,
                expected=balance.quantity,
                counted=counts[sku],
                difference=diff,
                rate=Money(rate, ledger.currency),
                value=Money(diff * rate, ledger.currency),
            )
        )
    return out


def post(
    ledger: StockLedger,
    stocktake: Stocktake,
    *,
    actor: str,
    uncounted_as_zero: bool = False,
    reasons: Mapping[str, str] | None = None,
) -> tuple[Stocktake, list[Posting]]:
    """Post a correction for every difference, back-dated to the count, all or nothing."""
    stocktake._open()
    postings: list[Posting] = []
    with ledger.atomic():
        for line in review(ledger, stocktake, uncounted_as_zero=uncounted_as_zero):
            if not line.difference:
                continue
            postings.append(
                ledger.correct(
                    stocktake.store_id,
                    line.sku,
                    line.difference,
                    actor=actor,
                    reference=stocktake.id,
                    reason=(reasons or {}).get(line.sku, "stocktake"),
                    at=stocktake.as_of,
                )
            )
    done = attrs.evolve(
        stocktake,
        status=StocktakeStatus.POSTED,
        posted_at=ledger.clock.now(),
        posted_by=actor,
    )
    return done, postings


__all__ = [
    "Difference",
    "Stocktake",
    "StocktakeStatus",
    "post",
    "record",
    "review",
    "sku_for_barcode",
    "start",
]
