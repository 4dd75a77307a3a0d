"""The notification use cases: ``salon.notifications``.

:meth:`NotificationService.record_events` is the before-commit handler the composition root
attaches to every unit of work: the messages a booking calls for are written in the booking's own
transaction. :meth:`NotificationService.dispatch_due` sends what is due (run it from a scheduler
every minute or so); birthdays and campaigns are queued by explicit calls.

>>> import pendulum, salonkit
>>> from salonkit.testing import FrozenClock, RecordingNotifier, SequentialIds
>>> from salonkit.scheduling.sample import sample_salon
>>> clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
>>> sms = RecordingNotifier(channels=("sms",))
>>> salon = salonkit.Salon.open("memory://", clock=clock, ids=SequentialIds(), plugins=[sms],
...                            load_entrypoints=False)
>>> sample = sample_salon()
>>> _ = salon.stores.open(sample.store)
>>> mei = salon.customers.register("Lin Mei", phone="+86 138 0013 8001", language="zh_CN")
>>> for member in sample.staff: _ = salon.staff.hire(member)
>>> for service in sample.services: _ = salon.catalogue.add_service(service)
>>> for resource in sample.resources: _ = salon.catalogue.add_resource(resource)
>>> day = (pendulum.datetime(2026, 5, 6, 9, tz="Europe/London"),
...        pendulum.datetime(2026, 5, 6, 18, tz="Europe/London"))
>>> slot = salon.bookings.find_slots("cut", customer=mei.id, within=day, store="flagship")[0]
>>> appt = salon.bookings.book(slot)
>>> [m.purpose.value for m in salon.notifications.messages(source=appt.id)]
['confirmation', 'reminder']
>>> salon.notifications.dispatch_due().sent
('confirmation:app_1',)
>>> sms.sent[0].body
'Lin Mei，您好！您已预约 2026年5月6日周三 09:00 的 Cut and finish（£45.00），发型师 Stylist 1。期待您的光临！Flagship'
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

import attrs
import pendulum
import pluggy

from salonkit.context import Context
from salonkit.domain.events import DomainEvent
from salonkit.domain.store import Store
from salonkit.domain.time import wall_to_instant
from salonkit.errors import StorageError, ValidationError
from salonkit.notifications.dispatcher import Dispatcher, DispatchReport
from salonkit.notifications.outbox import OutboxWriter, load_settings
from salonkit.notifications.planner import Planner
from salonkit.notifications.purposes import Purpose
from salonkit.notifications.records import (
    NOTIFICATION_SETTINGS,
    OUTBOX,
    DeliveryStatus,
    OutboxMessage,
)
from salonkit.notifications.settings import NotificationSettings, RetryPolicy
from salonkit.notifications.templates import DEFAULT_TEMPLATES, Template, TemplateSet
from salonkit.plugins.hookspecs import Notifier
from salonkit.storage import Condition, eq
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import CUSTOMERS, STORES

log = logging.getLogger(__name__)


def _birthday_on(birthday: dt.date, day: dt.date) -> bool:
    """True when ``day`` is the birthday; 29 February is celebrated on 28 February in other years."""
    if (birthday.month, birthday.day) == (day.month, day.day):
        return True
    leap_day = (birthday.month, birthday.day) == (2, 29)
    try:
        dt.date(day.year, 2, 29)
    except ValueError:
        return leap_day and (day.month, day.day) == (2, 28)
    return False


class NotificationService:
    """Templates, outbox, reminders and delivery. ``salon.notifications``.

    ``NotificationService(context, notifiers, templates=None, retry=None, plugins=None)``:
    ``notifiers`` maps a channel to the notifier that serves it (the salon passes its live
    ``salon.notifiers``); templates offered by ``plugins`` through
    ``salonkit_register_templates`` are added to ``templates`` (default: the built-in ones).
    """

    def __init__(
        self,
        context: Context,
        notifiers: Mapping[str, Notifier] | None = None,
        *,
        templates: TemplateSet | None = None,
        retry: RetryPolicy | None = None,
        plugins: pluggy.PluginManager | None = None,
    ) -> None:
        self._ctx = context
        self.templates = templates or DEFAULT_TEMPLATES
        if plugins is not None:
            offered: list[Template] = []
            plugins.hook.salonkit_register_templates(register=offered.append)
            # pluggy calls the plugin registered last first: apply in reverse so it wins.
            for template in reversed(offered):
                self.templates = self.templates.with_template(template)
        self._warned = False
        self.dispatcher = Dispatcher(
            context, notifiers if notifiers is not None else {}, retry=retry
        )

    # -- the before-commit handler -------------------------------------------------------------

    def record_events(self, uow: UnitOfWork, events: list[DomainEvent]) -> None:
        """Write the messages ``events`` call for into ``uow`` (attach with
        ``context.with_before_commit(service.record_events)``).

        A backend whose schema has no outbox tables yet (a database created before this
        package's migration) gets no messages, and a warning in the log, instead of failing the
        change that caused them.
        """
        if not any(Planner.handles(event) for event in events):
            return
        try:
            uow.repo(OUTBOX)
            uow.repo(NOTIFICATION_SETTINGS)
        except StorageError as exc:
            if not self._warned:
                log.warning("notifications are off on %s: %s", self._ctx.backend.url, exc)
                self._warned = True
            return
        writer = OutboxWriter(uow, self.templates, self._ctx.clock.now())
        Planner(uow, writer).plan(events)

    # -- settings ------------------------------------------------------------------------------

    def settings(self, store: str) -> NotificationSettings:
        """The store's settings (defaults when none were saved)."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return load_settings(uow, store)

    def configure(self, settings: NotificationSettings) -> NotificationSettings:
        """Save a store's settings (the store must exist); returns them as stored."""
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(settings.store_id)
            repo = uow.repo(NOTIFICATION_SETTINGS)
            current = repo.find(settings.store_id)
            if current is None:
                return repo.add(attrs.evolve(settings, version=0))
            return repo.update(attrs.evolve(settings, version=current.version))

    # -- reading the outbox --------------------------------------------------------------------

    def get(self, key: str) -> OutboxMessage:
        """The outbox message with ``key``."""
        with self._ctx.unit_of_work(readonly=True) as uow:
            return uow.repo(OUTBOX).get(key)

    def messages(
        self,
        *,
        status: DeliveryStatus | None = None,
        source: str | None = None,
        customer: str | None = None,
        purpose: Purpose | None = None,
    ) -> list[OutboxMessage]:
        """Outbox messages matching the filters, by due time then key."""
        where: list[Condition] = []
        if status is not None:
            where.append(eq("status", status.value))
        if source is not None:
            where.append(eq("source_id", source))
        if customer is not None:
            where.append(eq("customer_id", customer))
        if purpose is not None:
            where.append(eq("purpose", purpose.value))
        with self._ctx.unit_of_work(readonly=True) as uow:
            found = uow.repo(OUTBOX).select(*where)
        return sorted(found, key=lambda m: (m.due_at, m.id))

    # -- sending -------------------------------------------------------------------------------

    def dispatch_due(self, now: dt.datetime | None = None) -> DispatchReport:
        """Send every message due at ``now`` (default: the clock's now); see
        :class:`~salonkit.notifications.dispatcher.Dispatcher`."""
        return self.dispatcher.dispatch_due(now)

    def retry(self, key: str) -> OutboxMessage:
        """Put a failed message back in line, due now, with a fresh count of attempts."""
        now = self._ctx.clock.now()
        with self._ctx.unit_of_work() as uow:
            repo = uow.repo(OUTBOX)
            message = repo.get(key)
            if message.status is not DeliveryStatus.FAILED:
                raise ValidationError(
                    "status", f"only a failed message is retried, not {message.status}"
                )
            return repo.update(
                attrs.evolve(
                    message, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
                )
            )

    # -- birthdays and campaigns ---------------------------------------------------------------

    def queue_birthdays(self, day: dt.date, *, store: str) -> list[OutboxMessage]:
        """Queue a birthday greeting, due at the store's ``birthday_time`` on ``day``, for every
        customer whose birthday it is and who consented to marketing. Running it twice for the
        same day queues nothing more."""
        now = self._ctx.clock.now()
        queued = []
        with self._ctx.unit_of_work() as uow:
            shop = uow.repo(STORES).get(store)
            writer = OutboxWriter(uow, self.templates, now)
            due = wall_to_instant(day, writer.settings(store).birthday_time, shop.timezone)
            for customer in uow.repo(CUSTOMERS).select():
                if customer.birthday is None or not _birthday_on(customer.birthday, day):
                    continue
                if customer.home_store_id not in (None, store):
                    continue
                message = writer.to_customer(
                    key=f"birthday:{customer.id}:{day.year}",
                    purpose=Purpose.BIRTHDAY,
                    customer_id=customer.id,
                    store_id=store,
                    fields=_NameFields(customer.name),
                    due=max(due, now),
                    source_id=customer.id,
                )
                if message is not None:
                    queued.append(message)
        return queued

    def send_campaign(
        self,
        campaign_id: str,
        *,
        store: str,
        title: Mapping[str, str],
        text: Mapping[str, str],
        customers: Iterable[str] | None = None,
        at: dt.datetime | None = None,
    ) -> list[OutboxMessage]:
        """Queue a campaign message to each of ``customers`` (default: every customer) who
        consented to marketing. ``title`` and ``text`` map a language to its wording (``"en"``
        is required: it is the fallback). Queuing the same ``campaign_id`` again adds nothing
        for customers already queued."""
        if "en" not in text or "en" not in title:
            raise ValidationError("text", "give the campaign's English wording (the fallback)")
        if not campaign_id:
            raise ValidationError("campaign_id", "must not be empty")
        now = self._ctx.clock.now()
        queued = []
        with self._ctx.unit_of_work() as uow:
            uow.repo(STORES).get(store)
            writer = OutboxWriter(uow, self.templates, now)
            ids = (
                list(customers)
                if customers is not None
                else [c.id for c in uow.repo(CUSTOMERS).select()]
            )
            for customer_id in ids:
                message = writer.to_customer(
                    key=f"campaign:{campaign_id}:{customer_id}",
                    purpose=Purpose.CAMPAIGN,
                    customer_id=customer_id,
                    store_id=store,
                    fields=_CampaignFields(title, text, uow, customer_id),
                    due=pendulum.instance(at) if at is not None else now,
                    source_id=campaign_id,
                )
                if message is not None:
                    queued.append(message)
        return queued


class _NameFields:
    """Only the customer's name."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, language: str, store: Store) -> dict[str, str]:
        return {"customer": self._name}


class _CampaignFields:
    """The campaign's wording in the customer's language (or English)."""

    def __init__(
        self, title: Mapping[str, str], text: Mapping[str, str], uow: UnitOfWork, customer_id: str
    ) -> None:
        self._title = title
        self._text = text
        self._uow = uow
        self._customer_id = customer_id

    @staticmethod
    def _pick(options: Mapping[str, str], language: str) -> str:
        tag = language.replace("-", "_")
        for candidate in (tag, tag.split("_", 1)[0], "en"):
            if candidate in options:
                return options[candidate]
        return options["en"]

    def __call__(self, language: str, store: Store) -> dict[str, str]:
        customer = self._uow.repo(CUSTOMERS).get(self._customer_id)
        return {
            "customer": customer.name,
            "title": self._pick(self._title, language),
            "text": self._pick(self._text, language),
        }


__all__ = ["NotificationService"]
