"""What a set of appointments occupies, indexed for the availability engine.

A :class:`CalendarIndex` turns appointments into sorted busy spans per staff member, per
resource unit and per customer, once. It is immutable, so a service may keep one per store and
reuse it for every search until the calendar changes. Holds are kept apart because whether they
block depends on the time of the question: :meth:`CalendarIndex.at` adds the live ones.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import TypeVar

from salonkit.scheduling.intervals import EMPTY, BusyIndex, Span
from salonkit.scheduling.model import BLOCKING, Appointment, AppointmentStatus

V = TypeVar("V")

#: Changes a :class:`Layered` map carries over its base before they are folded into a new one
#: (at least this many, or a sixteenth of the base).
FOLD_AT = 32
_MISSING = object()
_GONE = object()


class Layered(Mapping[str, V]):
    """A read-only map made of a base dictionary shared between successive copies of an index
    and a small dictionary of what changed since the base was built.

    An index of a store's calendar holds one entry per appointment and per customer: thousands.
    A copy with one booking more would copy all of them; a layered copy shares the base and
    carries only the change, folding the changes into a new base once they outgrow
    :data:`FOLD_AT` or a sixteenth of it. Iteration order is that of a dictionary copied and then
    changed (a changed key moves to the end).
    """

    __slots__ = ("_base", "_len", "_top")

    def __init__(self, base: dict[str, V], top: dict[str, object] | None = None) -> None:
        self._base = base
        self._top: dict[str, object] = top if top is not None else {}
        self._len: int | None = None

    def get(self, key: str, default: object = None) -> V | object:  # type: ignore[override]
        """The value of ``key``, or ``default``."""
        top = self._top
        if top:
            found = top.get(key, _MISSING)
            if found is not _MISSING:
                return default if found is _GONE else found
        return self._base.get(key, default)

    def __getitem__(self, key: str) -> V:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        top = self._top
        if not top:
            yield from self._base
            return
        yield from (k for k in self._base if k not in top)
        yield from (k for k, v in top.items() if v is not _GONE)

    def __len__(self) -> int:
        if self._len is None:
            self._len = len(self._base) if not self._top else sum(1 for _ in self)
        return self._len

    def items(self) -> list[tuple[str, V]]:  # type: ignore[override]
        """The pairs in iteration order (a list: reading them all is what callers do)."""
        top = self._top
        base = self._base.items()
        if not top:
            return list(base)
        return [(k, v) for k, v in base if k not in top] + [
            (k, v)  # type: ignore[misc]
            for k, v in top.items()
            if v is not _GONE
        ]

    def changed(self, updates: Mapping[str, V], removed: Iterable[str] = ()) -> Layered[V]:
        """A copy with the ``removed`` keys taken out and then ``updates`` set; this one is
        unchanged."""
        top = dict(self._top)
        for key in removed:
            top.pop(key, None)
            top[key] = _GONE
        for key, value in updates.items():
            top.pop(key, None)  # a changed key moves to the end, as in a dictionary
            top[key] = value
        new = Layered(self._base, top)
        if len(top) > max(FOLD_AT, len(self._base) // 16):
            return Layered(dict(new.items()))
        return new


def _changed(
    current: Mapping[str, V], updates: Mapping[str, V], removed: Iterable[str] = ()
) -> Mapping[str, V]:
    """``current`` with ``removed`` taken out and then ``updates`` set, as a new map (a changed
    key moves to the end): a layered copy of a :class:`Layered` map or of a large dictionary (a
    thawed index's), a plain copy of a small one."""
    if isinstance(current, Layered):
        return current.changed(updates, removed)
    if len(current) > FOLD_AT:
        return Layered(dict(current)).changed(updates, removed)
    out = dict(current)
    for key in removed:
        out.pop(key, None)
    for key, value in updates.items():
        out.pop(key, None)
        out[key] = value
    return out


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


#: A key's raw spans, unmerged, as one flat array ``[a0, b0, a1, b1, ...]`` of 64-bit integers:
#: copied by a memory copy, and nothing in it for the garbage collector to visit.
Flat = array


def _flat(spans: Iterable[Span]) -> Flat:
    return array("q", chain.from_iterable(spans))


def _pairs(flat: Flat) -> Iterator[Span]:
    return zip(flat[0::2], flat[1::2], strict=True)


def _remove(flat: Flat, span: Span) -> None:
    """Take one occurrence of ``span`` out of ``flat`` (``ValueError`` when it is not there)."""
    a, b = span
    for i in range(0, len(flat), 2):
        if flat[i] == a and flat[i + 1] == b:
            del flat[i : i + 2]
            return
    raise ValueError(f"span {span} is not indexed")


class Busy:
    """Busy indexes at one instant: by staff id, by unit id, by customer id, and the appointments
    they came from (for explanations; gathered only when asked for)."""

    __slots__ = ("_added", "_appointments", "_source", "customers", "staff", "units")

    def __init__(
        self,
        source: CalendarIndex | None,
        added: tuple[Appointment, ...],
        staff: Mapping[str, BusyIndex],
        units: Mapping[str, BusyIndex],
        customers: Mapping[str, BusyIndex],
    ) -> None:
        self._source = source
        self._added = added
        self._appointments: tuple[Appointment, ...] | None = None
        self.staff = staff
        self.units = units
        self.customers = customers

    @property
    def appointments(self) -> tuple[Appointment, ...]:
        """The blocking appointments: the index's fixed ones and those added at the instant."""
        if self._appointments is None:
            fixed = self._source.fixed if self._source is not None else ()
            self._appointments = fixed + self._added
        return self._appointments


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
        # one entry per appointment and per customer: layered, so that copies share them
        self._by_id: Mapping[str, Appointment] = Layered(unique)
        self._holds = {k: a for k, a in unique.items() if a.status is AppointmentStatus.HELD}
        self._fixed: tuple[Appointment, ...] | None = None
        #: On a :meth:`thawed` copy, the (family, key) span lists it owns and may extend.
        self._owned: set[tuple[int, str]] | None = None
        staff, units, customers = _index(self.fixed, store_id)
        self._raw: tuple[Mapping[str, Flat], ...] = (
            {k: _flat(v) for k, v in staff.items()},
            {k: _flat(v) for k, v in units.items()},
            Layered({k: _flat(v) for k, v in customers.items()}),
        )
        self._fixed_busy = Busy(
            self,
            (),
            {k: BusyIndex(v) for k, v in staff.items()},
            {k: BusyIndex(v) for k, v in units.items()},
            Layered({k: BusyIndex(v) for k, v in customers.items()}),
        )

    @property
    def fixed(self) -> tuple[Appointment, ...]:
        """The indexed appointments that are not holds."""
        if self._fixed is None:
            held = self._holds
            self._fixed = tuple(a for k, a in self._by_id.items() if k not in held)
        return self._fixed

    @property
    def holds(self) -> tuple[Appointment, ...]:
        """The indexed holds (each blocks only until it expires)."""
        return tuple(self._holds.values())

    def get(self, appointment_id: str) -> Appointment | None:
        """The indexed appointment with this id (holds included), or ``None``."""
        return self._by_id.get(appointment_id)

    def thawed(self) -> CalendarIndex:
        """A copy that :meth:`add` may grow in place (a batch adding appointments one by one);
        this index is left as it is. Copying costs one pass over the index; each ``add`` then
        costs only what the new appointment touches."""
        out = object.__new__(CalendarIndex)
        out.store_id = self.store_id
        out._by_id = dict(self._by_id.items())
        out._holds = dict(self._holds)
        out._fixed = None
        out._raw = tuple(dict(raw.items()) for raw in self._raw)
        base = self._fixed_busy
        out._fixed_busy = Busy(
            out,
            (),
            dict(base.staff.items()),
            dict(base.units.items()),
            dict(base.customers.items()),
        )
        out._owned = set()
        return out

    def add(self, appt: Appointment) -> None:
        """Put a new appointment into a :meth:`thawed` copy, in place."""
        owned = self._owned
        if owned is None:
            raise RuntimeError("add() works on a thawed() copy only")
        if appt.id in self._by_id:
            raise ValueError(f"appointment {appt.id!r} is indexed already")
        if appt.status not in BLOCKING:
            return
        assert isinstance(self._by_id, dict)  # a thawed copy's maps are its own dictionaries
        self._by_id[appt.id] = appt
        self._fixed = None
        if appt.status is AppointmentStatus.HELD:
            self._holds[appt.id] = appt
            return
        busy = self._fixed_busy
        busy._appointments = None  # gathered again when next asked for
        families = (
            (0, self._raw[0], busy.staff),
            (1, self._raw[1], busy.units),
            (2, self._raw[2], busy.customers),
        )
        for (family, raw, index), part in zip(families, _index([appt], self.store_id), strict=True):
            assert isinstance(raw, dict) and isinstance(index, dict)
            for key, spans in part.items():
                if (family, key) not in owned:
                    found = raw.get(key)
                    raw[key] = found[:] if found is not None else array("q")
                    owned.add((family, key))
                raw[key].extend(_flat(spans))
                index[key] = index.get(key, EMPTY).with_spans(spans)

    def updated(self, changed: Iterable[Appointment], removed: Iterable[str] = ()) -> CalendarIndex:
        """A copy with the ``removed`` ids taken out, then the ``changed`` appointments put in
        (replacing those with the same id; one that no longer blocks is dropped). Only the staff
        members, units and customers the old and new versions occupy are re-indexed; the maps
        holding an entry per appointment or customer are shared with this index, not copied."""
        final: dict[str, Appointment | None] = {}
        for appt_id in removed:
            final.pop(appt_id, None)
            final[appt_id] = None
        for appt in changed:
            final.pop(appt.id, None)
            final[appt.id] = appt if appt.status in BLOCKING else None
        by_id = _changed(
            self._by_id,
            {k: a for k, a in final.items() if a is not None},
            [k for k, a in final.items() if a is None],
        )
        held = AppointmentStatus.HELD
        before = [a for a in map(self._by_id.get, final) if a is not None]
        after = [a for a in final.values() if a is not None]
        holds = self._holds
        if any(a.status is held for a in (*before, *after)):
            holds = {k: a for k, a in holds.items() if k not in final}
            holds.update((a.id, a) for a in after if a.status is held)
        old = [a for a in before if a.status is not held]
        new = [a for a in after if a.status is not held]
        out = object.__new__(CalendarIndex)
        out.store_id = self.store_id
        out._by_id = by_id
        out._fixed = None
        out._owned = None
        out._holds = holds
        # per family: the new span lists of the keys touched, the spans added per key, and the
        # keys that lost spans (re-indexed in full)
        touched: list[dict[str, Flat]] = [{}, {}, {}]
        added: list[dict[str, list[Span]]] = [{}, {}, {}]
        shrunk: list[set[str]] = [set(), set(), set()]
        for appts, sign in ((old, -1), (new, 1)):
            if not appts:
                continue
            parts = _index(appts, self.store_id)
            for raw, part, mine, plus, minus in zip(
                self._raw, parts, touched, added, shrunk, strict=True
            ):
                for key, spans in part.items():
                    current = mine.get(key)
                    if current is None:
                        found = raw.get(key)
                        current = mine[key] = found[:] if found is not None else array("q")
                    if sign > 0:
                        current.extend(_flat(spans))
                        plus.setdefault(key, []).extend(spans)
                    else:
                        for span in spans:
                            _remove(current, span)
                        minus.add(key)
        out._raw = tuple(
            _changed(
                raw, {k: v for k, v in mine.items() if v}, [k for k, v in mine.items() if not v]
            )
            for raw, mine in zip(self._raw, touched, strict=True)
        )
        base = self._fixed_busy
        indexes: list[Mapping[str, BusyIndex]] = []
        for current_index, mine, plus, minus in zip(
            (base.staff, base.units, base.customers), touched, added, shrunk, strict=True
        ):
            if not plus and not minus:
                indexes.append(current_index)
                continue
            updates: dict[str, BusyIndex] = {}
            gone: list[str] = []
            for key in minus:
                if mine[key]:
                    updates[key] = BusyIndex(_pairs(mine[key]))
                else:
                    gone.append(key)
            for key, spans in plus.items():
                if key not in minus:
                    updates[key] = current_index.get(key, EMPTY).with_spans(spans)
            indexes.append(_changed(current_index, updates, gone))
        out._fixed_busy = Busy(out, (), indexes[0], indexes[1], indexes[2])
        return out

    def __len__(self) -> int:
        return len(self._by_id)

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
        added = [h for h in self._holds.values() if h.blocks(now)]
        by_id, held = self._by_id, self._holds
        added += [a for a in extra if (a.id not in by_id or a.id in held) and a.blocks(now)]
        if not added:
            return self._fixed_busy
        staff, units, customers = _index(added, self.store_id)
        base = self._fixed_busy

        def combine(
            current: Mapping[str, BusyIndex], new: dict[str, list[Span]]
        ) -> Mapping[str, BusyIndex]:
            """``current`` with the spans in ``new`` added."""
            return _changed(
                current,
                {key: current.get(key, EMPTY).with_spans(spans) for key, spans in new.items()},
            )

        return Busy(
            self,
            tuple({a.id: a for a in added}.values()),
            combine(base.staff, staff),
            combine(base.units, units),
            combine(base.customers, customers),
        )


__all__ = ["Busy", "CalendarIndex", "holds_of"]
