"""Lots close to (or past) their expiry date: the report and the :class:`StockExpiring` events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.inventory.events import StockExpiring
from salonkit.inventory.ledger import StockLedger


@attrs.frozen(kw_only=True)
class ExpiringLot:
    """A lot on hand that expires on or before the end of the window (``expired`` if already)."""

    store_id: str
    sku: str
    lot: str | None
    expires: dt.date
    quantity: Decimal
    value: Money
    expired: bool


def expiring(
    ledger: StockLedger, within_days: int, *, today: dt.date, store_id: str | None = None
) -> list[ExpiringLot]:
    """Lots whose expiry date is on or before ``today + within_days``, soonest first.

    A lot expiring on day D is usable through D; on D + 1 it is expired.
    """
    if within_days < 0:
        raise ValidationError("within_days", "must not be negative")
    horizon = today + dt.timedelta(days=within_days)
    found: list[ExpiringLot] = []
    for store, sku in ledger.streams():
        if store_id is not None and store != store_id:
            continue
        for lot in ledger.lots(store, sku):
            if lot.expires is not None and lot.expires <= horizon:
                found.append(
                    ExpiringLot(
                        store_id=store,
                        sku=sku,
                        lot=lot.lot,
                        expires=lot.expires,
                        quantity=lot.quantity,
                        value=Money(lot.value, ledger.currency),
                        expired=lot.expires < today,
                    )
                )
    found.sort(key=lambda x: (x.expires, x.store_id, x.sku, x.lot or ""))
    return found


def expiring_value(
    ledger: StockLedger, within_days: int, *, today: dt.date, store_id: str | None = None
) -> Money:
    """The total value of :func:`expiring` lots."""
    return Money.sum(
        (x.value for x in expiring(ledger, within_days, today=today, store_id=store_id)),
        ledger.currency,
    )


def expiry_events(
    ledger: StockLedger, within_days: int, *, today: dt.date, now: dt.datetime
) -> list[StockExpiring]:
    """A :class:`StockExpiring` event per lot of :func:`expiring` (for a daily job to emit)."""
    return [
        StockExpiring(
            occurred_at=now,  # type: ignore[arg-type]
            store_id=x.store_id,
            sku=x.sku,
            lot=x.lot,
            expires=x.expires,
            quantity=x.quantity,
            value=x.value.amount,
        )
        for x in expiring(ledger, within_days, today=today)
    ]


__all__ = ["ExpiringLot", "expiring", "expiring_value", "expiry_events"]
