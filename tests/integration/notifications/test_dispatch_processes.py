"""Two dispatcher processes on one PostgreSQL database (the deployment where several dispatchers
run): every message is posted exactly once. Threads with their own connections cover SQLite and
PostgreSQL in test_http_gateway_notifier.py."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pendulum
import pytest

from salonkit.adapters.http_gateway import HttpGatewayConfig, HttpGatewayNotifier
from salonkit.notifications import DeliveryStatus, NotificationSettings
from salonkit.testing import FrozenClock

DISPATCHER = textwrap.dedent(
    """
    import sys
    import pendulum
    from salonkit.adapters.http_gateway import HttpGatewayConfig, HttpGatewayNotifier
    from salonkit.adapters.sql import SqlBackend
    from salonkit.context import Context
    from salonkit.notifications import Dispatcher
    from salonkit.testing import FrozenClock

    url, gateway, go = sys.argv[1], sys.argv[2], sys.argv[3]
    backend = SqlBackend(url)
    now = pendulum.datetime(2026, 5, 4, 10)
    context = Context(backend=backend, clock=FrozenClock(now))
    notifier = HttpGatewayNotifier(HttpGatewayConfig(url=gateway, secret="test-secret"))
    dispatcher = Dispatcher(context, {"sms": notifier}, batch=2)
    sys.stdout.write("ready\\n")
    sys.stdout.flush()
    sys.stdin.readline()  # both start together
    idle = 0
    while idle < 3:
        report = dispatcher.dispatch_due(now)
        idle = 0 if report.sent else idle + 1
    backend.close()
    """
)


@pytest.mark.slow
def test_two_dispatcher_processes_post_each_message_once(
    postgres_url: str, gateway: Any, salon_factory: Any
) -> None:
    salon = salon_factory(
        postgres_url,
        FrozenClock(pendulum.datetime(2026, 5, 4, 10)),
        [HttpGatewayNotifier(HttpGatewayConfig(url=gateway.url, secret="test-secret"))],
    )
    try:
        salon.notifications.configure(NotificationSettings(store_id="flagship", quiet_hours=None))
        keys = []
        for n in range(24):
            customer = salon.customers.register(
                f"C{n}", phone=f"+44 7700 9{n:05d}", consent_marketing=True
            )
            keys.append(f"campaign:spring:{customer.id}")
        queued = salon.notifications.send_campaign(
            "spring", store="flagship", title={"en": "Spring"}, text={"en": "20% off"}
        )
        assert sorted(m.id for m in queued) == sorted(keys)
        url = salon.backend.url
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", DISPATCHER, url, gateway.url, "go"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.close()
        for worker in workers:
            assert worker.wait(timeout=120) == 0
            assert worker.stdout is not None
            worker.stdout.close()
        assert sorted(gateway.keys()) == sorted(keys)  # each posted exactly once
        assert {m.status for m in salon.notifications.messages()} == {DeliveryStatus.SENT}
    finally:
        salon.close()
