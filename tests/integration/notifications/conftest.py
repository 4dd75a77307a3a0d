"""Real local servers for the notifier tests: an HTTP gateway and an SMTP relay on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from salonkit.adapters.http_gateway import verify_signature

SECRET = "test-secret"


class GatewayServer:
    """A local SMS gateway. ``script`` decides each answer in turn: ``"ok"``, ``"500"``,
    ``"429"``, ``"400"`` or ``"slow"`` (answers after ``slow_seconds``); ``plan`` does the same
    per idempotency key and goes first. It honours the Idempotency-Key: a key it has delivered
    before is acknowledged without delivering again."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.plan: dict[str, list[str]] = {}
        self.slow_seconds = 1.0
        self.requests: list[dict[str, Any]] = []
        self.delivered: Counter[str] = Counter()
        self.bad_signatures = 0
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = self.rfile.read(length)
                key = self.headers["Idempotency-Key"]
                signed = verify_signature(
                    SECRET,
                    self.headers["X-Salonkit-Timestamp"],
                    body,
                    self.headers["X-Salonkit-Signature"],
                )
                with gateway._lock:
                    steps = gateway.plan.get(key) or gateway.script
                    step = steps.pop(0) if steps else "ok"
                    gateway.requests.append(
                        {"key": key, "json": json.loads(body), "signed": signed, "step": step}
                    )
                    if not signed:
                        gateway.bad_signatures += 1
                if step == "slow":
                    time.sleep(gateway.slow_seconds)
                if step in ("500", "429", "400") or not signed:
                    code = int(step) if signed else 401
                    self.send_response(code)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with gateway._lock:
                    if gateway.delivered[key] == 0:
                        gateway.delivered[key] += 1
                reply = json.dumps({"id": f"gw-{key}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def keys(self) -> list[str]:
        return [r["key"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


@pytest.fixture
def gateway() -> Iterator[GatewayServer]:
    """A local HTTP gateway on an ephemeral port."""
    server = GatewayServer()
    yield server
    server.close()


def free_port() -> int:
    """A TCP port nobody listens on (right now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open_salon(url: str, clock: Any, plugins: list[Any], keys: Any = None) -> Any:
    """A salon at ``url`` with the sample London store, its staff and services."""
    import salonkit
    from salonkit.scheduling.sample import sample_salon
    from salonkit.testing import SequentialIds

    salon = salonkit.Salon.open(
        url, clock=clock, ids=SequentialIds(), plugins=plugins, load_entrypoints=False, keys=keys
    )
    sample = sample_salon(timezone="Europe/London")
    salon.stores.open(sample.store)
    for member in sample.staff:
        salon.staff.hire(member)
    for service in sample.services:
        salon.catalogue.add_service(service)
    for resource in sample.resources:
        salon.catalogue.add_resource(resource)
    return salon


@pytest.fixture
def unused_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on."""
    return free_port()


@pytest.fixture
def salon_factory() -> Any:
    """``open_salon(url, clock, plugins, keys=None)``."""
    return open_salon
