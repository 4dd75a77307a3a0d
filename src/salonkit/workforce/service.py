"""Workforce use cases: ``salon.workforce``. Each writing method is one unit of work."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.domain.money import Money
from salonkit.domain.store import Store
from salonkit.domain.time import local_date, require_aware, wall_to_instant
from salonkit.errors import ValidationError
from salonkit.orders.model import LineKind
from salonkit.orders.records import ORDERS
from salonkit.reports.utilisation import heat_map, staff_availability
from salonkit.scheduling.model import Appointment, AppointmentStatus
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.storage.port import UnitOfWork, eq, ge, gt, in_, lt
from salonkit.storage.records import RESOURCES, STAFF, STORES
from salonkit.workforce.commission import Commission, CommissionPlan, commissions
from salonkit.workforce.floor import delays, projected_steps
from salonkit.workforce.model import ClockEntry, LateFlag, StepProgress
from salonkit.workforce.records import CLOCK_ENTRIES, COMMISSION_PLANS, LATE_FLAGS, STEP_PROGRESS

_LIVE = (
    AppointmentStatus.BOOKED.value,
    AppointmentStatus.CONFIRMED.value,
    AppointmentStatus.CHECKED_IN.value,
)


@attrs.frozen(kw_only=True)
class RunningLate(DomainEvent):
    """``appointment_id`` will start ``minutes_late`` late because ``caused_by`` ran over."""

    appointment_id: str
    caused_by: str
    staff_id: str
    minutes_late: int


@attrs.frozen(kw_only=True)
class Attendance:
    """A staff member's day: minutes scheduled, clocked, and how late they clocked in."""

    staff_id: str
    day: dt.date
    scheduled_minutes: int
    worked_minutes: int
    late_minutes: int
    clocked_in: bool


@attrs.frozen(kw_only=True)
class Performance:
    """A staff member's figures over a period."""

    staff_id: str
    services: int
    customers: int
    service_revenue: Money
    product_revenue: Money
    average_ticket: Money
    commission: Money
    tips: Money
    available_minutes: int
    busy_minutes: int
    rebooked_customers: int

    @property
    def utilisation(self) -> float:
        """Busy share of the scheduled time (from the appointments on the calendar)."""
        return self.busy_minutes / self.available_minutes if self.available_minutes else 0.0

    @property
    def rebooking_rate(self) -> float:
        """Share of the customers served who have a later booking."""
        return self.rebooked_customers / self.customers if self.customers else 0.0


class WorkforceService:
    """Commission, performance, attendance and the floor's progress tracking."""

    def __init__(self, context: Context, *, late_tolerance_minutes: int = 5) -> None:
        self._ctx = context
        self.late_tolerance_minutes = late_tolerance_minutes

    def _now(self) -> pendulum.DateTime:
        return require_aware(self._ctx.clock.now(), "clock.now")

    @staticmethod
    def _window(store: Store, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
        return (
            wall_to_instant(first, dt.time(0), store.timezone),
            wall_to_instant(last + dt.timedelta(days=1), dt.time(0), store.timezone),
        )

    # -- commission ------------------------------------------------------------------------

    def set_commission_plan(self, store_id: str, plan: CommissionPlan) -> CommissionPlan:
        """Save the store's commission rules."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(store_id)
            repo = uow.repo(COMMISSION_PLANS)
            found = repo.find(store_id)
            record = attrs.evolve(plan, id=store_id, version=found.version if found else 0)
            return repo.update(record) if found else repo.add(record)

    def commission_plan(self, store_id: str) -> CommissionPlan:
        """The store's commission rules (:meth:`CommissionPlan.standard` until set)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(COMMISSION_PLANS).find(store_id) or CommissionPlan.standard(store_id)

    def commissions(self, store_id: str, *, days: tuple[dt.date, dt.date]) -> list[Commission]:
        """Each staff member's commission and tips on the orders paid in ``days``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            start, end = self._window(store, *days)
            orders = uow.repo(ORDERS).select(
                eq("store_id", store_id), ge("paid_at", start), lt("paid_at", end)
            )
            plan = uow.repo(COMMISSION_PLANS).find(store_id) or CommissionPlan.standard(store_id)
            levels = {m.id: m.level for m in uow.repo(STAFF).select(eq("store_id", store_id))}
        return commissions(orders, plan, levels, store.currency)

    def commission_total(self, store_id: str, first: dt.date, last: dt.date) -> Money:
        """All commission owed for ``[first, last]`` (tips excluded): for the P&L."""
        rows = self.commissions(store_id, days=(first, last))
        with self._ctx.unit_of_work(readonly=True) as uow:
            currency = uow.repo(STORES).get(store_id).currency
        return Money.sum((r.commission for r in rows), currency)

    # -- attendance ------------------------------------------------------------------------

    def clock_in(self, staff_id: str) -> ClockEntry:
        """Start a staff member's clocked time now."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"clock:{staff_id}")
            member = uow.repo(STAFF).get(staff_id)
            store = uow.repo(STORES).get(member.store_id)
            repo = uow.repo(CLOCK_ENTRIES)
            if any(e.clock_out is None for e in repo.select(eq("staff_id", staff_id))):
                raise ValidationError("staff_id", f"{member.name} is already clocked in")
            return repo.add(
                ClockEntry(
                    id=self._ctx.ids.new("clock"),
                    staff_id=staff_id,
                    store_id=store.id,
                    day=local_date(now, store.timezone),
                    clock_in=now,
                )
            )

    def clock_out(self, staff_id: str) -> ClockEntry:
        """End a staff member's clocked time now."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"clock:{staff_id}")
            repo = uow.repo(CLOCK_ENTRIES)
            open_entries = [e for e in repo.select(eq("staff_id", staff_id)) if e.clock_out is None]
            if not open_entries:
                raise ValidationError("staff_id", f"{staff_id} is not clocked in")
            return repo.update(attrs.evolve(open_entries[0], clock_out=now))

    def attendance(self, store_id: str, day: dt.date) -> list[Attendance]:
        """Scheduled against clocked minutes, and lateness, for every active staff member."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            staff = [m for m in uow.repo(STAFF).select(eq("store_id", store_id)) if m.active]
            entries = uow.repo(CLOCK_ENTRIES).select(eq("store_id", store_id), eq("day", day))
        out = []
        for member in staff:
            ranges = staff_availability(member, day, store.timezone)
            mine = [e for e in entries if e.staff_id == member.id]
            first_in = min((e.clock_in for e in mine), default=None)
            start = ranges[0].start if ranges else None
            late = (
                max(0, int((first_in - start).total_seconds() // 60))
                if first_in is not None and start is not None
                else 0
            )
            out.append(
                Attendance(
                    staff_id=member.id,
                    day=day,
                    scheduled_minutes=sum(int(r.duration.total_seconds() // 60) for r in ranges),
                    worked_minutes=sum(e.minutes for e in mine),
                    late_minutes=late,
                    clocked_in=any(e.clock_out is None for e in mine),
                )
            )
        return out

    # -- performance -----------------------------------------------------------------------

    def performance(self, store_id: str, *, days: tuple[dt.date, dt.date]) -> list[Performance]:
        """Every staff member's figures over ``days``: services, revenue, average ticket,
        commission, tips, utilisation (from the schedule) and rebooking."""
        first, last = days
        rows = {c.staff_id: c for c in self.commissions(store_id, days=days)}
        with self._ctx.unit_of_work(readonly=True) as uow:
            store = uow.repo(STORES).get(store_id)
            start, end = self._window(store, first, last)
            staff = [m for m in uow.repo(STAFF).select(eq("store_id", store_id)) if m.active]
            resources = uow.repo(RESOURCES).select(eq("store_id", store_id))
            orders = uow.repo(ORDERS).select(
                eq("store_id", store_id), ge("paid_at", start), lt("paid_at", end)
            )
            appts = uow.repo(APPOINTMENTS).select(
                eq("store_id", store_id), lt("held_from", end), gt("held_until", start)
            )
            future = uow.repo(APPOINTMENTS).select(
                eq("store_id", store_id), ge("starts_at", end), in_("status", _LIVE)
            )
        available: dict[str, int] = defaultdict(int)
        busy: dict[str, int] = defaultdict(int)
        day = first
        while day <= last:
            heat = heat_map(store, day, staff, resources, appts)
            for heat_row in heat.staff:
                available[heat_row.key] += sum(heat_row.available)
                busy[heat_row.key] += sum(heat_row.busy)
            day += dt.timedelta(days=1)
        booked_later = {a.customer_id for a in future}
        out = []
        zero = Money.zero(store.currency)
        for member in staff:
            services = 0
            customers: set[str] = set()
            tickets = []
            for order in orders:
                lines = [
                    x for x in order.lines if x.staff_id == member.id and x.kind is not LineKind.TIP
                ]
                if not lines:
                    continue
                services += sum(x.quantity for x in lines if x.kind is LineKind.SERVICE)
                tickets.append(Money.sum((x.total for x in lines), store.currency))
                if order.customer_id:
                    customers.add(order.customer_id)
            row = rows.get(member.id)
            out.append(
                Performance(
                    staff_id=member.id,
                    services=services,
                    customers=len(customers),
                    service_revenue=row.service_revenue if row else zero,
                    product_revenue=row.product_revenue if row else zero,
                    average_ticket=(
                        Money(
                            Money.sum(tickets, store.currency).amount / len(tickets), store.currency
                        ).round()
                        if tickets
                        else zero
                    ),
                    commission=row.commission if row else zero,
                    tips=row.tips if row else zero,
                    available_minutes=available[member.id],
                    busy_minutes=busy[member.id],
                    rebooked_customers=len(customers & booked_later),
                )
            )
        return out

    # -- the floor -------------------------------------------------------------------------

    def _progress(self, uow: UnitOfWork, appt: Appointment, store: Store) -> StepProgress:
        found = uow.repo(STEP_PROGRESS).find(appt.id)
        if found is not None:
            return found
        n = len(appt.steps)
        return uow.repo(STEP_PROGRESS).add(
            StepProgress(
                id=appt.id,
                store_id=appt.store_id,
                staff_id=appt.staff_id,
                day=local_date(appt.starts_at, store.timezone),
                started=(None,) * n,
                finished=(None,) * n,
            )
        )

    def start_step(self, appointment_id: str) -> StepProgress:
        """The next step of a checked-in appointment starts now; later bookings it will delay
        are flagged (see :meth:`late_flags`)."""
        return self._step(appointment_id, start=True)

    def finish_step(self, appointment_id: str) -> StepProgress:
        """The step under way finished now."""
        return self._step(appointment_id, start=False)

    def _step(self, appointment_id: str, *, start: bool) -> StepProgress:
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"floor:{appointment_id}")
            appt = uow.repo(APPOINTMENTS).get(appointment_id)
            if appt.status is not AppointmentStatus.CHECKED_IN:
                raise ValidationError("appointment", "check the customer in first")
            store = uow.repo(STORES).get(appt.store_id)
            progress = self._progress(uow, appt, store)
            started, finished = list(progress.started), list(progress.finished)
            if start:
                index = next((i for i, s in enumerate(started) if s is None), None)
                if index is None:
                    raise ValidationError("step", "every step has started")
                if index and finished[index - 1] is None:
                    finished[index - 1] = now
                started[index] = now
            else:
                index = progress.current_step()
                if index is None:
                    raise ValidationError("step", "no step is under way")
                finished[index] = now
            saved = uow.repo(STEP_PROGRESS).update(
                attrs.evolve(progress, started=tuple(started), finished=tuple(finished))
            )
            self._flag_delays(uow, appt, saved, now)
            return saved

    def _flag_delays(
        self, uow: UnitOfWork, appt: Appointment, progress: StepProgress, now: pendulum.DateTime
    ) -> None:
        steps = projected_steps(appt, progress, now)
        later = [
            a
            for a in uow.repo(APPOINTMENTS).select(
                eq("staff_id", appt.staff_id), gt("starts_at", appt.starts_at), in_("status", _LIVE)
            )
            if a.id != appt.id and a.starts_at < appt.starts_at.add(hours=12)
        ]
        later.sort(key=lambda a: a.starts_at)
        hits = {
            a.id: minutes
            for a, minutes in delays(
                appt, steps, later, tolerance_minutes=self.late_tolerance_minutes
            )
        }
        repo = uow.repo(LATE_FLAGS)
        for flag in repo.select(eq("caused_by", appt.id)):
            if flag.id not in hits and not flag.cleared:
                repo.update(attrs.evolve(flag, cleared=True))
        for booking in later:
            if booking.id not in hits:
                continue
            minutes = hits[booking.id]
            found = repo.find(booking.id)
            flag = LateFlag(
                id=booking.id,
                store_id=booking.store_id,
                day=progress.day,
                staff_id=booking.staff_id,
                caused_by=appt.id,
                minutes_late=minutes,
                flagged_at=now,
            )
            if found is None:
                repo.add(flag)
            elif found.minutes_late != minutes or found.cleared:
                repo.update(attrs.evolve(flag, version=found.version))
            else:
                continue
            uow.emit(
                RunningLate(
                    occurred_at=now,
                    store_id=booking.store_id,
                    appointment_id=booking.id,
                    caused_by=appt.id,
                    staff_id=booking.staff_id,
                    minutes_late=minutes,
                )
            )

    def progress(self, appointment_id: str) -> StepProgress | None:
        """What has been recorded of an appointment's steps (``None`` before the first)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(STEP_PROGRESS).find(appointment_id)

    def late_flags(self, store_id: str, day: dt.date) -> list[LateFlag]:
        """Bookings of ``day`` flagged as running late (cleared ones excluded)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(LATE_FLAGS).select(eq("store_id", store_id), eq("day", day))
        return [f for f in found if not f.cleared]


__all__ = ["Attendance", "Performance", "RunningLate", "WorkforceService"]
