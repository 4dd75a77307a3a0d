"""The fast engine agrees with a slow point-by-point check on random calendars."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from salonkit.domain.time import TimeRange
from salonkit.scheduling.availability import AvailabilityEngine
from salonkit.scheduling.model import Appointment
from salonkit.scheduling.sample import sample_salon

TZ = "Europe/London"
NOW = pendulum.datetime(2026, 5, 1, 8)
DAY = dt.date(2026, 5, 5)
SERVICES = ("colour", "cut", "blowdry")


def wall(minutes: int) -> pendulum.DateTime:
    return (
        pendulum.datetime(DAY.year, DAY.month, DAY.day, tz=TZ)
        .add(minutes=minutes)
        .in_timezone("UTC")
    )


@st.composite
def calendars(draw: st.DrawFn) -> tuple[AvailabilityEngine, str, int, int]:
    salon = sample_salon(staff=draw(st.integers(1, 3)), chairs=draw(st.integers(1, 2)), basins=1)
    if draw(st.booleans()):  # a fast colourist and buffers somewhere
        fast = attrs.evolve(salon.staff[0], duration_overrides={"colour": (20, 30, 10)})
        salon = attrs.evolve(salon, staff=(fast, *salon.staff[1:]))
    services = {s.id: s for s in salon.services}
    if draw(st.booleans()):
        services["cut"] = attrs.evolve(services["cut"], buffer_before=5, buffer_after=10)
    appts: list[Appointment] = []
    for n in range(draw(st.integers(0, 8))):
        engine = AvailabilityEngine(salon.store, salon.staff, salon.resources, appts, now=NOW)
        service = services[draw(st.sampled_from(SERVICES))]
        slots = engine.find_slots(
            service,
            window=TimeRange(wall(0), wall(24 * 60)),
            customer=None,
            limit=None,
            granularity=5,
        )
        if not slots:
            break
        slot = slots[draw(st.integers(0, len(slots) - 1))]
        appts.append(
            Appointment(
                id=f"a{n}",
                store_id="flagship",
                customer_id=draw(st.sampled_from(("ana", "ben"))),
                service_id=service.id,
                staff_id=slot.staff_id,
                starts_at=slot.starts_at,
                steps=slot.steps,
                buffer_before=slot.buffer_before,
                buffer_after=slot.buffer_after,
                created_at=NOW,
            )
        )
    engine = AvailabilityEngine(salon.store, salon.staff, salon.resources, appts, now=NOW)
    engine._probe_services = services  # type: ignore[attr-defined]
    return engine, draw(st.sampled_from(SERVICES)), draw(st.sampled_from((5, 15))), len(appts)


@given(calendars(), st.sampled_from((None, "ana")))
def test_find_slots_equals_pointwise_explain(
    case: tuple[AvailabilityEngine, str, int, int], customer: str | None
) -> None:
    engine, service_id, granularity, _ = case
    service = engine._probe_services[service_id]  # type: ignore[attr-defined]
    from salonkit.domain.customer import Customer

    who = Customer(id=customer, name="X") if customer else None
    fast = {
        s.starts_at: s
        for s in engine.find_slots(
            service,
            window=TimeRange(wall(0), wall(24 * 60)),
            customer=who,
            limit=None,
            granularity=granularity,
        )
    }
    slow = set()
    for minutes in range(8 * 60, 20 * 60, granularity):
        start = wall(minutes)
        for member in engine.candidates(service):
            if not engine.explain(service, member.id, start, customer):
                slow.add(start)
                break
    assert set(fast) == slow
    for start, slot in fast.items():  # what the slot holds is really free
        assert engine.explain(service, slot.staff_id, start, customer) == []
