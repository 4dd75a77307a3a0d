"""From domain events to outbox messages, inside the transaction that produced the events.

- ``AppointmentBooked`` (not a hold): a confirmation, and a reminder ``N`` hours before the
  start for each ``N`` in the store's ``reminder_hours``.
- ``AppointmentRescheduled``: pending confirmations, reminders and earlier reschedule notices
  are withdrawn; a reschedule notice and new reminders for the new time are written.
- ``AppointmentCancelled``: everything still pending for the appointment is withdrawn and a
  cancellation notice is written.
- ``AppointmentStatusChanged`` to completed: a survey ``survey_delay_hours`` later (marketing).
- ``WaitlistSlotOffered``: the offer, unless quiet hours would hold it past its expiry.
- ``StockLow``: an alert to the store's manager.

Reminder keys carry the start time, and after a move the instant of the move, so a moved
booking's reminder is a new message with a new key: a gateway that saw an old key can never
swallow it, even when a booking moves away and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pendulum

from salonkit.domain.events import DomainEvent
from salonkit.domain.money import Money
from salonkit.domain.store import Store
from salonkit.inventory.events import StockLow
from salonkit.notifications.formatting import (
    format_clock,
    format_money,
    format_quantity,
    format_when,
)
from salonkit.notifications.outbox import OutboxWriter
from salonkit.notifications.purposes import Purpose
from salonkit.scheduling.events import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentRescheduled,
    AppointmentStatusChanged,
    WaitlistSlotOffered,
)
from salonkit.scheduling.records import APPOINTMENTS
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import PRODUCTS, SERVICES, STAFF

#: What a booking's later messages replace when it moves.
_SUPERSEDED_BY_MOVE = (Purpose.CONFIRMATION, Purpose.REMINDER, Purpose.RESCHEDULE)
#: Everything withdrawn when a booking is cancelled.
_WITHDRAWN_BY_CANCEL = (
    Purpose.CONFIRMATION,
    Purpose.REMINDER,
    Purpose.RESCHEDULE,
    Purpose.SURVEY,
)


_HANDLED = (
    AppointmentBooked,
    AppointmentRescheduled,
    AppointmentCancelled,
    AppointmentStatusChanged,
    WaitlistSlotOffered,
    StockLow,
)


def stamp(instant: dt.datetime) -> str:
    """A compact UTC stamp for keys: ``20260505T0800Z``."""
    return pendulum.instance(instant).in_timezone("UTC").format("YYYYMMDDTHHmm") + "Z"


def tick(instant: dt.datetime) -> str:
    """A precise UTC stamp identifying one event in keys: ``20260504T100000.000000Z``."""
    utc = pendulum.instance(instant).in_timezone("UTC")
    return utc.format("YYYYMMDDTHHmmss") + f".{utc.microsecond:06d}Z"


class Planner:
    """Writes the messages the events of one transaction call for (see the module doc)."""

    def __init__(self, uow: UnitOfWork, writer: OutboxWriter) -> None:
        self._uow = uow
        self._out = writer

    @staticmethod
    def handles(event: DomainEvent) -> bool:
        """True for the events that can call for a message."""
        return isinstance(event, _HANDLED)

    def plan(self, events: list[DomainEvent]) -> None:
        """Handle each event in order."""
        for event in events:
            if isinstance(event, AppointmentBooked):
                if not event.held:
                    self._booked(event)
            elif isinstance(event, AppointmentRescheduled):
                self._rescheduled(event)
            elif isinstance(event, AppointmentCancelled):
                self._cancelled(event)
            elif isinstance(event, AppointmentStatusChanged):
                if event.status == "completed":
                    self._completed(event)
            elif isinstance(event, WaitlistSlotOffered):
                self._offered(event)
            elif isinstance(event, StockLow):
                self._stock_low(event)

    # -- lookups -------------------------------------------------------------------------------

    def _service(self, service_id: str) -> tuple[str, Money | None]:
        service = self._uow.repo(SERVICES).find(service_id)
        return (service.name, service.price) if service is not None else (service_id, None)

    def _staff_name(self, staff_id: str) -> str:
        member = self._uow.repo(STAFF).find(staff_id)
        return member.name if member is not None else staff_id

    def _customer_name(self, customer_id: str) -> str:
        customer = self._out.customer(customer_id)
        return customer.name if customer is not None else ""

    def _appointment_fields(
        self, customer_id: str, service_id: str, staff_id: str, starts_at: dt.datetime
    ) -> dict[str, object]:
        name, price = self._service(service_id)
        return {
            "customer": self._customer_name(customer_id),
            "service": name,
            "price": price if price is not None else "",
            "staff": self._staff_name(staff_id),
            "starts_at": starts_at,
        }

    @staticmethod
    def _localised(
        base: Mapping[str, object], *, extra_times: Mapping[str, dt.datetime] | None = None
    ) -> _FieldBuilder:
        return _FieldBuilder(base, extra_times or {})

    # -- events --------------------------------------------------------------------------------

    def _reminders(
        self,
        appointment_id: str,
        customer_id: str,
        store_id: str,
        starts_at: dt.datetime,
        base: dict[str, object],
        revision: str = "",
    ) -> None:
        starts_at = pendulum.instance(starts_at)
        for hours in self._out.settings(store_id).reminder_hours:
            due = starts_at.subtract(hours=hours)
            if due <= self._out.now:
                continue
            self._out.to_customer(
                key=f"reminder:{appointment_id}:{stamp(starts_at)}:{hours}h{revision}",
                purpose=Purpose.REMINDER,
                customer_id=customer_id,
                store_id=store_id,
                fields=self._localised(base),
                due=due,
                source_id=appointment_id,
                not_after=starts_at,
                metadata={"hours_before": str(hours)},
            )

    def _booked(self, event: AppointmentBooked) -> None:
        store_id = event.store_id or ""
        base = self._appointment_fields(
            event.customer_id, event.service_id, event.staff_id, event.starts_at
        )
        self._out.to_customer(
            key=f"confirmation:{event.appointment_id}",
            purpose=Purpose.CONFIRMATION,
            customer_id=event.customer_id,
            store_id=store_id,
            fields=self._localised(base),
            source_id=event.appointment_id,
            not_after=event.starts_at,
        )
        self._reminders(event.appointment_id, event.customer_id, store_id, event.starts_at, base)

    def _rescheduled(self, event: AppointmentRescheduled) -> None:
        store_id = event.store_id or ""
        appointment = self._uow.repo(APPOINTMENTS).find(event.appointment_id)
        service_id = appointment.service_id if appointment is not None else ""
        self._out.withdraw(event.appointment_id, _SUPERSEDED_BY_MOVE, "appointment moved")
        base = self._appointment_fields(
            event.customer_id, service_id, event.staff_id, event.starts_at
        )
        self._out.to_customer(
            key=f"reschedule:{event.appointment_id}:{stamp(event.starts_at)}:{tick(event.occurred_at)}",
            purpose=Purpose.RESCHEDULE,
            customer_id=event.customer_id,
            store_id=store_id,
            fields=self._localised(base, extra_times={"previous_when": event.previous_starts_at}),
            source_id=event.appointment_id,
            not_after=event.starts_at,
        )
        self._reminders(
            event.appointment_id,
            event.customer_id,
            store_id,
            event.starts_at,
            base,
            revision=f":{tick(event.occurred_at)}",
        )

    def _cancelled(self, event: AppointmentCancelled) -> None:
        store_id = event.store_id or ""
        appointment = self._uow.repo(APPOINTMENTS).find(event.appointment_id)
        service_id = appointment.service_id if appointment is not None else ""
        self._out.withdraw(event.appointment_id, _WITHDRAWN_BY_CANCEL, "appointment cancelled")
        base = self._appointment_fields(
            event.customer_id, service_id, event.staff_id, event.starts_at
        )
        self._out.to_customer(
            key=f"cancellation:{event.appointment_id}",
            purpose=Purpose.CANCELLATION,
            customer_id=event.customer_id,
            store_id=store_id,
            fields=self._localised(base),
            source_id=event.appointment_id,
        )

    def _completed(self, event: AppointmentStatusChanged) -> None:
        store_id = event.store_id or ""
        appointment = self._uow.repo(APPOINTMENTS).find(event.appointment_id)
        if appointment is None:
            return
        settings = self._out.settings(store_id)
        base = self._appointment_fields(
            event.customer_id, appointment.service_id, appointment.staff_id, appointment.starts_at
        )
        base["link"] = settings.survey_link.replace("{appointment}", appointment.id)
        self._out.to_customer(
            key=f"survey:{event.appointment_id}",
            purpose=Purpose.SURVEY,
            customer_id=event.customer_id,
            store_id=store_id,
            fields=self._localised(base),
            due=self._out.now.add(hours=settings.survey_delay_hours),
            source_id=event.appointment_id,
        )

    def _offered(self, event: WaitlistSlotOffered) -> None:
        store_id = event.store_id or ""
        base = self._appointment_fields(
            event.customer_id, event.service_id, event.staff_id, event.starts_at
        )
        self._out.to_customer(
            key=f"waitlist_offer:{event.entry_id}:{stamp(event.starts_at)}",
            purpose=Purpose.WAITLIST_OFFER,
            customer_id=event.customer_id,
            store_id=store_id,
            fields=self._localised(base, extra_times={"expires": event.expires_at}),
            source_id=event.entry_id,
            not_after=event.expires_at,
        )

    def _stock_low(self, event: StockLow) -> None:
        store_id = event.store_id or ""
        product = self._uow.repo(PRODUCTS).find(event.sku)
        name = product.name if product is not None else event.sku

        def fields(language: str, store: Store) -> dict[str, str]:
            return {
                "product": name,
                "sku": event.sku,
                "quantity": format_quantity(event.quantity, language),
                "reorder_point": format_quantity(event.reorder_point, language),
            }

        self._out.to_manager(
            key=f"low_stock:{store_id}:{event.sku}:{stamp(event.occurred_at)}",
            purpose=Purpose.LOW_STOCK,
            store_id=store_id,
            fields=fields,
            source_id=event.sku,
        )


class _FieldBuilder:
    """Template fields for a language and store: ``starts_at`` becomes ``when`` (date and time),
    money is written the language's way; ``extra_times`` become full dates too, except
    ``expires`` which is only a time of day."""

    def __init__(self, base: Mapping[str, object], extra_times: Mapping[str, dt.datetime]) -> None:
        self._base = base
        self._times = extra_times

    def __call__(self, language: str, store: Store) -> dict[str, str]:
        values = {
            k: format_money(v, language) if isinstance(v, Money) else str(v)
            for k, v in self._base.items()
            if k != "starts_at"
        }
        starts_at = self._base.get("starts_at")
        if isinstance(starts_at, dt.datetime):
            values["when"] = format_when(starts_at, store.timezone, language)
        for name, instant in self._times.items():
            if name == "expires":
                values[name] = format_clock(instant, store.timezone, language)
            else:
                values[name] = format_when(instant, store.timezone, language)
        return values


__all__ = ["Planner", "stamp", "tick"]
