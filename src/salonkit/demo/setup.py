"""Wiring a salon for a full day: every package's tables and services, with the orders and
reports services connected to them.

:func:`equip` is what the demo, the day's end-to-end tests and the tutorial call after
:meth:`salonkit.Salon.open`. It only adds what the composition root does not provide yet (a
service it already has is reused), so it keeps working as the root grows.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable
from typing import Any

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
from salonkit.inventory.service import InventoryService
from salonkit.loyalty.programme import Programme
from salonkit.loyalty.service import LoyaltyService, WalletService
from salonkit.loyalty.wallet import WalletPolicy
from salonkit.orders.service import OrderService
from salonkit.plugins.hookspecs import Printer
from salonkit.salon import Salon
from salonkit.scheduling.model import Appointment
from salonkit.testing.fakes import FrozenClock, SequentialIds

log = logging.getLogger(__name__)

#: Record modules of the packages a full day uses (their tables are created if missing).
RECORD_MODULES = (
    "salonkit.storage.records",
    "salonkit.scheduling.records",
    "salonkit.inventory.records",
    "salonkit.loyalty.records",
    "salonkit.notifications.records",
    "salonkit.orders.records",
    "salonkit.crm.records",
    "salonkit.feedback.records",
    "salonkit.workforce.records",
)


def ensure_schema(salon: Salon) -> int:
    """Create the tables of every kind in :data:`RECORD_MODULES` that the database lacks.

    A no-op on the memory backend and once the shipped migrations create them all; returns how
    many tables were created.
    """
    from salonkit.adapters.sql.schema import build_table, table_name
    from salonkit.storage.kinds import registry

    for module in RECORD_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:  # a package not installed in this build
            log.debug("no record module %s", module)
    backend: Any = salon.backend
    metadata = getattr(backend, "metadata", None)
    engine = getattr(backend, "engine", None)
    if metadata is None or engine is None:
        return 0
    missing = [k for k in registry if table_name(k) not in metadata.tables]
    tables = [build_table(k, metadata) for k in missing]
    if tables:
        metadata.create_all(engine, tables=tables)
    return len(tables)


def equip(
    salon: Salon,
    *,
    currency: str = "CNY",
    programme: Programme | None = None,
    wallet_policy: WalletPolicy | None = None,
) -> Salon:
    """Give ``salon`` inventory, loyalty, wallet and orders services wired together.

    ``salon.inventory``, ``salon.loyalty`` and ``salon.wallet`` are created (with ``programme``,
    ``wallet_policy``) unless the salon already has them; ``salon.orders`` is pointed at them
    and at the ``console`` printer unless it already has a printer.
    """
    ensure_schema(salon)
    if getattr(salon, "inventory", None) is None:
        salon.inventory = InventoryService(salon.context, currency=currency)  # type: ignore[attr-defined]
    if getattr(salon, "loyalty", None) is None or programme is not None:
        salon.loyalty = LoyaltyService(  # type: ignore[attr-defined]
            salon.context, programme or Programme.standard(currency)
        )
    if getattr(salon, "wallet", None) is None or wallet_policy is not None:
        salon.wallet = WalletService(  # type: ignore[attr-defined]
            salon.context, wallet_policy or WalletPolicy(currency=currency)
        )
    orders = getattr(salon, "orders", None)
    if orders is None:
        orders = OrderService(salon.context)
        salon.orders = orders
    orders.bookings = salon.bookings
    orders.inventory = salon.inventory  # type: ignore[attr-defined]
    orders.loyalty = salon.loyalty  # type: ignore[attr-defined]
    orders.wallet = salon.wallet  # type: ignore[attr-defined]
    if orders.printer is None:
        orders.printer = salon.printers.get("console")
    return salon


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
    )
    equip(salon, programme=programme(), wallet_policy=wallet_policy())
    if printer is not None:
        salon.orders.printer = printer
    seed(salon, day)
    seed_operations(salon, day)
    return DemoSalon(salon, clock, day)


__all__ = ["RECORD_MODULES", "DemoSalon", "ensure_schema", "equip", "open_demo_salon"]
