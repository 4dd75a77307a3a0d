"""The booking service: find, hold, book, move and cancel appointments safely under concurrency.

Every public method is one unit of work. Writes lock the store's calendar first
(``uow.lock("calendar:<store>")``, then ``"customer:<id>"``), then read, check and write: the SQL
backend turns the lock into ``BEGIN IMMEDIATE`` on SQLite and a transaction-scoped advisory lock
on PostgreSQL, so two requests for the same slot are checked one after the other and the second
sees the first's booking. Held and booked appointments both count as busy; a hold stops counting
when it expires. Writes accept an ``idempotency_key``: a retried request returns what the first
produced and creates nothing twice.

>>> import pendulum
>>> from salonkit.testing import FrozenClock, memory_context
>>> from salonkit.scheduling.sample import install_sample_salon
>>> ctx = memory_context(FrozenClock(pendulum.datetime(2026, 5, 4, 8)))
>>> _ = install_sample_salon(ctx, customers=("ana",))
>>> bookings = BookingService(ctx, store_id="flagship")
>>> day = (pendulum.datetime(2026, 5, 5, 9, tz="Europe/London"),
...        pendulum.datetime(2026, 5, 5, 19, tz="Europe/London"))
>>> slot = bookings.find_slots("cut", customer="ana", within=day, limit=1)[0]
>>> appt = bookings.book(slot, idempotency_key="req-1")
>>> appt.status.value, appt.staff_id, str(appt.starts_at)
('booked', 's01', '2026-05-05 08:00:00+00:00')
>>> bookings.book(slot, idempotency_key="req-1").id == appt.id   # a retry creates nothing
True
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Literal

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.catalogue import Service
from salonkit.domain.customer import Customer
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.domain.time import TimeRange, plus_minutes, require_aware
from salonkit.errors import BookingConflict, ConcurrencyError, ConflictReason, ValidationError
from salonkit.scheduling import calendar_export, waitlist
from salonkit.scheduling.availability import AvailabilityEngine
from salonkit.scheduling.calendar_index import CalendarIndex
from salonkit.scheduling.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentRescheduled,
    AppointmentStatusChanged,
    WaitlistSlotOffered,
)
from salonkit.scheduling.intervals import day_bounds, from_epoch, local_day, to_epoch
from salonkit.scheduling.model import (
    BLOCKING,
    Appointment,
    AppointmentStatus,
    BookingRequest,
    Cancellation,
    SeriesResult,
    Slot,
    Suggestion,
    VisitSlot,
    WaitlistEntry,
    WaitlistStatus,
)
from salonkit.scheduling.records import (
    APPOINTMENTS,
    BOOKING_RULES,
    CALENDAR_STAMPS,
    WAITLIST,
    CalendarStamp,
)
from salonkit.scheduling.recurrence import weekly
from salonkit.scheduling.rules import (
    BookingRules,
    StoreRules,
    is_late_cancellation,
    service_reasons,
    start_reasons,
    time_limits,
)
from salonkit.scheduling.shape import shape_of
from salonkit.storage import eq, gt, in_, lt
from salonkit.storage.idempotency import (
    fingerprint,
    recall,
    recall_many,
    remember,
    remember_many,
)
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import (
    CUSTOMERS,
    RESOURCES,
    SERVICES,
    STAFF,
    STORES,
    IdempotencyRecord,
)
from salonkit.storage.reference import ReferenceCache, ReferenceView

log = logging.getLogger(__name__)

Within = TimeRange | tuple[dt.datetime, dt.datetime]

_ACTIVE = tuple(s.value for s in BLOCKING)
_OPEN_ENTRIES = (WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value)
_MOVABLE = frozenset(
    {AppointmentStatus.HELD, AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED}
)
_DAY = dt.timedelta(days=1)
_DAY_MINUTES = 24 * 60
_HOUR = dt.timedelta(hours=1)
_SUGGEST_DAYS = 14


def _window(within: Within, field: str = "within") -> TimeRange:
    if isinstance(within, TimeRange):
        return within
    try:
        start, end = within
    except (TypeError, ValueError):
        raise ValidationError(field, "give a TimeRange or a (start, end) pair") from None
    return TimeRange(require_aware(start, f"{field}.start"), require_aware(end, f"{field}.end"))


def _day_counts(
    appointments: Iterable[Appointment],
    customer_id: str,
    timezone: str,
    skip_visit: str | None = None,
) -> Counter[dt.date]:
    """Bookings per store day for a customer (the legs of one visit count once)."""
    groups: dict[str, dt.date] = {}
    for appt in appointments:
        if appt.customer_id != customer_id:
            continue
        if skip_visit is not None and appt.visit_id == skip_visit:
            continue
        groups[appt.visit_id or appt.id] = local_day(appt.starts_at, timezone)
    return Counter(groups.values())


@attrs.frozen
class _Refs:
    """The records a booking decision reads besides the calendar."""

    store: Store
    rules: BookingRules
    service: Service
    customer: Customer


@attrs.frozen
class _Preloaded:
    """What a batch read up front: its customers, and their blocking appointments (any store)
    over the batch's days, kept up to date as the batch books."""

    customers: dict[str, Customer]
    appointments: dict[str, list[Appointment]]


@attrs.frozen
class BatchOutcome:
    """The result of :meth:`BookingService.book_many`: one entry per request, in order, the
    :class:`~salonkit.scheduling.model.Appointment` booked or the
    :class:`~salonkit.BookingConflict` that refused it (without suggestions)."""

    results: tuple[Appointment | BookingConflict, ...]

    @property
    def booked(self) -> list[Appointment]:
        """The appointments booked (or found again by their idempotency key)."""
        return [r for r in self.results if isinstance(r, Appointment)]

    @property
    def refused(self) -> dict[int, BookingConflict]:
        """The refusals, by position of the request."""
        return {n: r for n, r in enumerate(self.results) if isinstance(r, BookingConflict)}


@attrs.frozen
class _CachedCalendar:
    """A store's calendar as read at stamp ``version`` for the window ``[lo, hi)``."""

    version: int
    lo: dt.datetime
    hi: dt.datetime
    index: CalendarIndex

    def covers(self, lo: dt.datetime, hi: dt.datetime) -> bool:
        """True when ``[lo, hi)`` lies inside this copy's window."""
        return self.lo <= lo and hi <= self.hi


#: How long the kept copy of a calendar may grow: a window outside it is read together with the
#: gap between them and joined to it when the whole stays this short (bookings for any day of
#: the next two months then share one copy); otherwise the window is read on its own.
_WIDEST = dt.timedelta(days=62)


class _Refusal(BookingConflict):
    """A refusal found inside a write transaction; suggestions are added once it rolled back."""

    def __init__(
        self, reasons: Sequence[ConflictReason], request: BookingRequest, ignore: frozenset[str]
    ) -> None:
        super().__init__(reasons)
        self.request = request
        self.ignore = ignore


class BookingService:
    """Availability, booking, holds, rescheduling, cancellation, recurrence and the waitlist.

    ``BookingService(context, store_id=None)``: ``store_id`` is the store used when a call does
    not name one with ``store=``.

    Searches reuse an indexed copy of a store's calendar while the store's
    :class:`~salonkit.scheduling.records.CalendarStamp` is unchanged; every write of this service
    bumps the stamp in its own transaction, naming the appointment; when the stamp moved, a
    search re-reads only the appointments changed since. Code that writes appointments some
    other way must call :meth:`touch` in the same unit of work.
    """

    def __init__(self, context: Context, store_id: str | None = None) -> None:
        self._ctx = context
        self._store_id = store_id
        self._calendars: dict[str, _CachedCalendar] = {}
        self._reference = ReferenceCache()
        self._views = threading.local()

    def _ref(self, uow: UnitOfWork) -> ReferenceView:
        """Stores, staff, services, resources and rules as cached for ``uow`` (the reference
        stamp is read once per unit of work)."""
        views = self._views
        if getattr(views, "uow", None) is not uow:
            views.view = self._reference.view(uow)
            views.uow = uow
        view: ReferenceView = views.view
        return view

    @staticmethod
    def touch(uow: UnitOfWork, store_id: str, appointment_id: str = "") -> int:
        """Record in ``uow`` that the store's calendar changed (bump its stamp; name the
        appointment that changed when there is one) and return the stamp's new version."""
        return BookingService._bump(
            uow, store_id, uow.repo(CALENDAR_STAMPS).find(store_id), appointment_id
        )

    @staticmethod
    def _bump_many(
        uow: UnitOfWork, store_id: str, stamp: CalendarStamp | None, appointment_ids: list[str]
    ) -> int:
        """Record one change of the store's calendar naming several appointments."""
        repo = uow.repo(CALENDAR_STAMPS)
        if stamp is None:
            stamp = repo.add(CalendarStamp(id=store_id, version=0))
        return repo.update(stamp.bumped_many(appointment_ids)).version

    @staticmethod
    def _bump(
        uow: UnitOfWork, store_id: str, stamp: CalendarStamp | None, appointment_id: str
    ) -> int:
        """:meth:`touch` with the stamp already read in ``uow``."""
        repo = uow.repo(CALENDAR_STAMPS)
        if stamp is None:
            return repo.add(
                CalendarStamp(id=store_id, changes=((1, appointment_id),), version=1)
            ).version
        return repo.update(stamp.bumped(appointment_id)).version

    def _save(self, uow: UnitOfWork, appt: Appointment, *, new: bool = False) -> Appointment:
        """Store a new or changed appointment and bump the store's calendar stamp."""
        self.touch(uow, appt.store_id, appt.id)
        repo = uow.repo(APPOINTMENTS)
        return repo.add(appt) if new else repo.update(appt)

    def _calendar(
        self, uow: UnitOfWork, store_id: str, lo: dt.datetime, hi: dt.datetime, keep: bool
    ) -> CalendarIndex:
        """The store's blocking appointments overlapping ``[lo, hi)``, indexed.

        A copy is kept per store with the stamp it was read at (see :meth:`_current`). Only
        read-only units of work ``keep`` what they build; writers keep theirs once committed.
        """
        stamp = uow.repo(CALENDAR_STAMPS).find(store_id)
        current = self._current(uow, store_id, stamp, lo, hi, widen=True)
        if keep:
            self._calendars[store_id] = current
        return current.index

    def _current(
        self,
        uow: UnitOfWork,
        store_id: str,
        stamp: CalendarStamp | None,
        lo: dt.datetime,
        hi: dt.datetime,
        *,
        widen: bool = False,
    ) -> _CachedCalendar:
        """The store's calendar covering ``[lo, hi)`` as of ``stamp``.

        The kept copy is reused as is while the stamp is unchanged; when the stamp moved by
        fewer than :data:`~salonkit.scheduling.records.RECENT_CHANGES` named changes, only those
        appointments are read again and re-indexed. ``widen``: a window the copy does not cover
        is read, with the gap between them, and joined to it when the whole stays within
        :data:`_WIDEST`, so the next search or booking finds it.
        """
        version = stamp.version if stamp is not None else 0
        cached = self._calendars.get(store_id)
        if cached is not None and cached.version != version:
            changed = stamp.changed_since(cached.version) if stamp is not None else None
            if changed is None or cached.version > version:
                cached = None
            else:
                fresh = [
                    a
                    for a in uow.repo(APPOINTMENTS).select(in_("id", sorted(changed)))
                    if a.held_from < cached.hi and a.held_until > cached.lo
                ]
                cached = _CachedCalendar(
                    version, cached.lo, cached.hi, cached.index.updated(fresh, removed=changed)
                )
        if cached is not None and cached.covers(lo, hi):
            return cached
        if widen and cached is not None and max(hi, cached.hi) - min(lo, cached.lo) <= _WIDEST:
            new_lo, new_hi = min(lo, cached.lo), max(hi, cached.hi)
            added = [
                *(
                    self._window_appointments(uow, store_id, new_lo, cached.lo)
                    if new_lo < cached.lo
                    else ()
                ),
                *(
                    self._window_appointments(uow, store_id, cached.hi, new_hi)
                    if cached.hi < new_hi
                    else ()
                ),
            ]
            return _CachedCalendar(version, new_lo, new_hi, cached.index.updated(added))
        found = self._window_appointments(uow, store_id, lo, hi)
        return _CachedCalendar(version, lo, hi, CalendarIndex(store_id, found))

    @staticmethod
    def _window_appointments(
        uow: UnitOfWork, store_id: str, lo: dt.datetime, hi: dt.datetime
    ) -> list[Appointment]:
        """The store's blocking appointments overlapping ``[lo, hi)``."""
        return uow.repo(APPOINTMENTS).select(
            eq("store_id", store_id),
            lt("held_from", hi),
            gt("held_until", lo),
            in_("status", _ACTIVE),
        )

    def _prefetch(
        self, store_id: str, first: dt.datetime, last: dt.datetime | None = None
    ) -> tuple[dt.datetime, dt.datetime]:
        """The window bookings starting from ``first`` to ``last`` are checked in (a day before
        to two days after, more than any appointment with its buffers holds), read into the
        kept calendar beforehand when it is not there yet, so a writer never decodes many
        appointments while it holds the calendar lock."""
        lo, hi = plus_minutes(first, -_DAY_MINUTES), plus_minutes(last or first, 2 * _DAY_MINUTES)
        cached = self._calendars.get(store_id)
        if cached is None or not cached.covers(lo, hi):
            with self._ctx.unit_of_work(readonly=True) as uow:
                stamp = uow.repo(CALENDAR_STAMPS).find(store_id)
                self._calendars[store_id] = self._current(uow, store_id, stamp, lo, hi, widen=True)
        return lo, hi

    def _keep_calendar(
        self, store_id: str, calendar: _CachedCalendar, version: int, appt: Appointment
    ) -> None:
        """After a commit that took the stamp to ``version`` by writing ``appt``: keep the
        calendar the writer checked against, with ``appt`` put in.

        Another thread may have kept a wider copy meanwhile (widened for a search or a booking
        further away): one read at the same version takes ``appt`` instead, and one that is
        newer already holds it; either way the wider copy stays, so the next booking in its
        window does not read it again while holding the calendar lock."""
        kept = self._calendars.get(store_id)
        if kept is not None and kept is not calendar and kept.covers(calendar.lo, calendar.hi):
            if kept.version >= version:
                return
            if kept.version == calendar.version:
                calendar = kept
        self._calendars[store_id] = _CachedCalendar(
            version, calendar.lo, calendar.hi, calendar.index.updated([appt])
        )

    def _now(self) -> pendulum.DateTime:
        return require_aware(self._ctx.clock.now(), "clock.now")

    def _sid(self, store: str | None) -> str:
        sid = store or self._store_id
        if not sid:
            raise ValidationError("store", "name the store (or construct the service with one)")
        return sid

    @staticmethod
    def _lock(uow: UnitOfWork, store_id: str, customer_id: str | None = None) -> None:
        uow.lock(f"calendar:{store_id}")
        if customer_id is not None:
            uow.lock(f"customer:{customer_id}")

    def _rules_of(self, uow: UnitOfWork, store_id: str) -> BookingRules:
        found = self._ref(uow).find(BOOKING_RULES, store_id)
        return found.rules if found is not None else BookingRules()

    def _refs(
        self,
        uow: UnitOfWork,
        store_id: str,
        service_id: str,
        customer_id: str,
        preloaded: _Preloaded | None = None,
    ) -> _Refs:
        ref = self._ref(uow)
        customer = preloaded.customers.get(customer_id) if preloaded is not None else None
        return _Refs(
            store=ref.get(STORES, store_id),
            rules=self._rules_of(uow, store_id),
            service=ref.get(SERVICES, service_id),
            customer=customer or uow.repo(CUSTOMERS).get(customer_id),
        )

    @staticmethod
    def _appointments(
        uow: UnitOfWork,
        store_id: str,
        lo: dt.datetime,
        hi: dt.datetime,
        customer_id: str | None = None,
        customer_lo: dt.datetime | None = None,
        customer_hi: dt.datetime | None = None,
    ) -> list[Appointment]:
        """Blocking appointments of the store overlapping ``[lo, hi)`` (buffers included) and
        the customer's anywhere overlapping ``[customer_lo, customer_hi)``."""
        found = {a.id: a for a in BookingService._window_appointments(uow, store_id, lo, hi)}
        if customer_id is not None:
            for a in BookingService._customer_appointments(
                uow, customer_id, customer_lo or lo, customer_hi or hi
            ):
                found.setdefault(a.id, a)
        return list(found.values())

    @staticmethod
    def _customer_appointments(
        uow: UnitOfWork, customer_id: str, lo: dt.datetime, hi: dt.datetime
    ) -> list[Appointment]:
        """The customer's blocking appointments in any store overlapping ``[lo, hi)``."""
        return uow.repo(APPOINTMENTS).select(
            eq("customer_id", customer_id),
            lt("starts_at", hi),
            gt("ends_at", lo),
            in_("status", _ACTIVE),
        )

    def _engine(
        self,
        uow: UnitOfWork,
        store: Store,
        lo: dt.datetime,
        hi: dt.datetime,
        *,
        now: dt.datetime,
        customer_id: str | None = None,
        staff_members: Sequence[StaffMember] | None = None,
        ignore: frozenset[str] = frozenset(),
        customer_days: tuple[dt.datetime, dt.datetime] | None = None,
        cached: Literal["no", "read", "keep"] = "no",
    ) -> AvailabilityEngine:
        """An engine over the store's staff, resources and appointments in ``[lo, hi)``.

        ``cached``: ``"no"`` loads the appointments afresh; ``"read"`` reuses the cached calendar
        when current; ``"keep"`` (read-only units of work only) also caches what it loads.
        """
        ref = self._ref(uow)
        staff = (
            staff_members
            if staff_members is not None
            else ref.select(STAFF, eq("store_id", store.id))
        )
        resources = ref.select(RESOURCES, eq("store_id", store.id))
        c_lo, c_hi = customer_days if customer_days is not None else (lo, hi)
        if cached != "no":
            calendar = self._calendar(uow, store.id, lo, hi, keep=cached == "keep")
            elsewhere = (
                self._customer_appointments(uow, customer_id, c_lo, c_hi)
                if customer_id is not None
                else []
            )
            return AvailabilityEngine(
                store, staff, resources, elsewhere, now=now, ignore=ignore, calendar=calendar
            )
        appointments = self._appointments(uow, store.id, lo, hi, customer_id, c_lo, c_hi)
        return AvailabilityEngine(store, staff, resources, appointments, now=now, ignore=ignore)

    @staticmethod
    def _local_day_bounds(instant: dt.datetime, timezone: str) -> tuple[dt.datetime, dt.datetime]:
        lo, hi = day_bounds(local_day(instant, timezone), timezone)
        return from_epoch(lo), from_epoch(hi)

    # ------------------------------------------------------------------ rules

    def rules(self, store: str | None = None) -> BookingRules:
        """The booking rules in force in the store (the ``standard`` template if none were set)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return self._rules_of(uow, self._sid(store))

    def set_rules(self, rules: BookingRules, store: str | None = None) -> BookingRules:
        """Replace the store's booking rules."""
        sid = self._sid(store)
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(sid)
            repo = uow.repo(BOOKING_RULES)
            found = repo.find(sid)
            if found is None:
                repo.add(StoreRules(id=sid, rules=rules))
            else:
                repo.update(attrs.evolve(found, rules=rules))
        return rules

    # ------------------------------------------------------------------ searching

    def find_slots(
        self,
        service: str,
        *,
        within: Within,
        customer: str | None = None,
        staff: str | Sequence[str] | None = None,
        preferred: Sequence[str] = (),
        limit: int | None = 20,
        channel: str = "desk",
        store: str | None = None,
    ) -> list[Slot]:
        """Bookable starts of ``service`` within ``within`` (the start lies inside it).

        ``staff`` restricts to one staff id (or a list); ``None`` means anyone qualified, with
        ``preferred`` (default: the customer's preferred staff) offered first. The store's
        booking rules apply (notice, horizon, online-bookable, patch test, allergies, per-day
        limit); a refused service gives an empty list (``book`` explains why).
        """
        window = _window(within)
        sid = self._sid(store)
        now = self._now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            ref = self._ref(uow)
            store_rec = ref.get(STORES, sid)
            rules = self._rules_of(uow, sid)
            svc = ref.get(SERVICES, service)
            cust = uow.repo(CUSTOMERS).get(customer) if customer is not None else None
            if service_reasons(rules, svc, cust, channel):
                return []
            named = [staff] if isinstance(staff, str) else staff
            engine = self._engine(
                uow,
                store_rec,
                window.start - _DAY,
                window.end + _DAY,
                now=now,
                customer_id=customer,
                staff_members=(
                    [m for m in (ref.find(STAFF, s) for s in named) if m is not None]
                    if named is not None
                    else None
                ),
                cached="keep",
            )
        counts = (
            _day_counts(engine.appointments, cust.id, store_rec.timezone)
            if cust is not None
            else Counter[dt.date]()
        )
        limits = time_limits(
            rules,
            service=svc,
            customer=cust,
            now=now,
            timezone=store_rec.timezone,
            bookings_per_day=lambda d: counts[d],
        )
        return engine.find_slots(
            svc,
            window=window,
            customer=cust,
            staff=staff,
            preferred=preferred,
            limit=limit,
            granularity=rules.granularity_minutes,
            earliest=limits.earliest,
            latest=limits.latest,
            day_ok=limits.day_ok,
        )

    def find_visit_slots(
        self,
        services: Sequence[str],
        *,
        within: Within,
        customer: str | None = None,
        staff: Sequence[str | None] | None = None,
        max_handoff_minutes: int | None = None,
        limit: int | None = 10,
        channel: str = "desk",
        store: str | None = None,
    ) -> list[VisitSlot]:
        """Starts for several services in sequence (a visit: colour then cut), each leg
        beginning when the previous ends or within ``max_handoff_minutes`` (the store's rule
        by default), possibly with different staff. ``staff`` gives each leg's staff (or None)."""
        if not services:
            raise ValidationError("services", "name at least one service")
        if staff is not None and len(staff) != len(services):
            raise ValidationError("staff", "give one staff id (or None) per service")
        window = _window(within)
        sid = self._sid(store)
        now = self._now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            store_rec = uow.repo(STORES).get(sid)
            rules = self._rules_of(uow, sid)
            svcs = [uow.repo(SERVICES).get(s) for s in services]
            cust = uow.repo(CUSTOMERS).get(customer) if customer is not None else None
            if any(service_reasons(rules, s, cust, channel) for s in svcs):
                return []
            engine = self._engine(
                uow,
                store_rec,
                window.start - _DAY,
                window.end + 2 * _DAY,
                now=now,
                customer_id=customer,
                cached="keep",
            )
        counts = (
            _day_counts(engine.appointments, cust.id, store_rec.timezone)
            if cust is not None
            else Counter[dt.date]()
        )
        limit_sets = [
            time_limits(
                rules,
                service=s,
                customer=cust,
                now=now,
                timezone=store_rec.timezone,
                bookings_per_day=lambda d: counts[d],
            )
            for s in svcs
        ]
        first = limit_sets[0]
        visits = engine.find_visit_slots(
            [(s, staff[i] if staff is not None else None) for i, s in enumerate(svcs)],
            window=window,
            customer=cust,
            max_handoff_minutes=(
                rules.max_handoff_minutes if max_handoff_minutes is None else max_handoff_minutes
            ),
            limit=limit,
            granularity=rules.granularity_minutes,
            earliest=first.earliest,
            latest=first.latest,
            day_ok=lambda d: all(lim.day_ok(d) for lim in limit_sets),
        )
        out = [
            v
            for v in visits
            if all(leg.starts_at < lim.latest for leg, lim in zip(v.legs, limit_sets, strict=True))
        ]
        return out[:limit] if limit is not None else out

    # ------------------------------------------------------------------ checking

    def _reasons(
        self,
        refs: _Refs,
        engine: AvailabilityEngine,
        request: BookingRequest,
        now: dt.datetime,
        channel: str,
        customer_appointments: Sequence[Appointment] | None = None,
    ) -> list[ConflictReason]:
        tz = refs.store.timezone
        counts = _day_counts(
            engine.appointments if customer_appointments is None else customer_appointments,
            refs.customer.id,
            tz,
            request.visit_id,
        )
        day = local_day(request.starts_at, tz)
        reasons = service_reasons(refs.rules, refs.service, refs.customer, channel)
        reasons += start_reasons(
            refs.rules,
            service=refs.service,
            customer=refs.customer,
            start=request.starts_at,
            now=now,
            timezone=tz,
            bookings_that_day=counts[day],
        )
        reasons += engine.explain(
            refs.service, request.staff_id, request.starts_at, refs.customer.id
        )
        return reasons

    def _suggest(
        self,
        uow: UnitOfWork,
        refs: _Refs,
        request: BookingRequest,
        now: dt.datetime,
        ignore: frozenset[str],
        channel: str,
        cached: Literal["read", "keep"] = "read",
    ) -> list[Suggestion]:
        """Nearest alternatives: same time with someone else, the same person's next free
        time, and the first free time on another day."""
        if service_reasons(refs.rules, refs.service, refs.customer, channel):
            return []
        tz = refs.store.timezone
        start = request.starts_at
        horizon = start + dt.timedelta(days=_SUGGEST_DAYS)
        engine = self._engine(
            uow,
            refs.store,
            start - _DAY,
            horizon + _DAY,
            now=now,
            customer_id=refs.customer.id,
            ignore=ignore,
            cached=cached,
        )
        counts = _day_counts(engine.appointments, refs.customer.id, tz, request.visit_id)
        limits = time_limits(
            refs.rules,
            service=refs.service,
            customer=refs.customer,
            now=now,
            timezone=tz,
            bookings_per_day=lambda d: counts[d],
        )
        common = {
            "customer": refs.customer,
            "earliest": limits.earliest,
            "latest": limits.latest,
            "day_ok": limits.day_ok,
            "limit": 1,
        }
        out: list[Suggestion] = []
        others = [
            m.id
            for m in engine.candidates(refs.service, None, refs.customer.preferred_staff)
            if m.id != request.staff_id
        ]
        if others:
            same_time = engine.find_slots(
                refs.service,
                window=TimeRange(start, start.add(minutes=1)),
                staff=others,
                granularity=1,
                **common,  # type: ignore[arg-type]
            )
            out.extend(Suggestion("other_staff", s) for s in same_time)
        if request.staff_id in engine.staff:
            later = engine.find_slots(
                refs.service,
                window=TimeRange(start, horizon),
                staff=request.staff_id,
                granularity=refs.rules.granularity_minutes,
                **common,  # type: ignore[arg-type]
            )
            out.extend(Suggestion("same_staff_later", s) for s in later)
        next_day = self._local_day_bounds(start, tz)[1]
        another = engine.find_slots(
            refs.service,
            window=TimeRange(next_day, horizon),
            granularity=refs.rules.granularity_minutes,
            **common,  # type: ignore[arg-type]
        )
        out.extend(Suggestion("another_day", s) for s in another)
        return out

    def suggest(
        self, request: BookingRequest, *, channel: str = "desk"
    ) -> tuple[list[ConflictReason], list[Suggestion]]:
        """Why ``request`` cannot be booked now (empty if it can) and the nearest alternatives."""
        now = self._now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            refs = self._refs(uow, request.store_id, request.service_id, request.customer_id)
            engine, mine = self._check_engine(uow, refs, request, now, frozenset())
            reasons = self._reasons(refs, engine, request, now, channel, mine)
            return reasons, self._suggest(
                uow, refs, request, now, frozenset(), channel, cached="keep"
            )

    def _check_engine(
        self,
        uow: UnitOfWork,
        refs: _Refs,
        request: BookingRequest,
        now: dt.datetime,
        ignore: frozenset[str],
        calendar: _CachedCalendar | None = None,
        preloaded: _Preloaded | None = None,
    ) -> tuple[AvailabilityEngine, list[Appointment]]:
        """An engine loaded with just what checking one booking needs, and the customer's
        blocking appointments that store day (for the per-day limit).

        The engine holds the staff member, the store's appointments overlapping what the
        booking would hold (from ``calendar`` when given, a copy current in this transaction)
        and the customer's that store day anywhere.
        """
        start = request.starts_at
        service = refs.service
        member = self._ref(uow).get(STAFF, request.staff_id)
        shape = shape_of(service, member)
        lo = plus_minutes(start, -shape.buffer_before)
        hi = plus_minutes(start, shape.minutes + shape.buffer_after)
        day_lo, day_hi = self._local_day_bounds(start, refs.store.timezone)
        customer = refs.customer.id
        if calendar is not None and not calendar.covers(lo, hi):
            calendar = None  # longer than any salon service: read what it needs
        if calendar is None:
            engine = self._engine(
                uow,
                refs.store,
                lo,
                hi,
                now=now,
                customer_id=customer,
                staff_members=[member],
                ignore=ignore,
                customer_days=(day_lo, day_hi),
            )
            mine = [a for a in engine.appointments if a.customer_id == customer]
            return engine, mine
        found = (
            [
                a
                for a in preloaded.appointments.get(customer, ())
                if a.starts_at < day_hi and a.ends_at > day_lo
            ]
            if preloaded is not None
            else self._customer_appointments(uow, customer, day_lo, day_hi)
        )
        mine = [a for a in found if a.id not in ignore and a.blocks(now)]
        engine = AvailabilityEngine(
            refs.store,
            [member],
            self._ref(uow).select(RESOURCES, eq("store_id", refs.store.id)),
            mine,
            now=now,
            ignore=ignore,
            calendar=calendar.index,
        )
        return engine, mine

    def _place(
        self,
        uow: UnitOfWork,
        request: BookingRequest,
        *,
        now: dt.datetime,
        status: AppointmentStatus,
        channel: str,
        notes: str = "",
        key: str | None = None,
        hold_minutes: int | None = None,
        ignore: frozenset[str] = frozenset(),
        series_id: str | None = None,
        calendar: _CachedCalendar | None = None,
        preloaded: _Preloaded | None = None,
    ) -> Appointment:
        """Check ``request`` and build the appointment (not stored).

        Raises :class:`_Refusal` (a BookingConflict) listing every reason; the public methods
        add suggestions after their transaction rolled back (see :meth:`_refused`), so the
        calendar lock is never held while alternatives are searched. ``calendar``: the store's
        calendar as current in this transaction, to check against instead of reading.
        """
        refs = self._refs(uow, request.store_id, request.service_id, request.customer_id, preloaded)
        engine, mine = self._check_engine(uow, refs, request, now, ignore, calendar, preloaded)
        reasons = self._reasons(refs, engine, request, now, channel, mine)
        steps = None
        if not reasons:
            member = engine.staff[request.staff_id]
            steps = engine.place(
                refs.service, member, to_epoch(request.starts_at), preferred=request.steps
            )
            if steps is None:  # explain found no shortage, so this cannot happen
                reasons = [ConflictReason("resource_full", "no resource units free")]
        if reasons or steps is None:
            raise _Refusal(reasons, request, ignore)
        shape = engine.shape(refs.service, engine.staff[request.staff_id])
        minutes = hold_minutes if hold_minutes is not None else refs.rules.hold_minutes
        return Appointment(
            id=self._ctx.ids.new("appointment"),
            store_id=request.store_id,
            customer_id=request.customer_id,
            service_id=request.service_id,
            staff_id=request.staff_id,
            starts_at=request.starts_at,
            steps=steps,
            buffer_before=shape.buffer_before,
            buffer_after=shape.buffer_after,
            status=status,
            hold_expires_at=(
                now + dt.timedelta(minutes=minutes) if status is AppointmentStatus.HELD else None
            ),
            visit_id=request.visit_id,
            series_id=series_id,
            channel=channel,
            notes=notes,
            created_at=now,
            idempotency_key=key,
        )

    def _refused(self, refusal: _Refusal, channel: str) -> BookingConflict:
        """The refusal with suggestions, searched in a read-only unit of work (no lock held)."""
        request = refusal.request
        now = self._now()
        with self._ctx.unit_of_work(readonly=True) as uow:
            refs = self._refs(uow, request.store_id, request.service_id, request.customer_id)
            suggestions = self._suggest(
                uow,
                refs,
                request,
                now,
                refusal.ignore,
                channel,
                cached="read" if refusal.ignore else "keep",
            )
        return BookingConflict(refusal.reasons, suggestions)

    # ------------------------------------------------------------------ booking

    @staticmethod
    def _request(slot: Slot | BookingRequest, customer: str | None) -> BookingRequest:
        if isinstance(slot, BookingRequest):
            if customer is not None and customer != slot.customer_id:
                raise ValidationError("customer", "differs from the request's customer")
            return slot
        return BookingRequest.from_slot(slot, customer)

    @staticmethod
    def _request_payload(request: BookingRequest) -> dict[str, object]:
        return {
            "store": request.store_id,
            "service": request.service_id,
            "customer": request.customer_id,
            "staff": request.staff_id,
            "start": request.starts_at.isoformat(),
        }

    def _emit_booked(self, uow: UnitOfWork, appt: Appointment, now: dt.datetime) -> None:
        uow.emit(
            AppointmentBooked(
                occurred_at=pendulum.instance(now),
                store_id=appt.store_id,
                appointment_id=appt.id,
                customer_id=appt.customer_id,
                staff_id=appt.staff_id,
                service_id=appt.service_id,
                starts_at=appt.starts_at,
                held=appt.status is AppointmentStatus.HELD,
            )
        )

    def _create(
        self,
        request: BookingRequest,
        *,
        status: AppointmentStatus,
        idempotency_key: str | None,
        channel: str,
        notes: str,
        hold_minutes: int | None = None,
    ) -> Appointment:
        payload = {"op": status.value, "channel": channel, **self._request_payload(request)}
        digest = fingerprint(payload)
        now = self._now()
        store_id = request.store_id
        lo, hi = self._prefetch(store_id, request.starts_at)
        try:
            with self._ctx.unit_of_work() as uow:
                self._lock(uow, store_id, request.customer_id)
                earlier = recall(uow, idempotency_key, digest)
                if earlier is not None:
                    return uow.repo(APPOINTMENTS).get(earlier.result_id)
                stamp = uow.repo(CALENDAR_STAMPS).find(store_id)
                calendar = self._current(uow, store_id, stamp, lo, hi, widen=True)
                appt = self._place(
                    uow,
                    request,
                    now=now,
                    status=status,
                    channel=channel,
                    notes=notes,
                    key=idempotency_key,
                    hold_minutes=hold_minutes,
                    calendar=calendar,
                )
                uow.repo(APPOINTMENTS).add(appt)
                version = self._bump(uow, store_id, stamp, appt.id)
                remember(uow, idempotency_key, digest, "appointment", appt.id, now)
                self._emit_booked(uow, appt, now)
                self._close_waitlist(uow, appt)
        except _Refusal as refusal:
            raise self._refused(refusal, channel) from None
        self._keep_calendar(store_id, calendar, version, appt)
        return appt

    def book(
        self,
        slot: Slot | BookingRequest,
        *,
        customer: str | None = None,
        idempotency_key: str | None = None,
        channel: str = "desk",
        notes: str = "",
    ) -> Appointment:
        """Book a slot from :meth:`find_slots` (or a :class:`BookingRequest`).

        Raises :class:`~salonkit.BookingConflict` listing every reason it cannot be booked, with
        suggestions; retrying with the same ``idempotency_key`` returns the same appointment.
        """
        return self._create(
            self._request(slot, customer),
            status=AppointmentStatus.BOOKED,
            idempotency_key=idempotency_key,
            channel=channel,
            notes=notes,
        )

    def book_many(
        self,
        requests: Sequence[Slot | BookingRequest],
        *,
        idempotency_keys: Sequence[str | None] | None = None,
        channel: str = "desk",
        all_or_nothing: bool = False,
    ) -> BatchOutcome:
        """Book many requests in one transaction: an import from another system, a day's
        bookings taken on paper, a front desk's batch.

        Each request is checked like :meth:`book`, against the calendar and the requests
        before it in the batch. A refused request is reported in the outcome (without
        suggestions) and the others are booked; with ``all_or_nothing`` the first refusal is
        raised and nothing is written. ``idempotency_keys`` (one per request, or ``None``)
        make a retried batch return the same appointments. Reading and writing in bulk, a
        batch books several times faster than one call per booking.
        """
        reqs = [self._request(r, None) for r in requests]
        keys = list(idempotency_keys) if idempotency_keys is not None else [None] * len(reqs)
        if len(keys) != len(reqs):
            raise ValidationError("idempotency_keys", "give one key (or None) per request")
        if len({k for k in keys if k is not None}) != sum(k is not None for k in keys):
            raise ValidationError("idempotency_keys", "the same key is given twice")
        if not reqs:
            return BatchOutcome(())
        digests = [
            fingerprint({"op": "booked", "channel": channel, **self._request_payload(r)})
            for r in reqs
        ]
        now = self._now()
        stores = sorted({r.store_id for r in reqs})
        windows = {
            s: self._prefetch(
                s,
                min(r.starts_at for r in reqs if r.store_id == s),
                max(r.starts_at for r in reqs if r.store_id == s),
            )
            for s in stores
        }
        written: dict[str, list[Appointment]] = {}
        with self._ctx.unit_of_work() as uow:
            for store_id in stores:
                uow.lock(f"calendar:{store_id}")
            for customer_id in sorted({r.customer_id for r in reqs}):
                uow.lock(f"customer:{customer_id}")
            earlier = recall_many(
                uow, {k: d for k, d in zip(keys, digests, strict=True) if k is not None}
            )
            stamps = {s: uow.repo(CALENDAR_STAMPS).find(s) for s in stores}
            calendars = {}
            for s in stores:  # copies the batch grows in place as it books
                current = self._current(uow, s, stamps[s], *windows[s], widen=True)
                calendars[s] = attrs.evolve(current, index=current.index.thawed())
            preloaded = self._preload(uow, reqs)
            results: list[Appointment | BookingConflict] = []
            remembered: list[IdempotencyRecord] = []
            for request, key, digest in zip(reqs, keys, digests, strict=True):
                if key is not None and key in earlier:
                    results.append(uow.repo(APPOINTMENTS).get(earlier[key].result_id))
                    continue
                store_id = request.store_id
                try:
                    appt = self._place(
                        uow,
                        request,
                        now=now,
                        status=AppointmentStatus.BOOKED,
                        channel=channel,
                        key=key,
                        calendar=calendars[store_id],
                        preloaded=preloaded,
                    )
                except _Refusal as refusal:
                    if all_or_nothing:
                        raise BookingConflict(refusal.reasons) from None
                    results.append(BookingConflict(refusal.reasons))
                    continue
                results.append(appt)
                written.setdefault(store_id, []).append(appt)
                calendars[store_id].index.add(appt)
                preloaded.appointments.setdefault(appt.customer_id, []).append(appt)
                if key is not None:
                    remembered.append(
                        IdempotencyRecord(
                            key=key,
                            fingerprint=digest,
                            result_kind="appointment",
                            result_id=appt.id,
                            created_at=now,
                        )
                    )
            booked = [a for s in stores for a in written.get(s, ())]
            uow.repo(APPOINTMENTS).add_many(booked)
            versions = {
                s: self._bump_many(uow, s, stamps[s], [a.id for a in written[s]])
                for s in stores
                if s in written
            }
            remember_many(uow, remembered)
            for appt in booked:
                self._emit_booked(uow, appt, now)
            self._close_waitlists(uow, booked)
        for store_id, version in versions.items():
            calendar = calendars[store_id]
            self._calendars[store_id] = attrs.evolve(calendar, version=version)
        return BatchOutcome(tuple(results))

    @staticmethod
    def _preload(uow: UnitOfWork, requests: Sequence[BookingRequest]) -> _Preloaded:
        """The batch's customers and their blocking appointments around its days."""
        ids = sorted({r.customer_id for r in requests})
        customers = {c.id: c for c in uow.repo(CUSTOMERS).select(in_("id", ids))}
        lo = min(r.starts_at for r in requests) - 2 * _DAY
        hi = max(r.starts_at for r in requests) + 2 * _DAY
        appointments: dict[str, list[Appointment]] = {}
        for appt in uow.repo(APPOINTMENTS).select(
            in_("customer_id", ids),
            lt("starts_at", hi),
            gt("ends_at", lo),
            in_("status", _ACTIVE),
        ):
            appointments.setdefault(appt.customer_id, []).append(appt)
        return _Preloaded(customers, appointments)

    def hold(
        self,
        slot: Slot | BookingRequest,
        *,
        customer: str | None = None,
        minutes: int | None = None,
        idempotency_key: str | None = None,
        channel: str = "desk",
    ) -> Appointment:
        """Hold a slot for ``minutes`` (the store's ``hold_minutes`` by default) while the
        customer decides; :meth:`book_hold` turns it into a booking."""
        if minutes is not None and (isinstance(minutes, bool) or minutes <= 0):
            raise ValidationError("minutes", "must be a positive number of minutes")
        return self._create(
            self._request(slot, customer),
            status=AppointmentStatus.HELD,
            idempotency_key=idempotency_key,
            channel=channel,
            notes="",
            hold_minutes=minutes,
        )

    def book_hold(self, appointment_id: str, *, channel: str = "desk") -> Appointment:
        """Turn a hold into a booking. An expired hold is checked again like a new booking."""
        now = self._now()
        try:
            with self._ctx.unit_of_work() as uow:
                appt = self._locked(uow, appointment_id)
                if appt.status is AppointmentStatus.BOOKED and appt.hold_expires_at is not None:
                    return appt  # already turned into a booking
                if appt.status is not AppointmentStatus.HELD:
                    raise ValidationError("status", f"appointment is {appt.status.value}, not held")
                if not appt.blocks(now):
                    request = BookingRequest(
                        store_id=appt.store_id,
                        service_id=appt.service_id,
                        customer_id=appt.customer_id,
                        staff_id=appt.staff_id,
                        starts_at=appt.starts_at,
                        steps=appt.steps,
                    )
                    fresh = self._place(
                        uow,
                        request,
                        now=now,
                        status=AppointmentStatus.BOOKED,
                        channel=channel,
                        ignore=frozenset({appt.id}),
                    )
                    appt = attrs.evolve(appt, steps=fresh.steps)
                booked = self._save(uow, attrs.evolve(appt, status=AppointmentStatus.BOOKED))
                self._emit_booked(uow, booked, now)
                return booked
        except _Refusal as refusal:
            raise self._refused(refusal, channel) from None

    def book_visit(
        self,
        visit: VisitSlot,
        *,
        customer: str | None = None,
        idempotency_key: str | None = None,
        channel: str = "desk",
    ) -> list[Appointment]:
        """Book every leg of a visit in one transaction (all or none), linked by ``visit_id``."""
        requests = [BookingRequest.from_slot(leg, customer) for leg in visit.legs]
        store_id = requests[0].store_id
        payload = {"op": "visit", "legs": [self._request_payload(r) for r in requests]}
        digest = fingerprint(payload)
        now = self._now()
        try:
            with self._ctx.unit_of_work() as uow:
                self._lock(uow, store_id, requests[0].customer_id)
                earlier = recall(uow, idempotency_key, digest)
                if earlier is not None:
                    return self._by_column(uow, "visit_id", earlier.result_id)
                rules = self._rules_of(uow, store_id)
                visit_id = self._ctx.ids.new("visit")
                made: list[Appointment] = []
                for index, request in enumerate(requests):
                    if (
                        request.store_id != store_id
                        or request.customer_id != requests[0].customer_id
                    ):
                        raise ValidationError(
                            "visit", "all legs must be in one store for one customer"
                        )
                    if made:
                        gap = request.starts_at - made[-1].ends_at
                        if gap < dt.timedelta(0) or gap > dt.timedelta(
                            minutes=rules.max_handoff_minutes
                        ):
                            raise BookingConflict(
                                [
                                    ConflictReason(
                                        "rule_violated",
                                        f"leg {index + 1} must start 0 to "
                                        f"{rules.max_handoff_minutes} minutes after the previous",
                                        "handoff",
                                    )
                                ]
                            )
                    appt = self._place(
                        uow,
                        attrs.evolve(request, visit_id=visit_id),
                        now=now,
                        status=AppointmentStatus.BOOKED,
                        channel=channel,
                        key=idempotency_key,
                    )
                    appt = self._save(uow, appt, new=True)
                    made.append(appt)
                    self._emit_booked(uow, appt, now)
                remember(uow, idempotency_key, digest, "visit", visit_id, now)
                for appt in made:
                    self._close_waitlist(uow, appt)
                return made
        except _Refusal as refusal:
            raise self._refused(refusal, channel) from None

    def book_recurring(
        self,
        slot: Slot | BookingRequest,
        *,
        every_weeks: int,
        count: int,
        customer: str | None = None,
        skip_conflicts: bool = False,
        idempotency_key: str | None = None,
        channel: str = "desk",
    ) -> SeriesResult:
        """Book the same service, staff member and wall-clock time every ``every_weeks`` weeks,
        ``count`` times. Each occurrence is checked on its own day; by default any conflict
        refuses the whole series (a BookingConflict whose reasons name each date), with
        ``skip_conflicts=True`` the free occurrences are booked and the rest reported."""
        request = self._request(slot, customer)
        payload = {
            "op": "series",
            "every": every_weeks,
            "count": count,
            "skip": skip_conflicts,
            **self._request_payload(request),
        }
        digest = fingerprint(payload)
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            self._lock(uow, request.store_id, request.customer_id)
            earlier = recall(uow, idempotency_key, digest)
            if earlier is not None:
                return SeriesResult(
                    series_id=earlier.result_id,
                    appointments=tuple(self._by_column(uow, "series_id", earlier.result_id)),
                )
            store = uow.repo(STORES).get(request.store_id)
            series_id = self._ctx.ids.new("series")
            made: list[Appointment] = []
            skipped: list[tuple[dt.date, tuple[ConflictReason, ...]]] = []
            for occ in weekly(
                request.starts_at, store.timezone, every_weeks=every_weeks, count=count
            ):
                if occ.starts_at is None:
                    reasons: tuple[ConflictReason, ...] = (
                        ConflictReason("outside_hours", occ.problem, occ.day.isoformat()),
                    )
                else:
                    try:
                        appt = self._place(
                            uow,
                            attrs.evolve(
                                request,
                                starts_at=occ.starts_at,
                                steps=request.steps if occ.index == 0 else (),
                            ),
                            now=now,
                            status=AppointmentStatus.BOOKED,
                            channel=channel,
                            key=idempotency_key,
                            series_id=series_id,
                        )
                    except BookingConflict as exc:
                        reasons = tuple(
                            ConflictReason(r.code, f"{occ.day.isoformat()}: {r.message}", r.subject)
                            for r in exc.reasons
                        )
                    else:
                        appt = self._save(uow, appt, new=True)
                        made.append(appt)
                        self._emit_booked(uow, appt, now)
                        continue
                skipped.append((occ.day, reasons))
            if skipped and not skip_conflicts:
                raise BookingConflict([r for _, rs in skipped for r in rs])
            remember(uow, idempotency_key, digest, "series", series_id, now)
            return SeriesResult(
                series_id=series_id, appointments=tuple(made), skipped=tuple(skipped)
            )

    # ------------------------------------------------------------------ changing

    def _locked(
        self, uow: UnitOfWork, appointment_id: str, expected_version: int | None = None
    ) -> Appointment:
        """Lock the appointment's calendar, then read it fresh (and check its version)."""
        first = uow.repo(APPOINTMENTS).get(appointment_id)
        self._lock(uow, first.store_id, first.customer_id)
        appt = uow.repo(APPOINTMENTS).get(appointment_id)
        if expected_version is not None and appt.version != expected_version:
            raise ConcurrencyError(
                f"appointment {appointment_id!r} changed (version {appt.version}, "
                f"yours {expected_version})"
            )
        return appt

    def _by_column(self, uow: UnitOfWork, column: str, value: str) -> list[Appointment]:
        return uow.repo(APPOINTMENTS).select(eq(column, value), order_by="starts_at")

    def reschedule(
        self,
        appointment_id: str,
        starts_at: dt.datetime,
        *,
        staff: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        channel: str = "desk",
        offer_freed: bool = True,
    ) -> Appointment:
        """Move an appointment to ``starts_at`` (and optionally to another staff member).

        Checked like a new booking, ignoring the appointment itself; BookingConflict with
        reasons and suggestions if the new time is not possible. The freed time is offered to
        the waitlist, unless ``offer_freed`` is false: a caller moving several bookings at once
        then offers what is still free at the end with :meth:`offer_gaps`.
        """
        start = require_aware(starts_at, "starts_at")
        payload = {
            "op": "reschedule",
            "id": appointment_id,
            "start": start.isoformat(),
            "staff": staff,
        }
        digest = fingerprint(payload)
        now = self._now()
        try:
            with self._ctx.unit_of_work() as uow:
                appt = self._locked(uow, appointment_id)
                earlier = recall(uow, idempotency_key, digest)
                if earlier is not None:
                    return appt
                if expected_version is not None and appt.version != expected_version:
                    raise ConcurrencyError(
                        f"appointment {appointment_id!r} changed (version {appt.version}, "
                        f"yours {expected_version})"
                    )
                if appt.status not in _MOVABLE:
                    raise ValidationError(
                        "status", f"a {appt.status.value} appointment cannot move"
                    )
                request = BookingRequest(
                    store_id=appt.store_id,
                    service_id=appt.service_id,
                    customer_id=appt.customer_id,
                    staff_id=staff or appt.staff_id,
                    starts_at=start,
                    visit_id=appt.visit_id,
                )
                fresh = self._place(
                    uow,
                    request,
                    now=now,
                    status=appt.status,
                    channel=channel,
                    ignore=frozenset({appt.id}),
                )
                moved = self._save(
                    uow,
                    attrs.evolve(
                        appt,
                        starts_at=fresh.starts_at,
                        staff_id=fresh.staff_id,
                        steps=fresh.steps,
                        buffer_before=fresh.buffer_before,
                        buffer_after=fresh.buffer_after,
                    ),
                )
                remember(uow, idempotency_key, digest, "appointment", appt.id, now)
                uow.emit(
                    AppointmentRescheduled(
                        occurred_at=now,
                        store_id=appt.store_id,
                        appointment_id=appt.id,
                        customer_id=appt.customer_id,
                        previous_staff_id=appt.staff_id,
                        previous_starts_at=appt.starts_at,
                        staff_id=moved.staff_id,
                        starts_at=moved.starts_at,
                    )
                )
                if offer_freed:
                    freed = TimeRange(appt.held_from, appt.held_until)
                    self._offer(uow, appt.store_id, freed, now)
                return moved
        except _Refusal as refusal:
            raise self._refused(refusal, channel) from None

    def cancel(
        self,
        appointment_id: str,
        reason: str,
        *,
        by: str = "customer",
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Appointment:
        """Cancel an appointment with a ``reason``; ``cancellation.late`` records whether it
        fell inside the store's cut-off. The freed time is offered to the waitlist."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "say why the appointment is cancelled")
        digest = fingerprint({"op": "cancel", "id": appointment_id, "reason": reason, "by": by})
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            appt = self._locked(uow, appointment_id)
            earlier = recall(uow, idempotency_key, digest)
            if earlier is not None:
                return appt
            if expected_version is not None and appt.version != expected_version:
                raise ConcurrencyError(
                    f"appointment {appointment_id!r} changed (version {appt.version}, "
                    f"yours {expected_version})"
                )
            if not appt.can_become(AppointmentStatus.CANCELLED):
                raise ValidationError(
                    "status", f"a {appt.status.value} appointment cannot be cancelled"
                )
            rules = self._rules_of(uow, appt.store_id)
            late = is_late_cancellation(rules, appt.starts_at, now)
            cancelled = self._save(
                uow,
                attrs.evolve(
                    appt,
                    status=AppointmentStatus.CANCELLED,
                    cancellation=Cancellation(reason=reason, at=now, late=late, by=by),
                ),
            )
            remember(uow, idempotency_key, digest, "appointment", appt.id, now)
            uow.emit(
                AppointmentCancelled(
                    occurred_at=now,
                    store_id=appt.store_id,
                    appointment_id=appt.id,
                    customer_id=appt.customer_id,
                    staff_id=appt.staff_id,
                    starts_at=appt.starts_at,
                    reason=reason,
                    late=late,
                )
            )
            self._offer(uow, appt.store_id, TimeRange(appt.held_from, appt.held_until), now)
            return cancelled

    def _move_status(
        self,
        appointment_id: str,
        status: AppointmentStatus,
        expected_version: int | None,
        *,
        not_before_start: bool = False,
    ) -> Appointment:
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            appt = self._locked(uow, appointment_id, expected_version)
            if appt.status is status:
                return appt
            if not appt.can_become(status):
                raise ValidationError(
                    "status", f"a {appt.status.value} appointment cannot become {status.value}"
                )
            if not_before_start and now < appt.starts_at:
                raise ValidationError("status", "a no-show can only be recorded after the start")
            if status in BLOCKING:  # occupies the same time as before: the stamp stays
                changed = uow.repo(APPOINTMENTS).update(attrs.evolve(appt, status=status))
            else:
                changed = self._save(uow, attrs.evolve(appt, status=status))
            uow.emit(
                AppointmentStatusChanged(
                    occurred_at=now,
                    store_id=appt.store_id,
                    appointment_id=appt.id,
                    customer_id=appt.customer_id,
                    status=status.value,
                )
            )
            return changed

    def confirm(self, appointment_id: str, *, expected_version: int | None = None) -> Appointment:
        """The customer confirmed (booked → confirmed)."""
        return self._move_status(appointment_id, AppointmentStatus.CONFIRMED, expected_version)

    def check_in(self, appointment_id: str, *, expected_version: int | None = None) -> Appointment:
        """The customer arrived (booked or confirmed → checked in)."""
        return self._move_status(appointment_id, AppointmentStatus.CHECKED_IN, expected_version)

    def complete(self, appointment_id: str, *, expected_version: int | None = None) -> Appointment:
        """The service was done (checked in → completed)."""
        return self._move_status(appointment_id, AppointmentStatus.COMPLETED, expected_version)

    def no_show(self, appointment_id: str, *, expected_version: int | None = None) -> Appointment:
        """The customer did not come (booked or confirmed → no-show, only after the start)."""
        return self._move_status(
            appointment_id, AppointmentStatus.NO_SHOW, expected_version, not_before_start=True
        )

    # ------------------------------------------------------------------ reading

    def get(self, appointment_id: str) -> Appointment:
        """The appointment with id ``appointment_id``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(APPOINTMENTS).get(appointment_id)

    def appointments(
        self,
        *,
        within: Within,
        staff: str | None = None,
        customer: str | None = None,
        store: str | None = None,
        include_inactive: bool = False,
    ) -> list[Appointment]:
        """Appointments starting within ``within``, in start order; by default only the ones
        that occupy the calendar. ``customer`` without ``store`` searches every store."""
        window = _window(within)
        conditions = [lt("starts_at", window.end), gt("ends_at", window.start)]
        if not include_inactive:
            conditions.append(in_("status", _ACTIVE))
        if staff is not None:
            conditions.append(eq("staff_id", staff))
        if customer is not None:
            conditions.append(eq("customer_id", customer))
        if customer is None or store is not None:
            conditions.append(eq("store_id", self._sid(store)))
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(APPOINTMENTS).select(*conditions, order_by="starts_at")

    # ------------------------------------------------------------------ waitlist

    def join_waitlist(
        self,
        customer: str,
        service: str,
        *,
        within: Within,
        staff: str | None = None,
        store: str | None = None,
    ) -> WaitlistEntry:
        """Put ``customer`` on the waitlist for ``service`` starting within ``within``."""
        window = _window(within)
        sid = self._sid(store)
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"calendar:{sid}")
            uow.repo(CUSTOMERS).get(customer)
            uow.repo(SERVICES).get(service)
            if staff is not None:
                uow.repo(STAFF).get(staff)
            entry = WaitlistEntry(
                id=self._ctx.ids.new("waitlist"),
                store_id=sid,
                customer_id=customer,
                service_id=service,
                staff_id=staff,
                earliest=window.start,
                latest=window.end,
                created_at=now,
            )
            uow.repo(WAITLIST).add(entry)
            return entry

    def leave_waitlist(self, entry_id: str) -> WaitlistEntry:
        """Withdraw a waitlist entry."""
        with self._ctx.unit_of_work() as uow:
            entry = uow.repo(WAITLIST).get(entry_id)
            uow.lock(f"calendar:{entry.store_id}")
            return uow.repo(WAITLIST).update(
                attrs.evolve(uow.repo(WAITLIST).get(entry_id), status=WaitlistStatus.WITHDRAWN)
            )

    def decline_offer(self, entry_id: str) -> list[WaitlistEntry]:
        """The customer declined the offered slot: they keep waiting, and the slot is offered
        to the next in line. Returns the entries offered something."""
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            entry = uow.repo(WAITLIST).get(entry_id)
            uow.lock(f"calendar:{entry.store_id}")
            entry = uow.repo(WAITLIST).get(entry_id)
            if entry.status is not WaitlistStatus.OFFERED or entry.offer is None:
                raise ValidationError("status", "there is no open offer on this entry")
            offer = entry.offer
            uow.repo(WAITLIST).update(waitlist.decline(entry))
            span = TimeRange(offer.starts_at, offer.starts_at.add(minutes=offer.minutes))
            return self._offer(uow, entry.store_id, span, now)

    def offer_gaps(self, within: Within, *, store: str | None = None) -> list[WaitlistEntry]:
        """Offer free time within ``within`` to waiting customers, first come first served.

        Called automatically for the time a cancellation or reschedule frees; call it when a
        gap appears some other way (a new shift, a resource added).
        """
        window = _window(within)
        sid = self._sid(store)
        now = self._now()
        with self._ctx.unit_of_work() as uow:
            uow.lock(f"calendar:{sid}")
            return self._offer(uow, sid, window, now)

    def waitlist(
        self, *, store: str | None = None, customer: str | None = None, open_only: bool = True
    ) -> list[WaitlistEntry]:
        """Waitlist entries of the store in the order they are served."""
        conditions = [eq("store_id", self._sid(store))]
        if customer is not None:
            conditions.append(eq("customer_id", customer))
        if open_only:
            conditions.append(in_("status", _OPEN_ENTRIES))
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(WAITLIST).select(*conditions, order_by="created_at")

    def _offer(
        self, uow: UnitOfWork, store_id: str, freed: TimeRange, now: pendulum.DateTime
    ) -> list[WaitlistEntry]:
        """Offer slots in (or starting up to 6 hours before) ``freed`` to the waiting entries
        whose window overlaps it, first come first served (see :mod:`.waitlist`)."""
        repo = uow.repo(WAITLIST)
        lo = freed.start - dt.timedelta(hours=6)
        entries = repo.select(
            eq("store_id", store_id),
            in_("status", _OPEN_ENTRIES),
            lt("earliest", freed.end),
            gt("latest", lo),
            order_by="created_at",
        )
        if not entries:
            return []
        store = uow.repo(STORES).get(store_id)
        rules = self._rules_of(uow, store_id)
        engine = self._engine(uow, store, lo - _DAY, freed.end + _DAY, now=now, cached="read")
        taken: list[waitlist.Taken] = []
        waiting: list[WaitlistEntry] = []
        for entry in entries:
            held = waitlist.open_offer_span(entry, now)
            if held is not None:
                taken.append(held)
                continue
            lapsed = waitlist.lapse(entry, now)
            waiting.append(repo.update(lapsed) if lapsed is not None else entry)
        offered: list[WaitlistEntry] = []
        for entry in waiting:
            offer = waitlist.choose_offer(
                entry,
                engine,
                service=uow.repo(SERVICES).get(entry.service_id),
                customer=uow.repo(CUSTOMERS).get(entry.customer_id),
                rules=rules,
                within=TimeRange(lo, freed.end),
                taken=taken,
                now=now,
            )
            if offer is None:
                continue
            start = to_epoch(offer.starts_at)
            taken.append((offer.staff_id, start, start + offer.minutes * 60))
            offered.append(
                repo.update(attrs.evolve(entry, status=WaitlistStatus.OFFERED, offer=offer))
            )
            uow.emit(
                WaitlistSlotOffered(
                    occurred_at=now,
                    store_id=store_id,
                    entry_id=entry.id,
                    customer_id=entry.customer_id,
                    service_id=entry.service_id,
                    staff_id=offer.staff_id,
                    starts_at=offer.starts_at,
                    expires_at=offer.expires_at,
                )
            )
        return offered

    def _close_waitlists(self, uow: UnitOfWork, booked: Sequence[Appointment]) -> None:
        """:meth:`_close_waitlist` for a batch, with one query."""
        if not booked:
            return
        wanted = {(a.customer_id, a.store_id, a.service_id) for a in booked}
        repo = uow.repo(WAITLIST)
        for entry in repo.select(
            in_("customer_id", sorted({a.customer_id for a in booked})),
            in_("status", _OPEN_ENTRIES),
        ):
            if (entry.customer_id, entry.store_id, entry.service_id) in wanted:
                repo.update(attrs.evolve(entry, status=WaitlistStatus.BOOKED, offer=None))

    def _close_waitlist(self, uow: UnitOfWork, appt: Appointment) -> None:
        """A customer who books a service they were waiting for leaves the waitlist."""
        repo = uow.repo(WAITLIST)
        for entry in repo.select(
            eq("customer_id", appt.customer_id),
            eq("store_id", appt.store_id),
            eq("service_id", appt.service_id),
            in_("status", _OPEN_ENTRIES),
        ):
            repo.update(attrs.evolve(entry, status=WaitlistStatus.BOOKED, offer=None))

    # ------------------------------------------------------------------ calendars

    def staff_calendar(self, staff_id: str, *, within: Within) -> bytes:
        """An iCalendar feed (``.ics`` bytes) of a staff member's appointments."""
        window = _window(within)
        with self._ctx.unit_of_work(readonly=True) as uow:
            member = uow.repo(STAFF).get(staff_id)
            store = uow.repo(STORES).get(member.store_id)
            appts = uow.repo(APPOINTMENTS).select(
                eq("staff_id", staff_id),
                lt("starts_at", window.end),
                gt("ends_at", window.start),
                in_("status", _ACTIVE),
                order_by="starts_at",
            )
            services = {s: uow.repo(SERVICES).get(s) for s in {a.service_id for a in appts}}
            customers = {c: uow.repo(CUSTOMERS).get(c) for c in {a.customer_id for a in appts}}
        return calendar_export.to_ics(
            appts,
            name=f"{member.name} — {store.name}",
            stores={store.id: store},
            services=services,
            titles={
                a.id: f"{services[a.service_id].name}: {customers[a.customer_id].name}"
                for a in appts
            },
        )

    def customer_calendar(self, customer_id: str, *, within: Within) -> bytes:
        """An iCalendar feed (``.ics`` bytes) of a customer's appointments in every store."""
        window = _window(within)
        with self._ctx.unit_of_work(readonly=True) as uow:
            customer = uow.repo(CUSTOMERS).get(customer_id)
            appts = uow.repo(APPOINTMENTS).select(
                eq("customer_id", customer_id),
                lt("starts_at", window.end),
                gt("ends_at", window.start),
                in_("status", _ACTIVE),
                order_by="starts_at",
            )
            services = {s: uow.repo(SERVICES).get(s) for s in {a.service_id for a in appts}}
            stores = {s: uow.repo(STORES).get(s) for s in {a.store_id for a in appts}}
            staff = {s: uow.repo(STAFF).get(s) for s in {a.staff_id for a in appts}}
        return calendar_export.to_ics(
            appts,
            name=f"{customer.name}'s appointments",
            stores=stores,
            services=services,
            titles={
                a.id: f"{services[a.service_id].name} with {staff[a.staff_id].name}" for a in appts
            },
        )


__all__ = ["BatchOutcome", "BookingService"]
