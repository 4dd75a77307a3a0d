"""Domain events: facts that happened, collected by the unit of work and delivered after commit.

Listeners receive them through the ``salonkit_on_event`` hook only once the transaction that
produced them has committed, so a listener never sees an event for a change that was rolled back.
"""

from __future__ import annotations

import attrs
import pendulum


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of all events. ``name`` is the class name; ``store_id`` is set where one applies."""

    occurred_at: pendulum.DateTime
    store_id: str | None = None

    @property
    def name(self) -> str:
        """The event's type name, e.g. ``"CustomerRegistered"``."""
        return type(self).__name__


@attrs.frozen(kw_only=True)
class CustomerRegistered(DomainEvent):
    """A new customer record was created."""

    customer_id: str


@attrs.frozen(kw_only=True)
class CustomerUpdated(DomainEvent):
    """A customer record changed."""

    customer_id: str


@attrs.frozen(kw_only=True)
class CustomerErased(DomainEvent):
    """A customer's personal data was erased on request; their id remains for the ledgers."""

    customer_id: str
    reason: str = ""


@attrs.frozen(kw_only=True)
class StaffHired(DomainEvent):
    """A staff member was added to a store."""

    staff_id: str


@attrs.frozen(kw_only=True)
class StoreOpened(DomainEvent):
    """A store was added to the chain."""
