"""The dispatcher under faults: failing and slow gateways, a process that dies between sending
and recording, two dispatchers at once. Nothing is lost; nothing is delivered twice by a gateway
that honours the idempotency key; what cannot be delivered ends failed after its retries."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import Counter
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit.notifications import (
    DeliveryStatus,
    Dispatcher,
    NotificationSettings,
    PermanentDeliveryError,
    RetryPolicy,
)
from salonkit.plugins import Message

WED = dt.date(2026, 5, 6)


class ProcessDied(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


class DedupGateway:
    """A gateway that honours idempotency keys: a key it has seen is accepted, not re-delivered.
    ``script`` says, call by call, whether to fail ("500"), time out ("timeout"), accept ("ok"),
    or deliver and then have the dispatcher die before recording ("die")."""

    def __init__(self, script: list[str] | None = None) -> None:
        self.script = list(script or [])
        self.calls: list[str] = []
        self.delivered: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, message: Message) -> str:
        with self._lock:
            self.calls.append(message.key)
            step = self.script.pop(0) if self.script else "ok"
        if step == "500":
            raise ConnectionError("gateway answered 500")
        if step == "timeout":
            raise TimeoutError("timed out")
        if step == "refuse":
            raise PermanentDeliveryError("invalid number")
        with self._lock:
            if message.key not in self.delivered:
                self.delivered[message.key] += 1
        if step == "die":
            raise ProcessDied
        return f"gw-{message.key}"


def setup(world: Any, gateway: Any, customers: int = 1) -> list[str]:
    world.salon.notifiers["sms"] = gateway
    world.salon.notifications.configure(
        NotificationSettings(store_id="flagship", quiet_hours=None, reminder_hours=())
    )
    keys = []
    for n in range(customers):
        c = world.customer(f"C{n}", phone=f"+44 7700 9{n:05d}")
        appt = world.book(c, WED, hour=9 + (n % 8))
        keys.append(f"confirmation:{appt.id}")
    return keys


def test_a_500_is_retried_with_exponential_back_off_then_sent(world: Any) -> None:
    gateway = DedupGateway(["500", "timeout", "500", "ok"])
    [key] = setup(world, gateway)
    notes = world.salon.notifications
    start = world.clock.now()
    attempts_at = []
    for _ in range(20):
        report = notes.dispatch_due()
        if report.retrying or report.sent:
            attempts_at.append((world.clock.now() - start).total_seconds())
        if report.sent:
            break
        world.clock.advance(seconds=30)
    assert attempts_at == [0, 60, 180, 420]  # waits of 60, 120 and 240 seconds
    message = notes.get(key)
    assert message.status is DeliveryStatus.SENT
    assert message.attempts == 4 and message.reference == f"gw-{key}"
    assert gateway.delivered == Counter({key: 1})


def test_a_gateway_that_stays_down_loses_nothing_and_fails_after_the_retries(world: Any) -> None:
    gateway = DedupGateway(["500"] * 100)
    [key] = setup(world, gateway)
    notes = world.salon.notifications
    for _ in range(5):
        notes.dispatch_due()
        world.clock.advance(hours=2)
    message = notes.get(key)
    assert message.status is DeliveryStatus.FAILED
    assert message.attempts == 5 and message.last_error == "ConnectionError: gateway answered 500"
    assert gateway.calls == [key] * 5
    # Once the gateway is back, a person can put it back in line.
    gateway.script = []
    notes.retry(key)
    assert notes.dispatch_due().sent == (key,)


def test_a_permanent_refusal_is_not_retried(world: Any) -> None:
    gateway = DedupGateway(["refuse"])
    [key] = setup(world, gateway)
    assert world.salon.notifications.dispatch_due().failed == (key,)
    assert world.salon.notifications.get(key).last_error == "PermanentDeliveryError: invalid number"


def test_a_channel_without_notifier_keeps_the_message_pending_for_a_retry(world: Any) -> None:
    [key] = setup(world, DedupGateway())
    del world.salon.notifiers["sms"]
    assert world.salon.notifications.dispatch_due().retrying == (key,)
    assert (
        "no notifier registered for channel 'sms'" in world.salon.notifications.get(key).last_error
    )


def test_dying_between_sending_and_recording_resends_with_the_same_key(world: Any) -> None:
    gateway = DedupGateway(["die"])
    [key] = setup(world, gateway)
    notes = world.salon.notifications
    with pytest.raises(ProcessDied):
        notes.dispatch_due()
    claimed = notes.get(key)
    assert claimed.status is DeliveryStatus.PENDING and claimed.claim and claimed.attempts == 1
    # A fresh dispatcher does not touch it while the claim's lease runs...
    assert notes.dispatch_due().sent == ()
    # ...and resends it with the same key once the lease has run out.
    world.clock.advance(minutes=5)
    assert notes.dispatch_due().sent == (key,)
    assert gateway.calls == [key, key]
    assert gateway.delivered == Counter({key: 1})
    assert notes.get(key).status is DeliveryStatus.SENT


def test_two_dispatchers_at_once_never_send_the_same_message_twice(world: Any) -> None:
    gateway = DedupGateway()
    keys = setup(world, gateway, customers=12)
    ctx = world.salon.context
    dispatchers = [Dispatcher(ctx, world.salon.notifiers, batch=3) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(d: Dispatcher) -> None:
        barrier.wait()
        for _ in range(10):
            d.dispatch_due()

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(gateway.calls) == sorted(keys)  # every message handed over exactly once
    assert {m.status for m in world.salon.notifications.messages()} == {DeliveryStatus.SENT}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["ok", "500", "timeout", "die", "refuse"]), max_size=30))
def test_every_message_ends_delivered_once_or_failed_and_none_is_lost(
    make_world: Any, script: list[str]
) -> None:
    world = make_world()
    gateway = DedupGateway(script)
    keys = setup(world, gateway, customers=4)
    notes = world.salon.notifications
    for _ in range(40):
        with contextlib.suppress(ProcessDied):
            notes.dispatch_due()
        world.clock.advance(minutes=7)
    messages = {m.id: m for m in notes.messages()}
    assert set(messages) == set(keys)  # none lost
    for key, message in messages.items():
        assert message.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED)
        assert gateway.delivered[key] <= 1  # never twice
        if message.status is DeliveryStatus.SENT:
            assert gateway.delivered[key] == 1
        assert message.attempts <= RetryPolicy().max_attempts


def test_the_claim_pushes_the_next_attempt_one_lease_ahead(world: Any) -> None:
    [key] = setup(world, DedupGateway())
    dispatcher = Dispatcher(world.salon.context, world.salon.notifiers)
    now = world.clock.now()
    [claimed] = dispatcher.claim(now)
    assert claimed.id == key
    assert claimed.next_attempt_at == now + dt.timedelta(minutes=5)
    assert dispatcher.claim(now) == []
    assert dispatcher.claim(now.add(minutes=5))[0].attempts == 2
    assert pendulum.instance(claimed.created_at) == now


def test_a_claim_whose_lease_ran_out_is_not_sent(world: Any) -> None:
    class Slow:
        """A gateway so slow that the claim's lease runs out during the batch."""

        def __init__(self) -> None:
            self.sent: list[str] = []

        def send(self, message: Message) -> str:
            self.sent.append(message.key)
            world.clock.advance(minutes=6)
            return "ok"

    slow = Slow()
    keys = setup(world, slow, customers=2)
    report = world.salon.notifications.dispatch_due()
    assert len(slow.sent) == 1 and report.sent == tuple(slow.sent)
    [left] = [k for k in keys if k not in slow.sent]
    assert world.salon.notifications.get(left).status is DeliveryStatus.PENDING
    world.salon.notifications.dispatch_due()
    assert sorted(slow.sent) == sorted(keys)


def test_a_message_whose_recipient_was_erased_is_withdrawn(world: Any) -> None:
    import attrs

    from salonkit.notifications.records import OUTBOX

    [key] = setup(world, DedupGateway())
    with world.salon.context.unit_of_work() as uow:  # what an erasure leaves behind
        repo = uow.repo(OUTBOX)
        repo.update(attrs.evolve(repo.get(key), to="", body="", subject=""))
    assert world.salon.notifications.dispatch_due().cancelled == (key,)
    assert "erased" in world.salon.notifications.get(key).last_error
