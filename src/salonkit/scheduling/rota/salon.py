"""A generated four-week salon rota: 12 staff, three skills, demand per hour from past bookings.

Used by the tests, the documentation and the benchmark. The salon opens 09:00-20:00 Tuesday to
Sunday (closed on Mondays). Four weeks of past bookings are generated from a fixed seed
(busier evenings and weekends), their peak demand per hour and skill is computed with
:func:`~salonkit.scheduling.rota.demand.demand_from_bookings`, and next month is forecast
with :func:`~salonkit.scheduling.rota.demand.forecast` (same weekday, four-week mean, rounded
up).
"""

from __future__ import annotations

import datetime as dt
import random

import pendulum

from salonkit.scheduling.rota.demand import (
    DemandBooking,
    demand_from_bookings,
    forecast,
    hourly_cover,
)
from salonkit.scheduling.rota.model import (
    Contract,
    Employee,
    RotaProblem,
    ShiftRequest,
    ShiftType,
)

#: The Monday the generated rota starts on.
START = dt.date(2026, 6, 1)
TIMEZONE = "Europe/London"
SKILLS = ("cut", "colour", "nails")

SHIFTS = (
    ShiftType("early", minutes=480, start=9 * 60, forbidden_next=frozenset()),
    ShiftType("mid", minutes=480, start=10 * 60 + 30),
    ShiftType("late", minutes=480, start=12 * 60, forbidden_next=frozenset({"early"})),
)

#: (id, skills, full time?) for the twelve staff.
STAFF = (
    ("ana", ("cut", "colour"), True),
    ("ben", ("cut",), True),
    ("cai", ("cut", "colour"), True),
    ("dee", ("colour",), True),
    ("eli", ("cut",), True),
    ("fay", ("nails",), True),
    ("gus", ("cut", "colour"), False),
    ("hal", ("nails",), False),
    ("ivy", ("cut",), False),
    ("jo", ("colour", "nails"), True),
    ("kit", ("cut",), False),
    ("lu", ("cut", "colour"), True),
)

#: Client arrivals per hour on a typical day, by weekday (0 = Monday, closed).
_ARRIVALS = {0: 0.0, 1: 1.2, 2: 1.2, 3: 1.5, 4: 2.0, 5: 2.6, 6: 1.4}
_SKILL_SHARE = (("cut", 0.55), ("colour", 0.3), ("nails", 0.15))
_MINUTES = {"cut": (45, 60), "colour": (90, 150), "nails": (45, 60)}


def past_bookings(start: dt.date = START, weeks: int = 4, seed: int = 7) -> list[DemandBooking]:
    """``weeks`` weeks of generated bookings before ``start`` (deterministic for ``seed``)."""
    rng = random.Random(seed)
    out: list[DemandBooking] = []
    first = start - dt.timedelta(days=7 * weeks)
    for d in range((start - first).days):
        day = first + dt.timedelta(days=d)
        rate = _ARRIVALS[day.weekday()]
        if not rate:
            continue
        for hour in range(9, 19):
            evening = 1.4 if hour >= 16 else 1.0
            for _ in range(_poisson(rng, rate * evening)):
                skill = _pick(rng)
                lo, hi = _MINUTES[skill]
                minutes = rng.randrange(lo, hi + 1, 15)
                begin = pendulum.datetime(
                    day.year, day.month, day.day, hour, rng.choice((0, 15, 30, 45)), tz=TIMEZONE
                )
                end = min(begin.add(minutes=minutes), begin.replace(hour=20, minute=0))
                if end > begin:
                    out.append(DemandBooking(begin, end, skill))
    return out


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method, enough for small means
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _pick(rng: random.Random) -> str:
    r = rng.random()
    for skill, share in _SKILL_SHARE:
        if r < share:
            return skill
        r -= share
    return _SKILL_SHARE[-1][0]


def four_week_salon_problem(seed: int = 7) -> RotaProblem:
    """The generated salon rota: 28 days from :data:`START`, 12 staff, hourly skill demand."""
    history = demand_from_bookings(past_bookings(START, 4, seed), TIMEZONE)
    demand = forecast(history, START, 28, weeks=4)
    full = Contract.unlimited(
        [s.id for s in SHIFTS],
        max_minutes=4 * 5 * 480,
        min_minutes=4 * 3 * 480,
        max_consecutive=5,
        min_consecutive=2,
        min_days_off=2,
        max_weekends=3,
    )
    part = Contract.unlimited(
        [s.id for s in SHIFTS],
        max_minutes=4 * 3 * 480,
        min_minutes=4 * 1 * 480,
        max_consecutive=4,
        min_consecutive=1,
        min_days_off=1,
        max_weekends=2,
    )
    employees = []
    rng = random.Random(seed)
    requests = []
    for i, (name, skills, full_time) in enumerate(STAFF):
        # everyone has Monday (closed) off; two staff have a week's holiday
        days_off = {d for d in range(28) if d % 7 == 0}
        if i in (2, 7):
            days_off |= set(range(14, 21))
        employees.append(
            Employee(name, full if full_time else part, days_off=frozenset(days_off), skills=skills)
        )
        for _ in range(2):
            day = rng.randrange(1, 28)
            if day % 7:
                requests.append(
                    ShiftRequest(name, day, rng.choice(("early", "late")), weight=5, kind="off")
                )
    return RotaProblem(
        horizon=28,
        shifts=SHIFTS,
        employees=employees,
        requests=requests,
        hourly_cover=hourly_cover(demand, under_weight=100, over_weight=1),
        name="salon-4w-12",
        start_date=START,
    )


__all__ = [
    "SHIFTS",
    "SKILLS",
    "STAFF",
    "START",
    "TIMEZONE",
    "four_week_salon_problem",
    "past_bookings",
]
