"""The pure availability engine: processing gaps, overrides, buffers, resources, hours, reasons."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum

from salonkit.domain.staff import TimeOff
from salonkit.domain.store import Closure
from salonkit.domain.time import TimeRange
from salonkit.scheduling.availability import AvailabilityEngine
from salonkit.scheduling.model import Appointment, AppointmentStatus, Slot
from salonkit.scheduling.sample import SampleSalon, sample_salon

TZ = "Europe/London"
NOW = pendulum.datetime(2026, 5, 1, 8)
TUESDAY = dt.date(2026, 5, 5)


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=TZ).in_timezone("UTC")


def day_window(day: dt.date = TUESDAY) -> TimeRange:
    return TimeRange(at(0, 0, day), at(23, 59, day))


def booked(slot: Slot, customer: str, n: int = 1) -> Appointment:
    return Appointment(
        id=f"a{n}",
        store_id=slot.store_id,
        customer_id=customer,
        service_id=slot.service_id,
        staff_id=slot.staff_id,
        starts_at=slot.starts_at,
        steps=slot.steps,
        buffer_before=slot.buffer_before,
        buffer_after=slot.buffer_after,
        created_at=NOW,
    )


def engine(salon: SampleSalon, appointments: list[Appointment] = ()) -> AvailabilityEngine:  # type: ignore[assignment]
    return AvailabilityEngine(salon.store, salon.staff, salon.resources, appointments, now=NOW)


def local_times(slots: list[Slot]) -> list[str]:
    return [f"{s.starts_at.in_timezone(TZ):%H:%M}" for s in slots]


def test_first_slots_carry_staff_and_units() -> None:
    salon = sample_salon(staff=2, chairs=1, basins=1)
    slots = engine(salon).find_slots(salon.service("colour"), window=day_window(), limit=3)
    assert local_times(slots) == ["09:00", "09:15", "09:30"]
    assert slots[0].staff_id == "s01"  # the only colourist among two
    assert [s.units for s in slots[0].steps] == [("chairs:1",), ("chairs:1",), ("basins:1",)]
    assert slots[0].ends_at == at(10, 25)


def test_stylist_is_offered_during_processing_time() -> None:
    salon = sample_salon(staff=1, chairs=2, basins=1)
    colour = engine(salon).find_slots(
        salon.service("colour"), window=TimeRange(at(9), at(9, 1)), limit=1
    )[0]
    eng = engine(salon, [booked(colour, "ana")])
    free = eng.find_slots(salon.service("blowdry"), window=TimeRange(at(9), at(11)), staff="s01")
    # apply 9:00-9:30, process 9:30-10:10 (stylist free), rinse 10:10-10:25, buffer to 10:30
    assert local_times(free) == ["09:30", "10:30", "10:45"]
    assert free[0].units() == ("chairs:2",)  # chair 1 still holds the colour customer


def test_resource_capacity_blocks_processing_overlap() -> None:
    salon = sample_salon(staff=2, chairs=1, basins=1)
    colour = engine(salon).find_slots(
        salon.service("colour"), window=TimeRange(at(9), at(9, 1)), limit=1
    )[0]
    eng = engine(salon, [booked(colour, "ana")])
    free = eng.find_slots(salon.service("blowdry"), window=TimeRange(at(9), at(11)))
    # the one chair is free again at 10:10; the colourist s01 is free at 09:30 but no chair is
    assert local_times(free) == ["10:15", "10:30", "10:45"]
    assert free[0].staff_id == "s02"
    reasons = eng.explain(salon.service("blowdry"), "s01", at(9, 30))
    assert [r.code for r in reasons] == ["resource_full"]
    assert "0 of 1 chair" in reasons[0].message


def test_duration_override_changes_the_shape() -> None:
    salon = sample_salon(staff=1, chairs=1, basins=1)
    fast = attrs.evolve(salon.staff[0], duration_overrides={"colour": (20, 40, 10)})
    salon = attrs.evolve(salon, staff=(fast,))
    slot = engine(salon).find_slots(salon.service("colour"), window=day_window(), limit=1)[0]
    assert [(s.offset, s.minutes) for s in slot.steps] == [(0, 20), (20, 40), (60, 10)]
    assert slot.ends_at == at(10, 10)
    last = engine(salon).find_slots(salon.service("colour"), window=day_window())[-1]
    # 70 minutes + 5 minutes' buffer must end by 19:00 within the shift
    assert local_times([last]) == ["17:45"]


def test_shapes_are_worked_out_per_service_and_staff_member() -> None:
    from salonkit.scheduling.shape import shape_of

    salon = sample_salon(staff=2, chairs=1, basins=1)
    colour = salon.service("colour")
    fast = attrs.evolve(salon.staff[0], duration_overrides={"colour": (20, 40, 10)})
    slow = attrs.evolve(salon.staff[0], duration_overrides={"colour": (40, 40, 10)})
    for _ in range(2):  # the second round answers from what the first worked out
        assert shape_of(colour).minutes == sum(colour.step_minutes(None))
        assert shape_of(colour, salon.staff[1]) == shape_of(colour)
        assert shape_of(colour, fast).minutes == 70
        assert shape_of(colour, slow).minutes == 90
        longer = attrs.evolve(colour, buffer_after=colour.buffer_after + 5)
        assert shape_of(longer, fast).buffer_after == colour.buffer_after + 5
        assert shape_of(colour, fast).buffer_after == colour.buffer_after


def test_buffers_hold_staff_and_resources() -> None:
    salon = sample_salon(staff=1, chairs=1, basins=1)
    service = attrs.evolve(salon.service("blowdry"), buffer_before=10, buffer_after=10)
    slots = engine(salon).find_slots(service, window=day_window(), limit=1)
    assert local_times(slots) == ["09:15"]  # 10 minutes' preparation inside the 09:00 shift
    eng = engine(salon, [booked(slots[0], "ana")])
    # busy 09:05-09:55 including buffers; the next start with its own buffer is 10:05 -> 10:15
    assert local_times(eng.find_slots(service, window=day_window(), limit=1)) == ["10:15"]


def test_breaks_time_off_closures_and_closed_days() -> None:
    salon = sample_salon(staff=1, chairs=1, basins=1)
    eng = engine(salon)
    cuts = local_times(eng.find_slots(salon.service("cut"), window=day_window()))
    assert "11:45" in cuts and "12:00" not in cuts and "12:15" not in cuts  # lunch 12:30-13:00
    assert "13:00" in cuts
    sunday = dt.date(2026, 5, 10)
    assert eng.find_slots(salon.service("cut"), window=day_window(sunday)) == []
    off = attrs.evolve(salon.staff[0], time_off=(TimeOff(TimeRange(at(14), at(16)), "dentist"),))
    eng2 = engine(attrs.evolve(salon, staff=(off,)))
    cuts2 = local_times(eng2.find_slots(salon.service("cut"), window=day_window()))
    assert "13:15" in cuts2 and "13:30" not in cuts2 and "16:00" in cuts2
    reasons = eng2.explain(salon.service("cut"), "s01", at(14, 30))
    assert [r.code for r in reasons] == ["staff_off"] and "dentist" in reasons[0].message
    closed = attrs.evolve(
        salon, store=attrs.evolve(salon.store, closures=(Closure(TUESDAY, TUESDAY, "refit"),))
    )
    eng3 = engine(closed)
    assert eng3.find_slots(salon.service("cut"), window=day_window()) == []
    reasons = eng3.explain(salon.service("cut"), "s01", at(10))
    assert "outside_hours" in {r.code for r in reasons}
    assert any("refit" in r.message for r in reasons)


def test_explain_lists_every_reason_at_once() -> None:
    salon = sample_salon(staff=2, chairs=1, basins=1)
    cut = engine(salon).find_slots(salon.service("cut"), window=TimeRange(at(18), at(18, 1)))[0]
    eng = engine(salon, [booked(cut, "ana")])
    reasons = eng.explain(salon.service("colour"), "s02", at(18), customer_id="ana")
    codes = [r.code for r in reasons]
    # colour is 85 minutes: past closing, past s02's shift, the only chair is taken by the cut
    assert codes == [
        "lacks_skill",
        "staff_off",
        "outside_hours",
        "resource_full",  # apply
        "resource_full",  # process
        "customer_busy",
    ]
    reasons = eng.explain(salon.service("cut"), cut.staff_id, at(18, 15), customer_id="ana")
    assert {"staff_busy", "customer_busy", "resource_full"} <= {r.code for r in reasons}


def test_cancelled_and_expired_holds_do_not_block() -> None:
    salon = sample_salon(staff=1, chairs=1, basins=1)
    slot = engine(salon).find_slots(salon.service("cut"), window=day_window(), limit=1)[0]
    cancelled = attrs.evolve(booked(slot, "ana"), status=AppointmentStatus.CANCELLED)
    expired = attrs.evolve(
        booked(slot, "ben", 2), status=AppointmentStatus.HELD, hold_expires_at=NOW
    )
    live = attrs.evolve(
        booked(slot, "cai", 3),
        status=AppointmentStatus.HELD,
        hold_expires_at=NOW.add(minutes=5),
    )
    assert engine(salon, [cancelled, expired]).explain(salon.service("cut"), "s01", at(9)) == []
    assert engine(salon, [live]).explain(salon.service("cut"), "s01", at(9)) != []


def test_preferred_staff_ordering_and_other_staff() -> None:
    salon = sample_salon(staff=4)
    slots = engine(salon).find_slots(
        salon.service("cut"), window=day_window(), preferred=("s03",), limit=1
    )
    assert slots[0].staff_id == "s03"
    assert slots[0].other_staff == ("s01", "s02", "s04")


def test_visit_slots_chain_services_within_handoff() -> None:
    salon = sample_salon(staff=2, chairs=2, basins=1)
    eng = engine(salon)
    visits = eng.find_visit_slots(
        [(salon.service("colour"), None), (salon.service("cut"), None)],
        window=day_window(),
        limit=2,
    )
    first = visits[0]
    assert [leg.service_id for leg in first.legs] == ["colour", "cut"]
    gap = first.legs[1].starts_at - first.legs[0].ends_at
    assert dt.timedelta(0) <= gap <= dt.timedelta(minutes=15)
    # the colour's basin is held to 10:30 (rinse + buffer), so the cut's wash cannot start before
    assert local_times([first.legs[1]]) == ["10:30"]


def test_limit_and_window_are_respected() -> None:
    salon = sample_salon(staff=2)
    eng = engine(salon)
    slots = eng.find_slots(salon.service("cut"), window=TimeRange(at(10, 7), at(11)), limit=None)
    assert local_times(slots) == ["10:15", "10:30", "10:45"]
    assert eng.find_slots(salon.service("cut"), window=day_window(), limit=0) == []
