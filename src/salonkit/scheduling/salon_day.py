"""One store's day as a :class:`~salonkit.scheduling.day.DayProblem`, built from the salon's records.

The day optimiser speaks the benchmark format: minutes of one day, staff with shifts, services as
ordered steps, resource kinds with a capacity, requests with a window. :func:`build_salon_day`
translates a store's records into it, as exactly as the format allows:

- **Time**: minute ``m`` is ``m`` minutes after the store's local midnight (elapsed time, so a
  DST day stays consistent; times past minute 1440 of a 25-hour day are cut off).
- **Staff**: each active member's shifts of the weekday minus their breaks and time off (the
  booking engine's working time); ``busy`` spans (appointments that cannot be modelled) are
  taken out too. The fixed breaks of the salon are thus already subtracted: the problem has no
  movable breaks.
- **Services**: one :class:`~salonkit.scheduling.day.ServiceSpec` per service *shape* (a staff
  member's duration override gives another shape); buffers become steps that keep the staff
  member and the first/last step's resources busy, as :mod:`salonkit.scheduling.shape` says.
  A request starts, in the problem, at its ``buffer_before`` (see :meth:`SalonDay.start_of`).
  When only some staff may serve a request (named staff, a different shape), its spec gets a
  skill of its own given only to them.
- **Resources**: one resource per kind, its capacity the sum of the store's units of that kind.
- **Opening hours**: through each request's window (the customer's time must lie inside one
  opening interval); the problem itself spans the whole day so that buffers may fall outside.
- **Pinned** demands are kept exactly, with the appointment's own recorded steps; their staff
  time is added to the staff member's shifts, so an appointment booked before a shift changed
  is still represented as it is.

What the format cannot say is approximated and left to the booking service to refuse on apply:
a step needing two units of one kind counts one, and a request whose candidates have different
durations keeps one group of candidates sharing one shape (the one holding the booking's
staff member, else one holding a preferred member, else the largest).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import attrs
import pendulum

from salonkit.domain.catalogue import Resource as ResourceRecord
from salonkit.domain.catalogue import Service
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.errors import ValidationError
from salonkit.scheduling.day.model import (
    END_OF_DAY,
    DayProblem,
    Pin,
    Request,
    Resource,
    ServiceSpec,
    Shift,
    StaffDay,
    Step,
)
from salonkit.scheduling.intervals import (
    Span,
    day_bounds,
    from_epoch,
    intersect,
    merge,
    subtract,
    to_epoch,
    wall_instant,
)
from salonkit.scheduling.shape import Shape, shape_of

log = logging.getLogger(__name__)


@attrs.frozen
class DayFrame:
    """The minutes of one store day: minute 0 is the store's local midnight."""

    date: dt.date
    timezone: str
    origin: int  # epoch seconds of local midnight
    length: int  # minutes in the day (1380, 1440 or 1500), at most END_OF_DAY usable

    @classmethod
    def of(cls, date: dt.date, timezone: str) -> DayFrame:
        """The frame of ``date`` in ``timezone``."""
        lo, hi = day_bounds(date, timezone)
        return cls(date, timezone, lo, (hi - lo) // 60)

    @property
    def end(self) -> int:
        """The last usable minute (the day's length, capped at 24:00)."""
        return min(self.length, END_OF_DAY)

    def minute(self, instant: dt.datetime) -> int:
        """Minutes from local midnight to ``instant`` (rounded down)."""
        return (to_epoch(instant) - self.origin) // 60

    def minute_up(self, instant: dt.datetime) -> int:
        """Minutes from local midnight to ``instant`` (rounded up)."""
        return math.ceil((instant.timestamp() - self.origin) / 60)

    def instant(self, minute: int) -> pendulum.DateTime:
        """The UTC instant ``minute`` minutes after local midnight."""
        return from_epoch(self.origin + minute * 60)

    def wall(self, minute: int) -> str:
        """The store's wall-clock time at ``minute`` (``"10:30"``)."""
        return f"{self.instant(minute).in_timezone(self.timezone):%H:%M}"

    @property
    def bounds(self) -> tuple[pendulum.DateTime, pendulum.DateTime]:
        """The day's first and last instants, as a half-open pair."""
        return self.instant(0), self.instant(self.length)


@attrs.frozen(kw_only=True)
class Demand:
    """Something to place on the day: ``service_id`` for ``customer_id``, its first step
    starting between ``earliest`` and ``latest`` (both inclusive).

    - ``staff``: who may serve it (empty: anyone qualified and working);
    - ``preferred``: who the customer prefers (worth a bonus in the score);
    - ``priority``: 1, 2 or 3, the weight of placing it;
    - ``anchor``: where it is now, for a booking that may move (the window part around it is
      kept when opening hours or the customer's fixed appointments split the window);
    - ``pinned``: ``(staff id, start)`` of a booking kept exactly as it is, with its recorded
      ``shape`` and resource ``kinds`` per step.
    """

    id: str
    customer_id: str
    service_id: str
    earliest: pendulum.DateTime
    latest: pendulum.DateTime
    staff: tuple[str, ...] = ()
    preferred: tuple[str, ...] = ()
    priority: int = 1
    anchor: tuple[str, pendulum.DateTime] | None = None
    pinned: tuple[str, pendulum.DateTime] | None = None
    shape: Shape | None = None


@attrs.frozen(kw_only=True)
class Busy:
    """Time the day cannot represent as a request (an appointment crossing midnight, one in
    another store): the staff member (of this store) and the customer are taken then."""

    start: pendulum.DateTime
    end: pendulum.DateTime
    staff_id: str | None = None
    customer_id: str | None = None


@attrs.frozen(kw_only=True)
class SalonDay:
    """The day problem with what its requests stand for.

    ``demands`` maps each request id of the problem to its demand; ``lead`` to the minutes
    of buffer before its first step (the problem's start is the buffer's start); ``left_out``
    maps the demands that could not enter the problem to the reason.
    """

    problem: DayProblem
    frame: DayFrame
    demands: Mapping[str, Demand]
    lead: Mapping[str, int]
    left_out: Mapping[str, str]

    def start_of(self, request_id: str, minute: int) -> pendulum.DateTime:
        """The first step's start of ``request_id`` placed at ``minute`` of the problem."""
        return self.frame.instant(minute + self.lead[request_id])

    def minute_of(self, request_id: str, starts_at: dt.datetime) -> int:
        """The problem's minute of ``request_id`` when its first step starts at ``starts_at``."""
        return self.frame.minute(starts_at) - self.lead[request_id]


def work_spans(member: StaffMember, date: dt.date, timezone: str) -> list[Span]:
    """When ``member`` works on ``date`` in epoch seconds: shifts minus breaks minus time off
    (nothing for an inactive member)."""
    if not member.active:
        return []
    spans: list[Span] = []
    holes: list[Span] = []
    for shift in member.shifts_on(date):
        spans.append(
            (
                wall_instant(date, shift.hours.opens, timezone),
                wall_instant(date, shift.hours.closes, timezone),
            )
        )
        holes.extend(
            (wall_instant(date, b.opens, timezone), wall_instant(date, b.closes, timezone))
            for b in shift.breaks
        )
    for off in member.time_off:
        holes.append((to_epoch(off.period.start), math.ceil(off.period.end.timestamp())))
    return subtract(merge(spans), merge(holes))


def _minutes(frame: DayFrame, spans: Iterable[Span]) -> list[Span]:
    """Epoch-second spans as whole minutes of the frame (shrunk inwards), clipped to the day."""
    out: list[Span] = []
    for a, b in spans:
        lo = max(0, math.ceil((a - frame.origin) / 60))
        hi = min(frame.end, (b - frame.origin) // 60)
        if hi > lo:
            out.append((lo, hi))
    return merge(out)


def _kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    seen: list[str] = []
    for kind in kinds:
        if kind not in seen:
            seen.append(kind)
    if len(seen) < len(kinds):
        log.warning("a step needs several units of one kind; the day optimiser counts one")
    return tuple(seen)


def shape_steps(shape: Shape) -> tuple[Step, ...]:
    """The format's steps of a service shape: buffers become steps keeping the staff member and
    the first (last) step's resources busy."""
    steps: list[Step] = []
    if shape.buffer_before:
        steps.append(Step("buffer before", shape.buffer_before, True, _kinds(shape.steps[0].kinds)))
    steps.extend(Step(s.name, s.minutes, s.staff_busy, _kinds(s.kinds)) for s in shape.steps)
    if shape.buffer_after:
        steps.append(Step("buffer after", shape.buffer_after, True, _kinds(shape.steps[-1].kinds)))
    return tuple(steps)


def _pick(ranges: Sequence[Span], anchor: int | None) -> Span | None:
    """The range holding ``anchor``, else the longest (the earliest among equals)."""
    if not ranges:
        return None
    if anchor is not None:
        for lo, hi in ranges:
            if lo <= anchor <= hi:
                return (lo, hi)
    return max(ranges, key=lambda r: (r[1] - r[0], -r[0]))


def _ceil(value: int, grain: int) -> int:
    return -(-value // grain) * grain


class _Builder:
    """State of one :func:`build_salon_day` call."""

    def __init__(
        self,
        store: Store,
        frame: DayFrame,
        staff: Sequence[StaffMember],
        services: Mapping[str, Service],
        busy: Sequence[Busy],
        capacities: Mapping[str, int],
    ) -> None:
        self.store = store
        self.capacities = dict(capacities)
        self.frame = frame
        self.services = services
        self.members = {m.id: m for m in staff if m.store_id == store.id}
        self.shifts: dict[str, list[Span]] = {}
        for member in self.members.values():
            spans = _minutes(frame, work_spans(member, frame.date, store.timezone))
            taken = [
                (frame.minute(b.start), frame.minute_up(b.end))
                for b in busy
                if b.staff_id == member.id
            ]
            self.shifts[member.id] = subtract(spans, merge(taken))
        self.open = _minutes(
            frame, [(to_epoch(r.start), to_epoch(r.end)) for r in store.open_ranges(frame.date)]
        )
        self.customer_busy: dict[str, list[Span]] = defaultdict(list)
        for b in busy:
            if b.customer_id is not None:
                self.customer_busy[b.customer_id].append(
                    (frame.minute(b.start), frame.minute_up(b.end))
                )
        self.specs: dict[tuple[object, ...], ServiceSpec] = {}
        self.extra_skills: dict[str, set[str]] = defaultdict(set)
        self.requests: list[Request] = []
        self.demands: dict[str, Demand] = {}
        self.lead: dict[str, int] = {}
        self.left_out: dict[str, str] = {}

    def spec(self, service: Service, shape: Shape, staff: Sequence[str]) -> ServiceSpec:
        """The spec of ``service`` with ``shape`` served by exactly ``staff``."""
        group = frozenset(staff)
        steps = shape_steps(shape)
        key = (service.id, steps, group)
        found = self.specs.get(key)
        if found is not None:
            return found
        qualified = {
            m.id for m in self.members.values() if m.can_do(service.skill) and self.shifts[m.id]
        }
        base = ServiceSpec(id=service.id, skill=service.skill, steps=steps)
        if group == qualified and base.id not in {s.id for s in self.specs.values()}:
            spec = base
        else:
            name = f"{service.id}~{len(self.specs) + 1}"
            spec = ServiceSpec(id=name, skill=name, steps=steps)
            for member in group:
                self.extra_skills[member].add(name)
        self.specs[key] = spec
        return spec

    def add(self, demand: Demand, customer_busy: Sequence[Span]) -> None:
        """Add ``demand`` as a request, or record why it cannot be one."""
        service = self.services.get(demand.service_id)
        if service is None:
            self.left_out[demand.id] = f"unknown service {demand.service_id!r}"
            return
        if demand.pinned is not None:
            self._add_pinned(demand, service)
            return
        candidates = [
            m
            for m in self.members.values()
            if m.can_do(service.skill)
            and self.shifts[m.id]
            and (not demand.staff or m.id in demand.staff)
        ]
        if not candidates:
            self.left_out[demand.id] = "nobody who does it works that day"
            return
        groups: dict[object, list[StaffMember]] = defaultdict(list)
        shapes: dict[object, Shape] = {}
        for member in candidates:
            shape = shape_of(service, member)
            groups[shape.key].append(member)
            shapes[shape.key] = shape
        held = demand.anchor[0] if demand.anchor is not None else None

        def merit(k: object) -> tuple[bool, bool, int]:
            ids = {m.id for m in groups[k]}
            return (held in ids, bool(ids & set(demand.preferred)), len(ids))

        key = max(groups, key=merit)  # the booking's own staff, a preferred one, the most
        shape, group = shapes[key], [m.id for m in groups[key]]
        frame = self.frame
        lo, hi = frame.minute_up(demand.earliest), frame.minute(demand.latest)
        minutes = shape.minutes
        starts = [(max(lo, a), min(hi, b - minutes)) for a, b in self.open]
        starts = [(a, b) for a, b in starts if a <= b]
        taken = merge([*customer_busy, *self.customer_busy.get(demand.customer_id, [])])
        if taken:
            free = subtract([(-minutes - 1, frame.end + 1)], taken)
            starts = intersect(starts, [(a, b - minutes) for a, b in free if b - minutes >= a])
        anchor = frame.minute(demand.anchor[1]) if demand.anchor is not None else None
        chosen = _pick(starts, anchor)
        grain = 5
        if chosen is not None:
            first, last = _ceil(chosen[0], grain), chosen[1] // grain * grain
            if anchor is not None and chosen[0] <= anchor <= chosen[1]:
                first, last = min(first, anchor), max(last, anchor)
            chosen = (first, last) if first <= last else None
        lead = shape.buffer_before
        if (
            chosen is None
            or chosen[0] - lead < 0
            or chosen[1] + minutes + shape.buffer_after > frame.end
        ):
            self.left_out[demand.id] = "no time inside its window and the opening hours"
            return
        spec = self.spec(service, shape, group)
        self.requests.append(
            Request(
                id=demand.id,
                customer=demand.customer_id,
                service=spec.id,
                earliest=chosen[0] - lead,
                latest_end=chosen[1] + minutes + shape.buffer_after,
                preferred_staff=tuple(p for p in demand.preferred if p in group),
                priority=demand.priority,
            )
        )
        self.demands[demand.id] = demand
        self.lead[demand.id] = lead

    def _add_pinned(self, demand: Demand, service: Service) -> None:
        assert demand.pinned is not None
        staff_id, start = demand.pinned
        member = self.members.get(staff_id)
        shape = demand.shape or shape_of(service, member)
        lead = shape.buffer_before
        at = self.frame.minute(start) - lead
        end = at + shape.minutes + shape.buffer_before + shape.buffer_after
        if at < 0 or end > self.frame.end:
            self.left_out[demand.id] = "does not lie inside the day"
            return
        if member is None or not member.can_do(service.skill):
            spec = self._own_spec(service, shape, staff_id)
        else:
            spec = self.spec(service, shape, [staff_id])
        offset = at
        spans = []
        for step in spec.steps:
            if step.staff:
                spans.append((offset, offset + step.duration_min))
            offset += step.duration_min
        self.shifts[staff_id] = merge([*self.shifts.get(staff_id, []), *spans])
        self.requests.append(
            Request(
                id=demand.id,
                customer=f"{demand.customer_id}@{demand.id}",
                service=spec.id,
                earliest=at,
                latest_end=end,
                priority=demand.priority,
                pinned=Pin(staff_id, at),
            )
        )
        self.demands[demand.id] = demand
        self.lead[demand.id] = lead

    def _own_spec(self, service: Service, shape: Shape, staff_id: str) -> ServiceSpec:
        name = f"{service.id}~{len(self.specs) + 1}"
        spec = ServiceSpec(id=name, skill=name, steps=shape_steps(shape))
        self.specs[(name,)] = spec
        self.extra_skills[staff_id].add(name)
        return spec

    def problem(self, name: str) -> DayProblem:
        """The problem of every demand added so far."""
        kinds: dict[str, int] = {}
        for spec in self.specs.values():
            for step in spec.steps:
                for kind in step.resources:
                    kinds.setdefault(kind, 0)
        for kind, capacity in self.capacities.items():
            kinds[kind] = capacity
        durations = [s.duration_min for spec in self.specs.values() for s in spec.steps]
        grain = math.gcd(5, *durations) if durations else 5
        staff = []
        for member_id, spans in self.shifts.items():
            if not spans:
                continue
            member = self.members.get(member_id)
            skills = set(member.skills if member is not None else ()) | self.extra_skills[member_id]
            staff.append(
                StaffDay(
                    id=member_id,
                    skills=skills,  # type: ignore[arg-type]
                    shifts=[Shift(a, b) for a, b in spans],
                )
            )
        return DayProblem(
            name=name,
            granularity_min=grain,
            open=0,
            close=self.frame.end,
            resources=[Resource(id=k, capacity=c) for k, c in sorted(kinds.items())],
            staff=staff,
            services=list(self.specs.values()),
            requests=self.requests,
        )


def build_salon_day(
    *,
    store: Store,
    date: dt.date,
    staff: Sequence[StaffMember],
    services: Iterable[Service],
    resources: Iterable[ResourceRecord],
    demands: Iterable[Demand],
    busy: Sequence[Busy] = (),
    name: str | None = None,
) -> SalonDay:
    """The day problem of ``store`` on ``date`` for ``demands`` (see the module docstring).

    ``staff``, ``resources``: the store's records; ``services``: the catalogue; ``busy``: time
    taken by appointments that are not demands. Pinned demands come first in the problem, then
    the others in the order given. Raises :class:`~salonkit.ValidationError` on duplicate
    demand ids.
    """
    frame = DayFrame.of(date, store.timezone)
    capacities: dict[str, int] = defaultdict(int)
    for resource in resources:
        if resource.store_id == store.id:
            capacities[resource.kind] += resource.capacity
    builder = _Builder(store, frame, staff, {s.id: s for s in services}, busy, capacities)
    ordered = list(demands)
    seen: set[str] = set()
    for demand in ordered:
        if demand.id in seen:
            raise ValidationError("demands", f"duplicate demand id {demand.id!r}")
        seen.add(demand.id)
    fixed: dict[str, list[Span]] = defaultdict(list)
    for demand in ordered:
        if demand.pinned is not None:
            service = builder.services.get(demand.service_id)
            if service is not None:
                shape = demand.shape or shape_of(service, builder.members.get(demand.pinned[0]))
                at = frame.minute(demand.pinned[1])
                fixed[demand.customer_id].append((at, at + shape.minutes))
            builder.add(demand, ())
    for demand in ordered:
        if demand.pinned is None:
            builder.add(demand, fixed.get(demand.customer_id, []))
    problem = builder.problem(name or f"{store.name} {date.isoformat()}")
    return SalonDay(
        problem=problem,
        frame=frame,
        demands=builder.demands,
        lead=builder.lead,
        left_out=builder.left_out,
    )


__all__ = [
    "Busy",
    "DayFrame",
    "Demand",
    "SalonDay",
    "build_salon_day",
    "shape_steps",
    "work_spans",
]
