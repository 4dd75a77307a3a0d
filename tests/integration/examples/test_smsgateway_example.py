"""The example plugin package examples/salonkit-smsgateway: built and installed into a private
directory, found through its entry point, sending a salon's SMS through a local gateway, and
passing the notifier contract with its own tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pendulum
import pytest

import salonkit
from salonkit.notifications import DeliveryStatus, NotificationSettings
from salonkit.scheduling.sample import sample_salon
from salonkit.testing import FrozenClock, SequentialIds
from salonkit.testing.packaging import install_distribution

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "salonkit-smsgateway"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example built as a wheel and installed (without dependencies) into a target dir.

    It is built from a copy, so the build leaves nothing in the source tree."""
    return install_distribution(EXAMPLE, tmp_path_factory.mktemp("smsgateway"))


class Gateway:
    """A local SMS gateway recording what it is sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({**body, "key": self.headers["Idempotency-Key"]})
                reply = b'{"message_id": "m-1"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(5)


def test_the_installed_example_is_discovered_and_sends_a_salons_sms(
    installed: Path, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.setenv("SALONKIT_SMSGATEWAY_URL", gateway.url)
    monkeypatch.setenv("SALONKIT_PLUGINS", "smsgateway")
    clock = FrozenClock(pendulum.datetime(2026, 5, 4, 10))
    salon = salonkit.Salon.open("memory://", clock=clock, ids=SequentialIds())
    import salonkit_smsgateway  # type: ignore[import-not-found]

    assert salon.plugin_manager.get_plugin("smsgateway") is salonkit_smsgateway
    assert Path(salonkit_smsgateway.__file__).is_relative_to(installed)
    assert isinstance(salon.notifiers["sms"], salonkit_smsgateway.SmsGatewayNotifier)

    sample = sample_salon()
    salon.stores.open(sample.store)
    for member in sample.staff:
        salon.staff.hire(member)
    for service in sample.services:
        salon.catalogue.add_service(service)
    for resource in sample.resources:
        salon.catalogue.add_resource(resource)
    salon.notifications.configure(NotificationSettings(store_id="flagship", reminder_hours=()))
    ann = salon.customers.register("Ann", phone="+44 7700 900001")
    day = (
        pendulum.datetime(2026, 5, 6, 9, tz="Europe/London"),
        pendulum.datetime(2026, 5, 6, 18, tz="Europe/London"),
    )
    slot = salon.bookings.find_slots("cut", customer=ann.id, within=day, store="flagship")[0]
    appt = salon.bookings.book(slot)
    assert salon.notifications.dispatch_due().sent == (f"confirmation:{appt.id}",)
    [request] = gateway.requests
    assert request["to"] == "+44 7700 900001"
    assert request["key"] == request["reference"] == f"confirmation:{appt.id}"
    assert request["text"].startswith("Hi Ann, your Cut and finish")
    message = salon.notifications.get(f"confirmation:{appt.id}")
    assert message.status is DeliveryStatus.SENT and message.reference == "m-1"


def test_the_example_passes_the_notifier_contract_with_its_own_tests(installed: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(installed), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("SALONKIT_SMSGATEWAY_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests"],
        cwd=installed.parent / "salonkit-smsgateway",  # the copy the wheel was built from
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The example's source tree is not on the path: its tests ran the installed package.
    assert "7 passed" in result.stdout
