"""Booking service fixtures on every backend: memory, SQLite, PostgreSQL (when configured)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the spawn workers import the helper module

from scheduling_race_worker import NOW, open_backend

from salonkit.context import Context
from salonkit.scheduling.sample import install_sample_salon
from salonkit.scheduling.service import BookingService
from salonkit.testing import FrozenClock, RecordingListener, SequentialIds


@pytest.fixture
def booking_backend_url(any_url: str) -> str:
    """Each backend's URL in turn."""
    return any_url


@pytest.fixture
def open_salon(booking_backend_url: str) -> Iterator[Callable[..., tuple[BookingService, Context]]]:
    """A factory: a sample salon stored on the backend under test, and its booking service."""
    opened = []

    def make(**options: object) -> tuple[BookingService, Context]:
        backend = open_backend(booking_backend_url, create=True)
        opened.append(backend)
        listener = RecordingListener()
        ctx = Context(
            backend=backend, clock=FrozenClock(NOW), ids=SequentialIds(), deliver=listener.receive
        )
        install_sample_salon(ctx, **options)  # type: ignore[arg-type]
        return BookingService(ctx, store_id="flagship"), ctx

    yield make
    for backend in opened:
        backend.close()
