"""Sending what is due: claim, deliver through the notifier plugins, record the outcome.

Delivery is **at least once**. Each round:

1. **claim** (one transaction under ``uow.lock("outbox")``): pending messages whose
   ``next_attempt_at`` has come are taken, their ``attempts`` counted and their
   ``next_attempt_at`` pushed one lease ahead, with a claim token. Another dispatcher running at
   the same time cannot take them until the lease runs out. Messages inside their store's quiet
   hours are held until the hours end; marketing messages to a customer who has withdrawn consent
   are cancelled.
2. **deliver** (outside any transaction, so no database lock is held while a gateway is slow):
   the message goes to the notifier registered for its channel, with its stable key as the
   idempotency key.
3. **record** (one transaction under the same lock): sent, retry later with exponential back-off,
   or failed (after ``max_attempts`` or on a :class:`PermanentDeliveryError`).

If the process dies between 2 and 3, the claim's lease runs out and the message is sent again
with the same key: a gateway that honours the idempotency key delivers it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.store import Store
from salonkit.errors import ConcurrencyError
from salonkit.notifications.errors import PermanentDeliveryError
from salonkit.notifications.outbox import load_settings
from salonkit.notifications.purposes import is_marketing
from salonkit.notifications.records import OUTBOX, DeliveryStatus, OutboxMessage
from salonkit.notifications.settings import NotificationSettings, RetryPolicy
from salonkit.plugins.hookspecs import Notifier
from salonkit.storage import eq, in_, le
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import CUSTOMERS, STORES

log = logging.getLogger(__name__)

#: The lock scope every dispatcher takes to claim and record.
OUTBOX_LOCK = "outbox"
_MAX_ERROR = 500


@attrs.frozen
class Outcome:
    """What happened when a claimed message was handed to its notifier."""

    message: OutboxMessage
    reference: str | None = None
    error: str | None = None
    permanent: bool = False
    expired: bool = False

    @property
    def ok(self) -> bool:
        """True when the notifier accepted the message."""
        return self.error is None


@attrs.frozen(kw_only=True)
class DispatchReport:
    """The keys of the messages one :meth:`Dispatcher.dispatch_due` round handled, by result."""

    sent: tuple[str, ...] = ()
    retrying: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    held: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()


class Dispatcher:
    """Sends due outbox messages through ``notifiers`` (a live channel → notifier mapping, such
    as ``salon.notifiers``), with ``retry`` back-off and a claim ``lease``."""

    def __init__(
        self,
        context: Context,
        notifiers: Mapping[str, Notifier],
        *,
        retry: RetryPolicy | None = None,
        lease: dt.timedelta = dt.timedelta(minutes=5),
        batch: int = 100,
    ) -> None:
        self._ctx = context
        self._notifiers = notifiers
        self.retry = retry or RetryPolicy()
        self.lease = lease
        self.batch = batch

    # -- 1. claim ------------------------------------------------------------------------------

    def claim(
        self,
        now: dt.datetime,
        *,
        held: list[str] | None = None,
        cancelled: list[str] | None = None,
    ) -> list[OutboxMessage]:
        """Take the due messages for sending (see the module doc); returns them as claimed."""
        instant = pendulum.instance(now)
        token = self._ctx.ids.new("dispatch")
        claimed: list[OutboxMessage] = []
        with self._ctx.unit_of_work() as uow:
            uow.lock(OUTBOX_LOCK)
            repo = uow.repo(OUTBOX)
            due = repo.select(
                eq("status", DeliveryStatus.PENDING.value),
                le("next_attempt_at", instant),
                order_by="next_attempt_at",
                limit=self.batch,
            )
            quiet = _QuietCheck(uow, instant)
            consenting = _consenting(uow, due)
            for message in due:
                release = quiet.release(message)
                if release is not None:
                    repo.update(attrs.evolve(message, next_attempt_at=release, claim=""))
                    if held is not None:
                        held.append(message.id)
                    continue
                reason = _withdrawal(message, consenting)
                if reason is not None:
                    repo.update(
                        attrs.evolve(
                            message, status=DeliveryStatus.CANCELLED, last_error=reason, claim=""
                        )
                    )
                    if cancelled is not None:
                        cancelled.append(message.id)
                    continue
                if message.attempts >= self.retry.max_attempts:
                    repo.update(
                        attrs.evolve(
                            message,
                            status=DeliveryStatus.FAILED,
                            last_error=message.last_error
                            or "no outcome recorded after the last attempt",
                            claim="",
                        )
                    )
                    continue
                claimed.append(
                    repo.update(
                        attrs.evolve(
                            message,
                            attempts=message.attempts + 1,
                            next_attempt_at=instant + self.lease,
                            claim=token,
                        )
                    )
                )
        return claimed

    # -- 2. deliver ----------------------------------------------------------------------------

    def deliver(self, message: OutboxMessage, *, deadline: dt.datetime | None = None) -> Outcome:
        """Hand one claimed message to its channel's notifier; never raises for a failed send.

        Only :class:`Exception` is caught: an interrupt or a process exit leaves the claim in
        place, as a crash would. Past ``deadline`` (by the context's clock) the message is not
        sent: its claim's lease has run out.
        """
        if deadline is not None and self._ctx.clock.now() >= deadline:
            # The claim's lease ran out (a long batch behind a slow gateway): another
            # dispatcher may hold the message now, so leave it.
            return Outcome(message, error="claim expired before sending", expired=True)
        notifier = self._notifiers.get(message.channel)
        if notifier is None:
            return Outcome(message, error=f"no notifier registered for channel {message.channel!r}")
        try:
            reference = notifier.send(message.to_message())
        except PermanentDeliveryError as exc:
            return Outcome(message, error=_describe(exc), permanent=True)
        except Exception as exc:
            return Outcome(message, error=_describe(exc))
        return Outcome(message, reference=str(reference or message.id))

    # -- 3. record -----------------------------------------------------------------------------

    def record(self, outcome: Outcome, now: dt.datetime) -> OutboxMessage:
        """Store the outcome of one delivery; returns the message as recorded."""
        instant = pendulum.instance(now)
        claimed = outcome.message
        with self._ctx.unit_of_work() as uow:
            uow.lock(OUTBOX_LOCK)
            repo = uow.repo(OUTBOX)
            if outcome.expired:
                return claimed
            if outcome.ok:
                try:  # the usual case: nobody touched the message since the claim
                    return repo.update(self._sent(claimed, outcome, instant))
                except ConcurrencyError:
                    pass
            fresh = repo.get(claimed.id)
            if outcome.ok:
                if fresh.status is DeliveryStatus.SENT:
                    return fresh
                return repo.update(self._sent(fresh, outcome, instant))
            if fresh.status is not DeliveryStatus.PENDING or fresh.claim != claimed.claim:
                return fresh  # someone else holds or settled it since
            error = (outcome.error or "")[:_MAX_ERROR]
            if outcome.permanent or fresh.attempts >= self.retry.max_attempts:
                return repo.update(
                    attrs.evolve(fresh, status=DeliveryStatus.FAILED, last_error=error, claim="")
                )
            return repo.update(
                attrs.evolve(
                    fresh,
                    last_error=error,
                    next_attempt_at=instant + self.retry.delay(fresh.attempts),
                    claim="",
                )
            )

    @staticmethod
    def _sent(
        message: OutboxMessage, outcome: Outcome, instant: pendulum.DateTime
    ) -> OutboxMessage:
        return attrs.evolve(
            message,
            status=DeliveryStatus.SENT,
            sent_at=instant,
            reference=outcome.reference or "",
            last_error="",
            claim="",
        )

    # -- all three -----------------------------------------------------------------------------

    def dispatch_due(self, now: dt.datetime | None = None) -> DispatchReport:
        """Send every message due at ``now`` (default: the clock's now) and record the results."""
        instant = pendulum.instance(now) if now is not None else self._ctx.clock.now()
        held: list[str] = []
        cancelled: list[str] = []
        sent: list[str] = []
        retrying: list[str] = []
        failed: list[str] = []
        deadline = self._ctx.clock.now() + self.lease
        for message in self.claim(instant, held=held, cancelled=cancelled):
            outcome = self.deliver(message, deadline=deadline)
            recorded = self.record(outcome, instant)
            if outcome.expired:
                continue
            if recorded.status is DeliveryStatus.SENT:
                sent.append(recorded.id)
            elif recorded.status is DeliveryStatus.FAILED:
                failed.append(recorded.id)
                log.warning("giving up on message %s: %s", recorded.id, recorded.last_error)
            else:
                retrying.append(recorded.id)
        return DispatchReport(
            sent=tuple(sent),
            retrying=tuple(retrying),
            failed=tuple(failed),
            held=tuple(held),
            cancelled=tuple(cancelled),
        )


class _QuietCheck:
    """Quiet-hours look-ups for one claim, reading each store and its settings once."""

    def __init__(self, uow: UnitOfWork, now: pendulum.DateTime) -> None:
        self._uow = uow
        self._now = now
        self._stores: dict[str, tuple[NotificationSettings, Store | None]] = {}

    def release(self, message: OutboxMessage) -> pendulum.DateTime | None:
        """When quiet hours end if ``message``'s store is in them now, else ``None``."""
        if message.store_id is None:
            return None
        if message.store_id not in self._stores:
            self._stores[message.store_id] = (
                load_settings(self._uow, message.store_id),
                self._uow.repo(STORES).find(message.store_id),
            )
        settings, store = self._stores[message.store_id]
        if settings.quiet_hours is None or store is None:
            return None
        release = settings.quiet_hours.release(self._now, store.timezone)
        return release if release > self._now else None


def _consenting(uow: UnitOfWork, messages: list[OutboxMessage]) -> frozenset[str]:
    """The customers of the marketing ``messages`` who (still) consent, in one query."""
    ids = {m.customer_id for m in messages if is_marketing(m.purpose) and m.customer_id}
    if not ids:
        return frozenset()
    found = uow.repo(CUSTOMERS).select(in_("id", sorted(ids)))
    return frozenset(c.id for c in found if c.consent_marketing)


def _withdrawal(message: OutboxMessage, consenting: frozenset[str]) -> str | None:
    """Why ``message`` must not go out any more, or ``None``."""
    if not message.to:
        return "no recipient (the customer's data was erased)"
    marketing = is_marketing(message.purpose) and message.customer_id is not None
    if marketing and message.customer_id not in consenting:
        return "marketing consent withdrawn"
    return None


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


__all__ = ["OUTBOX_LOCK", "DispatchReport", "Dispatcher", "Outcome"]
