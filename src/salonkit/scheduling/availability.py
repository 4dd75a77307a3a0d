"""The availability engine: bookable starts, their staff and resource units, and conflict reasons.

Pure and in memory: build an :class:`AvailabilityEngine` from a store, its staff and resources
and the appointments that occupy the calendar, then ask it. Nothing here does I/O; the booking
service loads what a query needs and persists what it decides.

How a search works, for each store day (built in the store's wall-clock time, so DST days have
23 or 25 hours) and each candidate staff member:

1. the staff member's free time = shifts minus breaks minus time off minus busy spans;
2. for each part of the service that needs them (:meth:`Shape.staff_spans`), the starts that fit
   it into free time form a few intervals (:func:`~salonkit.scheduling.intervals.fit`); these
   are intersected with the starts that fit the steps inside opening hours, that find enough free
   units of every resource kind for every step, and that keep the customer free;
3. the resulting start intervals are walked on the store's slot grid.

Everything is interval arithmetic on sorted lists with bisect lookups, so the cost grows with the
number of busy intervals in the window, not with the number of minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Callable, Iterator, Sequence

import attrs
import pendulum

from salonkit.domain.catalogue import Resource, Service
from salonkit.domain.customer import Customer
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store, WallInterval
from salonkit.domain.time import TimeRange
from salonkit.errors import ConflictReason, NotFound, ValidationError
from salonkit.scheduling.calendar_index import CalendarIndex
from salonkit.scheduling.intervals import (
    EMPTY,
    BusyIndex,
    Span,
    at_least,
    covers,
    fit,
    from_epoch,
    intersect,
    local_day,
    merge,
    subtract,
    to_epoch,
    wall_instant,
)
from salonkit.scheduling.model import Appointment, Slot, StepPlacement, VisitSlot
from salonkit.scheduling.shape import Requirement, Shape, shape_of

log = logging.getLogger(__name__)

_DAY = 86400
_ALL: list[Span] = [(-(1 << 62), 1 << 62)]

DayFilter = Callable[[dt.date], bool]


def unit_ids(resource: Resource) -> list[str]:
    """The unit ids of a resource: ``"<resource id>:1"`` to ``"<resource id>:<capacity>"``."""
    return [f"{resource.id}:{n}" for n in range(1, resource.capacity + 1)]


def _wall_span(day: dt.date, interval: WallInterval, timezone: str) -> Span:
    return (
        wall_instant(day, interval.opens, timezone),
        wall_instant(day, interval.closes, timezone),
    )


@attrs.frozen
class _Grid:
    """Slot starts of one opening interval: ``first``, ``first + step``, ... below ``end``."""

    first: int
    step: int
    end: int

    def points(self, spans: Sequence[Span]) -> Iterator[int]:
        """The grid starts that fall inside ``spans`` (sorted, half-open), in order."""
        for lo, hi in spans:
            lo = max(lo, self.first)
            hi = min(hi, self.end)
            if lo >= hi:
                continue
            k = -((self.first - lo) // self.step)  # ceil((lo - first) / step)
            point = self.first + k * self.step
            while point < hi:
                yield point
                point += self.step


class _Day:
    """What the engine knows about one store day, computed once per query and day."""

    __slots__ = ("closed_reason", "date", "fits", "grids", "open", "work")

    def __init__(self, date: dt.date) -> None:
        self.date = date
        self.open: list[Span] = []
        self.grids: list[_Grid] = []
        self.closed_reason = ""
        self.work: dict[str, list[Span]] = {}
        self.fits: dict[tuple[object, ...], list[Span]] = {}


class AvailabilityEngine:
    """Answers "when can this be booked?" over one store's calendar, in memory.

    - ``store``, ``staff``, ``resources``: the store's records (staff of other stores are ignored);
    - ``appointments``: appointments that may occupy the calendar: the store's ones overlapping
      the period asked about, plus the customer's ones anywhere; those that do not block at
      ``now`` (cancelled, no-show, expired holds) and those whose id is in ``ignore`` (the one
      being rescheduled) are left out;
    - ``calendar``: a prebuilt :class:`~salonkit.scheduling.calendar_index.CalendarIndex` of the
      store to reuse (``appointments`` are then added to it: the customer's elsewhere).
    """

    def __init__(
        self,
        store: Store,
        staff: Sequence[StaffMember],
        resources: Sequence[Resource],
        appointments: Sequence[Appointment] = (),
        *,
        now: dt.datetime,
        ignore: frozenset[str] = frozenset(),
        calendar: CalendarIndex | None = None,
    ) -> None:
        self.store = store
        self.timezone = store.timezone
        self.now = now
        self.staff = {s.id: s for s in staff if s.store_id == store.id}
        self.units_by_kind: dict[str, list[str]] = {}
        self.unit_kind: dict[str, str] = {}
        for resource in sorted(resources, key=lambda r: r.id):
            if resource.store_id != store.id:
                continue
            for unit in unit_ids(resource):
                self.units_by_kind.setdefault(resource.kind, []).append(unit)
                self.unit_kind[unit] = resource.kind
        index = calendar if calendar is not None else CalendarIndex(store.id, appointments)
        busy = index.at(now, ignore=ignore, extra=appointments if calendar is not None else ())
        self._busy = busy
        self._staff_busy = busy.staff
        self._unit_busy = busy.units
        self._customer_busy = busy.customers
        self._days: dict[tuple[dt.date, int], _Day] = {}
        self._shapes: dict[tuple[str, str, int], Shape] = {}
        self._interned: dict[tuple[object, ...], Shape] = {}
        # keyed by id() of a Shape kept alive in self._shapes (hashing shapes is slow)
        self._requirements: dict[int, tuple[Requirement, ...]] = {}
        self._staff_spans: dict[int, tuple[Span, ...]] = {}
        self._placements: dict[int, dict[tuple[object, ...], StepPlacement]] = {}

    @property
    def appointments(self) -> tuple[Appointment, ...]:
        """The appointments occupying the calendar at ``now`` (gathered when first asked)."""
        return self._busy.appointments

    # ------------------------------------------------------------------ building blocks

    def shape(self, service: Service, staff: StaffMember) -> Shape:
        """The service's timing for ``staff`` (their duration override applied), cached."""
        key = (service.id, staff.id, service.version)
        found = self._shapes.get(key)
        if found is None:
            made = shape_of(service, staff)
            # staff with the same timing share one Shape object, and so every cache keyed by it
            found = self._shapes[key] = self._interned.setdefault(made.key, made)
        return found

    def _day(self, date: dt.date, granularity: int) -> _Day:
        day = self._days.get((date, granularity))
        if day is not None:
            return day
        day = _Day(date)
        closure = next((c for c in self.store.closures if c.covers(date)), None)
        hours = self.store.hours_for(date)
        if closure is not None:
            day.closed_reason = f"the store is closed on {date.isoformat()}" + (
                f" ({closure.reason})" if closure.reason else ""
            )
        elif not hours:
            day.closed_reason = f"the store is closed on {date:%A}s"
        else:
            step = granularity * 60
            for interval in sorted(hours, key=lambda i: i.opens):
                start, end = _wall_span(date, interval, self.timezone)
                minute = interval.opens.hour * 60 + interval.opens.minute
                first_minute = -(-minute // granularity) * granularity
                day.open.append((start, end))
                day.grids.append(_Grid(start + (first_minute - minute) * 60, step, end))
            day.open = merge(day.open)
        self._days[(date, granularity)] = day
        return day

    def work_spans(self, staff: StaffMember, day: _Day) -> list[Span]:
        """When ``staff`` works on ``day``: shifts minus breaks minus time off."""
        found = day.work.get(staff.id)
        if found is not None:
            return found
        spans: list[Span] = []
        breaks: list[Span] = []
        for shift in staff.shifts_on(day.date):
            spans.append(_wall_span(day.date, shift.hours, self.timezone))
            breaks.extend(_wall_span(day.date, b, self.timezone) for b in shift.breaks)
        for off in staff.time_off:
            breaks.append((to_epoch(off.period.start), math.ceil(off.period.end.timestamp())))
        work = subtract(merge(spans), merge(breaks)) if staff.active else []
        day.work[staff.id] = work
        return work

    def _free_fit(self, busy: BusyIndex, day: _Day, a: int, b: int) -> list[Span]:
        """Starts during the day's opening hours at which ``[start + a, start + b)`` is free."""
        lo, hi = day.open[0][0] + a, day.open[-1][1] + b
        return fit(subtract([(lo, hi)], busy.between(lo, hi)), a, b)

    def _staff_fit(self, staff: StaffMember, shape: Shape, day: _Day) -> list[Span]:
        work = self.work_spans(staff, day)
        if not work:
            return []
        busy = self._staff_busy.get(staff.id, EMPTY)
        free = subtract(work, busy.between(work[0][0], work[-1][1]))
        result = _ALL
        spans = self._staff_spans.get(id(shape))
        if spans is None:
            spans = self._staff_spans[id(shape)] = shape.staff_spans()
        for a, b in spans:
            result = intersect(result, fit(free, a, b))
            if not result:
                break
        return result

    def _store_fit(self, shape: Shape, day: _Day) -> list[Span]:
        key = ("open", shape.minutes)
        found = day.fits.get(key)
        if found is None:
            found = day.fits[key] = fit(day.open, 0, shape.minutes * 60)
        return found

    def _resource_fit(self, shape: Shape, day: _Day) -> list[Span]:
        key = ("units", id(shape))
        found = day.fits.get(key)
        if found is not None:
            return found
        result = _ALL
        requirements = self._requirements.get(id(shape))
        if requirements is None:
            requirements = self._requirements[id(shape)] = shape.requirements()
        for req in requirements:
            units = self.units_by_kind.get(req.kind, [])
            groups = [
                self._free_fit(self._unit_busy.get(u, EMPTY), day, req.start, req.end)
                for u in units
            ]
            result = intersect(result, at_least(groups, req.count)) if groups else []
            if not result:
                break
        day.fits[key] = result
        return result

    def _customer_fit(self, customer_id: str | None, shape: Shape, day: _Day) -> list[Span]:
        if customer_id is None:
            return _ALL
        busy = self._customer_busy.get(customer_id)
        if busy is None:
            return _ALL
        key = ("customer", customer_id, shape.minutes)
        found = day.fits.get(key)
        if found is None:
            found = day.fits[key] = self._free_fit(busy, day, 0, shape.minutes * 60)
        return found

    def feasible_starts(
        self, service: Service, staff: StaffMember, customer_id: str | None, day: _Day
    ) -> list[Span]:
        """Start intervals (epoch seconds) on ``day`` at which ``staff`` can do ``service``."""
        if not day.open or not staff.can_do(service.skill) or not staff.active:
            return []
        shape = self.shape(service, staff)
        result = self._staff_fit(staff, shape, day)
        for part in (self._store_fit, self._resource_fit):
            if not result:
                return []
            result = intersect(result, part(shape, day))
        if result:
            result = intersect(result, self._customer_fit(customer_id, shape, day))
        return result

    # ------------------------------------------------------------------ placing

    def place(
        self,
        service: Service,
        staff: StaffMember,
        start: int,
        extra_units: dict[str, list[Span]] | None = None,
        preferred: Sequence[StepPlacement] = (),
    ) -> tuple[StepPlacement, ...] | None:
        """Choose resource units for every step of ``service`` starting at ``start``.

        Units named for the same step in ``preferred`` (the slot the customer was shown) come
        first; then a step keeps the unit of the same kind the previous step used when it is free
        (the customer stays in the same chair). ``None`` when some step finds too few free units.
        """
        shape = self.shape(service, staff)
        requirements = self._requirements.get(id(shape))
        if requirements is None:
            requirements = self._requirements[id(shape)] = shape.requirements()
        chosen: list[list[str]] = [[] for _ in shape.steps]
        previous: dict[str, list[str]] = {}
        wanted = {p.name: p.units for p in preferred}
        busy = self._unit_busy
        for req in requirements:
            a, b = start + req.start, start + req.end
            pool = self.units_by_kind.get(req.kind, [])
            first = [u for u in wanted.get(shape.steps[req.step].name, ()) if u in pool]
            first += [u for u in previous.get(req.kind, []) if u not in first]
            order = first + [u for u in pool if u not in first] if first else pool
            taken: list[str] = []
            for unit in order:
                index = busy.get(unit)
                if index is not None and not index.is_free(a, b):
                    continue
                if extra_units and any(x < b and a < y for x, y in extra_units.get(unit, ())):
                    continue
                taken.append(unit)
                if len(taken) == req.count:
                    break
            if len(taken) < req.count:
                return None
            chosen[req.step].extend(taken)
            previous[req.kind] = taken
        out: list[StepPlacement] = []
        memo = self._placements.setdefault(id(shape), {})
        for position, (step, units) in enumerate(zip(shape.steps, chosen, strict=True)):
            key = (position, *units)
            placed = memo.get(key)
            if placed is None:
                placed = memo[key] = StepPlacement(
                    step.name, step.offset, step.minutes, step.staff_busy, units
                )
            out.append(placed)
        return tuple(out)

    def _slot(
        self,
        service: Service,
        staff: StaffMember,
        start: int,
        steps: tuple[StepPlacement, ...],
        customer_id: str | None,
        others: Sequence[str] = (),
    ) -> Slot:
        shape = self.shape(service, staff)
        return Slot(
            store_id=self.store.id,
            service_id=service.id,
            staff_id=staff.id,
            starts_at=from_epoch(start),
            steps=steps,
            buffer_before=shape.buffer_before,
            buffer_after=shape.buffer_after,
            customer_id=customer_id,
            other_staff=tuple(others),
        )

    # ------------------------------------------------------------------ searching

    def candidates(
        self,
        service: Service,
        staff: str | Sequence[str] | None = None,
        preferred: Sequence[str] = (),
    ) -> list[StaffMember]:
        """Staff to try, in order: ``staff`` when named (one id or a list), else everyone with
        the skill, those in ``preferred`` first."""
        if isinstance(staff, str):
            staff = [staff]
        if staff is not None:
            return [self.staff[s] for s in staff if s in self.staff]
        rank = {s: i for i, s in enumerate(preferred)}
        qualified = [m for m in self.staff.values() if m.active and m.can_do(service.skill)]
        return sorted(qualified, key=lambda m: (rank.get(m.id, len(rank)), m.id))

    def starts(
        self,
        service: Service,
        staff: Sequence[StaffMember],
        customer_id: str | None,
        lo: int,
        hi: int,
        granularity: int,
        day_ok: DayFilter | None = None,
    ) -> Iterator[tuple[int, list[StaffMember]]]:
        """Bookable starts in ``[lo, hi)`` in time order, each with the staff who can take it."""
        if lo >= hi:
            return
        first = local_day(lo, self.timezone)
        last = local_day(hi - 1, self.timezone)
        date = first
        while date <= last:
            if day_ok is None or day_ok(date):
                day = self._day(date, granularity)
                found: dict[int, list[StaffMember]] = {}
                for member in staff:
                    spans = intersect(
                        self.feasible_starts(service, member, customer_id, day), [(lo, hi)]
                    )
                    for grid in day.grids:
                        for point in grid.points(spans):
                            found.setdefault(point, []).append(member)
                for point in sorted(found):
                    yield point, found[point]
            date += dt.timedelta(days=1)

    def find_slots(
        self,
        service: Service,
        *,
        window: TimeRange,
        customer: Customer | None = None,
        staff: str | Sequence[str] | None = None,
        preferred: Sequence[str] = (),
        limit: int | None = None,
        granularity: int = 15,
        earliest: dt.datetime | None = None,
        latest: dt.datetime | None = None,
        day_ok: DayFilter | None = None,
    ) -> list[Slot]:
        """Bookable starts of ``service`` inside ``window`` (starts, not whole appointments).

        ``staff``: one staff id or a list to restrict to, or ``None`` for anyone with the skill;
        ``preferred`` orders who is offered (the customer's preferred staff by default).
        ``earliest`` / ``latest`` / ``day_ok`` carry the booking rules (notice, horizon, per-day
        limits). Each slot names its staff member and the resource units it would hold.
        """
        if limit is not None and limit <= 0:
            return []
        if not preferred and customer is not None:
            preferred = customer.preferred_staff
        lo = to_epoch(window.start)
        hi = to_epoch(window.end)
        if earliest is not None:
            lo = max(lo, math.ceil(earliest.timestamp()))
        if latest is not None:
            hi = min(hi, to_epoch(latest))
        customer_id = customer.id if customer is not None else None
        members = self.candidates(service, staff, preferred)
        out: list[Slot] = []
        for start, able in self.starts(service, members, customer_id, lo, hi, granularity, day_ok):
            for i, member in enumerate(able):
                steps = self.place(service, member, start)
                if steps is not None:
                    others = [m.id for m in able[i + 1 :]]
                    out.append(self._slot(service, member, start, steps, customer_id, others))
                    break
            if limit is not None and len(out) >= limit:
                break
        return out

    def find_visit_slots(
        self,
        legs: Sequence[tuple[Service, str | Sequence[str] | None]],
        *,
        window: TimeRange,
        customer: Customer | None = None,
        max_handoff_minutes: int = 15,
        limit: int | None = 10,
        granularity: int = 15,
        earliest: dt.datetime | None = None,
        latest: dt.datetime | None = None,
        day_ok: DayFilter | None = None,
    ) -> list[VisitSlot]:
        """Starts for several services in sequence (``legs`` of service and staff restriction).

        Each leg starts between the end of the previous one and ``max_handoff_minutes`` later,
        possibly with another staff member; the first leg starts inside ``window``.
        """
        if not legs:
            raise ValidationError("services", "a visit needs at least one service")
        preferred = customer.preferred_staff if customer is not None else ()
        customer_id = customer.id if customer is not None else None
        lo = to_epoch(window.start)
        hi = to_epoch(window.end)
        if earliest is not None:
            lo = max(lo, to_epoch(earliest))
        if latest is not None:
            hi = min(hi, to_epoch(latest))
        first_service, first_staff = legs[0]
        first_members = self.candidates(first_service, first_staff, preferred)
        out: list[VisitSlot] = []
        for start, able in self.starts(
            first_service, first_members, customer_id, lo, hi, granularity, day_ok
        ):
            for member in able:
                visit = self._extend_visit(
                    legs,
                    [],
                    start,
                    member,
                    customer_id,
                    preferred,
                    max_handoff_minutes,
                    granularity,
                )
                if visit is not None:
                    out.append(VisitSlot(legs=tuple(visit)))
                    break
            if limit is not None and len(out) >= limit:
                break
        return out

    def _extend_visit(
        self,
        legs: Sequence[tuple[Service, str | Sequence[str] | None]],
        placed: list[Slot],
        start: int,
        member: StaffMember,
        customer_id: str | None,
        preferred: Sequence[str],
        handoff: int,
        granularity: int,
    ) -> list[Slot] | None:
        service = legs[len(placed)][0]
        extra_units: dict[str, list[Span]] = {}
        staff_taken: list[Span] = []
        for slot in placed:
            base = to_epoch(slot.starts_at)
            shape = self.shape(self._service_of(legs, slot), self.staff[slot.staff_id])
            for index, step in enumerate(slot.steps):
                a, b = shape.step_span(index)
                for unit in step.units:
                    extra_units.setdefault(unit, []).append((base + a, base + b))
            if slot.staff_id == member.id:
                staff_taken.extend((base + a, base + b) for a, b in shape.staff_spans())
        shape = self.shape(service, member)
        if any(
            x < start + b and start + a < y for a, b in shape.staff_spans() for x, y in staff_taken
        ):
            return None
        steps = self.place(service, member, start, extra_units)
        if steps is None:
            return None
        chain = [*placed, self._slot(service, member, start, steps, customer_id)]
        if len(chain) == len(legs):
            return chain
        end = start + shape.minutes * 60
        next_service, next_staff = legs[len(chain)]
        members = self.candidates(next_service, next_staff, preferred)
        for nxt, able in self.starts(
            next_service, members, customer_id, end, end + handoff * 60 + 1, 1
        ):
            for other in able:
                found = self._extend_visit(
                    legs, chain, nxt, other, customer_id, preferred, handoff, granularity
                )
                if found is not None:
                    return found
        return None

    @staticmethod
    def _service_of(
        legs: Sequence[tuple[Service, str | Sequence[str] | None]], slot: Slot
    ) -> Service:
        return next(s for s, _ in legs if s.id == slot.service_id)

    # ------------------------------------------------------------------ explaining

    def explain(
        self,
        service: Service,
        staff_id: str,
        start: dt.datetime,
        customer_id: str | None = None,
        extra_units: dict[str, list[Span]] | None = None,
    ) -> list[ConflictReason]:
        """Every reason ``staff_id`` cannot do ``service`` at ``start`` (empty: it can).

        Codes: ``lacks_skill``, ``staff_off``, ``staff_busy``, ``outside_hours``,
        ``resource_full``, ``customer_busy``. Booking rules are checked by
        :mod:`salonkit.scheduling.rules`.
        """
        member = self.staff.get(staff_id)
        if member is None:
            raise NotFound("staff", staff_id)
        reasons: list[ConflictReason] = []
        at = to_epoch(start)
        date = local_day(start, self.timezone)
        day = self._day(date, 1)
        if not member.can_do(service.skill):
            reasons.append(
                ConflictReason(
                    "lacks_skill", f"{member.name} does not do {service.skill}", staff_id
                )
            )
        shape = self.shape(service, member)
        staff_spans = [(at + a, at + b) for a, b in shape.staff_spans()]
        reasons.extend(self._staff_off(member, day, staff_spans, at))
        busy_staff = self._staff_busy.get(staff_id, EMPTY)
        clashing = (
            sorted(
                {
                    appt.id
                    for appt in self.appointments
                    if appt.store_id == self.store.id and appt.staff_id == staff_id
                    for x, y in appt.staff_spans()
                    for a, b in staff_spans
                    if x < b and a < y
                }
            )
            if not all(busy_staff.is_free(a, b) for a, b in staff_spans)
            else []
        )
        if clashing:
            reasons.append(
                ConflictReason(
                    "staff_busy",
                    f"{member.name} is busy at {self._wall(at)} (appointment {', '.join(clashing)})",
                    staff_id,
                )
            )
        customer_span = (at, at + shape.minutes * 60)
        if not day.open:
            reasons.append(ConflictReason("outside_hours", day.closed_reason, self.store.id))
        elif not covers(day.open, *customer_span):
            hours = ", ".join(
                f"{pendulum.from_timestamp(a, tz=self.timezone):%H:%M}-"
                f"{pendulum.from_timestamp(b, tz=self.timezone):%H:%M}"
                for a, b in day.open
            )
            reasons.append(
                ConflictReason(
                    "outside_hours",
                    f"{service.name} at {self._wall(at)} does not fit the opening hours ({hours})",
                    self.store.id,
                )
            )
        for req in shape.requirements():
            a, b = at + req.start, at + req.end
            units = self.units_by_kind.get(req.kind, [])
            free = [
                u
                for u in units
                if self._unit_busy.get(u, EMPTY).is_free(a, b)
                and not (extra_units and any(x < b and a < y for x, y in extra_units.get(u, ())))
            ]
            if len(free) < req.count:
                step = shape.steps[req.step].name
                detail = (
                    f"the store has no {req.kind}"
                    if not units
                    else f"{len(free)} of {len(units)} {req.kind} units free"
                )
                reasons.append(
                    ConflictReason(
                        "resource_full",
                        f"step {step!r} needs {req.count} {req.kind} at {self._wall(at)}: {detail}",
                        req.kind,
                    )
                )
        if customer_id is not None:
            busy = self._customer_busy.get(customer_id, EMPTY)
            if not busy.is_free(*customer_span):
                others = sorted(
                    appt.id
                    for appt in self.appointments
                    if appt.customer_id == customer_id
                    and appt.customer_span()[0] < customer_span[1]
                    and customer_span[0] < appt.customer_span()[1]
                )
                reasons.append(
                    ConflictReason(
                        "customer_busy",
                        f"the customer already has appointment {', '.join(others)} then",
                        customer_id,
                    )
                )
        return reasons

    def _wall(self, at: int) -> str:
        """The store's wall-clock time at epoch second ``at``, as reasons quote it (formatted
        only when a reason needs it: most checks find none)."""
        return f"{pendulum.from_timestamp(at, tz=self.timezone):%Y-%m-%d %H:%M}"

    def _staff_off(
        self, member: StaffMember, day: _Day, spans: list[Span], at: int
    ) -> list[ConflictReason]:
        work = self.work_spans(member, day)
        if all(covers(work, a, b) for a, b in spans):
            return []
        when = self._wall(at)
        if not member.active:
            message = f"{member.name} is not an active staff member"
        elif not member.shifts_on(day.date):
            message = f"{member.name} does not work on {day.date:%A %Y-%m-%d}"
        else:
            message = f"{member.name} is not working at {when}"
            for off in member.time_off:
                x, y = to_epoch(off.period.start), to_epoch(off.period.end)
                if any(x < b and a < y for a, b in spans):
                    message = f"{member.name} is off at {when}" + (
                        f" ({off.reason})" if off.reason else ""
                    )
                    break
            else:
                for shift in member.shifts_on(day.date):
                    for brk in shift.breaks:
                        x, y = _wall_span(day.date, brk, self.timezone)
                        if any(x < b and a < y for a, b in spans):
                            message = f"{member.name} is on a break at {when}"
        return [ConflictReason("staff_off", message, member.id)]


__all__ = ["AvailabilityEngine", "unit_ids", "wall_instant"]
