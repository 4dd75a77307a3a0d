"""The storage contract: the test suite every storage backend must pass.

A backend package subclasses :class:`StorageContract` in its own tests and provides a
``backend`` fixture returning a fresh, migrated backend::

    import pytest
    from salonkit.testing.storage_contract import StorageContract

    class TestMyBackend(StorageContract):
        @pytest.fixture
        def backend(self, tmp_path):
            backend = MyBackend(...)
            backend.migrate()
            yield backend
            backend.close()

The suite checks round trips of every core record, ids and unique columns, optimistic
concurrency, queries, transactions (rollback leaves nothing; events only after commit),
append-only ledgers, read-only units of work, the reference stamp that lets services cache
stores, staff and services, and that ``lock`` serialises concurrent check-then-insert attempts
(no double booking under a race).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import attrs
import pendulum
import pytest

from salonkit.domain.catalogue import Product, ProductKind, Resource, Service, ServiceStep
from salonkit.domain.customer import Customer, PatchTest
from salonkit.domain.events import CustomerRegistered, DomainEvent
from salonkit.domain.money import Money
from salonkit.domain.staff import StaffMember, TimeOff, WeeklyShift
from salonkit.domain.store import Closure, Store, WallInterval, weekly_hours
from salonkit.domain.time import TimeRange
from salonkit.errors import AlreadyExists, ConcurrencyError, NotFound, StorageError
from salonkit.storage import eq, ge, gt, in_, le, lt
from salonkit.storage.kinds import Kind
from salonkit.storage.port import Backend
from salonkit.storage.records import (
    CUSTOMERS,
    IDEMPOTENCY,
    PRODUCTS,
    RESOURCES,
    SERVICES,
    STAFF,
    STORES,
    IdempotencyRecord,
)
from salonkit.storage.reference import ReferenceCache, reference_version

T0 = pendulum.datetime(2026, 3, 29, 0, 30, tz="UTC")


def sample_records() -> list[tuple[Kind[Any], Any]]:
    """One fully populated record of every core kind, with the kind it is stored as."""
    store = Store(
        id="flagship",
        name="Flagship",
        timezone="Europe/London",
        currency="GBP",
        opening_hours=weekly_hours("09:00", "19:00", range(6)),
        closures=(Closure(dt.date(2026, 12, 25), dt.date(2026, 12, 26), "Christmas"),),
        address="1 High Street",
    )
    customer = Customer(
        id="c1",
        name="Mei Lin",
        phone="+86 138-0000-0000",
        email="Mei@Example.com",
        birthday=dt.date(1990, 4, 2),
        notes="prefers quiet",
        preferences={"drink": "green tea"},
        preferred_staff=("s1",),
        allergies={"ppd"},
        patch_tests=(PatchTest(dt.date(2026, 3, 1), True, "DYE-6N"),),
        consent_marketing=True,
        tags={"regular", "colour"},
        language="zh_CN",
    )
    staff = StaffMember(
        id="s1",
        store_id="flagship",
        name="Ana",
        skills={"cut", "colour"},
        level="senior",
        working_pattern=(
            WeeklyShift(
                0,
                WallInterval(dt.time(9), dt.time(17)),
                (WallInterval(dt.time(12), dt.time(12, 30)),),
            ),
        ),
        time_off=(TimeOff(TimeRange(T0, T0.add(days=2)), "training"),),
        duration_overrides={"colour": (25, 40, 15)},
    )
    service = Service(
        id="colour",
        name="Full colour",
        category="colour",
        price=Money("85.00", "GBP"),
        skill="colour",
        steps=(
            ServiceStep("apply", 30, True, ("chair",)),
            ServiceStep("process", 40, False, ("chair",)),
            ServiceStep("rinse", 15, True, ("basin",)),
        ),
        buffer_after=5,
        patch_test_days=180,
        contraindications={"ppd"},
        deposit=Money("20", "GBP"),
    )
    resource = Resource(id="flagship-chair", store_id="flagship", kind="chair", capacity=6)
    product = Product(
        sku="DYE-6N",
        name="Dye 6N",
        unit="ml",
        kind=ProductKind.PROFESSIONAL,
        barcode="4006381333931",
        category="colour",
        price=None,
        purchase_unit_size=Decimal("60"),
    )
    return [
        (STORES, store),
        (CUSTOMERS, customer),
        (STAFF, staff),
        (SERVICES, service),
        (RESOURCES, resource),
        (PRODUCTS, product),
    ]


def _key(n: int) -> IdempotencyRecord:
    return IdempotencyRecord(
        key=f"k{n}",
        fingerprint="f",
        result_kind="probe",
        result_id=str(n),
        created_at=T0.add(hours=n),
    )


class StorageContract:
    """Behaviour every storage backend must show. Subclass and provide a ``backend`` fixture."""

    @pytest.fixture
    def backend(self) -> Backend:
        """A fresh, migrated backend; subclasses must override this fixture."""
        raise NotImplementedError("a StorageContract subclass must provide a 'backend' fixture")

    # -- records ----------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "index", range(6), ids=["store", "customer", "staff", "service", "resource", "product"]
    )
    def test_every_core_record_round_trips(self, backend: Backend, index: int) -> None:
        kind, record = sample_records()[index]
        with backend.unit_of_work() as uow:
            uow.repo(kind).add(record)
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(kind).get(kind.key_of(record)) == record

    def test_duplicate_id_is_refused(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)
        with pytest.raises(AlreadyExists), backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)

    def test_unique_column_is_enforced(self, backend: Backend) -> None:
        _, product = sample_records()[5]
        with backend.unit_of_work() as uow:
            uow.repo(PRODUCTS).add(product)
        twin = attrs.evolve(product, sku="OTHER")
        with pytest.raises(AlreadyExists), backend.unit_of_work() as uow:
            uow.repo(PRODUCTS).add(twin)
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(PRODUCTS).count() == 1

    def test_missing_record_raises_not_found(self, backend: Backend) -> None:
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(CUSTOMERS).find("nobody") is None
            with pytest.raises(NotFound):
                uow.repo(CUSTOMERS).get("nobody")

    # -- optimistic concurrency ---------------------------------------------------------------

    def test_update_bumps_version_and_rejects_a_stale_one(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)
        with backend.unit_of_work() as uow:
            first = uow.repo(CUSTOMERS).get("c1")
            saved = uow.repo(CUSTOMERS).update(attrs.evolve(first, notes="first"))
            assert saved.version == first.version + 1
        with pytest.raises(ConcurrencyError), backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).update(attrs.evolve(first, notes="stale"))
        with backend.unit_of_work(readonly=True) as uow:
            stored = uow.repo(CUSTOMERS).get("c1")
        assert stored.notes == "first"
        assert stored.version == 1

    def test_update_and_remove_of_missing_record(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with pytest.raises(NotFound), backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).update(customer)
        with pytest.raises(NotFound), backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).remove("c1")

    def test_remove(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).remove("c1")
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(CUSTOMERS).count() == 0

    # -- queries ------------------------------------------------------------------------------

    def test_select_filters_orders_and_limits(self, backend: Backend) -> None:
        with backend.unit_of_work() as uow:
            uow.repo(IDEMPOTENCY).add_many([_key(n) for n in range(10)])
        with backend.unit_of_work(readonly=True) as uow:
            repo = uow.repo(IDEMPOTENCY)
            window = repo.select(
                ge("created_at", T0.add(hours=3)), lt("created_at", T0.add(hours=6))
            )
            assert [r.key for r in window] == ["k3", "k4", "k5"]
            assert repo.count(gt("created_at", T0.add(hours=7))) == 2
            assert repo.count(le("created_at", T0)) == 1
            latest = repo.select(order_by="created_at", descending=True, limit=2)
            assert [r.key for r in latest] == ["k9", "k8"]
            assert [r.key for r in repo.select(in_("key", ["k1", "k7", "zz"]))] == ["k1", "k7"]
            assert repo.select(eq("result_kind", "probe"), limit=1)[0].key == "k0"
            assert repo.get("k2").created_at == T0.add(hours=2)

    def test_lookup_columns_on_customers(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)
        with backend.unit_of_work(readonly=True) as uow:
            repo = uow.repo(CUSTOMERS)
            assert repo.count(eq("phone_key", "+8613800000000")) == 1
            assert repo.count(eq("email_key", "mei@example.com")) == 1
            assert repo.count(eq("home_store_id", None)) == 1

    # -- transactions -------------------------------------------------------------------------

    def test_rollback_leaves_nothing(self, backend: Backend) -> None:
        records = sample_records()
        with pytest.raises(RuntimeError), backend.unit_of_work() as uow:
            for kind, record in records:
                uow.repo(kind).add(record)
            raise RuntimeError("crash in the middle of a use case")
        with backend.unit_of_work(readonly=True) as uow:
            assert all(uow.repo(kind).count() == 0 for kind, _ in records)

    def test_rollback_undoes_updates_and_removals(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).add(customer)
        with pytest.raises(RuntimeError), backend.unit_of_work() as uow:
            uow.repo(CUSTOMERS).update(attrs.evolve(customer, notes="changed"))
            uow.repo(CUSTOMERS).remove("c1")
            raise RuntimeError("crash")
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(CUSTOMERS).get("c1") == customer

    def test_events_are_delivered_only_after_commit(self, backend: Backend) -> None:
        delivered: list[DomainEvent] = []
        event = CustomerRegistered(occurred_at=T0, customer_id="c1")
        with pytest.raises(RuntimeError), backend.unit_of_work(delivered.extend) as uow:
            uow.emit(event)
            raise RuntimeError("crash")
        assert delivered == []
        with backend.unit_of_work(delivered.extend) as uow:
            uow.emit(event)
            assert delivered == []
        assert delivered == [event]

    def test_before_commit_handlers_write_in_the_same_transaction(self, backend: Backend) -> None:
        def outbox(uow: Any, events: list[DomainEvent]) -> None:
            for n, _ in enumerate(events):
                uow.repo(IDEMPOTENCY).add(attrs.evolve(_key(n), result_kind="outbox"))

        event = CustomerRegistered(occurred_at=T0, customer_id="c1")
        with pytest.raises(RuntimeError), backend.unit_of_work() as uow:
            uow.before_commit.append(outbox)
            uow.before_commit.append(
                lambda uow, events: (_ for _ in ()).throw(RuntimeError("boom"))
            )
            uow.emit(event)
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(IDEMPOTENCY).count() == 0
        with backend.unit_of_work() as uow:
            uow.before_commit.append(outbox)
            uow.emit(event)
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(IDEMPOTENCY).count(eq("result_kind", "outbox")) == 1

    def test_append_only_kinds_refuse_update_and_remove(self, backend: Backend) -> None:
        with backend.unit_of_work() as uow:
            uow.repo(IDEMPOTENCY).add(_key(1))
        with pytest.raises(StorageError), backend.unit_of_work() as uow:
            uow.repo(IDEMPOTENCY).update(_key(1))
        with pytest.raises(StorageError), backend.unit_of_work() as uow:
            uow.repo(IDEMPOTENCY).remove("k1")

    def test_readonly_unit_of_work_refuses_writes(self, backend: Backend) -> None:
        _, customer = sample_records()[1]
        with pytest.raises(StorageError), backend.unit_of_work(readonly=True) as uow:
            uow.repo(CUSTOMERS).add(customer)
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(CUSTOMERS).count() == 0

    # -- reference data -----------------------------------------------------------------------

    def test_writing_reference_data_bumps_the_reference_stamp(self, backend: Backend) -> None:
        store = sample_records()[0][1]
        with backend.unit_of_work(readonly=True) as uow:
            assert reference_version(uow) == 0
        with backend.unit_of_work() as uow:
            uow.repo(STORES).add(store)
            uow.repo(CUSTOMERS).add(sample_records()[1][1])
        with backend.unit_of_work(readonly=True) as uow:
            assert reference_version(uow) == 1
        with pytest.raises(RuntimeError), backend.unit_of_work() as uow:
            uow.repo(STORES).update(attrs.evolve(store, name="Renamed"))
            raise RuntimeError("crash")
        with backend.unit_of_work() as uow:  # not reference data
            uow.repo(IDEMPOTENCY).add(_key(1))
        with backend.unit_of_work(readonly=True) as uow:
            assert reference_version(uow) == 1
        with backend.unit_of_work() as uow:
            uow.repo(STORES).update(uow.repo(STORES).get("flagship"))
        with backend.unit_of_work(readonly=True) as uow:
            assert reference_version(uow) == 2

    def test_a_reference_cache_sees_every_committed_change(self, backend: Backend) -> None:
        store = sample_records()[0][1]
        cache = ReferenceCache()
        with backend.unit_of_work() as uow:
            uow.repo(STORES).add(store)
        with backend.unit_of_work(readonly=True) as uow:
            first = cache.view(uow).get(STORES, "flagship")
            assert cache.view(uow).select(STORES, eq("id", "flagship")) == [first]
        with backend.unit_of_work(readonly=True) as uow:
            assert cache.view(uow).get(STORES, "flagship") is first  # kept, not read again
        with backend.unit_of_work() as uow:
            uow.repo(STORES).update(attrs.evolve(uow.repo(STORES).get("flagship"), name="New"))
            # a unit of work that changed reference data reads around the cache
            assert cache.view(uow).get(STORES, "flagship").name == "New"
        with backend.unit_of_work(readonly=True) as uow:
            assert cache.view(uow).get(STORES, "flagship").name == "New"
            with pytest.raises(ValueError, match="not cacheable"):
                cache.view(uow).find(CUSTOMERS, "c1")

    # -- concurrency --------------------------------------------------------------------------

    def test_lock_serialises_check_then_insert(self, backend: Backend) -> None:
        """Eight writers race to take the same slot; exactly one succeeds."""
        barrier = threading.Barrier(8)
        winners: list[int] = []
        errors: list[BaseException] = []

        def attempt(n: int) -> None:
            try:
                barrier.wait()
                with backend.unit_of_work() as uow:
                    uow.lock("slot:flagship:10:00")
                    repo = uow.repo(IDEMPOTENCY)
                    if repo.count(eq("result_kind", "slot")) == 0:
                        repo.add(attrs.evolve(_key(n), result_kind="slot"))
                        winners.append(n)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(winners) == 1
        with backend.unit_of_work(readonly=True) as uow:
            assert uow.repo(IDEMPOTENCY).count(eq("result_kind", "slot")) == 1
