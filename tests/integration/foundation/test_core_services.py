"""The foundation use cases on every backend: one transaction each, nothing half-written."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import salonkit
from salonkit import AlreadyExists, ConcurrencyError, NotFound, ValidationError
from salonkit.domain.catalogue import Product, Resource
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Closure, Store, weekly_hours
from salonkit.testing import FrozenClock, RecordingListener, SequentialIds
from salonkit.testing.storage_contract import sample_records


@pytest.fixture
def salon(any_url: str) -> salonkit.Salon:
    listener = RecordingListener()
    opened = salonkit.Salon.open(
        any_url, clock=FrozenClock(), ids=SequentialIds(), plugins=[listener]
    )
    opened.listener = listener  # type: ignore[attr-defined]
    yield opened
    opened.close()


def test_register_look_up_and_change_a_customer(salon: salonkit.Salon) -> None:
    mei = salon.customers.register("Mei Lin", phone="+86 138 0000 0000", email="mei@example.com")
    assert mei.id == "cus_1"
    assert salon.customers.find_by_phone("+8613800000000") == mei
    assert salon.customers.find_by_email("MEI@example.com") == mei
    changed = salon.customers.change(mei.id, tags={"vip"})
    assert changed.version == 1 and changed.tags == {"vip"}
    with pytest.raises(ConcurrencyError):
        salon.customers.update(attrs.evolve(mei, notes="stale copy"))
    assert salon.listener.names() == ["CustomerRegistered", "CustomerUpdated"]  # type: ignore[attr-defined]


def test_duplicate_phone_is_refused_and_nothing_is_written(salon: salonkit.Salon) -> None:
    salon.customers.register("Mei", phone="+86 138 0000 0000")
    with pytest.raises(AlreadyExists):
        salon.customers.register("Someone else", phone="+86-138-0000-0000")
    assert [c.name for c in salon.customers.list()] == ["Mei"]
    assert salon.listener.names() == ["CustomerRegistered"]  # type: ignore[attr-defined]


def test_bad_input_is_rejected_before_anything_is_stored(salon: salonkit.Salon) -> None:
    with pytest.raises(ValidationError, match="customer.email"):
        salon.customers.register("Mei", email="not-an-address")
    with pytest.raises(ValidationError, match="customer.id"):
        salon.customers.register("Mei", id="chosen")
    assert salon.customers.list() == []


def test_store_staff_and_catalogue(salon: salonkit.Salon) -> None:
    store = salon.stores.open(
        Store(
            id="flagship",
            name="Flagship",
            timezone="Asia/Shanghai",
            currency="CNY",
            opening_hours=weekly_hours("10:00", "21:00"),
        )
    )
    salon.stores.add_closure(
        store.id, Closure(dt.date(2026, 2, 17), dt.date(2026, 2, 19), "Spring Festival")
    )
    assert salon.stores.get("flagship").is_closed_on(dt.date(2026, 2, 18))
    salon.staff.hire(StaffMember(id="ana", store_id="flagship", name="Ana", skills={"cut"}))
    with pytest.raises(NotFound):
        salon.staff.hire(StaffMember(id="bo", store_id="nowhere", name="Bo"))
    assert [m.id for m in salon.staff.of_store("flagship")] == ["ana"]
    salon.catalogue.add_resource(
        Resource(id="fs-chair", store_id="flagship", kind="chair", capacity=4)
    )
    with pytest.raises(ValidationError, match="already has 'chair'"):
        salon.catalogue.add_resource(
            Resource(id="fs-chair-2", store_id="flagship", kind="chair", capacity=2)
        )
    _, service = sample_records()[3]
    salon.catalogue.add_service(service)
    assert salon.catalogue.service("colour") == service
    salon.catalogue.add_product(Product(sku="SH-1", name="Shampoo", barcode="123"))
    assert salon.catalogue.product_by_barcode("123").sku == "SH-1"  # type: ignore[union-attr]
    with pytest.raises(AlreadyExists):
        salon.catalogue.add_product(Product(sku="SH-2", name="Shampoo 2", barcode="123"))
    assert [p.sku for p in [salon.catalogue.product("SH-1")]] == ["SH-1"]
