"""Stock reports: on hand and value by store, product or category; movements; turnover; slow
movers; shrinkage. Every report reads a :class:`StockLedger` and returns plain values."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Literal

import attrs

from salonkit.domain.money import Money
from salonkit.errors import ValidationError
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import MoveType, Posting

_ZERO = Decimal(0)
GroupBy = Literal["store", "product", "category", "store_product", "store_category"]
#: Moves that take stock out for a customer (cost of goods sold or used).
USAGE = frozenset({MoveType.CONSUME, MoveType.SELL})
#: Moves that record stock found or lost.
SHRINK = frozenset({MoveType.ADJUST, MoveType.STOCKTAKE})


@attrs.frozen
class StockRow:
    """One line of the on-hand report: the group's key, quantity (per product only) and value."""

    key: tuple[str, ...]
    quantity: Decimal | None
    value: Money


def on_hand(
    ledger: StockLedger,
    group_by: GroupBy = "store_product",
    *,
    at: dt.datetime | None = None,
    store_id: str | None = None,
) -> list[StockRow]:
    """On hand and value now (or as of ``at``), grouped; quantities only where one product."""
    quantities: dict[tuple[str, ...], Decimal] = defaultdict(lambda: _ZERO)
    values: dict[tuple[str, ...], Decimal] = defaultdict(lambda: _ZERO)
    for store, sku in ledger.streams():
        if store_id is not None and store != store_id:
            continue
        balance = ledger.balance(store, sku, at)
        category = ledger.product(sku).category
        key = {
            "store": (store,),
            "product": (sku,),
            "category": (category,),
            "store_product": (store, sku),
            "store_category": (store, category),
        }.get(group_by)
        if key is None:
            raise ValidationError("group_by", f"unknown grouping {group_by!r}")
        quantities[key] += balance.quantity
        values[key] += balance.value
    per_product = group_by in ("product", "store_product")
    return [
        StockRow(key, quantities[key] if per_product else None, Money(values[key], ledger.currency))
        for key in sorted(values)
    ]


def total_value(ledger: StockLedger, *, store_id: str | None = None) -> Money:
    """The value of all stock (of one store)."""
    return Money.sum(
        (row.value for row in on_hand(ledger, "store", store_id=store_id)), ledger.currency
    )


def movements(
    ledger: StockLedger,
    store_id: str | None = None,
    sku: str | None = None,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    types: Iterable[MoveType] | None = None,
) -> list[Posting]:
    """Movement history with the valuation of each move, in posting order."""
    return ledger.postings(store_id, sku, since=since, until=until, types=types)


@attrs.frozen(kw_only=True)
class Turnover:
    """How often stock turned over in a period: cost of goods used or sold / average value.

    ``average_value`` is the mean of the values at the start and at the end of the period;
    ``days_of_cover`` is how many days the closing stock lasts at the period's usage rate.
    """

    store_id: str
    sku: str
    cost_of_goods: Money
    average_value: Money
    turns: Decimal | None
    quantity_used: Decimal
    days_of_cover: Decimal | None


def turnover(
    ledger: StockLedger, store_id: str, sku: str, *, since: dt.datetime, until: dt.datetime
) -> Turnover:
    """Stock turnover of one product in one store over ``[since, until)``."""
    if until <= since:
        raise ValidationError("until", "must be after since")
    used = ledger.postings(store_id, sku, since=since, until=until, types=USAGE)
    # settlements of negative stock are charged to cost of goods when the stock arrives
    settled = ledger.postings(store_id, sku, since=since, until=until)
    cogs = sum((p.cost for p in used), _ZERO) + sum((p.settlement for p in settled), _ZERO)
    qty = sum((-p.move.quantity for p in used), _ZERO)
    start = ledger.balance(store_id, sku, since - dt.timedelta(microseconds=1))
    end = ledger.balance(store_id, sku, until - dt.timedelta(microseconds=1))
    average = (start.value + end.value) / 2
    days = Decimal((until - since).total_seconds()) / Decimal(86400)
    per_day = qty / days if days else _ZERO
    return Turnover(
        store_id=store_id,
        sku=sku,
        cost_of_goods=Money(cogs, ledger.currency),
        average_value=Money(average, ledger.currency),
        turns=(cogs / average).quantize(Decimal("0.01")) if average else None,
        quantity_used=qty,
        days_of_cover=(end.quantity / per_day).quantize(Decimal("0.1")) if per_day else None,
    )


@attrs.frozen(kw_only=True)
class SlowMover:
    """Stock that barely moved: on hand, its value and what went out in the period."""

    store_id: str
    sku: str
    on_hand: Decimal
    value: Money
    used: Decimal
    last_used_at: dt.datetime | None


def slow_movers(
    ledger: StockLedger,
    *,
    since: dt.datetime,
    until: dt.datetime,
    max_share: Decimal = Decimal("0.1"),
    store_id: str | None = None,
) -> list[SlowMover]:
    """Products whose usage in the period is at most ``max_share`` of what is on hand now.

    Sorted by value on hand, largest first (the money sitting on the shelf).
    """
    found: list[SlowMover] = []
    for store, sku in ledger.streams():
        if store_id is not None and store != store_id:
            continue
        have = ledger.on_hand(store, sku)
        if have <= 0:
            continue
        used_postings = ledger.postings(store, sku, since=since, until=until, types=USAGE)
        used = sum((-p.move.quantity for p in used_postings), _ZERO)
        if used > have * max_share:
            continue
        every = ledger.postings(store, sku, until=until, types=USAGE)
        found.append(
            SlowMover(
                store_id=store,
                sku=sku,
                on_hand=have,
                value=ledger.value(store, sku),
                used=used,
                last_used_at=every[-1].move.posted_at if every else None,
            )
        )
    found.sort(key=lambda s: (-s.value.amount, s.store_id, s.sku))
    return found


@attrs.frozen(kw_only=True)
class Shrinkage:
    """Stock lost and found through adjustments and stocktakes in a period, with its value."""

    store_id: str
    sku: str
    lost: Decimal
    lost_value: Money
    found: Decimal
    found_value: Money
    by_reason: tuple[tuple[str, Decimal], ...]

    @property
    def net_value(self) -> Money:
        """Value lost minus value found."""
        return self.lost_value - self.found_value


def shrinkage(
    ledger: StockLedger,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    store_id: str | None = None,
) -> list[Shrinkage]:
    """Losses and finds per store and product, with the net quantity per reason."""
    groups: dict[tuple[str, str], list[Posting]] = defaultdict(list)
    for p in ledger.postings(store_id, since=since, until=until, types=SHRINK):
        groups[p.move.stream].append(p)
    out = []
    for (store, sku), postings in sorted(groups.items()):
        lost = [p for p in postings if p.move.quantity < 0]
        found = [p for p in postings if p.move.quantity > 0]
        reasons: dict[str, Decimal] = defaultdict(lambda: _ZERO)
        for p in postings:
            reasons[p.move.reason or p.move.type.value] += p.move.quantity
        out.append(
            Shrinkage(
                store_id=store,
                sku=sku,
                lost=sum((-p.move.quantity for p in lost), _ZERO),
                lost_value=Money(sum((p.cost for p in lost), _ZERO), ledger.currency),
                found=sum((p.move.quantity for p in found), _ZERO),
                found_value=Money(sum((p.incoming for p in found), _ZERO), ledger.currency),
                by_reason=tuple(sorted(reasons.items())),
            )
        )
    return out


__all__ = [
    "SHRINK",
    "USAGE",
    "GroupBy",
    "Shrinkage",
    "SlowMover",
    "StockRow",
    "Turnover",
    "movements",
    "on_hand",
    "shrinkage",
    "slow_movers",
    "total_value",
    "turnover",
]
