"""Opening the demo salon for a day: its settings (loyalty programme, wallet policy, console
receipts), its seed data and a frozen clock. The demo, the day's end-to-end tests and the
tutorial start here.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import attrs
import pendulum

from salonkit.demo.seed import (
    STORE_ID,
    TIMEZONE,
    programme,
    seed,
    seed_operations,
    wallet_policy,
)
from salonkit.domain.ids import IdGenerator
from salonkit.errors import ValidationError
from salonkit.plugins.hookspecs import Printer
from salonkit.salon import Salon, SalonSettings
from salonkit.scheduling.model import Appointment
from salonkit.testing.fakes import FrozenClock, SequentialIds

log = logging.getLogger(__name__)


@attrs.define
class DemoSalon:
    """The demo salon opened by :func:`open_demo_salon`, with its clock and the day it runs."""

    salon: Salon
    clock: FrozenClock
    day: dt.date

    def at(self, hour: int, minute: int = 0) -> pendulum.DateTime:
        """The instant ``hour:minute`` on the demo day in the store's zone."""
        return pendulum.datetime(
            self.day.year, self.day.month, self.day.day, hour, minute, tz=TIMEZONE
        )

    def book(
        self, service: str, customer: str, *, hour: int = 10, staff: str | None = None
    ) -> Appointment:
        """Book the first free slot of ``service`` for ``customer`` from ``hour`` on."""
        start = self.at(hour)
        slots = self.salon.bookings.find_slots(
            service,
            within=(start, start.add(hours=8)),
            customer=customer,
            staff=staff,
            store=STORE_ID,
        )
        if not slots:
            raise ValidationError("service", f"no free slot for {service} from {hour}:00")
        return self.salon.bookings.book(slots[0])


def open_demo_salon(
    url: str,
    day: dt.date,
    *,
    plugins: Iterable[object] = (),
    load_entrypoints: bool = False,
    ids: IdGenerator | None = None,
    printer: Printer | None = None,
) -> DemoSalon:
    """Open ``url``, equip it and seed the demo salon for ``day``, its clock frozen at 08:30.

    ``printer`` (default: the console printer) prints the receipts.
    """
    clock = FrozenClock(pendulum.datetime(day.year, day.month, day.day, 8, 30, tz=TIMEZONE))
    salon = Salon.open(
        url,
        clock=clock,
        ids=ids or SequentialIds(),
        plugins=plugins,
        load_entrypoints=load_entrypoints,
        settings=SalonSettings(
            programme=programme(), wallet_policy=wallet_policy(), receipt_printer="console"
        ),
    )
    if printer is not None:
        salon.orders.printer = printer
    seed(salon, day)
    seed_operations(salon, day)
    return DemoSalon(salon, clock, day)


__all__ = ["DemoSalon", "open_demo_salon"]
