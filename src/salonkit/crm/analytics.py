"""Pure customer analytics over paid orders.

- :func:`segment_of`: ``"vip"`` (flagged, or spent at least ``vip_spend`` in the last year),
  ``"lapsed"`` (no visit for ``lapsed_days``), ``"new"`` (one visit so far), ``"regular"``
  (several), or ``"prospect"`` (never visited);
- :func:`rfm_scores`: recency, frequency and monetary scores 1-5 by quintile over the customers;
- :func:`spending_trend`: monthly spend and the least-squares slope (``"rising"``,
  ``"falling"``, ``"steady"``);
- :func:`expected_next_visit`: the last visit plus the median gap between visits (or the usual
  cycle of the services they buy when there is only one visit).

>>> import datetime as dt
>>> expected_next_visit([dt.date(2026, 1, 1), dt.date(2026, 2, 12), dt.date(2026, 3, 26)])
datetime.date(2026, 5, 7)
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

import attrs

from salonkit.domain.money import Money
from salonkit.orders.model import LineKind, Order
from salonkit.reports.money import SALES_KINDS, line_revenue

#: Usual days between visits by service category, when a customer has only one visit.
DEFAULT_CYCLES: Mapping[str, int] = {
    "cut": 42,
    "colour": 56,
    "perm": 120,
    "care": 28,
    "styling": 14,
}


@attrs.frozen(kw_only=True)
class SegmentRules:
    """Thresholds of the segments."""

    lapsed_days: int = 90
    vip_spend: Decimal = Decimal(5000)


@attrs.frozen(kw_only=True)
class Visit:
    """One paid order of a customer, reduced to what analytics need."""

    order_id: str
    day: dt.date
    spend: Money
    services: tuple[str, ...]
    categories: tuple[str, ...]
    products: tuple[str, ...]
    staff: tuple[str, ...]


def visits_of(orders: Iterable[Order]) -> list[Visit]:
    """The paid orders as visits, oldest first (revenue net of tax and refunds)."""
    out = []
    for order in orders:
        if order.paid_at is None:
            continue
        lines = [
            x for x in order.lines if x.kind in SALES_KINDS and x.refunded_quantity < x.quantity
        ]
        if not lines:
            continue
        out.append(
            Visit(
                order_id=order.id,
                day=order.business_date,
                spend=Money.sum((line_revenue(x) for x in lines), order.currency),
                services=tuple(x.item_id for x in lines if x.kind is LineKind.SERVICE),
                categories=tuple(x.category for x in lines if x.kind is LineKind.SERVICE),
                products=tuple(x.item_id for x in lines if x.kind is LineKind.PRODUCT),
                staff=tuple(sorted({x.staff_id for x in lines if x.staff_id})),
            )
        )
    return sorted(out, key=lambda v: (v.day, v.order_id))


def segment_of(
    visits: Sequence[Visit],
    today: dt.date,
    *,
    vip: bool = False,
    rules: SegmentRules = SegmentRules(),
) -> str:
    """The customer's segment (see the module docstring)."""
    year_spend = sum((v.spend.amount for v in visits if (today - v.day).days <= 365), Decimal(0))
    if vip or year_spend >= rules.vip_spend:
        return "vip"
    service_days = sorted({v.day for v in visits if v.services})
    if not service_days and not visits:
        return "prospect"
    last = max(v.day for v in visits)
    if (today - last).days > rules.lapsed_days:
        return "lapsed"
    return "new" if len(service_days) <= 1 else "regular"


@attrs.frozen(kw_only=True)
class Rfm:
    """Recency, frequency and monetary scores (5 is best) and the raw figures."""

    customer_id: str
    recency_days: int
    frequency: int
    monetary: Decimal
    r: int
    f: int
    m: int

    @property
    def score(self) -> str:
        """The three scores as one label, e.g. ``"545"``."""
        return f"{self.r}{self.f}{self.m}"


def _quintile(values: Sequence[float], value: float) -> int:
    """1 to 5 by where ``value`` ranks among ``values`` (the lowest 1, the highest 5)."""
    if len(values) < 2:
        return 3
    below = sum(1 for v in values if v < value)
    return 1 + round(4 * below / (len(values) - 1))


def rfm_scores(visits_by_customer: Mapping[str, Sequence[Visit]], today: dt.date) -> list[Rfm]:
    """RFM of every customer with at least one visit, each score 1-5 by rank among them."""
    raw = {
        c: (
            (today - max(v.day for v in vs)).days,
            len({v.day for v in vs}),
            sum((v.spend.amount for v in vs), Decimal(0)),
        )
        for c, vs in visits_by_customer.items()
        if vs
    }
    if not raw:
        return []
    recencies = [float(r) for r, _, _ in raw.values()]
    frequencies = [float(f) for _, f, _ in raw.values()]
    monetaries = [float(m) for _, _, m in raw.values()]
    out = []
    for customer, (recency, frequency, monetary) in sorted(raw.items()):
        out.append(
            Rfm(
                customer_id=customer,
                recency_days=recency,
                frequency=frequency,
                monetary=monetary,
                r=_quintile([-x for x in recencies], -float(recency)),
                f=_quintile(frequencies, float(frequency)),
                m=_quintile(monetaries, float(monetary)),
            )
        )
    return out


@attrs.frozen(kw_only=True)
class Trend:
    """Monthly spend (``"2026-03"`` → amount) and its direction."""

    monthly: Mapping[str, Money] = attrs.field(hash=False)
    slope_per_month: Decimal
    direction: str


def spending_trend(
    visits: Sequence[Visit], currency: str, *, months: int = 12, today: dt.date
) -> Trend:
    """Spend per calendar month over the last ``months`` months and its linear trend."""
    keys = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    totals: dict[str, Money] = defaultdict(lambda: Money.zero(currency))
    for visit in visits:
        key = f"{visit.day.year:04d}-{visit.day.month:02d}"
        if key in keys:
            totals[key] += visit.spend
    series = [totals[k].amount for k in keys]
    n = len(series)
    mean_x = Decimal(n - 1) / 2
    mean_y = sum(series, Decimal(0)) / n
    num = sum(((Decimal(i) - mean_x) * (y - mean_y) for i, y in enumerate(series)), Decimal(0))
    den = sum(((Decimal(i) - mean_x) ** 2 for i in range(n)), Decimal(0))
    slope = (num / den).quantize(Decimal("0.01")) if den else Decimal(0)
    threshold = max(mean_y * Decimal("0.02"), Decimal("0.01"))
    direction = "rising" if slope > threshold else "falling" if slope < -threshold else "steady"
    return Trend(monthly={k: totals[k] for k in keys}, slope_per_month=slope, direction=direction)


def expected_next_visit(
    days: Sequence[dt.date],
    categories: Sequence[str] = (),
    *,
    cycles: Mapping[str, int] = DEFAULT_CYCLES,
) -> dt.date | None:
    """When the customer is expected back: the last visit plus the median gap between visits,
    or (one visit) the shortest usual cycle of the categories bought; ``None`` without visits."""
    ordered = sorted(set(days))
    if not ordered:
        return None
    if len(ordered) >= 2:
        gaps = [(b - a).days for a, b in itertools.pairwise(ordered)]
        return ordered[-1] + dt.timedelta(days=int(statistics.median(gaps)))
    usual = [cycles[c] for c in categories if c in cycles]
    return ordered[-1] + dt.timedelta(days=min(usual) if usual else 42)


__all__ = [
    "DEFAULT_CYCLES",
    "Rfm",
    "SegmentRules",
    "Trend",
    "Visit",
    "expected_next_visit",
    "rfm_scores",
    "segment_of",
    "spending_trend",
    "visits_of",
]
