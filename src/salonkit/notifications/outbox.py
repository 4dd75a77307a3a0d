"""Writing messages into the outbox inside a unit of work.

:class:`OutboxWriter` turns "tell this customer about that" into an :class:`OutboxMessage`:
it checks marketing consent, picks the channel and address, renders the template in the
customer's language, and holds the message until quiet hours end. Adding a message whose key is
already in the outbox does nothing, so writing the same notification twice sends it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping

import attrs
import pendulum

from salonkit.domain.customer import Customer
from salonkit.domain.store import Store
from salonkit.errors import AlreadyExists
from salonkit.notifications.formatting import DEFAULT_LANGUAGE
from salonkit.notifications.purposes import Purpose, is_marketing
from salonkit.notifications.records import (
    NOTIFICATION_SETTINGS,
    OUTBOX,
    DeliveryStatus,
    OutboxMessage,
)
from salonkit.notifications.settings import NotificationSettings
from salonkit.notifications.templates import TemplateSet
from salonkit.storage import eq, in_
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import CUSTOMERS, STORES

log = logging.getLogger(__name__)

#: Builds a template's field values for a language and store.
Fields = Callable[[str, Store], Mapping[str, str]]


def load_settings(uow: UnitOfWork, store_id: str) -> NotificationSettings:
    """The store's settings, or the defaults when none were saved."""
    found = uow.repo(NOTIFICATION_SETTINGS).find(store_id)
    return found if found is not None else NotificationSettings(store_id=store_id)


def contact_for(customer: Customer, channels: Iterable[str]) -> tuple[str, str] | None:
    """``(channel, address)`` to reach ``customer``: their ``notify_by`` preference first, then
    ``channels`` in order; ``None`` when the customer has no address on any of them."""
    preferred = customer.preferences.get("notify_by")
    order = ([preferred] if preferred else []) + [c for c in channels if c != preferred]
    for channel in order:
        if channel == "sms":
            address = customer.phone
        elif channel == "email":
            address = customer.email
        else:
            address = customer.preferences.get(f"{channel}_address")
        if address:
            return channel, address
    return None


class OutboxWriter:
    """Adds, and withdraws, outbox messages within one unit of work (see the module doc)."""

    def __init__(self, uow: UnitOfWork, templates: TemplateSet, now: dt.datetime) -> None:
        self._uow = uow
        self._templates = templates
        self._now = pendulum.instance(now)
        self._settings: dict[str, NotificationSettings] = {}
        self._customers: dict[str, Customer | None] = {}
        self._stores: dict[str, Store | None] = {}

    @property
    def now(self) -> pendulum.DateTime:
        """The instant the messages are written at."""
        return self._now

    def settings(self, store_id: str) -> NotificationSettings:
        """The store's notification settings (read once per writer)."""
        if store_id not in self._settings:
            self._settings[store_id] = load_settings(self._uow, store_id)
        return self._settings[store_id]

    def customer(self, customer_id: str) -> Customer | None:
        """The customer (read once per writer)."""
        if customer_id not in self._customers:
            self._customers[customer_id] = self._uow.repo(CUSTOMERS).find(customer_id)
        return self._customers[customer_id]

    def store(self, store_id: str) -> Store | None:
        """The store (read once per writer)."""
        if store_id not in self._stores:
            self._stores[store_id] = self._uow.repo(STORES).find(store_id)
        return self._stores[store_id]

    def release(self, due: dt.datetime, store: Store) -> pendulum.DateTime:
        """``due``, held until the store's quiet hours end."""
        quiet = self.settings(store.id).quiet_hours
        instant = pendulum.instance(due)
        return instant if quiet is None else quiet.release(instant, store.timezone)

    def to_customer(
        self,
        *,
        key: str,
        purpose: Purpose,
        customer_id: str,
        store_id: str,
        fields: Fields,
        due: dt.datetime | None = None,
        source_id: str | None = None,
        not_after: dt.datetime | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> OutboxMessage | None:
        """Queue a message to a customer; ``None`` (and nothing written) when the customer is
        unknown, has no usable address, has not consented to a marketing message, or when quiet
        hours would hold it until ``not_after`` or later."""
        customer = self.customer(customer_id)
        store = self.store(store_id)
        if customer is None or store is None:
            log.warning("no %s message for %s: customer or store unknown", purpose, customer_id)
            return None
        if is_marketing(purpose) and not customer.consent_marketing:
            log.info("no %s message for %s: no marketing consent", purpose, customer_id)
            return None
        contact = contact_for(customer, self.settings(store_id).channels)
        if contact is None:
            log.info("no %s message for %s: no address", purpose, customer_id)
            return None
        channel, address = contact
        return self._write(
            key=key,
            purpose=purpose,
            language=customer.language or DEFAULT_LANGUAGE,
            channel=channel,
            to=address,
            store=store,
            customer_id=customer_id,
            fields=fields,
            due=due,
            source_id=source_id,
            not_after=not_after,
            metadata=metadata,
        )

    def to_manager(
        self,
        *,
        key: str,
        purpose: Purpose,
        store_id: str,
        fields: Fields,
        source_id: str | None = None,
    ) -> OutboxMessage | None:
        """Queue a message to the store's manager (``manager_channel``/``manager_to``); ``None``
        when the store has no manager contact configured."""
        settings = self.settings(store_id)
        store = self.store(store_id)
        if store is None or not settings.manager_channel or not settings.manager_to:
            log.info("no %s message for store %s: no manager contact", purpose, store_id)
            return None
        return self._write(
            key=key,
            purpose=purpose,
            language=settings.manager_language,
            channel=settings.manager_channel,
            to=settings.manager_to,
            store=store,
            customer_id=None,
            fields=fields,
            due=None,
            source_id=source_id,
            not_after=None,
            metadata=None,
        )

    def _write(
        self,
        *,
        key: str,
        purpose: Purpose,
        language: str,
        channel: str,
        to: str,
        store: Store,
        customer_id: str | None,
        fields: Fields,
        due: dt.datetime | None,
        source_id: str | None,
        not_after: dt.datetime | None,
        metadata: Mapping[str, str] | None,
    ) -> OutboxMessage | None:
        repo = self._uow.repo(OUTBOX)
        released = self.release(due or self._now, store)
        if not_after is not None and released >= not_after:
            log.info("no %s message %s: it could only go out after %s", purpose, key, not_after)
            return None
        template = self._templates.get(purpose, language)
        subject, body = template.render({"store": store.name, **fields(language, store)})
        message = OutboxMessage(
            id=key,
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            purpose=purpose,
            language=template.language,
            store_id=store.id,
            customer_id=customer_id,
            source_id=source_id,
            created_at=self._now,
            due_at=released,
            next_attempt_at=released,
            metadata=metadata,
        )
        try:
            return repo.add(message)
        except AlreadyExists:  # written before (the same event twice, a campaign re-run)
            return repo.get(key)

    def withdraw(self, source_id: str, purposes: Iterable[Purpose], reason: str) -> list[str]:
        """Cancel the pending messages of ``source_id`` with these purposes; their keys."""
        repo = self._uow.repo(OUTBOX)
        wanted = tuple(p.value for p in purposes)
        withdrawn = []
        for message in repo.select(
            eq("source_id", source_id),
            eq("status", DeliveryStatus.PENDING.value),
            in_("purpose", wanted),
        ):
            repo.update(
                attrs.evolve(message, status=DeliveryStatus.CANCELLED, last_error=reason, claim="")
            )
            withdrawn.append(message.id)
        return withdrawn


__all__ = ["Fields", "OutboxWriter", "contact_for", "load_settings"]
