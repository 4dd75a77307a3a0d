"""The demo salon in memory, equipped with stock, loyalty, wallet and orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from salonkit.demo.setup import DemoSalon, open_demo_salon
from salonkit.testing import RecordingPrinter

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def printer() -> RecordingPrinter:
    """Keeps the receipts."""
    return RecordingPrinter()


@pytest.fixture
def shop(printer: RecordingPrinter) -> Iterator[DemoSalon]:
    """The demo salon in memory on 23 November 2026, clock at 08:30."""
    opened = open_demo_salon("memory://", DAY, printer=printer)
    yield opened
    opened.salon.close()
