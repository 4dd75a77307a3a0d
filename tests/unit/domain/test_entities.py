from __future__ import annotations

import datetime as dt

import pytest

from salonkit import Money, ValidationError
from salonkit.domain.catalogue import Product, Resource, Service, ServiceStep
from salonkit.domain.customer import Customer
from salonkit.domain.staff import StaffMember, WeeklyShift
from salonkit.domain.store import OpeningHours, Store, WallInterval, weekly_hours


def colour(**changes: object) -> Service:
    fields: dict[str, object] = {
        "id": "colour",
        "name": "Colour",
        "price": Money("80", "CNY"),
        "skill": "colour",
        "steps": (
            ServiceStep("apply", 30, True, ("chair",)),
            ServiceStep("process", 40, False, ("chair",)),
        ),
    }
    fields.update(changes)
    return Service(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (
            lambda: Store(id="s", name="S", timezone="Mars/Olympus", currency="CNY"),
            "store.timezone",
        ),
        (
            lambda: Store(id="s", name="S", timezone="Asia/Shanghai", currency="RMB1"),
            "store.currency",
        ),
        (lambda: Store(id="", name="S", timezone="Asia/Shanghai", currency="CNY"), "store.id"),
        (
            lambda: Store(
                id="s",
                name="S",
                timezone="Asia/Shanghai",
                currency="CNY",
                opening_hours=weekly_hours("09:00", "18:00") * 2,
            ),
            "store.opening_hours",
        ),
        (lambda: WallInterval(dt.time(18), dt.time(9)), "wallinterval.closes"),
        (lambda: OpeningHours(7, ()), "openinghours.weekday"),
        (lambda: Customer(id="c", name="  "), "customer.name"),
        (lambda: Customer(id="c", name="A", phone="call me"), "customer.phone"),
        (lambda: Customer(id="c", name="A", email="nope"), "customer.email"),
        (lambda: ServiceStep("cut", -10), "servicestep.minutes"),
        (lambda: ServiceStep("cut", 0), "servicestep.minutes"),
        (lambda: colour(steps=()), "service.steps"),
        (lambda: colour(steps=(ServiceStep("process", 40, False),)), "service.steps"),
        (lambda: colour(steps=(ServiceStep("a", 5), ServiceStep("a", 5))), "service.steps"),
        (lambda: colour(buffer_after=-5), "service.buffer_after"),
        (lambda: Resource(id="r", store_id="s", kind="chair", capacity=0), "resource.capacity"),
        (lambda: Product(sku="P", name="P", unit="litre"), "product.unit"),
        (
            lambda: StaffMember(
                id="x", store_id="s", name="X", duration_overrides={"colour": (30, -1)}
            ),
            "staffmember.duration_overrides",
        ),
        (
            lambda: WeeklyShift(
                0, WallInterval(dt.time(9), dt.time(12)), (WallInterval(dt.time(11), dt.time(13)),)
            ),
            "weeklyshift.breaks",
        ),
    ],
)
def test_bad_input_names_the_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field


def test_store_hours_and_closures() -> None:
    store = Store(
        id="s",
        name="S",
        timezone="America/New_York",
        currency="USD",
        opening_hours=weekly_hours("09:00", "17:00", range(5)),
    )
    monday = dt.date(2026, 3, 9)  # the Monday after the US change
    assert [r.minutes for r in store.open_ranges(monday)] == [480]
    assert store.open_ranges(dt.date(2026, 3, 8)) == []  # a Sunday
    assert store.is_closed_on(dt.date(2026, 3, 8))


def test_staff_override_must_match_steps() -> None:
    service = colour()
    assert service.step_minutes() == (30, 40)
    assert service.step_minutes((20, 40)) == (20, 40)
    with pytest.raises(ValidationError, match="2 steps"):
        service.step_minutes((20,))
