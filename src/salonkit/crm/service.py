"""CRM use cases: ``salon.crm``. Read-only; each method reads in one unit of work."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import attrs

from salonkit.context import Context
from salonkit.crm.analytics import (
    Rfm,
    SegmentRules,
    Trend,
    Visit,
    expected_next_visit,
    rfm_scores,
    segment_of,
    spending_trend,
    visits_of,
)
from salonkit.domain.customer import Customer
from salonkit.domain.money import Money
from salonkit.orders.model import Order
from salonkit.orders.records import ORDERS
from salonkit.scheduling.model import Appointment, AppointmentStatus
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.storage.port import eq, ge, in_
from salonkit.storage.records import CUSTOMERS, PRODUCTS, SERVICES

_UPCOMING = (AppointmentStatus.BOOKED.value, AppointmentStatus.CONFIRMED.value)


@attrs.frozen(kw_only=True)
class Recommendation:
    """Something to offer a customer: ``kind`` is ``"rebook"``, ``"service"`` or ``"product"``."""

    kind: str
    item_id: str
    name: str
    reason: str
    score: int = 0


@attrs.frozen(kw_only=True)
class CustomerProfile:
    """A customer's record with their history and analytics."""

    customer: Customer
    visits: tuple[Visit, ...]
    upcoming: tuple[Appointment, ...]
    total_spent: Money
    average_ticket: Money
    first_visit: dt.date | None
    last_visit: dt.date | None
    favourite_services: tuple[str, ...]
    favourite_staff: tuple[str, ...]
    segment: str
    trend: Trend
    expected_next_visit: dt.date | None


class CrmService:
    """Customer analytics over orders and appointments."""

    def __init__(
        self, context: Context, *, rules: SegmentRules | None = None, currency: str = "CNY"
    ) -> None:
        self._ctx = context
        self.rules = rules or SegmentRules()
        self.currency = currency

    def _today(self, timezone: str = "UTC") -> dt.date:
        return self._ctx.clock.now().in_timezone(timezone).date()

    def profile(self, customer_id: str, *, today: dt.date | None = None) -> CustomerProfile:
        """The customer's profile, history and analytics as of ``today``."""
        now = self._ctx.clock.now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            customer = uow.repo(CUSTOMERS).get(customer_id)
            orders = uow.repo(ORDERS).select(eq("customer_id", customer_id), order_by="opened_at")
            upcoming = uow.repo(APPOINTMENTS).select(
                eq("customer_id", customer_id),
                ge("starts_at", now),
                in_("status", _UPCOMING),
                order_by="starts_at",
            )
        today = today or now.date()
        currency = orders[0].currency if orders else self.currency
        visits = visits_of(orders)
        total = Money.sum((v.spend for v in visits), currency)
        services = Counter(s for v in visits for s in v.services)
        staff = Counter(s for v in visits for s in v.staff)
        days = [v.day for v in visits if v.services]
        return CustomerProfile(
            customer=customer,
            visits=tuple(visits),
            upcoming=tuple(upcoming),
            total_spent=total,
            average_ticket=(
                Money(total.amount / len(visits), currency).round() if visits else total
            ),
            first_visit=visits[0].day if visits else None,
            last_visit=visits[-1].day if visits else None,
            favourite_services=tuple(s for s, _ in services.most_common(3)),
            favourite_staff=tuple(s for s, _ in staff.most_common(2)),
            segment=segment_of(visits, today, vip=customer.vip, rules=self.rules),
            trend=spending_trend(visits, currency, today=today),
            expected_next_visit=expected_next_visit(
                days, [c for v in visits for c in v.categories]
            ),
        )

    def _by_customer(self) -> tuple[list[Customer], dict[str, list[Visit]], list[Order]]:
        with self._ctx.unit_of_work(readonly=True) as uow:
            customers = uow.repo(CUSTOMERS).select()
            orders = uow.repo(ORDERS).select()
        grouped: dict[str, list[Order]] = {}
        for order in orders:
            if order.customer_id:
                grouped.setdefault(order.customer_id, []).append(order)
        return customers, {c: visits_of(os) for c, os in grouped.items()}, orders

    def segments(self, *, today: dt.date | None = None) -> dict[str, list[str]]:
        """Customer ids by segment: ``new``, ``regular``, ``lapsed``, ``vip``, ``prospect``."""
        today = today or self._today()
        customers, visits, _ = self._by_customer()
        out: dict[str, list[str]] = {k: [] for k in ("new", "regular", "lapsed", "vip", "prospect")}
        for customer in customers:
            seg = segment_of(visits.get(customer.id, []), today, vip=customer.vip, rules=self.rules)
            out[seg].append(customer.id)
        return out

    def rfm(self, *, today: dt.date | None = None) -> list[Rfm]:
        """RFM scores of every customer who has visited."""
        today = today or self._today()
        _, visits, _ = self._by_customer()
        return rfm_scores(visits, today)

    def recommendations(
        self, customer_id: str, *, today: dt.date | None = None, limit: int = 5
    ) -> list[Recommendation]:
        """What to offer the customer: a rebooking when their usual visit is due, services and
        products that customers with the same services also bought."""
        profile = self.profile(customer_id, today=today)
        today = today or self._today()
        _, visits, _ = self._by_customer()
        with self._ctx.unit_of_work(readonly=True) as uow:
            names = {s.id: s.name for s in uow.repo(SERVICES).select()}
            names.update({p.sku: p.name for p in uow.repo(PRODUCTS).select()})
        out: list[Recommendation] = []
        due = profile.expected_next_visit
        if (
            due is not None
            and profile.favourite_services
            and not profile.upcoming
            and due <= today + dt.timedelta(days=7)
        ):
            usual = profile.favourite_services[0]
            out.append(
                Recommendation(
                    kind="rebook",
                    item_id=usual,
                    name=names.get(usual, usual),
                    reason=f"usually back by {due:%d %b}",
                    score=100,
                )
            )
        mine_services = {s for v in profile.visits for s in v.services}
        mine_products = {p for v in profile.visits for p in v.products}
        together: Counter[tuple[str, str]] = Counter()
        for other, their in visits.items():
            if other == customer_id:
                continue
            services = {s for v in their for s in v.services}
            if not services & mine_services:
                continue
            together.update(("service", s) for s in services - mine_services)
            together.update(
                ("product", p) for v in their for p in v.products if p not in mine_products
            )
        for (kind, item), count in together.most_common():
            out.append(
                Recommendation(
                    kind=kind,
                    item_id=item,
                    name=names.get(item, item),
                    reason=f"{count} customer(s) with the same services chose it",
                    score=count,
                )
            )
        return out[:limit]


__all__ = ["CrmService", "CustomerProfile", "Recommendation"]
