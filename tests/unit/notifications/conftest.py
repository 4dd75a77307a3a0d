"""A small salon (memory storage, frozen clock, sequential ids) with recording notifiers."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest

import salonkit
from salonkit.domain.customer import Customer
from salonkit.scheduling.model import Appointment
from salonkit.scheduling.sample import sample_salon
from salonkit.testing import FrozenClock, RecordingNotifier, SequentialIds

LONDON = "Europe/London"


@attrs.define
class World:
    """The salon under test and its handles."""

    salon: salonkit.Salon
    clock: FrozenClock
    sms: RecordingNotifier
    email: RecordingNotifier

    def customer(self, name: str, **fields: object) -> Customer:
        return self.salon.customers.register(name, **fields)

    def book(
        self, customer: Customer, day: dt.date, hour: int = 9, service: str = "cut"
    ) -> Appointment:
        within = (
            pendulum.datetime(day.year, day.month, day.day, hour, tz=LONDON),
            pendulum.datetime(day.year, day.month, day.day, 18, tz=LONDON),
        )
        slot = self.salon.bookings.find_slots(
            service, customer=customer.id, within=within, store="flagship", limit=1
        )[0]
        return self.salon.bookings.book(slot)


def build_world(start: dt.datetime | None = None) -> World:
    clock = FrozenClock(start or pendulum.datetime(2026, 5, 4, 10))  # Monday 11:00 in London
    sms = RecordingNotifier(channels=("sms",))
    email = RecordingNotifier(channels=("email",))
    salon = salonkit.Salon.open(
        "memory://", clock=clock, ids=SequentialIds(), plugins=[sms, email], load_entrypoints=False
    )
    sample = sample_salon(timezone=LONDON)
    salon.stores.open(sample.store)
    for member in sample.staff:
        salon.staff.hire(member)
    for service in sample.services:
        salon.catalogue.add_service(service)
    for resource in sample.resources:
        salon.catalogue.add_resource(resource)
    return World(salon=salon, clock=clock, sms=sms, email=email)


@pytest.fixture
def world() -> World:
    """A London salon open 09:00-19:00 Monday to Saturday; now is Monday 4 May 2026 11:00."""
    return build_world()


@pytest.fixture
def make_world() -> object:
    """A factory of fresh worlds (for property tests that need one per example)."""
    return build_world
