"""An independent checker of rosters: every hard rule, and the objective by the benchmark's rules.

It shares no code with the optimiser: it walks the roster day by day, finds the runs of work and
of days off, counts weekends, minutes and shifts, and adds up the penalties. The optimiser's
answers are verified with it before they are returned, and ``salonkit roster-check`` uses it on
any solution file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import attrs

from salonkit.scheduling.rota.model import Employee, RotaProblem


@attrs.frozen
class Violation:
    """One broken hard rule: a ``code``, a sentence, and who and when when that applies."""

    code: str
    message: str
    employee: str | None = None
    day: int | None = None


@attrs.frozen
class CheckReport:
    """The checker's verdict: the objective and its parts, and every hard rule broken."""

    objective: int
    request_penalty: int
    cover_penalty: int
    hourly_penalty: int
    violations: tuple[Violation, ...]

    @property
    def valid(self) -> bool:
        """True when no hard rule is broken."""
        return not self.violations


def _runs(working: Sequence[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs ``(first, last)`` of days where ``working[d] == value``."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for day, flag in enumerate(working):
        if flag == value and start is None:
            start = day
        elif flag != value and start is not None:
            out.append((start, day - 1))
            start = None
    if start is not None:
        out.append((start, len(working) - 1))
    return out


def check_employee(problem: RotaProblem, employee: Employee, row: Sequence[str]) -> list[Violation]:
    """Every hard rule one employee's row breaks (the row is assumed ``horizon`` long)."""
    out: list[Violation] = []
    who = employee.id
    c = employee.contract
    lengths = {s.id: s.minutes for s in problem.shifts}
    blocked = {s.id: s.forbidden_next for s in problem.shifts}
    horizon = problem.horizon
    for day, shift in enumerate(row):
        if shift and shift not in lengths:
            out.append(Violation("unknown_shift", f"{who} day {day}: no shift {shift!r}", who, day))
    row = [s if s in lengths else "" for s in row]
    for day in range(horizon - 1):
        a, b = row[day], row[day + 1]
        if a and b and b in blocked[a]:
            out.append(
                Violation(
                    "rotation",
                    f"{who}: shift {b} on day {day + 1} may not follow {a} on day {day}",
                    who,
                    day + 1,
                )
            )
    counts = Counter(s for s in row if s)
    for shift, n in sorted(counts.items()):
        limit = c.max_shifts.get(shift, 0)
        if n > limit:
            out.append(
                Violation("max_shifts", f"{who}: {n} shifts of type {shift}, at most {limit}", who)
            )
    minutes = sum(lengths[s] for s in row if s)
    if minutes > c.max_minutes:
        out.append(
            Violation(
                "max_minutes", f"{who}: {minutes} minutes worked, at most {c.max_minutes}", who
            )
        )
    if minutes < c.min_minutes:
        out.append(
            Violation(
                "min_minutes", f"{who}: {minutes} minutes worked, at least {c.min_minutes}", who
            )
        )
    working = [bool(s) for s in row]
    for first, last in _runs(working, True):
        n = last - first + 1
        if n > c.max_consecutive:
            out.append(
                Violation(
                    "max_consecutive",
                    f"{who}: works {n} days in a row (days {first}-{last}), "
                    f"at most {c.max_consecutive}",
                    who,
                    first,
                )
            )
        if n < c.min_consecutive and first > 0 and last < horizon - 1:
            out.append(
                Violation(
                    "min_consecutive",
                    f"{who}: works only {n} days in a row (days {first}-{last}), "
                    f"at least {c.min_consecutive}",
                    who,
                    first,
                )
            )
    for first, last in _runs(working, False):
        n = last - first + 1
        if n < c.min_days_off and first > 0 and last < horizon - 1:
            out.append(
                Violation(
                    "min_days_off",
                    f"{who}: only {n} days off in a row (days {first}-{last}), "
                    f"at least {c.min_days_off}",
                    who,
                    first,
                )
            )
    weekends = 0
    for saturday in range(5, horizon, 7):
        if any(working[d] for d in (saturday, saturday + 1) if d < horizon):
            weekends += 1
    if weekends > c.max_weekends:
        out.append(
            Violation(
                "max_weekends", f"{who}: works {weekends} weekends, at most {c.max_weekends}", who
            )
        )
    for day in sorted(employee.days_off):
        if day < horizon and working[day]:
            out.append(Violation("day_off", f"{who}: works on day off {day}", who, day))
    return out


def _shape(problem: RotaProblem, roster: Mapping[str, Sequence[str]]) -> list[Violation]:
    out: list[Violation] = []
    known = {e.id for e in problem.employees}
    for who in sorted(set(roster) - known):
        out.append(Violation("unknown_employee", f"roster names unknown employee {who!r}", who))
    for e in problem.employees:
        row = roster.get(e.id)
        if row is None:
            out.append(Violation("missing_employee", f"no row for employee {e.id}", e.id))
        elif len(row) != problem.horizon:
            out.append(
                Violation(
                    "row_length",
                    f"{e.id}: {len(row)} days in the row, the horizon is {problem.horizon}",
                    e.id,
                )
            )
    return out


def _row(problem: RotaProblem, roster: Mapping[str, Sequence[str]], who: str) -> list[str]:
    row = list(roster.get(who, ()))[: problem.horizon]
    return row + [""] * (problem.horizon - len(row))


def request_penalty(problem: RotaProblem, roster: Mapping[str, Sequence[str]]) -> int:
    """Points lost to refused shift-on and granted-against-wish shift-off requests."""
    total = 0
    rows = {e.id: _row(problem, roster, e.id) for e in problem.employees}
    for r in problem.requests:
        works = rows[r.employee][r.day] == r.shift
        if (r.kind == "on" and not works) or (r.kind == "off" and works):
            total += r.weight
    return total


def cover_counts(
    problem: RotaProblem, roster: Mapping[str, Sequence[str]]
) -> Counter[tuple[int, str]]:
    """How many employees work each ``(day, shift)``."""
    counts: Counter[tuple[int, str]] = Counter()
    for e in problem.employees:
        for day, shift in enumerate(_row(problem, roster, e.id)):
            if shift:
                counts[(day, shift)] += 1
    return counts


def hourly_counts(
    problem: RotaProblem, roster: Mapping[str, Sequence[str]]
) -> Counter[tuple[int, int, str | None]]:
    """How many employees (all, and per skill) are at work for the whole of each hour."""
    shifts = {s.id: s for s in problem.shifts}
    counts: Counter[tuple[int, int, str | None]] = Counter()
    for e in problem.employees:
        for day, shift_id in enumerate(_row(problem, roster, e.id)):
            s = shifts.get(shift_id)
            if s is None:
                continue
            end = s.start + s.minutes
            for minute in range(0, 2 * 24 * 60, 60):
                if s.start <= minute and minute + 60 <= end:
                    d, hour = day + minute // 1440, (minute % 1440) // 60
                    if d >= problem.horizon:
                        continue
                    counts[(d, hour, None)] += 1
                    for skill in e.skills:
                        counts[(d, hour, skill)] += 1
    return counts


def check_roster(problem: RotaProblem, roster: Mapping[str, Sequence[str]]) -> CheckReport:
    """Check ``roster`` (employee id -> shift ids, ``""`` for off) against ``problem``.

    Returns the objective (requests + cover + hourly cover penalties) and every hard rule
    broken; a roster with the wrong shape (an employee missing, a row of the wrong length) is
    reported too, and is scored as if the missing days were days off.
    """
    violations = _shape(problem, roster)
    for e in problem.employees:
        violations += check_employee(problem, e, _row(problem, roster, e.id))
    req = request_penalty(problem, roster)
    counts = cover_counts(problem, roster)
    cover = 0
    for c in problem.cover:
        n = counts[(c.day, c.shift)]
        cover += c.under_weight * max(0, c.requirement - n) + c.over_weight * max(
            0, n - c.requirement
        )
    hourly = 0
    if problem.hourly_cover:
        at_work = hourly_counts(problem, roster)
        for h in problem.hourly_cover:
            n = at_work[(h.day, h.hour, h.skill)]
            hourly += h.under_weight * max(0, h.requirement - n) + h.over_weight * max(
                0, n - h.requirement
            )
    return CheckReport(
        objective=req + cover + hourly,
        request_penalty=req,
        cover_penalty=cover,
        hourly_penalty=hourly,
        violations=tuple(violations),
    )


__all__ = [
    "CheckReport",
    "Violation",
    "check_employee",
    "check_roster",
    "cover_counts",
    "hourly_counts",
    "request_penalty",
]
