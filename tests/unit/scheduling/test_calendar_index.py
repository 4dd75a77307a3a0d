"""An incrementally updated calendar index equals one built from scratch."""

from __future__ import annotations

from unittest import mock

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salonkit.scheduling import calendar_index
from salonkit.scheduling.calendar_index import Busy, CalendarIndex, Layered
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


@given(histories(), st.sets(st.sampled_from(("a1", "a2", "a3"))), st.booleans())
def test_updated_index_equals_a_fresh_one(
    history: tuple[list[Appointment], list[list[Appointment]], list[list[str]]],
    ignore: set[str],
    fold: bool,
) -> None:
    """Whether the shared maps carry the changes over their base or fold them in at once."""
    with mock.patch.object(calendar_index, "FOLD_AT", 0 if fold else 1000):
        _check_updates_against_fresh(history, ignore)


def _check_updates_against_fresh(
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
    if first:  # and still updates as if it had never been thawed, leaving the copy as it is
        grown_before = picture(grown.at(NOW))
        rest = [a for a in first if a.id != first[0].id]
        shrunk = index.updated([], [first[0].id])
        assert picture(shrunk.at(NOW)) == picture(CalendarIndex("flagship", rest).at(NOW))
        assert picture(grown.at(NOW)) == grown_before
    # a batch's grown copy is kept and updated by later bookings: same answers and order,
    # whether its plain dictionaries are copied (small) or layered (large)
    for appt_id in [a.id for a in first[1:2]]:
        added.pop(appt_id, None)
    for appt in first[:1]:
        added.pop(appt.id, None)
        added[appt.id] = appt
    fresh = CalendarIndex("flagship", added.values())
    for fold_at in (1, 1000):
        with mock.patch.object(calendar_index, "FOLD_AT", fold_at):
            later = grown.updated(first[:1], [a.id for a in first[1:2]])
        assert picture(later.at(NOW)) == picture(fresh.at(NOW))
        assert [a.id for a in later.appointments()] == [a.id for a in fresh.appointments()]


def test_removing_one_of_two_equal_spans_keeps_the_other() -> None:
    flat = calendar_index._flat([(1, 2), (5, 9), (1, 2)])
    calendar_index._remove(flat, (1, 2))
    assert list(calendar_index._pairs(flat)) == [(5, 9), (1, 2)]
    with pytest.raises(ValueError, match="not indexed"):
        calendar_index._remove(flat, (9, 1))  # two numbers side by side, not a span


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


_keys = st.sampled_from("abcdefgh")


@given(
    st.dictionaries(_keys, st.integers()),
    st.lists(st.tuples(st.dictionaries(_keys, st.integers()), st.lists(_keys)), max_size=6),
    st.integers(0, 4),
)
def test_a_layered_map_behaves_as_a_dictionary_copied_and_changed(
    first: dict[str, int], changes: list[tuple[dict[str, int], list[str]]], fold_at: int
) -> None:
    model = dict(first)
    layered: Layered[int] = Layered(dict(first))
    older: list[tuple[Layered[int], dict[str, int]]] = []
    with mock.patch.object(calendar_index, "FOLD_AT", fold_at):
        for updates, removed in changes:
            older.append((layered, dict(model)))
            layered = layered.changed(updates, removed)
            for key in removed:
                model.pop(key, None)
            for key, value in updates.items():
                model.pop(key, None)  # a changed key moves to the end
                model[key] = value
            assert list(layered.items()) == list(model.items())
            assert list(layered) == list(model) and len(layered) == len(model)
            for key in "abcdefghz":
                assert layered.get(key) == model.get(key)
                assert (key in layered) == (key in model)
    for copy, then in older:  # earlier copies are untouched
        assert dict(copy.items()) == then
