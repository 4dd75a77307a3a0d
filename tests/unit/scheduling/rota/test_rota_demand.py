"""Demand per hour and skill from bookings and past weeks; the generated salon rota."""

from __future__ import annotations

import datetime as dt
import math

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salonkit.errors import ValidationError
from salonkit.scheduling.rota import check_roster, solve_rota
from salonkit.scheduling.rota.demand import (
    DemandBooking,
    dated_to_days,
    demand_from_bookings,
    forecast,
    hourly_cover,
)
from salonkit.scheduling.rota.salon import STAFF, START, four_week_salon_problem

TZ = "Europe/London"


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 6, day, hour, minute, tz=TZ)


def test_peak_simultaneous_bookings_per_hour_and_skill() -> None:
    bookings = [
        DemandBooking(at(2, 10, 30), at(2, 11, 15), "cut"),
        DemandBooking(at(2, 10, 0), at(2, 10, 30), "cut"),  # ends as the next one starts
        DemandBooking(at(2, 10, 45), at(2, 12, 0), "cut"),
        DemandBooking(at(2, 10, 0), at(2, 12, 0), "colour"),
    ]
    demand = demand_from_bookings(bookings, TZ)
    day = dt.date(2026, 6, 2)
    assert demand[(day, 10, "cut")] == 2  # 10:45-11:00 two cuts at once
    assert demand[(day, 11, "cut")] == 2
    assert demand[(day, 10, "colour")] == 1
    assert demand[(day, 11, "colour")] == 1
    assert (day, 12, "cut") not in demand


def test_bookings_are_read_in_the_salon_time_zone() -> None:
    utc = pendulum.datetime(2026, 6, 2, 9, tz="UTC")  # 10:00 in London (BST)
    demand = demand_from_bookings([DemandBooking(utc, utc.add(minutes=30), "nails")], TZ)
    assert demand == {(dt.date(2026, 6, 2), 10, "nails"): 1}


def test_bookings_across_a_dst_change() -> None:
    # 29 March 2026: London clocks go from 01:00 to 02:00 GMT -> BST
    start = pendulum.datetime(2026, 3, 29, 0, 30, tz=TZ)
    demand = demand_from_bookings([DemandBooking(start, start.add(hours=2), "cut")], TZ)
    # two real hours, 00:30 GMT to 03:30 BST: local hours 0, 2 and 3 (01:00 does not exist)
    assert sorted(h for _d, h, _s in demand) == [0, 2, 3]


def test_bad_bookings_name_the_field() -> None:
    naive = dt.datetime(2026, 6, 2, 10)
    with pytest.raises(ValidationError) as info:
        DemandBooking(naive, naive, "cut")
    assert info.value.field == "demandbooking.start"
    with pytest.raises(ValidationError) as info:
        DemandBooking(at(2, 10), at(2, 10), "cut")
    assert info.value.field == "demandbooking.end"
    with pytest.raises(ValidationError) as info:
        demand_from_bookings([], "Mars/Olympus")
    assert info.value.field == "timezone"


def test_forecast_is_the_rounded_up_mean_of_the_same_weekday() -> None:
    start = dt.date(2026, 6, 1)  # a Monday
    tuesdays = [start - dt.timedelta(days=6 + 7 * k) for k in range(4)]  # latest first
    history = {(d, 10, "cut"): n for d, n in zip(tuesdays, [3, 1, 2, 1], strict=True)}
    history[(tuesdays[0], 11, "cut")] = 1
    demand = forecast(history, start, days=14, weeks=4)
    assert demand[(1, 10, "cut")] == math.ceil(7 / 4)  # Tuesday of week 1
    assert demand[(8, 10, "cut")] == 2  # and of week 2: the same four past Tuesdays
    assert demand[(1, 11, "cut")] == 1  # ceil(1 / 4)
    assert (2, 10, "cut") not in demand  # no Wednesday in the history
    # the last two weeks only
    assert forecast(history, start, days=7, weeks=2)[(1, 10, "cut")] == 2


def test_forecast_skips_or_zeroes_missing_weeks() -> None:
    start = dt.date(2026, 6, 1)
    history = {(start - dt.timedelta(days=6), 10, "cut"): 3}
    assert forecast(history, start, 7, weeks=4)[(1, 10, "cut")] == 3
    assert forecast(history, start, 7, weeks=4, missing_as_zero=True)[(1, 10, "cut")] == 1
    with pytest.raises(ValidationError):
        forecast(history, start, 7, weeks=0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 9), st.integers(1, 6))
def test_forecast_of_a_steady_history_is_that_level(level: int, weeks: int) -> None:
    start = dt.date(2026, 6, 1)
    history = {
        (start - dt.timedelta(days=d), h, "cut"): level
        for d in range(1, 7 * weeks + 1)
        for h in (9, 14)
    }
    demand = forecast(history, start, 14, weeks=weeks)
    expected = {(d, h, "cut"): level for d in range(14) for h in (9, 14)} if level else {}
    assert demand == expected


def test_dated_demand_becomes_cover_rows() -> None:
    start = dt.date(2026, 6, 1)
    rows = hourly_cover(
        dated_to_days(
            {(dt.date(2026, 6, 3), 9, "cut"): 2, (dt.date(2026, 7, 1), 9, "cut"): 1}, start, 28
        ),
        under_weight=50,
    )
    assert [(r.day, r.hour, r.skill, r.requirement, r.under_weight) for r in rows] == [
        (2, 9, "cut", 2, 50)
    ]


def test_generated_salon_rota_is_planned_and_explained() -> None:
    problem = four_week_salon_problem()
    assert problem.horizon == 28 and len(problem.employees) == len(STAFF) == 12
    assert problem.start_date == START
    assert {h.skill for h in problem.hourly_cover} == {"cut", "colour", "nails"}
    assert not any(h.day % 7 == 0 for h in problem.hourly_cover)  # closed on Mondays
    solution = solve_rota(problem, time_limit=6, workers=2, seed=0)
    report = check_roster(problem, solution.roster)
    assert report.valid, report.violations
    assert solution.objective == report.objective
    assert solution.bound is not None and solution.bound <= solution.objective
    unmet = [e for e in solution.explanations if e.kind == "hourly_under"]
    assert sum(e.penalty for e in solution.explanations) == solution.objective
    for e in unmet[:10]:
        assert e.hour is not None and e.skill in {"cut", "colour", "nails"}
        assert e.reasons
