"""Every appointment query the booking service runs on SQLite is answered from an index: the
calendar's few composite indexes cover each of them (the table has no other ones to keep up
to date on every booking)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pendulum
import sqlalchemy as sa
from scheduling_race_worker import NOW

from salonkit.adapters.sql import SqlBackend
from salonkit.context import Context
from salonkit.domain.time import TimeRange
from salonkit.scheduling.model import BookingRequest
from salonkit.scheduling.sample import install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.testing import FrozenClock, SequentialIds

TZ = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 5, day, hour, minute, tz=TZ).in_timezone("UTC")


def cut(customer: str, staff: str, start: pendulum.DateTime) -> BookingRequest:
    return BookingRequest(
        store_id="flagship", service_id="cut", customer_id=customer, staff_id=staff, starts_at=start
    )


def test_appointment_queries_use_the_calendar_indexes(sqlite_url: str) -> None:
    backend = SqlBackend(sqlite_url)
    statements: list[str] = []

    @sa.event.listens_for(backend.engine, "connect")
    def _trace(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    backend.migrate()
    ctx = Context(backend=backend, clock=FrozenClock(NOW), ids=SequentialIds())
    install_sample_salon(ctx, customers=("ana", "ben"), staff=2)
    bookings = BookingService(ctx, "flagship")
    day = (at(5, 0), at(6, 0))
    statements.clear()

    bookings.find_slots("cut", within=day, limit=3)
    bookings.book(cut("ana", "s01", at(5, 9)))
    visit = bookings.find_visit_slots(["colour", "cut"], customer="ben", within=day, limit=1)[0]
    bookings.book_visit(visit, idempotency_key="visit")
    bookings.book_visit(visit, idempotency_key="visit")  # the retry reads the visit back
    weekly = cut("ana", "s02", at(5, 15))
    bookings.book_recurring(weekly, every_weeks=1, count=3, idempotency_key="series")
    bookings.book_recurring(weekly, every_weeks=1, count=3, idempotency_key="series")
    bookings.appointments(within=TimeRange(*day))
    bookings.appointments(within=TimeRange(*day), staff="s01")
    bookings.appointments(within=TimeRange(*day), customer="ana")
    assert bookings.staff_calendar("s01", within=day)
    assert bookings.customer_calendar("ana", within=day)
    backend.close()

    queries = sorted(
        {s for s in statements if s.lstrip().upper().startswith("SELECT") and "sk_appointment" in s}
    )
    con = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    used: set[str] = set()
    for query in queries:
        plan = " | ".join(row[3] for row in con.execute("EXPLAIN QUERY PLAN " + query))
        assert "SCAN sk_appointment" not in plan, f"{query}\n-> {plan}"
        used.update(w for w in plan.split() if w.startswith("ix_sk_appointment_"))
    con.close()
    declared = {
        "ix_sk_appointment_store_id_held_until",
        "ix_sk_appointment_store_id_starts_at",
        "ix_sk_appointment_customer_id_starts_at",
        "ix_sk_appointment_staff_id_starts_at",
        "ix_sk_appointment_visit_id_set",
        "ix_sk_appointment_series_id_set",
    }
    assert used == declared  # each is needed, and nothing else is used
