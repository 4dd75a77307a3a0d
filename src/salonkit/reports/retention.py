"""Customer retention from paid orders: who came, who was new, who came back.

A *visit* is a paid order with a service line. Over a period, :func:`retention` counts the
customers who visited, how many of them were new (no visit before the period) and, of the
customers who visited in the equally long period just before, how many came back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from salonkit.orders.model import LineKind, Order


@attrs.frozen(kw_only=True)
class Retention:
    """Retention over ``[first_day, last_day]`` (business dates)."""

    first_day: dt.date
    last_day: dt.date
    customers: int
    new: int
    returning: int
    previous_period_customers: int
    retained: int

    @property
    def retention_rate(self) -> float:
        """Share of the previous period's customers who came back in this one."""
        return (
            self.retained / self.previous_period_customers
            if self.previous_period_customers
            else 0.0
        )


def visits(orders: Iterable[Order]) -> dict[str, list[dt.date]]:
    """Each customer's visit dates (paid orders with a service), sorted."""
    out: dict[str, set[dt.date]] = {}
    for order in orders:
        if order.customer_id is None or order.paid_at is None:
            continue
        if any(line.kind is LineKind.SERVICE for line in order.lines):
            out.setdefault(order.customer_id, set()).add(order.business_date)
    return {c: sorted(days) for c, days in out.items()}


def retention(orders: Iterable[Order], first_day: dt.date, last_day: dt.date) -> Retention:
    """Retention over the period from every order on record."""
    length = (last_day - first_day).days + 1
    previous_first = first_day - dt.timedelta(days=length)
    by_customer = visits(orders)
    now = {c for c, days in by_customer.items() if any(first_day <= d <= last_day for d in days)}
    before = {c for c, days in by_customer.items() if any(d < first_day for d in days)}
    previous = {
        c for c, days in by_customer.items() if any(previous_first <= d < first_day for d in days)
    }
    return Retention(
        first_day=first_day,
        last_day=last_day,
        customers=len(now),
        new=len(now - before),
        returning=len(now & before),
        previous_period_customers=len(previous),
        retained=len(previous & now),
    )


__all__ = ["Retention", "retention", "visits"]
