"""Retention: customers inactive for longer than the period are erased; active ones are kept."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

import salonkit
from salonkit.demo import seed
from salonkit.testing import FrozenClock, SequentialIds

DAY = dt.date(2026, 11, 23)


def test_inactive_customers_are_erased_and_active_ones_kept(any_url: str) -> None:
    clock = FrozenClock(pendulum.datetime(2023, 1, 10, 9, tz="Asia/Shanghai"))
    salon = salonkit.Salon.open(any_url, clock=clock, ids=SequentialIds(), load_entrypoints=False)
    old = salon.customers.register("Gone Quiet", phone="+86 135 0000 0001")
    clock.set(pendulum.datetime(2026, 11, 23, 8, 30, tz="Asia/Shanghai"))
    seed(salon, DAY)
    slot = salon.bookings.find_slots(
        "mens-cut",
        within=(clock.now(), clock.now().add(hours=10)),
        customer="cust-03",
        limit=1,
        store="flagship",
    )[0]
    appointment = salon.bookings.book(slot, customer="cust-03")
    assert salon.customers.last_activity("cust-03") == appointment.ends_at
    with pytest.raises(salonkit.ValidationError, match="inactive_for"):
        salon.customers.apply_retention(dt.timedelta(0))
    erased = salon.customers.apply_retention(dt.timedelta(days=3 * 365))
    assert erased == [old.id]
    assert salon.customers.get(old.id).phone is None
    assert salon.customers.get("cust-03").phone is not None
    assert salon.customers.apply_retention(dt.timedelta(days=3 * 365)) == []
    salon.close()
