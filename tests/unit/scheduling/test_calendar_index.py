"""An incrementally updated calendar index equals one built from scratch."""

from __future__ import annotations

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.scheduling.calendar_index import Busy, CalendarIndex
from salonkit.scheduling.model import Appointment, AppointmentStatus, StepPlacement

NOW = pendulum.datetime(2026, 5, 1, 8)
STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.HELD,
    AppointmentStatus.CANCELLED,
    AppointmentStatus.COMPLETED,
)


@st.composite
def appointments(draw: st.DrawFn, appt_id: str) -> Appointment:
    status = draw(st.sampled_from(STATUSES))
    steps = []
    offset = 0
    for n in range(draw(st.integers(1, 3))):
        minutes = draw(st.sampled_from((15, 30, 45)))
        units = draw(st.lists(st.sampled_from(("chair-1", "chair-2", "basin-1")), max_size=2))
        steps.append(
            StepPlacement(
                name=f"s{n}",
                offset=offset,
                minutes=minutes,
                staff_busy=draw(st.booleans()),
                units=tuple(dict.fromkeys(units)),
            )
        )
        offset += minutes
    return Appointment(
        id=appt_id,
        store_id=draw(st.sampled_from(("flagship", "flagship", "annex"))),
        customer_id=draw(st.sampled_from(("ana", "ben", "cai"))),
        service_id="svc",
        staff_id=draw(st.sampled_from(("s1", "s2", "s3"))),
        starts_at=NOW.add(minutes=draw(st.integers(0, 40)) * 15),
        steps=tuple(steps),
        buffer_before=draw(st.sampled_from((0, 5))),
        buffer_after=draw(st.sampled_from((0, 10))),
        status=status,
        hold_expires_at=(
            NOW.add(minutes=draw(st.sampled_from((-5, 30))))
            if status is AppointmentStatus.HELD
            else None
        ),
        created_at=NOW,
    )


@st.composite
def histories(
    draw: st.DrawFn,
) -> tuple[list[Appointment], list[list[Appointment]], list[list[str]]]:
    first = [draw(appointments(f"a{n}")) for n in range(draw(st.integers(0, 12)))]
    changes: list[list[Appointment]] = []
    removals: list[list[str]] = []
    for _ in range(draw(st.integers(1, 4))):
        ids = [f"a{n}" for n in range(14)]
        changed = [draw(appointments(i)) for i in draw(st.lists(st.sampled_from(ids), max_size=4))]
        changes.append(changed)
        removals.append(draw(st.lists(st.sampled_from(ids), max_size=3)))
    return first, changes, removals


def picture(busy: Busy) -> tuple[object, ...]:
    def spans(index: dict[str, object]) -> dict[str, list[tuple[int, int]]]:
        return {k: list(v.spans) for k, v in index.items() if v.spans}  # type: ignore[attr-defined]

    return (
        sorted(a.id for a in busy.appointments),
        spans(busy.staff),  # type: ignore[arg-type]
        spans(busy.units),  # type: ignore[arg-type]
        spans(busy.customers),  # type: ignore[arg-type]
    )


@given(histories(), st.sets(st.sampled_from(("a1", "a2", "a3"))))
def test_updated_index_equals_a_fresh_one(
    history: tuple[list[Appointment], list[list[Appointment]], list[list[str]]],
    ignore: set[str],
) -> None:
    first, changes, removals = history
    current = {a.id: a for a in first}
    index = CalendarIndex("flagship", first)
    for changed, removed in zip(changes, removals, strict=True):
        index = index.updated(changed, removed)
        for appt_id in removed:
            current.pop(appt_id, None)
        for appt in changed:
            current[appt.id] = appt
        fresh = CalendarIndex("flagship", current.values())
        assert picture(index.at(NOW)) == picture(fresh.at(NOW))
        assert picture(index.at(NOW, ignore=frozenset(ignore))) == picture(
            fresh.at(NOW, ignore=frozenset(ignore))
        )
        assert sorted(a.id for a in index.appointments()) == sorted(
            a.id for a in fresh.appointments()
        )


def test_an_update_leaves_the_original_index_unchanged() -> None:
    step = StepPlacement(name="cut", offset=0, minutes=30, units=("chair-1",))
    appt = Appointment(
        id="a1",
        store_id="flagship",
        customer_id="ana",
        service_id="cut",
        staff_id="s1",
        starts_at=NOW,
        steps=(step,),
        created_at=NOW,
    )
    index = CalendarIndex("flagship", [appt])
    later = index.updated([attrs.evolve(appt, starts_at=NOW.add(hours=2))], [])
    start = int(NOW.timestamp())
    assert list(index.at(NOW).staff["s1"].spans) == [(start, start + 1800)]
    assert list(later.at(NOW).staff["s1"].spans) == [(start + 7200, start + 9000)]
    assert later.get("a1") is not None and index.get("a1") is appt


@given(histories())
def test_adding_to_a_thawed_copy_equals_a_fresh_index(
    history: tuple[list[Appointment], list[list[Appointment]], list[list[str]]],
) -> None:
    first, changes, _ = history
    index = CalendarIndex("flagship", first)
    before = picture(index.at(NOW))
    grown = index.thawed()
    added = {a.id: a for a in first}
    for n, appt in enumerate(a for batch in changes for a in batch):
        fresh_appt = attrs.evolve(appt, id=f"new-{n}")
        grown.add(fresh_appt)
        added[fresh_appt.id] = fresh_appt
        assert picture(grown.at(NOW)) == picture(CalendarIndex("flagship", added.values()).at(NOW))
    assert picture(index.at(NOW)) == before  # the original is untouched


def test_add_refuses_an_index_that_is_not_a_thawed_copy() -> None:
    index = CalendarIndex("flagship", [])
    step = StepPlacement(name="cut", offset=0, minutes=30)
    appt = Appointment(
        id="a1",
        store_id="flagship",
        customer_id="ana",
        service_id="cut",
        staff_id="s1",
        starts_at=NOW,
        steps=(step,),
        created_at=NOW,
    )
    with pytest.raises(RuntimeError):
        index.add(appt)
    grown = index.thawed()
    grown.add(appt)
    with pytest.raises(ValueError, match="indexed already"):
        grown.add(appt)
