"""salonkit's notifier contract, run against a fake gateway on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from salonkit_smsgateway import SmsGatewayNotifier

from salonkit.notifications import DeliveryError, PermanentDeliveryError
from salonkit.plugins import Message
from salonkit.testing.notifier_contract import Delivery, NotifierContract

TOKEN = "t0ken"


class FakeGateway:
    """Delivers each idempotency key once; answers ``status`` when it is set."""

    def __init__(self) -> None:
        self.delivered: dict[str, Delivery] = {}
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                authorised = self.headers.get("Authorization") == f"Bearer {TOKEN}"
                status = gateway.status if authorised else 401
                if status == 200:
                    key = self.headers["Idempotency-Key"]
                    gateway.delivered.setdefault(key, Delivery(key, data["to"], data["text"]))
                reply = json.dumps({"message_id": f"m-{len(gateway.delivered)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    server = FakeGateway()
    yield server
    server.close()


class TestSmsGatewayContract(NotifierContract):
    """The plugin's notifier passes salonkit's notifier contract."""

    @pytest.fixture
    def notifier(self, gateway: FakeGateway) -> SmsGatewayNotifier:
        return SmsGatewayNotifier(gateway.url, TOKEN, timeout=2)

    @pytest.fixture
    def delivered(self, gateway: FakeGateway) -> Callable[[], list[Delivery]]:
        return lambda: list(gateway.delivered.values())

    @pytest.fixture
    def broken_notifier(self, gateway: FakeGateway) -> SmsGatewayNotifier:
        gateway.status = 503
        return SmsGatewayNotifier(gateway.url, TOKEN, timeout=2)

    @pytest.fixture
    def plugin(self, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> object:
        import salonkit_smsgateway

        monkeypatch.setenv("SALONKIT_SMSGATEWAY_URL", gateway.url)
        return salonkit_smsgateway


def test_errors_say_whether_a_retry_can_help(gateway: FakeGateway) -> None:
    message = Message(key="k1", channel="sms", to="+44 7700 900001", body="Hi")
    gateway.status = 503
    with pytest.raises(DeliveryError) as busy:
        SmsGatewayNotifier(gateway.url, TOKEN).send(message)
    assert not isinstance(busy.value, PermanentDeliveryError)
    with pytest.raises(PermanentDeliveryError, match="401"):
        SmsGatewayNotifier(gateway.url, "wrong-token").send(message)
