"""Utilisation heat map: how busy each staff member and each resource was, hour by hour.

For every opening hour of the day (store's wall clock) and every staff member it gives the
minutes they were available (their shift, less breaks and time off) and the minutes appointments
kept them busy (processing time, when the stylist is free, does not count; buffers do); for every
resource kind (chairs, basins) the unit-minutes available and held.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import attrs

from salonkit.domain.catalogue import Resource
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.domain.time import TimeRange, subtract
from salonkit.scheduling.model import Appointment, AppointmentStatus

Span = tuple[int, int]
#: Appointments that used (or will use) the calendar.
_COUNTED = frozenset(
    {
        AppointmentStatus.BOOKED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.COMPLETED,
    }
)


@attrs.frozen(kw_only=True)
class HeatRow:
    """One row of the heat map: minutes available and busy in each hour of ``HeatMap.hours``."""

    key: str
    label: str
    available: tuple[int, ...]
    busy: tuple[int, ...]

    def percent(self, index: int) -> int | None:
        """Busy share of hour ``index`` in whole percent (``None`` when nothing was available)."""
        if not self.available[index]:
            return None
        return round(100 * self.busy[index] / self.available[index])

    @property
    def utilisation(self) -> float:
        """Busy share of the whole day (0 when nothing was available)."""
        total = sum(self.available)
        return sum(self.busy) / total if total else 0.0


@attrs.frozen(kw_only=True)
class HeatMap:
    """Staff and resource utilisation of one store on one day, by hour (``hours`` are the
    local starting hours, e.g. 10 to 20)."""

    store_id: str
    day: dt.date
    hours: tuple[int, ...]
    staff: tuple[HeatRow, ...]
    resources: tuple[HeatRow, ...]

    @property
    def staff_utilisation(self) -> float:
        """Busy share of all staff time available."""
        available = sum(sum(r.available) for r in self.staff)
        return sum(sum(r.busy) for r in self.staff) / available if available else 0.0


def _overlap(spans: Iterable[Span], window: Span) -> int:
    """Seconds of ``spans`` (assumed disjoint) inside ``window``."""
    lo, hi = window
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b in spans)


def _merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _epoch(r: TimeRange) -> Span:
    return (int(r.start.timestamp()), int(r.end.timestamp()))


def staff_availability(member: StaffMember, day: dt.date, timezone: str) -> list[TimeRange]:
    """When ``member`` works on ``day``: shifts less breaks and time off."""
    ranges: list[TimeRange] = []
    for shift in member.shifts_on(day):
        ranges.extend(
            subtract([shift.hours.on(day, timezone)], [b.on(day, timezone) for b in shift.breaks])
        )
    return subtract(ranges, [t.period for t in member.time_off])


def heat_map(
    store: Store,
    day: dt.date,
    staff: Sequence[StaffMember],
    resources: Sequence[Resource],
    appointments: Iterable[Appointment],
) -> HeatMap:
    """The heat map of ``store`` on ``day`` (see the module docstring)."""
    opening = store.open_ranges(day)
    counted = [a for a in appointments if a.status in _COUNTED]
    if not opening:
        return HeatMap(store_id=store.id, day=day, hours=(), staff=(), resources=())
    first = opening[0].start.in_timezone(store.timezone)
    last = opening[-1].end.in_timezone(store.timezone)
    start_hour = first.hour
    end_hour = last.hour + (1 if last.minute else 0)
    hours = tuple(range(start_hour, end_hour))
    windows = [
        (
            int(first.set(hour=h, minute=0).timestamp()),
            int(first.set(hour=h, minute=0).add(hours=1).timestamp()),
        )
        for h in hours
    ]
    open_spans = _merge(_epoch(r) for r in opening)
    staff_rows = []
    for member in staff:
        available = _merge(_epoch(r) for r in staff_availability(member, day, store.timezone))
        busy = _merge(s for a in counted if a.staff_id == member.id for s in a.staff_spans())
        staff_rows.append(
            HeatRow(
                key=member.id,
                label=member.name,
                available=tuple(_overlap(available, w) // 60 for w in windows),
                busy=tuple(_overlap(busy, w) // 60 for w in windows),
            )
        )
    resource_rows = []
    for resource in resources:
        prefix = f"{resource.id}:"
        held: dict[str, list[Span]] = {}
        for appt in counted:
            for unit, span in appt.unit_spans():
                if unit.startswith(prefix):
                    held.setdefault(unit, []).append(span)
        resource_rows.append(
            HeatRow(
                key=resource.kind,
                label=resource.name or resource.kind,
                available=tuple(resource.capacity * _overlap(open_spans, w) // 60 for w in windows),
                busy=tuple(
                    sum(_overlap(_merge(spans), w) for spans in held.values()) // 60
                    for w in windows
                ),
            )
        )
    return HeatMap(
        store_id=store.id,
        day=day,
        hours=hours,
        staff=tuple(staff_rows),
        resources=tuple(resource_rows),
    )


__all__ = ["HeatMap", "HeatRow", "heat_map", "staff_availability"]
