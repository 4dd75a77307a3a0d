"""The SMTP notifier against a real local SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from aiosmtpd.controller import Controller

from salonkit.adapters.smtp import SmtpConfig, SmtpNotifier, message_id
from salonkit.errors import ValidationError
from salonkit.notifications import (
    DeliveryError,
    DeliveryStatus,
    NotificationSettings,
    PermanentDeliveryError,
)
from salonkit.plugins import Message
from salonkit.testing import FrozenClock

MESSAGE = Message(
    key="reminder:app_1:20260506T0800Z:24h",
    channel="email",
    to="mei@example.com",
    subject="预约提醒：剪发",
    body="林梅，您好！提醒您：剪发 预约在 2026年5月6日周三 16:00。",
    purpose="reminder",
)


class Relay:
    """Keeps what it receives; refuses ``bad@...`` recipients and, while ``busy``, answers 451."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.busy = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.startswith("bad@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.busy:
            return "451 try again later"
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


@pytest.fixture
def relay(unused_port: int) -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    controller = Controller(handler, hostname="127.0.0.1", port=unused_port)
    controller.start()
    yield handler, unused_port
    controller.stop()


def smtp(port: int, timeout: float = 2.0) -> SmtpNotifier:
    return SmtpNotifier(
        SmtpConfig(
            host="127.0.0.1",
            port=port,
            sender="salon@flagship.example",
            security="none",
            timeout=timeout,
        )
    )


def test_a_message_arrives_as_utf8_mail_with_a_stable_message_id(relay: Any) -> None:
    handler, port = relay
    reference = smtp(port).send(MESSAGE)
    [mail] = handler.received
    assert mail["Subject"] == "预约提醒：剪发"
    assert mail["To"] == "mei@example.com" and mail["From"] == "salon@flagship.example"
    assert mail.get_content().strip() == MESSAGE.body
    assert mail["X-Salonkit-Key"] == MESSAGE.key
    assert mail["Message-ID"] == reference == message_id(MESSAGE.key, "flagship.example")
    smtp(port).send(MESSAGE)  # a retry carries the same Message-ID
    assert handler.received[1]["Message-ID"] == reference


def test_a_refused_recipient_is_permanent(relay: Any) -> None:
    _, port = relay
    bad = Message(key="k", channel="email", to="bad@example.com", body="x")
    with pytest.raises(PermanentDeliveryError, match="refused"):
        smtp(port).send(bad)


def test_a_4xx_answer_is_transient(relay: Any) -> None:
    handler, port = relay
    handler.busy = True
    with pytest.raises(DeliveryError, match="451") as info:
        smtp(port).send(MESSAGE)
    assert not isinstance(info.value, PermanentDeliveryError)


def test_a_relay_that_is_down_or_silent_is_transient(unused_port: int) -> None:
    with pytest.raises(DeliveryError, match="unreachable"):
        smtp(unused_port).send(MESSAGE)
    with socket.socket() as silent:  # accepts connections but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(DeliveryError, match="unreachable"):
            smtp(silent.getsockname()[1], timeout=0.3).send(MESSAGE)


def test_configuration_from_the_environment() -> None:
    env = {
        "SALONKIT_SMTP_HOST": "smtp.example",
        "SALONKIT_SMTP_SENDER": "salon@example.com",
        "SALONKIT_SMTP_PASSWORD": "pa55word",
        "SALONKIT_SMTP_USERNAME": "salon",
        "SALONKIT_SMTP_SECURITY": "ssl",
        "SALONKIT_SMTP_PORT": "465",
    }
    config = SmtpConfig.from_env(environ=env)
    assert config is not None and config.port == 465 and config.security == "ssl"
    assert "pa55word" not in repr(config)
    assert SmtpConfig.from_env(environ={}) is None
    with pytest.raises(ValidationError, match="smtp.security"):
        SmtpConfig.from_env(environ={**env, "SALONKIT_SMTP_SECURITY": "maybe"})


def test_reminders_go_out_by_email_through_the_outbox(
    sqlite_url: str, relay: Any, salon_factory: Any
) -> None:
    handler, port = relay
    clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
    salon = salon_factory(sqlite_url, clock, [smtp(port)])
    try:
        salon.notifications.configure(NotificationSettings(store_id="flagship"))
        mei = salon.customers.register("林梅", email="mei@example.com", language="zh_CN")
        day = (
            pendulum.datetime(2026, 5, 6, 9, tz="Europe/London"),
            pendulum.datetime(2026, 5, 6, 18, tz="Europe/London"),
        )
        slot = salon.bookings.find_slots("cut", customer=mei.id, within=day, store="flagship")[0]
        appt = salon.bookings.book(slot)
        clock.set(pendulum.datetime(2026, 5, 5, 8))
        assert len(salon.notifications.dispatch_due().sent) == 2
        subjects = sorted(m["Subject"] for m in handler.received)
        assert subjects == ["Flagship预约确认", "预约提醒：Cut and finish"]
        assert all(
            m.status is DeliveryStatus.SENT for m in salon.notifications.messages(source=appt.id)
        )
    finally:
        salon.close()
