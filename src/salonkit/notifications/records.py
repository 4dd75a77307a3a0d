"""The outbox: every message salonkit means to send, with its delivery status.

A message is written in the same transaction as the change that caused it, so a booking and its
confirmation commit (or roll back) together. The dispatcher then sends what is due and records
the outcome on the same record. A message's id is its stable idempotency key.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

import attrs
import pendulum

from salonkit.domain.time import require_aware
from salonkit.domain.validation import non_empty
from salonkit.notifications.purposes import Purpose
from salonkit.notifications.settings import NotificationSettings
from salonkit.plugins.hookspecs import Message
from salonkit.storage.kinds import Column, Kind, registry


class DeliveryStatus(StrEnum):
    """Where a message is: waiting to be sent (or retried), sent, failed for good, or withdrawn
    (its booking moved or was cancelled, or consent was withdrawn before it went out)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


def _instant(value: dt.datetime) -> pendulum.DateTime:
    return require_aware(value, "outbox.instant")


def _optional_instant(value: dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else require_aware(value, "outbox.instant")


def _metadata(value: Mapping[str, str] | None) -> dict[str, str]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class OutboxMessage:
    """One message in the outbox.

    - ``id``: the stable key (``"reminder:app_1:20260505T0800Z:24h"``), handed to gateways as
      the idempotency key on every attempt.
    - ``due_at``: when it should go out (already moved out of quiet hours);
      ``next_attempt_at``: when the dispatcher may take it next (retries and claims move it).
    - ``attempts``: how many times it was handed to a notifier (or claimed to be);
      ``last_error``: the latest failure; ``reference``: the gateway's reference once sent.
    - ``claim``: the token of the dispatcher run that holds it, empty when nobody does.

    ``to``, ``subject`` and ``body`` are personal data of the customer (``customer_id``): they
    are encrypted at rest when keys are configured and read as empty once the customer is
    erased; the dispatcher withdraws a message left without a recipient.
    """

    id: str = attrs.field(validator=non_empty)
    channel: str = attrs.field(validator=non_empty)
    purpose: Purpose
    to: str = ""
    subject: str = ""
    body: str = ""
    language: str = "en"
    store_id: str | None = None
    customer_id: str | None = None
    source_id: str | None = None
    created_at: pendulum.DateTime = attrs.field(converter=_instant)
    due_at: pendulum.DateTime = attrs.field(converter=_instant)
    next_attempt_at: pendulum.DateTime = attrs.field(converter=_instant)
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    reference: str = ""
    sent_at: pendulum.DateTime | None = attrs.field(default=None, converter=_optional_instant)
    claim: str = ""
    metadata: Mapping[str, str] = attrs.field(factory=dict, converter=_metadata, hash=False)
    version: int = 0

    @property
    def key(self) -> str:
        """The idempotency key (the id)."""
        return self.id

    def to_message(self) -> Message:
        """The :class:`~salonkit.plugins.Message` handed to a notifier."""
        return Message(
            key=self.id,
            channel=self.channel,
            to=self.to,
            body=self.body,
            subject=self.subject,
            purpose=self.purpose.value,
            customer_id=self.customer_id,
            metadata={**self.metadata, "attempt": str(self.attempts)},
        )


OUTBOX = registry.register(
    Kind(
        "outbox_message",
        OutboxMessage,
        columns=(
            Column("status", str, extract=lambda m: m.status.value),
            Column("next_attempt_at", dt.datetime),
            Column("due_at", dt.datetime),
            Column("purpose", str, extract=lambda m: m.purpose.value),
            Column("source_id", str),
            Column("customer_id", str),
            Column("store_id", str),
            Column("created_at", dt.datetime),
        ),
        audited=False,  # delivery bookkeeping; the changes that caused messages are audited
        encrypted=("to", "subject", "body"),
        subject="customer_id",
    )
)

NOTIFICATION_SETTINGS = registry.register(
    Kind("notification_settings", NotificationSettings, key="store_id")
)

#: Every kind this package stores (for schema creation).
KINDS = (OUTBOX, NOTIFICATION_SETTINGS)

__all__ = ["KINDS", "NOTIFICATION_SETTINGS", "OUTBOX", "DeliveryStatus", "OutboxMessage"]
