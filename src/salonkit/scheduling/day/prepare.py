"""The day problem in time units, shared by the greedy baseline and the CP-SAT model.

Every time and duration of a :class:`~salonkit.scheduling.day.model.DayProblem` is divided by
the *unit*: the greatest common divisor of the granularity, every time and every duration
(normally the granularity itself). For each request and each staff member able to serve it the
set of possible starts is computed exactly, as sorted disjoint ranges, from the opening hours,
the request's window and the staff member's shifts (every staff step inside one shift).
"""

from __future__ import annotations

from collections import defaultdict
from math import gcd

import attrs

from salonkit.scheduling.day.errors import InfeasibleDay
from salonkit.scheduling.day.model import (
    PREFERRED_POINTS,
    DayProblem,
    Request,
    ServiceSpec,
    StaffDay,
)

#: Sorted, disjoint, inclusive ranges ``(first, last)`` of integers.
Ranges = tuple[tuple[int, int], ...]


def intersect(a: Ranges, b: Ranges) -> Ranges:
    """The intersection of two range lists."""
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def union(parts: list[tuple[int, int]]) -> Ranges:
    """Sorted disjoint ranges covering every given range (touching ranges are merged)."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(p for p in parts if p[0] <= p[1]):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return tuple(out)


def contains(ranges: Ranges, value: int) -> bool:
    """True when ``value`` lies in one of the ranges."""
    return any(lo <= value <= hi for lo, hi in ranges)


def subtract(ranges: Ranges, lo: int, hi: int) -> Ranges:
    """The ranges without the values ``lo..hi``."""
    out: list[tuple[int, int]] = []
    for a, b in ranges:
        if b < lo or a > hi:
            out.append((a, b))
            continue
        if a < lo:
            out.append((a, lo - 1))
        if b > hi:
            out.append((hi + 1, b))
    return tuple(out)


@attrs.frozen
class Block:
    """A run of consecutive steps, in units from the request's start: ``[offset, offset+size)``."""

    offset: int
    size: int


@attrs.frozen
class PreparedRequest:
    """One request in units: its blocks, value and possible starts per staff member."""

    index: int
    request: Request
    service: ServiceSpec
    length: int
    staff_steps: tuple[Block, ...]
    staff_blocks: tuple[Block, ...]
    resource_blocks: dict[str, tuple[Block, ...]]
    value: int
    starts: dict[str, Ranges]  # staff id -> possible starts; only staff with the skill

    def bonus(self, staff_id: str) -> int:
        """Preference points for serving this request with ``staff_id``."""
        return PREFERRED_POINTS if staff_id in self.request.preferred_staff else 0

    @property
    def staff_units(self) -> int:
        """Units during which the request occupies its staff member."""
        return sum(b.size for b in self.staff_steps)


@attrs.frozen
class Prepared:
    """The whole day in units."""

    problem: DayProblem
    unit: int
    open: int
    close: int
    requests: tuple[PreparedRequest, ...]

    def units(self, minutes: int) -> int:
        """Minutes to units (exact by construction of the unit)."""
        return minutes // self.unit


def _unit(problem: DayProblem) -> int:
    values = [problem.granularity_min, problem.open, problem.close]
    for member in problem.staff:
        values += [v for s in member.shifts for v in (s.start, s.end)]
        values += [v for b in member.breaks for v in (b.earliest, b.latest_end, b.duration_min)]
    for service in problem.services:
        values += [s.duration_min for s in service.steps]
    for r in problem.requests:
        values += [r.earliest, r.latest_end]
        if r.pinned is not None:
            values.append(r.pinned.start)
    unit = 0
    for v in values:
        unit = gcd(unit, v)
    return unit or 1


def _runs(flags: list[bool], sizes: list[int]) -> tuple[Block, ...]:
    blocks: list[Block] = []
    at = 0
    for flag, size in zip(flags, sizes, strict=True):
        if flag:
            if blocks and blocks[-1].offset + blocks[-1].size == at:
                blocks[-1] = Block(blocks[-1].offset, blocks[-1].size + size)
            else:
                blocks.append(Block(at, size))
        at += size
    return tuple(blocks)


def _starts(member: StaffDay, steps: tuple[Block, ...], window: Ranges, unit: int) -> Ranges:
    allowed = window
    for step in steps:
        allowed = intersect(
            allowed,
            union(
                [
                    (s.start // unit - step.offset, s.end // unit - step.offset - step.size)
                    for s in member.shifts
                ]
            ),
        )
    return allowed


def prepare(problem: DayProblem) -> Prepared:
    """Convert a problem to units and compute every request's possible starts per staff."""
    unit = _unit(problem)
    services = {s.id: s for s in problem.services}
    open_u, close_u = problem.open // unit, problem.close // unit
    out: list[PreparedRequest] = []
    for index, request in enumerate(problem.requests):
        service = services[request.service]
        sizes = [s.duration_min // unit for s in service.steps]
        length = sum(sizes)
        staff_flags = [s.staff for s in service.steps]
        staff_steps: list[Block] = []
        at = 0
        for flag, size in zip(staff_flags, sizes, strict=True):
            if flag:
                staff_steps.append(Block(at, size))
            at += size
        resource_blocks = {
            name: _runs([name in s.resources for s in service.steps], sizes)
            for name in sorted({n for s in service.steps for n in s.resources})
        }
        lo = max(open_u, request.earliest // unit)
        hi = min(close_u, request.latest_end // unit) - length
        window: Ranges = ((lo, hi),) if lo <= hi else ()
        starts: dict[str, Ranges] = {}
        for member in problem.staff:
            if service.skill in member.skills:
                starts[member.id] = _starts(member, tuple(staff_steps), window, unit)
        out.append(
            PreparedRequest(
                index=index,
                request=request,
                service=service,
                length=length,
                staff_steps=tuple(staff_steps),
                staff_blocks=_runs(staff_flags, sizes),
                resource_blocks=resource_blocks,
                value=request.value,
                starts=starts,
            )
        )
    return Prepared(problem=problem, unit=unit, open=open_u, close=close_u, requests=tuple(out))


def _blocked_starts(pr: PreparedRequest, busy_lo: int, busy_hi: int) -> list[tuple[int, int]]:
    """Starts of ``pr`` for which a staff block would overlap ``[busy_lo, busy_hi)``."""
    return [(busy_lo - b.offset - b.size + 1, busy_hi - b.offset - 1) for b in pr.staff_blocks]


def _fixed_busy(prep: Prepared) -> dict[str, list[tuple[int, int]]]:
    """Staff time that is certainly taken: pinned staff steps and compulsory parts of breaks."""
    unit = prep.unit
    busy: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for member in prep.problem.staff:
        for window in member.breaks:
            lo = window.latest_end // unit - window.duration_min // unit
            hi = window.earliest // unit + window.duration_min // unit
            if lo < hi:
                busy[member.id].append((lo, hi))
    for pr in prep.requests:
        pin = pr.request.pinned
        if pin is not None:
            t = pin.start // unit
            for b in pr.staff_blocks:
                busy[pin.staff].append((t + b.offset, t + b.offset + b.size))
    return busy


def possible_starts(prep: Prepared) -> dict[int, dict[str, Ranges]]:
    """Per request, the staff members that can still serve it and their possible starts.

    Removes starts clashing with pinned bookings (same staff member or same customer) and with
    the compulsory part of breaks, and staff members left with no start at all.
    """
    unit = prep.unit
    busy = _fixed_busy(prep)
    capacity = {r.id: r.capacity for r in prep.problem.resources}
    pinned_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pr in prep.requests:
        if pr.request.pinned is not None:
            t = pr.request.pinned.start // unit
            pinned_spans[pr.request.customer].append((t, t + pr.length))
    out: dict[int, dict[str, Ranges]] = {}
    for pr in prep.requests:
        pin = pr.request.pinned
        if pin is not None:
            t = pin.start // unit
            if pin.staff not in pr.starts or not contains(pr.starts[pin.staff], t):
                raise InfeasibleDay(
                    f"requests[{pr.index}].pinned",
                    f"{pr.request.id} cannot be served by {pin.staff} at that time "
                    "(skill, shift, window or opening hours)",
                )
            out[pr.index] = {pin.staff: ((t, t),)}
            continue
        if any(capacity[name] == 0 for name in pr.resource_blocks):
            out[pr.index] = {}
            continue
        options: dict[str, Ranges] = {}
        for staff_id, ranges in pr.starts.items():
            for lo, hi in busy.get(staff_id, ()):
                for a, b in _blocked_starts(pr, lo, hi):
                    ranges = subtract(ranges, a, b)
            for lo, hi in pinned_spans.get(pr.request.customer, ()):
                ranges = subtract(ranges, lo - pr.length + 1, hi - 1)
            if ranges:
                options[staff_id] = ranges
        out[pr.index] = options
    return out
