"""Fixtures for the booking-side tests: a sample salon over the memory backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from salonkit.context import Context
from salonkit.scheduling.sample import SampleSalon, install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.testing import FrozenClock, RecordingListener, memory_context

#: Monday 4 May 2026, 08:00 UTC (09:00 in London).
T0 = pendulum.datetime(2026, 5, 4, 8)


@attrs.define
class Setup:
    """A salon ready for booking: context, service, clock, recorded events."""

    ctx: Context
    bookings: BookingService
    salon: SampleSalon
    clock: FrozenClock
    listener: RecordingListener


def build(
    *, now: pendulum.DateTime = T0, customers: tuple[str, ...] = ("ana", "ben", "cai"), **opts: Any
) -> Setup:
    """A fresh in-memory salon (options go to ``sample_salon``)."""
    clock = FrozenClock(now)
    listener = RecordingListener()
    ctx = memory_context(clock, listener)
    salon = install_sample_salon(ctx, customers=customers, **opts)
    return Setup(ctx, BookingService(ctx, store_id="flagship"), salon, clock, listener)


@pytest.fixture
def make_salon() -> Callable[..., Setup]:
    """A factory of fresh salons: ``make_salon(staff=2, chairs=1)``."""
    return build


@pytest.fixture
def setup() -> Setup:
    """The default salon: 4 stylists, 4 chairs, 2 basins, Europe/London, clock at T0."""
    return build()
