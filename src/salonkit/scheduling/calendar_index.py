"""What a set of appointments occupies, indexed for the availability engine.

A :class:`CalendarIndex` turns appointments into sorted busy spans per staff member, per
resource unit and per customer, once. It is immutable, so a service may keep one per store and
reuse it for every search until the calendar changes. Holds are kept apart because whether they
block depends on the time of the question: :meth:`CalendarIndex.at` adds the live ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from salonkit.scheduling.intervals import BusyIndex, Span
from salonkit.scheduling.model import BLOCKING, Appointment, AppointmentStatus


def holds_of(appt: Appointment) -> tuple[list[Span], list[tuple[str, Span]], Span]:
    """Epoch-second spans an appointment occupies: its staff member's (steps that need them and
    both buffers), each resource unit's (per step, the first and last widened by the buffers),
    and the customer's (first step start to last step end). Same rules as
    :class:`~salonkit.scheduling.shape.Shape`, computed without building one (this is hot)."""
    base = int(appt.starts_at.timestamp())
    before = appt.buffer_before * 60
    after = appt.buffer_after * 60
    steps = appt.steps
    last = len(steps) - 1
    end = base + (steps[-1].offset + steps[-1].minutes) * 60
    staff: list[Span] = []
    units: list[tuple[str, Span]] = []
    for index, step in enumerate(steps):
        a = base + step.offset * 60
        b = a + step.minutes * 60
        if step.staff_busy:
            if staff and staff[-1][1] == a:
                staff[-1] = (staff[-1][0], b)
            else:
                staff.append((a, b))
        ua = a - before if index == 0 else a
        ub = b + after if index == last else b
        for unit in step.units:
            units.append((unit, (ua, ub)))
    if before:
        staff.insert(0, (base - before, base))
    if after:
        staff.append((end, end + after))
    return staff, units, (base, end)


@attrs.frozen
class Busy:
    """Busy indexes at one instant: by staff id, by unit id, by customer id, and the appointments
    they came from (for explanations)."""

    appointments: tuple[Appointment, ...]
    staff: dict[str, BusyIndex]
    units: dict[str, BusyIndex]
    customers: dict[str, BusyIndex]


def _index(
    appointments: Iterable[Appointment], store_id: str
) -> tuple[dict[str, list[Span]], dict[str, list[Span]], dict[str, list[Span]]]:
    staff: dict[str, list[Span]] = {}
    units: dict[str, list[Span]] = {}
    customers: dict[str, list[Span]] = {}
    for appt in appointments:
        s, u, c = holds_of(appt)
        customers.setdefault(appt.customer_id, []).append(c)
        if appt.store_id != store_id:
            continue
        staff.setdefault(appt.staff_id, []).extend(s)
        for unit, span in u:
            units.setdefault(unit, []).append(span)
    return staff, units, customers


class CalendarIndex:
    """The appointments of one store (plus any of its customers' elsewhere), indexed once.

    Appointments that never block (cancelled, no-show) are dropped; holds are indexed only when
    asked :meth:`at` an instant before they expire. :meth:`updated` gives a copy with some
    appointments changed, re-indexing only the staff, units and customers they touch.
    """

    def __init__(self, store_id: str, appointments: Iterable[Appointment]) -> None:
        self.store_id = store_id
        unique = {a.id: a for a in appointments if a.status in BLOCKING}
        self._init(unique)
        staff, units, customers = _index(self.fixed, store_id)
        self._raw = (staff, units, customers)
        self._fixed_busy = Busy(
            self.fixed,
            {k: BusyIndex(v) for k, v in staff.items()},
            {k: BusyIndex(v) for k, v in units.items()},
            {k: BusyIndex(v) for k, v in customers.items()},
        )

    def _init(self, by_id: dict[str, Appointment]) -> None:
        self._by_id = by_id
        self.fixed = tuple(a for a in by_id.values() if a.status is not AppointmentStatus.HELD)
        self.holds = tuple(a for a in by_id.values() if a.status is AppointmentStatus.HELD)
        self._known = frozenset(a.id for a in self.fixed)

    def get(self, appointment_id: str) -> Appointment | None:
        """The indexed appointment with this id (holds included), or ``None``."""
        return self._by_id.get(appointment_id)

    def updated(self, changed: Iterable[Appointment], removed: Iterable[str] = ()) -> CalendarIndex:
        """A copy with the ``removed`` ids taken out, then the ``changed`` appointments put in
        (replacing those with the same id; one that no longer blocks is dropped). Only the staff
        members, units and customers the old and new versions occupy are re-indexed."""
        by_id = dict(self._by_id)
        touched_ids: set[str] = set()
        for appt_id in removed:
            by_id.pop(appt_id, None)
            touched_ids.add(appt_id)
        for appt in changed:
            by_id.pop(appt.id, None)
            if appt.status in BLOCKING:
                by_id[appt.id] = appt
            touched_ids.add(appt.id)
        old = [a for a in map(self._by_id.get, touched_ids) if a is not None]
        new = [a for a in map(by_id.get, touched_ids) if a is not None]
        fixed = AppointmentStatus.HELD
        old = [a for a in old if a.status is not fixed]
        new = [a for a in new if a.status is not fixed]
        out = object.__new__(CalendarIndex)
        out.store_id = self.store_id
        out._init(by_id)
        raws: list[dict[str, list[Span]]] = [dict(r) for r in self._raw]
        touched: list[set[str]] = [set(), set(), set()]
        for appts, sign in ((old, -1), (new, 1)):
            if not appts:
                continue
            parts = _index(appts, self.store_id)
            for raw, part, keys in zip(raws, parts, touched, strict=True):
                for key, spans in part.items():
                    if key not in keys:
                        keys.add(key)
                        raw[key] = list(raw.get(key, ()))
                    if sign > 0:
                        raw[key].extend(spans)
                    else:
                        for span in spans:
                            raw[key].remove(span)
        out._raw = (raws[0], raws[1], raws[2])
        base = self._fixed_busy
        indexes: list[dict[str, BusyIndex]] = []
        for current, raw, keys in zip(
            (base.staff, base.units, base.customers), raws, touched, strict=True
        ):
            fresh = dict(current) if keys else current
            for key in keys:
                if raw[key]:
                    fresh[key] = BusyIndex(raw[key])
                else:
                    del raw[key]
                    fresh.pop(key, None)
            indexes.append(fresh)
        out._fixed_busy = Busy(out.fixed, indexes[0], indexes[1], indexes[2])
        return out

    def __len__(self) -> int:
        return len(self.fixed) + len(self.holds)

    def appointments(self) -> tuple[Appointment, ...]:
        """Every indexed appointment, holds included."""
        return self.fixed + self.holds

    def at(
        self,
        now: dt.datetime,
        *,
        ignore: frozenset[str] = frozenset(),
        extra: Iterable[Appointment] = (),
    ) -> Busy:
        """Busy indexes at ``now``: live holds added, ``ignore``'d ids left out, ``extra``
        appointments (a customer's in other stores) added."""
        if ignore:
            return self.updated((), removed=ignore).at(
                now, extra=[a for a in extra if a.id not in ignore]
            )
        added = [h for h in self.holds if h.blocks(now)]
        added += [a for a in extra if a.id not in self._known and a.blocks(now)]
        if not added:
            return self._fixed_busy
        staff, units, customers = _index(added, self.store_id)
        base = self._fixed_busy
        raw = self._raw

        def combine(
            current: dict[str, BusyIndex], old: dict[str, list[Span]], new: dict[str, list[Span]]
        ) -> dict[str, BusyIndex]:
            """``current`` with the keys in ``new`` re-indexed from old plus new spans."""
            out = dict(current)
            for key, spans in new.items():
                out[key] = BusyIndex([*old.get(key, ()), *spans])
            return out

        return Busy(
            self.fixed + tuple({a.id: a for a in added}.values()),
            combine(base.staff, raw[0], staff),
            combine(base.units, raw[1], units),
            combine(base.customers, raw[2], customers),
        )


__all__ = ["Busy", "CalendarIndex", "holds_of"]
