"""The HTTP gateway notifier against a real local HTTP server: signed JSON with an idempotency
key, 5xx and timeouts retried, 4xx final; end to end through the outbox on every backend."""

from __future__ import annotations

import threading
from typing import Any

import pendulum
import pytest

from salonkit.adapters.http_gateway import HttpGatewayConfig, HttpGatewayNotifier, sign
from salonkit.errors import ValidationError
from salonkit.notifications import (
    DeliveryError,
    DeliveryStatus,
    Dispatcher,
    NotificationSettings,
    PermanentDeliveryError,
)
from salonkit.plugins import Message
from salonkit.testing import FrozenClock

SECRET = "test-secret"
MESSAGE = Message(
    key="confirmation:app_9",
    channel="sms",
    to="+86 138 0013 8001",
    body="您好，林梅！",
    subject="预约确认",
    purpose="confirmation",
    customer_id="cus_9",
)


def notifier(url: str, timeout: float = 0.5) -> HttpGatewayNotifier:
    return HttpGatewayNotifier(HttpGatewayConfig(url=url, secret=SECRET, timeout=timeout))


def test_a_message_is_posted_as_signed_json_with_its_idempotency_key(gateway: Any) -> None:
    reference = notifier(gateway.url).send(MESSAGE)
    assert reference == "gw-confirmation:app_9"
    [request] = gateway.requests
    assert request["signed"] is True
    assert request["key"] == "confirmation:app_9"
    assert request["json"] == {
        "key": "confirmation:app_9",
        "channel": "sms",
        "to": "+86 138 0013 8001",
        "subject": "预约确认",
        "body": "您好，林梅！",
        "purpose": "confirmation",
        "customer_id": "cus_9",
        "metadata": {},
    }


def test_the_signature_covers_timestamp_and_body() -> None:
    gw = HttpGatewayNotifier(
        HttpGatewayConfig(url="http://127.0.0.1:1/x", secret="k"), clock=lambda: 1_700_000_000
    )
    request = gw.request(MESSAGE)
    assert request.get_header("X-salonkit-timestamp") == "1700000000"
    assert request.get_header("X-salonkit-signature") == sign(
        "k", "1700000000", gw.payload(MESSAGE)
    )
    assert request.get_header("Idempotency-key") == MESSAGE.key


@pytest.mark.parametrize(
    ("step", "error"),
    [("500", DeliveryError), ("429", DeliveryError), ("400", PermanentDeliveryError)],
)
def test_error_answers(gateway: Any, step: str, error: type[Exception]) -> None:
    gateway.script = [step]
    with pytest.raises(error, match=f"gateway answered {step}") as info:
        notifier(gateway.url).send(MESSAGE)
    assert isinstance(info.value, DeliveryError)
    assert (type(info.value) is PermanentDeliveryError) == (step == "400")


def test_a_timeout_is_a_transient_failure(gateway: Any) -> None:
    gateway.script = ["slow"]
    gateway.slow_seconds = 1.0
    with pytest.raises(DeliveryError, match="unreachable"):
        notifier(gateway.url, timeout=0.2).send(MESSAGE)


def test_a_gateway_that_is_down_is_a_transient_failure(unused_port: int) -> None:
    with pytest.raises(DeliveryError, match="unreachable"):
        notifier(f"http://127.0.0.1:{unused_port}/x").send(MESSAGE)


def test_configuration_from_the_environment() -> None:
    env = {
        "SALONKIT_HTTP_GATEWAY_URL": "https://sms.example/send",
        "SALONKIT_HTTP_GATEWAY_SECRET": "hush-hush",
        "SALONKIT_HTTP_GATEWAY_TIMEOUT": "2.5",
    }
    config = HttpGatewayConfig.from_env(environ=env)
    assert config == HttpGatewayConfig(
        url="https://sms.example/send", secret="hush-hush", timeout=2.5
    )
    assert "hush-hush" not in repr(config)
    assert HttpGatewayConfig.from_env(environ={}) is None
    with pytest.raises(ValidationError, match="SECRET"):
        HttpGatewayConfig.from_env(environ={"SALONKIT_HTTP_GATEWAY_URL": "https://x"})
    with pytest.raises(ValidationError, match="gateway.url"):
        HttpGatewayConfig(url="file:///etc/passwd", secret="s")


class ProcessDied(BaseException):
    """The dispatcher's process is killed."""


class DieAfterSending:
    """Sends through the real gateway; for the keys in ``die_on`` (once each) the process then
    'dies' before the dispatcher can record the outcome."""

    def __init__(self, real: HttpGatewayNotifier, die_on: set[str]) -> None:
        self.real = real
        self.die_on = set(die_on)

    def send(self, message: Message) -> str:
        reference = self.real.send(message)
        if message.key in self.die_on:
            self.die_on.discard(message.key)
            raise ProcessDied
        return reference


def book_customers(salon: Any, count: int) -> list[str]:
    keys = []
    for n in range(count):
        c = salon.customers.register(f"C{n}", phone=f"+44 7700 9{n:05d}")
        day = (
            pendulum.datetime(2026, 5, 6, 9 + n % 8, tz="Europe/London"),
            pendulum.datetime(2026, 5, 6, 18, tz="Europe/London"),
        )
        slot = salon.bookings.find_slots("cut", customer=c.id, within=day, store="flagship")[0]
        keys.append(f"confirmation:{salon.bookings.book(slot).id}")
    return keys


def test_faults_end_to_end_nothing_lost_nothing_twice(
    any_url: str, gateway: Any, salon_factory: Any
) -> None:
    clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
    real = notifier(gateway.url, timeout=0.3)
    salon = salon_factory(any_url, clock, [real])
    try:
        salon.notifications.configure(
            NotificationSettings(store_id="flagship", quiet_hours=None, reminder_hours=())
        )
        keys = book_customers(salon, 5)
        gateway.slow_seconds = 0.6
        gateway.plan = {
            keys[0]: ["500", "ok"],  # the gateway fails once
            keys[1]: ["slow", "ok"],  # times out once
            keys[2]: ["ok"],
            keys[3]: ["ok", "ok"],  # delivered, then the dispatcher dies before recording
            keys[4]: ["400"],  # refused for good
        }
        salon.notifiers["sms"] = DieAfterSending(real, {keys[3]})
        rounds = 0
        for minutes in (0, 1, 6, 8, 15, 30):
            clock.set(pendulum.datetime(2026, 5, 4, 10).add(minutes=minutes))
            try:
                salon.notifications.dispatch_due()
            except ProcessDied:
                rounds += 1
        assert rounds == 1
        statuses = {m.id: m.status for m in salon.notifications.messages()}
        assert set(statuses) == set(keys)  # none lost
        assert [statuses[k] for k in keys] == [DeliveryStatus.SENT] * 4 + [DeliveryStatus.FAILED]
        assert [gateway.delivered[k] for k in keys] == [1, 1, 1, 1, 0]  # never twice
        assert [gateway.keys().count(k) for k in keys] == [2, 2, 1, 2, 1]
        assert salon.notifications.get(keys[3]).reference == f"gw-{keys[3]}"
        assert "400" in salon.notifications.get(keys[4]).last_error
        assert gateway.bad_signatures == 0
    finally:
        salon.close()


def test_two_dispatchers_never_post_the_same_message_at_once(
    any_url: str, gateway: Any, salon_factory: Any
) -> None:
    clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
    salon = salon_factory(any_url, clock, [notifier(gateway.url)])
    try:
        salon.notifications.configure(
            NotificationSettings(store_id="flagship", quiet_hours=None, reminder_hours=())
        )
        keys = book_customers(salon, 8)
        dispatchers = [Dispatcher(salon.context, salon.notifiers, batch=2) for _ in range(2)]
        barrier = threading.Barrier(2)
        failures: list[BaseException] = []

        def run(d: Dispatcher) -> None:
            try:
                barrier.wait()
                for _ in range(6):
                    d.dispatch_due(clock.now())
            except BaseException as exc:  # surfaced below
                failures.append(exc)

        threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failures == []
        assert sorted(gateway.keys()) == sorted(keys)  # each posted exactly once
        assert {m.status for m in salon.notifications.messages()} == {DeliveryStatus.SENT}
    finally:
        salon.close()


def test_the_adapter_modules_register_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import salonkit
    import salonkit.adapters.http_gateway as http_gateway
    import salonkit.adapters.smtp as smtp
    from salonkit.adapters.smtp import SmtpNotifier

    plugins = [http_gateway, smtp]
    bare = salonkit.Salon.open("memory://", plugins=plugins, load_entrypoints=False)
    assert "sms" not in bare.notifiers and "email" not in bare.notifiers
    monkeypatch.setenv("SALONKIT_HTTP_GATEWAY_URL", "https://sms.example/send")
    monkeypatch.setenv("SALONKIT_HTTP_GATEWAY_SECRET", "s")
    monkeypatch.setenv("SALONKIT_SMTP_HOST", "smtp.example")
    monkeypatch.setenv("SALONKIT_SMTP_SENDER", "salon@example.com")
    salon = salonkit.Salon.open("memory://", plugins=plugins, load_entrypoints=False)
    assert isinstance(salon.notifiers["sms"], HttpGatewayNotifier)
    assert salon.notifiers["sms"].config.url == "https://sms.example/send"  # type: ignore[attr-defined]
    assert isinstance(salon.notifiers["email"], SmtpNotifier)
