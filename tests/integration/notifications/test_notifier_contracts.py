"""The built-in notifiers pass the notifier contract against real local servers."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from salonkit.adapters.http_gateway import HttpGatewayConfig, HttpGatewayNotifier
from salonkit.adapters.smtp import SmtpConfig, SmtpNotifier
from salonkit.testing.notifier_contract import Delivery, NotifierContract


class TestHttpGatewayContract(NotifierContract):
    """The signed HTTP gateway, with a gateway that honours the idempotency key."""

    @pytest.fixture
    def notifier(self, gateway: Any) -> HttpGatewayNotifier:
        return HttpGatewayNotifier(HttpGatewayConfig(url=gateway.url, secret="test-secret"))

    @pytest.fixture
    def delivered(self, gateway: Any) -> Callable[[], list[Delivery]]:
        def deliveries() -> list[Delivery]:
            seen: dict[str, Delivery] = {}
            for request in gateway.requests:
                body = request["json"]
                if request["signed"]:
                    seen.setdefault(body["key"], Delivery(body["key"], body["to"], body["body"]))
            return list(seen.values())

        return deliveries

    @pytest.fixture
    def broken_notifier(self, unused_port: int) -> HttpGatewayNotifier:
        return HttpGatewayNotifier(
            HttpGatewayConfig(url=f"http://127.0.0.1:{unused_port}/", secret="s", timeout=0.5)
        )


class Inbox:
    """An SMTP relay's received mail."""

    def __init__(self) -> None:
        self.mail: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mail.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


class TestSmtpContract(NotifierContract):
    """SMTP has no idempotency: a retry may arrive twice (Message-ID lets mailboxes merge it)."""

    honours_idempotency_key = False

    @pytest.fixture
    def channel(self) -> str:
        return "email"

    @pytest.fixture
    def inbox(self, unused_port: int) -> Iterator[tuple[Inbox, int]]:
        handler = Inbox()
        controller = Controller(handler, hostname="127.0.0.1", port=unused_port)
        controller.start()
        yield handler, unused_port
        controller.stop()

    @pytest.fixture
    def notifier(self, inbox: tuple[Inbox, int]) -> SmtpNotifier:
        return SmtpNotifier(
            SmtpConfig(host="127.0.0.1", port=inbox[1], sender="salon@example.com", security="none")
        )

    @pytest.fixture
    def delivered(self, inbox: tuple[Inbox, int]) -> Callable[[], list[Delivery]]:
        return lambda: [
            Delivery(m["X-Salonkit-Key"], m["To"], m.get_content().rstrip("\r\n"))
            for m in inbox[0].mail
        ]

    @pytest.fixture
    def broken_notifier(self) -> SmtpNotifier:
        # Port 1 on the loopback: nothing listens there (tcpmux is never run).
        return SmtpNotifier(
            SmtpConfig(host="127.0.0.1", port=1, sender="s@example.com", security="none")
        )
