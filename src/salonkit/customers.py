"""Use cases for customer records: register, update, look up by phone or e-mail, search."""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

import attrs

from salonkit.context import Context
from salonkit.domain.customer import Customer
from salonkit.domain.events import CustomerErased, CustomerRegistered, CustomerUpdated
from salonkit.domain.validation import normalise_phone
from salonkit.errors import AlreadyExists, ValidationError
from salonkit.storage import eq
from salonkit.storage.records import CUSTOMERS


class CustomerService:
    """Customer records, chain-wide. ``salon.customers``."""

    def __init__(self, context: Context) -> None:
        self._ctx = context

    def register(self, name: str, **fields: Any) -> Customer:
        """Create a customer with a new id; any :class:`~salonkit.domain.customer.Customer` field
        may be passed. A phone number already on another record is refused."""
        if "id" in fields or "version" in fields:
            raise ValidationError(
                "customer.id", "ids are assigned by salonkit; use add() to import one"
            )
        customer = Customer(id=self._ctx.ids.new("customer"), name=name, **fields)
        return self.add(customer)

    def add(self, customer: Customer) -> Customer:
        """Store a customer record built by the caller (imports keep their ids)."""
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(CUSTOMERS)
            if customer.phone and repo.count(eq("phone_key", normalise_phone(customer.phone))):
                raise AlreadyExists("customer", f"phone {customer.phone}")
            repo.add(customer)
            uow.emit(CustomerRegistered(occurred_at=self._ctx.clock.now(), customer_id=customer.id))
        return customer

    def get(self, customer_id: str) -> Customer:
        """The customer with ``customer_id``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(CUSTOMERS).get(customer_id)

    def update(self, customer: Customer) -> Customer:
        """Save changes made with ``attrs.evolve``; the record's ``version`` must still be current."""
        with self._ctx.unit_of_work() as uow:
            saved = uow.repo(CUSTOMERS).update(customer)
            uow.emit(CustomerUpdated(occurred_at=self._ctx.clock.now(), customer_id=customer.id))
        return saved

    def change(self, customer_id: str, **fields: Any) -> Customer:
        """Read, change the given fields, and save, in one transaction."""
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(CUSTOMERS)
            saved = repo.update(attrs.evolve(repo.get(customer_id), **fields))
            uow.emit(CustomerUpdated(occurred_at=self._ctx.clock.now(), customer_id=customer_id))
        return saved

    def find_by_phone(self, phone: str) -> Customer | None:
        """The customer with this phone number, however it is punctuated."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(CUSTOMERS).select(eq("phone_key", normalise_phone(phone)), limit=1)
        return found[0] if found else None

    def find_by_email(self, email: str) -> Customer | None:
        """The customer with this e-mail address (case-insensitive)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(CUSTOMERS).select(eq("email_key", email.lower()), limit=1)
        return found[0] if found else None

    def list(self) -> list[Customer]:
        """Every customer, by id."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(CUSTOMERS).select()

    def erase(self, customer_id: str, reason: str = "erasure request") -> Customer:
        """Erase a customer's personal data (right to erasure), keeping the record's id.

        The record is pseudonymised (name "Erased customer", every personal field cleared) so orders,
        ledgers and reports still add up; with encryption configured, the customer's data key is
        destroyed in the same transaction, which makes every earlier copy of their personal fields
        (audit log images, outbox messages) unreadable too.
        """
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(CUSTOMERS)
            customer = repo.get(customer_id)
            protector = getattr(self._ctx.backend, "protector", None)
            if protector is not None:
                # Destroy the key first: the pseudonymised record below is sealed under a new one,
                # and every copy sealed under the old key becomes unreadable.
                protector.forget(uow, customer_id)
            erased = repo.update(
                attrs.evolve(
                    customer,
                    name="Erased customer",
                    phone=None,
                    email=None,
                    birthday=None,
                    notes="",
                    preferences={},
                    preferred_staff=(),
                    allergies=frozenset(),
                    patch_tests=(),
                    consent_marketing=False,
                    tags=frozenset(),
                    vip=False,
                )
            )
            uow.emit(
                CustomerErased(
                    occurred_at=self._ctx.clock.now(), customer_id=customer_id, reason=reason
                )
            )
        return erased

    def export(self, customer_id: str) -> dict[str, builtins.list[dict[str, Any]]]:
        """Everything held about a customer (right of access), as JSON-safe data by record kind.

        It holds the customer record, every record of any kind with a ``customer_id`` column
        pointing at them, and the audit entries about their record.
        """
        from salonkit.audit import AUDIT_LOG
        from salonkit.storage.catalog import all_kinds
        from salonkit.storage.codec import unstructure

        result: dict[str, builtins.list[dict[str, Any]]] = {}
        with self._ctx.unit_of_work(readonly=True) as uow:
            result["customer"] = [unstructure(uow.repo(CUSTOMERS).get(customer_id))]
            for kind in all_kinds():
                if any(c.name == "customer_id" for c in kind.columns):
                    rows = uow.repo(kind).select(eq("customer_id", customer_id))
                    if rows:
                        result[kind.name] = [unstructure(r) for r in rows]
            audit = uow.repo(AUDIT_LOG).select(
                eq("record_kind", "customer"), eq("record_key", customer_id)
            )
            result["audit_entry"] = [unstructure(e) for e in audit]
        return result

    def last_activity(self, customer_id: str) -> dt.datetime | None:
        """The latest instant anything about the customer happened: the newest date-time column of
        any record pointing at them (appointments, orders, ledger entries...) or, failing that,
        the newest audit entry about their record."""
        from salonkit.audit import AUDIT_LOG
        from salonkit.storage.catalog import all_kinds

        latest: dt.datetime | None = None
        with self._ctx.unit_of_work(readonly=True) as uow:
            for kind in all_kinds():
                if not any(c.name == "customer_id" for c in kind.columns):
                    continue
                for column in (c for c in kind.columns if c.type is dt.datetime):
                    found = uow.repo(kind).select(
                        eq("customer_id", customer_id),
                        order_by=column.name,
                        descending=True,
                        limit=1,
                    )
                    if found:
                        value = column.value(found[0])
                        latest = (
                            value
                            if latest is None or (value is not None and value > latest)
                            else latest
                        )
            if latest is None:
                entries = uow.repo(AUDIT_LOG).select(
                    eq("record_kind", "customer"),
                    eq("record_key", customer_id),
                    order_by="seq",
                    descending=True,
                    limit=1,
                )
                latest = entries[0].at if entries else None
        return latest

    def apply_retention(
        self, inactive_for: dt.timedelta, reason: str = "retention period ended"
    ) -> builtins.list[str]:
        """Erase every customer with no activity for ``inactive_for`` (see :meth:`last_activity`);
        returns their ids. Each erasure is its own transaction, so a run that stops half-way can
        simply be repeated. Customers whose activity is unknown are kept."""
        if inactive_for <= dt.timedelta(0):
            raise ValidationError("retention.inactive_for", "must be a positive duration")
        cutoff = self._ctx.clock.now() - inactive_for
        erased = []
        for customer in self.list():
            if customer.name == "Erased customer" and customer.phone is None:
                continue
            seen = self.last_activity(customer.id)
            if seen is not None and seen < cutoff:
                self.erase(customer.id, reason)
                erased.append(customer.id)
        return erased
