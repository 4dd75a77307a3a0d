"""Booking rules as data: one :class:`BookingRules` per store, started from a template.

>>> rules = template("standard", min_notice_minutes=120)
>>> rules.min_notice_minutes, rules.cancellation_cutoff_hours
(120, 24)
>>> template("strict").max_bookings_per_customer_per_day
1

Every rule that refuses a booking does so with a :class:`~salonkit.ConflictReason` whose code is
``rule_violated`` and whose ``subject`` names the rule (``"min_notice"``, ``"horizon"``,
``"online_bookable"``, ``"max_per_day"``, ``"patch_test"``, ``"allergy"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pendulum

from salonkit.domain.catalogue import Service
from salonkit.domain.customer import Customer
from salonkit.domain.time import plus_minutes, to_utc
from salonkit.domain.validation import non_negative_int, optional, positive_int
from salonkit.errors import ConflictReason, ValidationError
from salonkit.scheduling.intervals import day_bounds, from_epoch, local_day

CHANNELS = frozenset({"desk", "online"})


@attrs.frozen(kw_only=True)
class BookingRules:
    """The booking rules of a store.

    - ``min_notice_minutes``: a booking must start at least this long after now;
    - ``horizon_days``: and no later than this many days ahead (store calendar days);
      ``vip_horizon_days``: how far VIP customers may book instead (``None``: same as everyone);
    - ``cancellation_cutoff_hours``: a cancellation closer to the start than this is *late*;
    - ``granularity_minutes``: offered starts lie on this grid of the store's wall clock,
      counted from each opening time;
    - ``hold_minutes``: how long a hold keeps a slot;
    - ``online_services``: which services the ``online`` channel may book (``None``: those
      whose ``Service.online_bookable`` is set);
    - ``max_bookings_per_customer_per_day``: ``None`` for no limit;
    - ``require_patch_test``: refuse services with ``patch_test_days`` unless the customer passed
      a patch test at least ``patch_test_lead_days`` and at most ``patch_test_days`` days before;
    - ``block_allergies``: refuse a service whose contraindications meet the customer's allergies;
    - ``max_handoff_minutes``: longest wait between the legs of a multi-service visit;
    - ``waitlist_offer_minutes``: how long a slot offered to a waiting customer stays theirs
      to answer before the next in line is offered it.
    """

    min_notice_minutes: int = attrs.field(default=60, validator=non_negative_int)
    horizon_days: int = attrs.field(default=90, validator=positive_int)
    vip_horizon_days: int | None = attrs.field(default=None, validator=optional(positive_int))
    cancellation_cutoff_hours: int = attrs.field(default=24, validator=non_negative_int)
    granularity_minutes: int = attrs.field(default=15, validator=positive_int)
    hold_minutes: int = attrs.field(default=10, validator=positive_int)
    online_services: frozenset[str] | None = attrs.field(
        default=None, converter=attrs.converters.optional(frozenset)
    )
    max_bookings_per_customer_per_day: int | None = attrs.field(
        default=None, validator=optional(positive_int)
    )
    require_patch_test: bool = True
    patch_test_lead_days: int = attrs.field(default=2, validator=non_negative_int)
    block_allergies: bool = True
    max_handoff_minutes: int = attrs.field(default=15, validator=non_negative_int)
    waitlist_offer_minutes: int = attrs.field(default=60, validator=positive_int)

    def __attrs_post_init__(self) -> None:
        if self.granularity_minutes > 240:
            raise ValidationError("bookingrules.granularity_minutes", "must be at most 240")
        if self.vip_horizon_days is not None and self.vip_horizon_days < self.horizon_days:
            raise ValidationError(
                "bookingrules.vip_horizon_days", "must not be shorter than horizon_days"
            )

    def horizon_for(self, customer: Customer | None) -> int:
        """Days ahead ``customer`` may book."""
        if customer is not None and customer.vip and self.vip_horizon_days is not None:
            return self.vip_horizon_days
        return self.horizon_days


@attrs.frozen(kw_only=True)
class StoreRules:
    """The rules in force in one store (the stored record; ``id`` is the store's id)."""

    id: str
    rules: BookingRules
    version: int = 0


#: Named starting points; change any field with ``template(name, field=value)``.
TEMPLATES: dict[str, BookingRules] = {
    "standard": BookingRules(),
    "strict": BookingRules(
        min_notice_minutes=24 * 60,
        horizon_days=60,
        vip_horizon_days=120,
        cancellation_cutoff_hours=48,
        granularity_minutes=15,
        max_bookings_per_customer_per_day=1,
    ),
    "walk_in": BookingRules(
        min_notice_minutes=0,
        horizon_days=28,
        cancellation_cutoff_hours=2,
        granularity_minutes=5,
        hold_minutes=5,
    ),
}


def template(name: str, **changes: object) -> BookingRules:
    """The template ``name`` (``standard``, ``strict``, ``walk_in``) with ``changes`` applied."""
    try:
        base = TEMPLATES[name]
    except KeyError:
        raise ValidationError(
            "rules.template", f"unknown template {name!r}; choose from {sorted(TEMPLATES)}"
        ) from None
    return attrs.evolve(base, **changes)  # type: ignore[arg-type]


def _violation(subject: str, message: str) -> ConflictReason:
    return ConflictReason("rule_violated", message, subject)


def service_reasons(
    rules: BookingRules, service: Service, customer: Customer | None, channel: str
) -> list[ConflictReason]:
    """Reasons that refuse ``service`` to ``customer`` whatever the time."""
    if channel not in CHANNELS:
        raise ValidationError("channel", f"must be one of {sorted(CHANNELS)}, got {channel!r}")
    out: list[ConflictReason] = []
    if not service.active:
        out.append(_violation("inactive_service", f"service {service.id} is not offered"))
    if channel == "online":
        allowed = (
            service.online_bookable
            if rules.online_services is None
            else service.id in rules.online_services
        )
        if not allowed:
            out.append(_violation("online_bookable", f"{service.name} cannot be booked online"))
    if customer is not None and rules.block_allergies:
        clash = sorted(
            {a.casefold() for a in customer.allergies}
            & {c.casefold() for c in service.contraindications}
        )
        if clash:
            out.append(
                _violation(
                    "allergy",
                    f"{customer.name} is allergic to {', '.join(clash)} used in {service.name}",
                )
            )
    return out


def patch_test_ok(
    rules: BookingRules, service: Service, customer: Customer | None, day: dt.date
) -> bool:
    """True when ``customer`` may have ``service`` on ``day`` as far as patch tests go."""
    if not rules.require_patch_test or service.patch_test_days is None or customer is None:
        return True
    for test in customer.patch_tests:
        age = (day - test.on).days
        if test.passed and rules.patch_test_lead_days <= age <= service.patch_test_days:
            return True
    return False


@attrs.frozen
class TimeLimits:
    """Time bounds the rules put on a start: ``earliest`` inclusive, ``latest`` exclusive, and a
    per-day test (patch test validity, bookings per day)."""

    earliest: pendulum.DateTime
    latest: pendulum.DateTime
    day_ok: Callable[[dt.date], bool]


def time_limits(
    rules: BookingRules,
    *,
    service: Service,
    customer: Customer | None,
    now: dt.datetime,
    timezone: str,
    bookings_per_day: Callable[[dt.date], int] = lambda _: 0,
) -> TimeLimits:
    """Where starts are allowed: after the minimum notice, before the horizon's last day ends,
    on days the patch test is valid and the customer has not reached the daily maximum."""
    current = to_utc(now)
    earliest = plus_minutes(current, rules.min_notice_minutes)
    today = local_day(current, timezone)
    last_day = today + dt.timedelta(days=rules.horizon_for(customer))
    latest = from_epoch(day_bounds(last_day, timezone)[1])

    def day_ok(day: dt.date) -> bool:
        """True when a booking on ``day`` passes the per-day rules."""
        if not patch_test_ok(rules, service, customer, day):
            return False
        limit = rules.max_bookings_per_customer_per_day
        return limit is None or customer is None or bookings_per_day(day) < limit

    return TimeLimits(earliest, latest, day_ok)


def start_reasons(
    rules: BookingRules,
    *,
    service: Service,
    customer: Customer | None,
    start: dt.datetime,
    now: dt.datetime,
    timezone: str,
    bookings_that_day: int = 0,
) -> list[ConflictReason]:
    """Every rule a start at ``start`` breaks (notice, horizon, patch test, bookings per day)."""
    out: list[ConflictReason] = []
    limits = time_limits(rules, service=service, customer=customer, now=now, timezone=timezone)
    if start < limits.earliest:
        out.append(
            _violation(
                "min_notice",
                f"bookings need {rules.min_notice_minutes} minutes' notice",
            )
        )
    if start >= limits.latest:
        out.append(
            _violation("horizon", f"bookings open only {rules.horizon_for(customer)} days ahead")
        )
    day = local_day(start, timezone)
    if not patch_test_ok(rules, service, customer, day):
        assert customer is not None
        out.append(
            _violation(
                "patch_test",
                f"{service.name} needs a passed patch test {rules.patch_test_lead_days} to "
                f"{service.patch_test_days} days before {day.isoformat()}",
            )
        )
    limit = rules.max_bookings_per_customer_per_day
    if limit is not None and customer is not None and bookings_that_day >= limit:
        out.append(_violation("max_per_day", f"at most {limit} booking(s) per customer per day"))
    return out


def is_late_cancellation(rules: BookingRules, start: dt.datetime, now: dt.datetime) -> bool:
    """True when cancelling at ``now`` falls inside the cut-off before ``start``."""
    return start - now < dt.timedelta(hours=rules.cancellation_cutoff_hours)


__all__ = [
    "CHANNELS",
    "TEMPLATES",
    "BookingRules",
    "StoreRules",
    "TimeLimits",
    "is_late_cancellation",
    "patch_test_ok",
    "service_reasons",
    "start_reasons",
    "template",
    "time_limits",
]
