"""Report use cases over storage: ``salon.reports``. Each method reads in one unit of work and
returns plain data (see :mod:`salonkit.reports.money`, :mod:`~salonkit.reports.utilisation`,
:mod:`~salonkit.reports.retention`); :func:`salonkit.reports.export.to_csv` turns rows into CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.money import Money
from salonkit.domain.store import Store
from salonkit.domain.time import wall_to_instant
from salonkit.errors import ValidationError
from salonkit.orders.model import Order
from salonkit.orders.records import DEPOSITS, ORDERS, REFUNDS
from salonkit.reports.money import (
    ProfitAndLoss,
    SalesRow,
    Takings,
    profit_and_loss,
    sales,
    takings,
)
from salonkit.reports.records import EXPENSES, Expense
from salonkit.reports.retention import Retention, retention
from salonkit.reports.utilisation import HeatMap, heat_map
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.storage.port import UnitOfWork, eq, ge, gt, lt
from salonkit.storage.records import RESOURCES, STAFF, STORES

#: ``commissions(store_id, first_day, last_day) -> Money``: what staff earned in commission.
CommissionSource = Callable[[str, dt.date, dt.date], Money]


@attrs.frozen(kw_only=True)
class DayReport:
    """Everything about one store's day: takings, sales three ways, utilisation, retention
    over the last 30 days and the day's P&L."""

    store_id: str
    day: dt.date
    takings: Takings
    by_service: tuple[SalesRow, ...]
    by_product: tuple[SalesRow, ...]
    by_staff: tuple[SalesRow, ...]
    utilisation: HeatMap
    retention: Retention
    pnl: ProfitAndLoss
    orders: int


def _days(day: dt.date | None, days: tuple[dt.date, dt.date] | None) -> tuple[dt.date, dt.date]:
    if (day is None) == (days is None):
        raise ValidationError("day", "give either day or days")
    first, last = (day, day) if day is not None else days  # type: ignore[misc]
    if last < first:
        raise ValidationError("days", "the last day is before the first")
    return first, last


class ReportService:
    """Reports of a salon or chain. ``commissions`` (optional) supplies the commission figure
    of the P&L (``salon.workforce.commission_total``)."""

    def __init__(self, context: Context, commissions: CommissionSource | None = None) -> None:
        self._ctx = context
        self.commissions = commissions

    @staticmethod
    def _window(
        store: Store, first: dt.date, last: dt.date
    ) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        start = wall_to_instant(first, dt.time(0), store.timezone)
        end = wall_to_instant(last + dt.timedelta(days=1), dt.time(0), store.timezone)
        return start, end

    @staticmethod
    def _paid_orders(
        uow: UnitOfWork, store_id: str, start: dt.datetime, end: dt.datetime
    ) -> list[Order]:
        return uow.repo(ORDERS).select(
            eq("store_id", store_id), ge("paid_at", start), lt("paid_at", end), order_by="paid_at"
        )

    def takings(
        self,
        store_id: str,
        *,
        day: dt.date | None = None,
        days: tuple[dt.date, dt.date] | None = None,
    ) -> Takings:
        """Takings per tender kind on ``day`` (or the inclusive range ``days``)."""
        first, last = _days(day, days)
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._takings(uow, uow.repo(STORES).get(store_id), first, last)

    def _takings(self, uow: UnitOfWork, store: Store, first: dt.date, last: dt.date) -> Takings:
        start, end = self._window(store, first, last)
        return takings(
            store_id=store.id,
            first_day=first,
            last_day=last,
            currency=store.currency,
            timezone=store.timezone,
            orders=self._paid_orders(uow, store.id, start, end),
            refunds=uow.repo(REFUNDS).select(
                eq("store_id", store.id), ge("at", start), lt("at", end)
            ),
            deposits=uow.repo(DEPOSITS).select(eq("store_id", store.id)),
        )

    def sales(
        self,
        store_id: str,
        *,
        by: str,
        day: dt.date | None = None,
        days: tuple[dt.date, dt.date] | None = None,
    ) -> list[SalesRow]:
        """Sales of orders paid in the period, grouped ``by`` service, product, staff, day or kind."""
        first, last = _days(day, days)
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            start, end = self._window(store, first, last)
            orders = self._paid_orders(uow, store_id, start, end)
        return sales(orders, by=by, currency=store.currency, timezone=store.timezone)

    def retention(self, store_id: str, *, days: tuple[dt.date, dt.date]) -> Retention:
        """Retention over ``days`` (against the equally long period before)."""
        first, last = _days(None, days)
        with self._ctx.unit_of_work(readonly=True) as uow:
            orders = uow.repo(ORDERS).select(eq("store_id", store_id))
        return retention(orders, first, last)

    def utilisation(self, store_id: str, *, day: dt.date) -> HeatMap:
        """The staff and resource heat map of ``day``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._utilisation(uow, uow.repo(STORES).get(store_id), day)

    @staticmethod
    def _utilisation(uow: UnitOfWork, store: Store, day: dt.date) -> HeatMap:
        start = wall_to_instant(day, dt.time(0), store.timezone)
        end = wall_to_instant(day + dt.timedelta(days=1), dt.time(0), store.timezone)
        appointments = uow.repo(APPOINTMENTS).select(
            eq("store_id", store.id), lt("held_from", end), gt("held_until", start)
        )
        staff = [m for m in uow.repo(STAFF).select(eq("store_id", store.id)) if m.active]
        resources = uow.repo(RESOURCES).select(eq("store_id", store.id))
        return heat_map(store, day, staff, resources, appointments)

    # -- expenses and P&L ---------------------------------------------------------------------

    def add_expense(
        self, store_id: str, *, day: dt.date, category: str, amount: Money, note: str = ""
    ) -> Expense:
        """Record an expense of the store on ``day``."""
        with self._ctx.unit_of_work() as uow:
            store = uow.repo(STORES).get(store_id)
            if amount.currency != store.currency:
                raise ValidationError("amount", f"must be in {store.currency}")
            expense = Expense(
                id=self._ctx.ids.new("expense"),
                store_id=store_id,
                day=day,
                category=category,
                amount=amount,
                note=note,
            )
            return uow.repo(EXPENSES).add(expense)

    def expenses(self, store_id: str, *, days: tuple[dt.date, dt.date]) -> list[Expense]:
        """The store's expenses in ``days`` (inclusive)."""
        first, last = _days(None, days)
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(EXPENSES).select(
                eq("store_id", store_id),
                ge("day", first),
                lt("day", last + dt.timedelta(days=1)),
                order_by="day",
            )

    def profit_and_loss(
        self,
        store_id: str,
        *,
        day: dt.date | None = None,
        days: tuple[dt.date, dt.date] | None = None,
    ) -> ProfitAndLoss:
        """Revenue, cost of goods, commissions, expenses and net profit of the period."""
        first, last = _days(day, days)
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._pnl(uow, uow.repo(STORES).get(store_id), first, last)

    def _pnl(self, uow: UnitOfWork, store: Store, first: dt.date, last: dt.date) -> ProfitAndLoss:
        start, end = self._window(store, first, last)
        expenses = uow.repo(EXPENSES).select(
            eq("store_id", store.id), ge("day", first), lt("day", last + dt.timedelta(days=1))
        )
        commissions = self.commissions(store.id, first, last) if self.commissions else None
        return profit_and_loss(
            store_id=store.id,
            first_day=first,
            last_day=last,
            currency=store.currency,
            orders=self._paid_orders(uow, store.id, start, end),
            expenses=expenses,
            commissions=commissions,
        )

    def day(self, store_id: str, day: dt.date) -> DayReport:
        """The whole report of one day."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            start, end = self._window(store, day, day)
            orders = self._paid_orders(uow, store.id, start, end)
            all_orders = uow.repo(ORDERS).select(eq("store_id", store.id))
            heat = self._utilisation(uow, store, day)
            cash = self._takings(uow, store, day, day)
            expenses = uow.repo(EXPENSES).select(eq("store_id", store.id), eq("day", day))
        commissions = self.commissions(store.id, day, day) if self.commissions else None

        def group(by: str) -> tuple[SalesRow, ...]:
            return tuple(sales(orders, by=by, currency=store.currency, timezone=store.timezone))

        return DayReport(
            store_id=store.id,
            day=day,
            takings=cash,
            by_service=group("service"),
            by_product=group("product"),
            by_staff=group("staff"),
            utilisation=heat,
            retention=retention(all_orders, day - dt.timedelta(days=29), day),
            pnl=profit_and_loss(
                store_id=store.id,
                first_day=day,
                last_day=day,
                currency=store.currency,
                orders=orders,
                expenses=expenses,
                commissions=commissions,
            ),
            orders=len(orders),
        )


__all__ = ["CommissionSource", "DayReport", "ReportService"]
