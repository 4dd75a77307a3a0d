"""A small, realistic salon to try the booking side with (docs, tests, benchmarks, demos).

>>> salon = sample_salon(staff=3)
>>> [s.id for s in salon.services]
['colour', 'cut', 'blowdry']
>>> salon.store.timezone
'Europe/London'
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs

from salonkit.context import Context
from salonkit.domain.catalogue import Resource, Service, ServiceStep
from salonkit.domain.customer import Customer, PatchTest
from salonkit.domain.money import Money
from salonkit.domain.staff import StaffMember, WeeklyShift
from salonkit.domain.store import OpeningHours, Store, WallInterval
from salonkit.storage.records import CUSTOMERS, RESOURCES, SERVICES, STAFF, STORES


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


@attrs.frozen(kw_only=True)
class SampleSalon:
    """A store with its staff, resources and services."""

    store: Store
    staff: tuple[StaffMember, ...]
    resources: tuple[Resource, ...]
    services: tuple[Service, ...]

    def service(self, service_id: str) -> Service:
        """The service with id ``service_id``."""
        return next(s for s in self.services if s.id == service_id)


def sample_services(currency: str = "GBP") -> tuple[Service, ...]:
    """Colour (apply, process without the stylist, rinse at a basin), cut and blow-dry."""
    return (
        Service(
            id="colour",
            name="Full colour",
            price=Money(Decimal("85.00"), currency),
            skill="colour",
            steps=(
                ServiceStep("apply", 30, True, ("chair",)),
                ServiceStep("process", 40, False, ("chair",)),
                ServiceStep("rinse", 15, True, ("basin",)),
            ),
            buffer_after=5,
            patch_test_days=180,
            contraindications=frozenset({"ppd"}),
        ),
        Service(
            id="cut",
            name="Cut and finish",
            price=Money(Decimal("45.00"), currency),
            skill="cut",
            steps=(
                ServiceStep("wash", 10, True, ("basin",)),
                ServiceStep("cut", 35, True, ("chair",)),
            ),
        ),
        Service(
            id="blowdry",
            name="Blow-dry",
            price=Money(Decimal("30.00"), currency),
            skill="cut",
            steps=(ServiceStep("blowdry", 30, True, ("chair",)),),
            online_bookable=True,
        ),
    )


def sample_salon(
    *,
    timezone: str = "Europe/London",
    staff: int = 4,
    chairs: int = 4,
    basins: int = 2,
    opens: str = "09:00",
    closes: str = "19:00",
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5),
    currency: str = "GBP",
) -> SampleSalon:
    """A salon open ``opens``-``closes`` on ``weekdays``; every stylist works those hours with a
    half-hour lunch break (staggered, when it falls inside the hours), odd-numbered stylists also do colour."""
    hours = WallInterval(_t(opens), _t(closes))
    store = Store(
        id="flagship",
        name="Flagship",
        timezone=timezone,
        currency=currency,
        opening_hours=tuple(OpeningHours(d, (hours,)) for d in weekdays),
    )
    members = []
    for n in range(1, staff + 1):
        lunch_start = dt.datetime.combine(dt.date(2000, 1, 1), _t("12:00")) + dt.timedelta(
            minutes=30 * (n % 4)
        )
        lunch = WallInterval(lunch_start.time(), (lunch_start + dt.timedelta(minutes=30)).time())
        breaks = (lunch,) if hours.opens <= lunch.opens and lunch.closes <= hours.closes else ()
        members.append(
            StaffMember(
                id=f"s{n:02d}",
                store_id=store.id,
                name=f"Stylist {n}",
                skills=frozenset({"cut", "colour"} if n % 2 else {"cut"}),
                working_pattern=tuple(WeeklyShift(d, hours, breaks) for d in weekdays),
            )
        )
    resources = (
        Resource(id="chairs", store_id=store.id, kind="chair", capacity=chairs, name="Chairs"),
        Resource(id="basins", store_id=store.id, kind="basin", capacity=basins, name="Basins"),
    )
    return SampleSalon(
        store=store,
        staff=tuple(members),
        resources=resources,
        services=sample_services(currency),
    )


def install_sample_salon(
    context: Context, *, customers: tuple[str, ...] = (), **options: Any
) -> SampleSalon:
    """Store :func:`sample_salon` (with ``options``) and customers with the given ids through
    ``context``'s storage, in one unit of work. Customers get a passed patch test a week before the
    clock's date, so colour can be booked."""
    salon = sample_salon(**options)
    today = context.clock.now().date()
    with context.unit_of_work() as uow:
        uow.repo(STORES).add(salon.store)
        uow.repo(STAFF).add_many(salon.staff)
        uow.repo(RESOURCES).add_many(salon.resources)
        for service in salon.services:
            if uow.repo(SERVICES).find(service.id) is None:
                uow.repo(SERVICES).add(service)
        uow.repo(CUSTOMERS).add_many(
            [
                Customer(
                    id=cid,
                    name=cid.title(),
                    patch_tests=(PatchTest(on=today - dt.timedelta(days=7), passed=True),),
                )
                for cid in customers
            ]
        )
    return salon


__all__ = ["SampleSalon", "install_sample_salon", "sample_salon", "sample_services"]
