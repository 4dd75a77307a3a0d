"""Record kinds of the booking side: appointments, waitlist entries and each store's rules.

Appointments carry query columns for everything a calendar query filters on, so loading a
store's calendar for a window reads only the appointments that overlap it:
``held_from`` / ``held_until`` span the whole hold (buffers included), ``starts_at`` /
``ends_at`` the customer's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from salonkit.scheduling.model import Appointment, WaitlistEntry
from salonkit.scheduling.rules import StoreRules
from salonkit.storage.codec import converter, structure_hook
from salonkit.storage.kinds import Column, Index, Kind, registry

APPOINTMENTS = registry.register(
    Kind(
        "appointment",
        Appointment,
        columns=(
            Column("store_id", str, indexed=False),
            Column("staff_id", str, indexed=False),
            Column("customer_id", str, indexed=False),
            Column("service_id", str, indexed=False),
            Column("starts_at", dt.datetime, indexed=False),
            Column("ends_at", dt.datetime, extract=lambda a: a.ends_at, indexed=False),
            Column("held_from", dt.datetime, extract=lambda a: a.held_from, indexed=False),
            Column("held_until", dt.datetime, extract=lambda a: a.held_until, indexed=False),
            Column("status", str, extract=lambda a: a.status.value, indexed=False),
            Column("visit_id", str, indexed=False),
            Column("series_id", str, indexed=False),
        ),
        # what the calendar queries need (a window of a store, of a customer, of a staff
        # member; a visit's or a series' appointments), and no more: every booking writes
        # each of these trees
        indexes=(
            Index(("store_id", "held_until")),
            Index(("store_id", "starts_at")),
            Index(("customer_id", "starts_at")),
            Index(("staff_id", "starts_at")),
            Index(("visit_id",), sparse=True),
            Index(("series_id",), sparse=True),
        ),
    )
)

WAITLIST = registry.register(
    Kind(
        "waitlist_entry",
        WaitlistEntry,
        columns=(
            Column("store_id", str),
            Column("customer_id", str),
            Column("service_id", str),
            Column("status", str, extract=lambda e: e.status.value),
            Column("earliest", dt.datetime),
            Column("latest", dt.datetime),
            Column("created_at", dt.datetime),
        ),
    )
)

BOOKING_RULES = registry.register(Kind("booking_rules", StoreRules, cacheable=True))


#: How many recent changes a stamp remembers (older caches reload in full).
RECENT_CHANGES = 64


@attrs.frozen(kw_only=True)
class CalendarStamp:
    """A counter per store, bumped in the same transaction as every change to which time its
    appointments occupy. Readers that cached a store's calendar compare it to know whether their
    copy is still current (one tiny read instead of reloading every appointment).

    ``changes`` lists the last :data:`RECENT_CHANGES` bumps as ``(version, appointment id)``,
    oldest first, so a slightly stale copy can re-read just those appointments; an empty id
    means "something changed" and forces a full reload.
    """

    id: str
    changes: tuple[tuple[int, str], ...] = ()
    version: int = 0

    def bumped(self, appointment_id: str = "") -> CalendarStamp:
        """This stamp with one more change recorded (the version is bumped by storage)."""
        return self.bumped_many((appointment_id,))

    def bumped_many(self, appointment_ids: Sequence[str]) -> CalendarStamp:
        """This stamp with one change naming every appointment in ``appointment_ids`` (a batch
        written in one transaction); more than half of :data:`RECENT_CHANGES` at once are
        recorded as an unnamed change (readers reload)."""
        ids = tuple(appointment_ids) if len(appointment_ids) <= RECENT_CHANGES // 2 else ("",)
        changes = [*self.changes, *((self.version + 1, appt) for appt in ids or ("",))]
        while len(changes) > RECENT_CHANGES:  # drop whole versions, never part of one
            oldest = changes[0][0]
            changes = [c for c in changes if c[0] != oldest]
        return attrs.evolve(self, changes=tuple(changes))

    def changed_since(self, version: int) -> frozenset[str] | None:
        """Ids of the appointments changed after ``version``, or ``None`` when that cannot be
        told (too old, or a change without an id)."""
        if not self.changes or self.changes[0][0] > version + 1:
            return None
        ids = {appt for v, appt in self.changes if v > version}
        return None if "" in ids else frozenset(ids)


def _stamp_to_dict(stamp: CalendarStamp) -> dict[str, Any]:
    return {"id": stamp.id, "changes": list(stamp.changes), "version": stamp.version}


def _stamp_from_dict(data: dict[str, Any], _: type = CalendarStamp) -> CalendarStamp:
    return CalendarStamp(
        id=str(data["id"]),
        changes=tuple((int(v), str(a)) for v, a in data.get("changes", ())),
        version=int(data.get("version", 0)),
    )


# Every booking reads and writes its store's stamp with its 64 changes: read and written by
# hand, not through the codec's generated functions (what they produce, at a fraction of the cost).
converter.register_unstructure_hook(CalendarStamp, _stamp_to_dict)
converter.register_structure_hook(CalendarStamp, structure_hook(_stamp_from_dict, CalendarStamp))

CALENDAR_STAMPS = registry.register(Kind("calendar_stamp", CalendarStamp))

#: Every kind this package stores (for schema creation).
KINDS = (APPOINTMENTS, WAITLIST, BOOKING_RULES, CALENDAR_STAMPS)

__all__ = [
    "APPOINTMENTS",
    "BOOKING_RULES",
    "CALENDAR_STAMPS",
    "KINDS",
    "RECENT_CHANGES",
    "WAITLIST",
    "CalendarStamp",
]
