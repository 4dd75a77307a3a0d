"""The rota model refuses bad input, naming the field."""

from __future__ import annotations

import pytest

from salonkit.errors import ValidationError
from salonkit.scheduling.rota import (
    Contract,
    CoverRequirement,
    Employee,
    HourlyCover,
    RotaProblem,
    ShiftRequest,
    ShiftType,
)

from .rota_helpers import DAY, contract, one


def test_a_valid_problem_lists_its_weekends() -> None:
    p = one(16)
    assert p.weekends() == [(5, 6), (12, 13)]
    assert one(13).weekends() == [(5, 6), (12,)]
    assert p.shift_ids == ("D",)
    assert p.employee_ids == ("A",)


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ShiftType("", 480), "shifttype.id"),
        (lambda: ShiftType("D", 0), "shifttype.minutes"),
        (lambda: ShiftType("D", 480, start=1440), "shifttype.start"),
        (lambda: Contract({"D": -1}, max_minutes=10), "contract.max_shifts"),
        (lambda: Contract({"D": 1}, max_minutes=-5), "contract.max_minutes"),
        (lambda: Contract({"D": 1}, max_minutes=10, min_minutes=20), "contract.min_minutes"),
        (
            lambda: Contract({"D": 1}, max_minutes=10, max_consecutive=2, min_consecutive=3),
            "contract.min_consecutive",
        ),
        (lambda: Contract({"D": 1}, max_minutes=10, min_days_off=0), "contract.min_days_off"),
        (lambda: ShiftRequest("A", -1, "D", 1), "shiftrequest.day"),
        (lambda: ShiftRequest("A", 1, "D", 1, "maybe"), "shiftrequest.kind"),  # type: ignore[arg-type]
        (lambda: CoverRequirement(0, "D", -1), "coverrequirement.requirement"),
        (lambda: HourlyCover(0, 24, 1), "hourlycover.hour"),
        (lambda: RotaProblem(0, [DAY], []), "rotaproblem.horizon"),
        (lambda: RotaProblem(3, [], []), "rotaproblem.shifts"),
        (lambda: RotaProblem(3, [DAY, DAY], []), "rotaproblem.shifts"),
        (
            lambda: RotaProblem(3, [ShiftType("D", 480, forbidden_next={"N"})], []),
            "rotaproblem.shifts[0].forbidden_next",
        ),
        (
            lambda: RotaProblem(3, [DAY], [Employee("A", contract(["N"]))]),
            "rotaproblem.employees[0].contract.max_shifts",
        ),
        (
            lambda: RotaProblem(3, [DAY], [Employee("A", contract(), days_off={3})]),
            "rotaproblem.employees[0].days_off",
        ),
        (
            lambda: RotaProblem(3, [DAY], [Employee("A", contract()), Employee("A", contract())]),
            "rotaproblem.employees",
        ),
        (
            lambda: RotaProblem(
                3, [DAY], [Employee("A", contract())], requests=[ShiftRequest("B", 0, "D", 1)]
            ),
            "rotaproblem.requests[0].employee",
        ),
        (
            lambda: RotaProblem(
                3, [DAY], [Employee("A", contract())], requests=[ShiftRequest("A", 3, "D", 1)]
            ),
            "rotaproblem.requests[0].day",
        ),
        (
            lambda: RotaProblem(
                3, [DAY], [Employee("A", contract())], cover=[CoverRequirement(0, "N", 1)]
            ),
            "rotaproblem.cover[0].shift",
        ),
        (
            lambda: RotaProblem(
                3,
                [DAY],
                [Employee("A", contract())],
                cover=[CoverRequirement(0, "D", 1), CoverRequirement(0, "D", 2)],
            ),
            "rotaproblem.cover[1]",
        ),
        (
            lambda: RotaProblem(
                3, [DAY], [Employee("A", contract())], hourly_cover=[HourlyCover(5, 9, 1)]
            ),
            "rotaproblem.hourly_cover[0].day",
        ),
    ],
)
def test_bad_input_names_the_field(build: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field


def test_start_date_must_be_a_monday() -> None:
    import datetime as dt

    with pytest.raises(ValidationError) as info:
        RotaProblem(3, [DAY], [Employee("A", contract())], start_date=dt.date(2026, 6, 2))
    assert info.value.field == "rotaproblem.start_date"
