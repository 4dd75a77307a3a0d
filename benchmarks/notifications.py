"""Notifications benchmark: what the outbox costs a booking, and how fast the dispatcher sends.

    .venv/bin/python benchmarks/notifications.py                # SQLite file, 300 messages
    .venv/bin/python benchmarks/notifications.py --messages 1000 --repeat 5

1. Outbox write: a transaction that emits ``AppointmentBooked`` with the notification handler
   attached (confirmation + reminder written) against the same transaction without it.
2. Dispatch: ``dispatch_due`` over queued messages through a notifier that only counts (the
   dispatcher's own cost: claim + record transactions), and through the HTTP gateway notifier
   to a local ``http.server``, against a baseline loop POSTing the same number of requests with
   urllib and no outbox.

Each figure is the median of ``--repeat`` runs; ratios are against baselines measured in the
same run, so a noisy machine shows in both.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pendulum

import salonkit
from salonkit.adapters.http_gateway import HttpGatewayConfig, HttpGatewayNotifier
from salonkit.notifications import NotificationSettings
from salonkit.plugins import Message
from salonkit.scheduling.events import AppointmentBooked
from salonkit.scheduling.sample import sample_salon
from salonkit.testing import FrozenClock

T0 = pendulum.datetime(2026, 5, 4, 10)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Counting:
    """A notifier that only counts."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, message: Message) -> str:
        self.count += 1
        return message.key


class Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def open_salon(path: Path, customers: int) -> salonkit.Salon:
    salon = salonkit.Salon.open(f"sqlite:///{path}", clock=FrozenClock(T0), load_entrypoints=False)
    sample = sample_salon()
    salon.stores.open(sample.store)
    for member in sample.staff:
        salon.staff.hire(member)
    for service in sample.services:
        salon.catalogue.add_service(service)
    salon.notifications.configure(NotificationSettings(store_id="flagship", quiet_hours=None))
    for n in range(customers):
        salon.customers.register(f"C{n}", phone=f"+44 7700 {n:06d}", consent_marketing=True)
    return salon


def timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def outbox_write(salon: salonkit.Salon, count: int, offset: int) -> tuple[float, float]:
    customers = [c.id for c in salon.customers.list()]
    with_handler = salon.context
    without = salonkit.Context(
        backend=with_handler.backend, clock=with_handler.clock, ids=with_handler.ids
    )

    def run(ctx: salonkit.Context, tag: str) -> None:
        for i in range(count):
            with ctx.unit_of_work() as uow:
                uow.emit(
                    AppointmentBooked(
                        occurred_at=T0,
                        store_id="flagship",
                        appointment_id=f"{tag}{offset}-{i}",
                        customer_id=customers[i % len(customers)],
                        staff_id="s01",
                        service_id="cut",
                        starts_at=T0.add(days=3),
                    )
                )

    base = timed(lambda: run(without, "b"))
    real = timed(lambda: run(with_handler, "a"))
    return base / count, real / count


def bookings(salon: salonkit.Salon, count: int) -> tuple[float, float]:
    """Seconds per ``BookingService.book`` transaction without and with the notification handler
    (slots are found beforehand and not timed)."""
    from salonkit.scheduling.service import BookingService

    customers = [c.id for c in salon.customers.list()]
    plain = BookingService(
        salonkit.Context(
            backend=salon.context.backend, clock=salon.context.clock, ids=salon.context.ids
        )
    )
    days = [T0.add(days=d).date() for d in range(2, 30) if T0.add(days=d).weekday() != 6]
    slots = []
    for i in range(2 * count):
        day = days[i // 16]
        start = pendulum.datetime(day.year, day.month, day.day, 9, tz="Europe/London")
        within = (start.add(minutes=30 * (i % 16)), start.add(minutes=30 * (i % 16) + 60))
        found = salon.bookings.find_slots(
            "blowdry", customer=customers[i], within=within, store="flagship", limit=1
        )
        slots.append(found[0])
    without = timed(lambda: [plain.book(slot) for slot in slots[:count]])
    with_handler = timed(lambda: [salon.bookings.book(slot) for slot in slots[count:]])
    return without / count, with_handler / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {cpu_model()}, Python {sys.version.split()[0]}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/sms"
    writes: list[tuple[float, float]] = []
    books: list[tuple[float, float]] = []
    dispatch_null: list[float] = []
    dispatch_http: list[float] = []
    baseline_http: list[float] = []
    n = args.messages
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.repeat):
            salon = open_salon(Path(tmp) / f"salon{run}.db", customers=n)
            writes.append(outbox_write(salon, min(n, 200), run))
            for resource in sample_salon().resources:
                salon.catalogue.add_resource(resource)
            books.append(bookings(salon, 40))
            counting = Counting()
            salon.notifiers["sms"] = counting
            salon.notifications.dispatcher.batch = n
            salon.notifications.send_campaign(
                f"null{run}", store="flagship", title={"en": "t"}, text={"en": "x"}
            )
            dispatch = salon.notifications.dispatch_due
            dispatch_null.append(n / timed(lambda: dispatch(T0)))  # noqa: B023
            assert counting.count == n
            salon.notifiers["sms"] = HttpGatewayNotifier(HttpGatewayConfig(url=url, secret="s"))
            salon.notifications.send_campaign(
                f"http{run}", store="flagship", title={"en": "t"}, text={"en": "x"}
            )
            dispatch_http.append(n / timed(lambda: dispatch(T0)))  # noqa: B023

            def post_loop() -> None:
                for i in range(n):
                    body = json.dumps({"key": str(i), "body": "x"}).encode()
                    request = urllib.request.Request(url, data=body, method="POST")
                    with urllib.request.urlopen(request, timeout=5) as reply:
                        reply.read()

            baseline_http.append(n / timed(post_loop))
            salon.close()
    server.shutdown()
    server.server_close()
    base_ms = statistics.median(w[0] for w in writes) * 1000
    real_ms = statistics.median(w[1] for w in writes) * 1000
    print(
        f"outbox write per booking transaction (SQLite file): {real_ms:.2f} ms with the handler,"
        f" {base_ms:.2f} ms without; +{real_ms - base_ms:.2f} ms ({real_ms / base_ms:.1f}x)"
    )
    b0 = statistics.median(b[0] for b in books) * 1000
    b1 = statistics.median(b[1] for b in books) * 1000
    print(
        f"BookingService.book per booking (SQLite file): {b1:.1f} ms with notifications,"
        f" {b0:.1f} ms without ({b1 / b0:.2f}x)"
    )
    null = statistics.median(dispatch_null)
    http = statistics.median(dispatch_http)
    base = statistics.median(baseline_http)
    print(f"dispatch through a counting notifier: {null:,.0f} messages/s")
    print(
        f"dispatch through the HTTP gateway to 127.0.0.1: {http:,.0f} messages/s;"
        f" bare urllib POST loop {base:,.0f} requests/s; ratio {http / base:.2f}"
    )


if __name__ == "__main__":
    main()
