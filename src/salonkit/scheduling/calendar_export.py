"""iCalendar (RFC 5545) feeds of appointments, for a staff member's or a customer's calendar app.

Each event is written in its store's time zone (``DTSTART;TZID=Europe/London:...``) with the
matching ``VTIMEZONE`` definitions included, so calendar apps show the right wall-clock time on
both sides of a DST change. ``UID`` is stable per appointment and ``SEQUENCE`` is its version, so
a re-imported feed updates moved appointments instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping, Sequence

import icalendar

from salonkit.domain.catalogue import Service
from salonkit.domain.store import Store
from salonkit.scheduling.model import Appointment, AppointmentStatus

PRODID = "-//salonkit//bookings//EN"


def _local(instant: dt.datetime, timezone: str) -> dt.datetime:
    """``instant`` as a standard-library datetime in ``timezone`` (what icalendar expects)."""
    return dt.datetime.fromtimestamp(instant.timestamp(), zoneinfo.ZoneInfo(timezone))


def to_ics(
    appointments: Sequence[Appointment],
    *,
    name: str,
    stores: Mapping[str, Store],
    services: Mapping[str, Service],
    titles: Mapping[str, str] | None = None,
) -> bytes:
    """The ``.ics`` bytes of a calendar called ``name`` holding ``appointments``.

    ``stores`` and ``services`` map the ids the appointments use; ``titles`` optionally gives
    each appointment's summary (default: the service name).
    """
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for appt in appointments:
        store = stores[appt.store_id]
        service = services[appt.service_id]
        event = icalendar.Event()
        event.add("uid", f"{appt.id}@salonkit")
        event.add("dtstamp", appt.created_at.in_timezone("UTC"))
        event.add("dtstart", _local(appt.starts_at, store.timezone))
        event.add("dtend", _local(appt.ends_at, store.timezone))
        event.add("summary", (titles or {}).get(appt.id, service.name))
        event.add("location", ", ".join(p for p in (store.name, store.address) if p))
        event.add("sequence", appt.version)
        event.add("status", "TENTATIVE" if appt.status is AppointmentStatus.HELD else "CONFIRMED")
        steps = "; ".join(
            f"{s.name} {s.minutes} min" + ("" if s.staff_busy else " (processing)")
            for s in appt.steps
        )
        event.add("description", steps + (f"\n{appt.notes}" if appt.notes else ""))
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


__all__ = ["PRODID", "to_ics"]
