"""Use cases for customer records: register, update, look up by phone or e-mail, search."""

from __future__ import annotations

from typing import Any

import attrs

from salonkit.context import Context
from salonkit.domain.customer import Customer
from salonkit.domain.events import CustomerRegistered, CustomerUpdated
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
