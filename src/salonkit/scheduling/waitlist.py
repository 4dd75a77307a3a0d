"""Waitlist decisions: which waiting customer is offered which freed slot.

Entries are served in the order they joined (``created_at``). When time frees up, each entry
whose wanted window overlaps it is, in turn, offered the first slot that fits its service, its
staff member (if named), the store's booking rules and the customer's own calendar, skipping
slots it declined before and slots already offered to someone ahead of it. An offer is not a
hold: it tells the customer where to book; it lapses after ``waitlist_offer_minutes`` and then
the slot goes to the next in line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs
import pendulum

from salonkit.domain.catalogue import Service
from salonkit.domain.customer import Customer
from salonkit.domain.time import TimeRange
from salonkit.scheduling.availability import AvailabilityEngine
from salonkit.scheduling.intervals import to_epoch
from salonkit.scheduling.model import WaitlistEntry, WaitlistOffer, WaitlistStatus
from salonkit.scheduling.rules import BookingRules, service_reasons, time_limits

#: (staff id, start, end) in epoch seconds of a slot already offered.
Taken = tuple[str, int, int]


def offer_key(offer: WaitlistOffer) -> str:
    """How a declined offer is remembered on its entry: ``"<staff>@<ISO start>"``."""
    return f"{offer.staff_id}@{offer.starts_at.isoformat()}"


def lapse(entry: WaitlistEntry, now: dt.datetime) -> WaitlistEntry | None:
    """The entry back to waiting if its offer expired (counted as declined), else ``None``."""
    offer = entry.offer
    if entry.status is not WaitlistStatus.OFFERED or offer is None or offer.expires_at > now:
        return None
    return decline(entry)


def decline(entry: WaitlistEntry) -> WaitlistEntry:
    """The entry waiting again, its current offer remembered as declined."""
    assert entry.offer is not None
    return attrs.evolve(
        entry,
        status=WaitlistStatus.WAITING,
        offer=None,
        declined=(*entry.declined, offer_key(entry.offer)),
    )


def open_offer_span(entry: WaitlistEntry, now: dt.datetime) -> Taken | None:
    """The slot an entry holds an unexpired offer for, if any."""
    offer = entry.offer
    if entry.status is WaitlistStatus.OFFERED and offer is not None and offer.expires_at > now:
        start = to_epoch(offer.starts_at)
        return (offer.staff_id, start, start + offer.minutes * 60)
    return None


def choose_offer(
    entry: WaitlistEntry,
    engine: AvailabilityEngine,
    *,
    service: Service,
    customer: Customer,
    rules: BookingRules,
    within: TimeRange,
    taken: Sequence[Taken],
    now: pendulum.DateTime,
) -> WaitlistOffer | None:
    """The first slot within ``within`` (and the entry's own window) to offer ``entry``."""
    start_lo = max(entry.earliest, within.start)
    start_hi = min(entry.latest, within.end)
    if start_hi <= start_lo or service_reasons(rules, service, customer, "desk"):
        return None
    limits = time_limits(
        rules, service=service, customer=customer, now=now, timezone=engine.timezone
    )
    for slot in engine.find_slots(
        service,
        window=TimeRange(start_lo, start_hi),
        customer=customer,
        staff=entry.staff_id,
        granularity=rules.granularity_minutes,
        earliest=limits.earliest,
        latest=limits.latest,
        day_ok=limits.day_ok,
        limit=50,
    ):
        start = to_epoch(slot.starts_at)
        end = start + slot.minutes * 60
        offer = WaitlistOffer(
            staff_id=slot.staff_id,
            starts_at=slot.starts_at,
            minutes=slot.minutes,
            offered_at=now,
            expires_at=now.add(minutes=rules.waitlist_offer_minutes),
        )
        if offer_key(offer) in entry.declined:
            continue
        if any(s == slot.staff_id and a < end and start < b for s, a, b in taken):
            continue
        return offer
    return None


__all__ = ["Taken", "choose_offer", "decline", "lapse", "offer_key", "open_offer_span"]
