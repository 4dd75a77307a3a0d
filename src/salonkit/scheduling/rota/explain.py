"""Explain a roster's penalties: why each cover is unmet and each request refused.

For a cover short of staff, every employee who could have been moved onto it is tried in turn:
the move either breaks a hard rule of their contract (which one is named) or would cost more
points elsewhere (a request, another cover) than it saves. For a refused request, granting it is
tried the same way. Rule checks use the independent checker, never the optimiser's model.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import attrs

from salonkit.scheduling.rota.checker import check_employee, cover_counts, hourly_counts
from salonkit.scheduling.rota.model import OFF, Employee, Explanation, RotaProblem, ShiftRequest

#: At most this many explanations are worked out (the largest penalties first).
DEFAULT_LIMIT = 200
#: Employee-days of rule checking the default limit aims for.
WORK_BUDGET = 2_000_000


class _Costs:
    """Objective change of moving one employee on one day, computed locally."""

    def __init__(self, problem: RotaProblem, roster: Mapping[str, Sequence[str]]) -> None:
        self.problem = problem
        self.counts = cover_counts(problem, roster)
        self.cover = {(c.day, c.shift): c for c in problem.cover}
        self.hourly_rows = {(h.day, h.hour, h.skill): h for h in problem.hourly_cover}
        self.hourly = hourly_counts(problem, roster) if problem.hourly_cover else Counter()
        self.requests: dict[tuple[str, int], list[ShiftRequest]] = defaultdict(list)
        for r in problem.requests:
            self.requests[r.employee, r.day].append(r)
        self.shifts = {s.id: s for s in problem.shifts}

    def _hours(self, shift: str, day: int) -> list[tuple[int, int]]:
        s = self.shifts.get(shift)
        if s is None:
            return []
        out = []
        for minute in range(0, 2 * 1440, 60):
            if s.start <= minute and minute + 60 <= s.start + s.minutes:
                d = day + minute // 1440
                if d < self.problem.horizon:
                    out.append((d, (minute % 1440) // 60))
        return out

    def delta(self, employee: Employee, day: int, old: str, new: str) -> int:
        """Objective change when ``employee`` works ``new`` instead of ``old`` on ``day``."""
        if old == new:
            return 0
        change = 0
        for shift, step in ((old, -1), (new, +1)):
            c = self.cover.get((day, shift)) if shift else None
            if c is not None:
                n = self.counts[(day, shift)]
                change += _penalty(n + step, c.requirement, c.under_weight, c.over_weight)
                change -= _penalty(n, c.requirement, c.under_weight, c.over_weight)
            if shift and self.hourly_rows:
                for d, hour in self._hours(shift, day):
                    for skill in (None, *sorted(employee.skills)):
                        h = self.hourly_rows.get((d, hour, skill))
                        if h is not None:
                            n = self.hourly[(d, hour, skill)]
                            change += _penalty(n + step, h.requirement, h.under_weight, 0)
                            change -= _penalty(n, h.requirement, h.under_weight, 0)
                            change += _penalty(n + step, h.requirement, 0, h.over_weight)
                            change -= _penalty(n, h.requirement, 0, h.over_weight)
        for r in self.requests.get((employee.id, day), []):
            change += _request_penalty(r, new) - _request_penalty(r, old)
        return change


def _penalty(n: int, requirement: int, under: int, over: int) -> int:
    return under * max(0, requirement - n) + over * max(0, n - requirement)


def _request_penalty(r: ShiftRequest, worked: str) -> int:
    works = worked == r.shift
    return r.weight if (r.kind == "on") != works else 0


def _try(
    problem: RotaProblem,
    costs: _Costs,
    employee: Employee,
    row: Sequence[str],
    day: int,
    new: str,
) -> tuple[list[str], int]:
    """Hard rules broken, and the objective change, if ``employee`` worked ``new`` on ``day``."""
    before = {v.code for v in check_employee(problem, employee, row)}
    moved = list(row)
    moved[day] = new
    broken = sorted({v.code for v in check_employee(problem, employee, moved)} - before)
    return broken, costs.delta(employee, day, row[day], new)


def _summarise(outcomes: list[tuple[str, list[str], int]]) -> list[str]:
    """One sentence per cause, naming up to five employees each."""
    by_rule: dict[str, list[str]] = defaultdict(list)
    dearer: list[tuple[str, int]] = []
    for who, broken, delta in outcomes:
        if broken:
            by_rule[", ".join(broken)].append(who)
        else:
            dearer.append((who, delta))
    reasons = []
    for rules, people in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(people[:5]) + (f" and {len(people) - 5} more" if len(people) > 5 else "")
        reasons.append(f"{len(people)} staff would break {rules}: {shown}")
    if dearer:
        dearer.sort(key=lambda t: t[1])
        shown = ", ".join(f"{w} (+{d})" for w, d in dearer[:5])
        more = f" and {len(dearer) - 5} more" if len(dearer) > 5 else ""
        reasons.append(
            f"{len(dearer)} staff could be moved but it would not lower the total: {shown}{more}"
        )
    return reasons


def explain_roster(
    problem: RotaProblem, roster: Mapping[str, Sequence[str]], limit: int | None = None
) -> tuple[Explanation, ...]:
    """Explain each unmet cover and each refused request of ``roster`` (largest first).

    Each :class:`Explanation` carries the penalty paid and the reasons found: which staff a
    move would push over which contract rule, and which moves would cost more than they save.
    At most ``limit`` items are explained in full; the rest are listed without reasons. By
    default the limit is :data:`DEFAULT_LIMIT`, lowered on large rotas so that the work stays
    around :data:`WORK_BUDGET` employee-days.
    """
    if limit is None:
        size = max(1, len(problem.employees) * problem.horizon)
        limit = min(DEFAULT_LIMIT, max(10, WORK_BUDGET // size))
    costs = _Costs(problem, roster)
    rows = {e.id: list(roster.get(e.id, ()))[: problem.horizon] for e in problem.employees}
    for row in rows.values():
        row += [OFF] * (problem.horizon - len(row))
    items: list[tuple[int, Explanation]] = []
    for c in problem.cover:
        n = costs.counts[(c.day, c.shift)]
        if n < c.requirement and c.under_weight:
            pen = c.under_weight * (c.requirement - n)
            msg = f"day {c.day} shift {c.shift}: {n} of {c.requirement} staff (-{pen})"
            items.append((pen, Explanation("under_cover", c.day, pen, msg, shift=c.shift)))
        elif n > c.requirement and c.over_weight:
            pen = c.over_weight * (n - c.requirement)
            msg = f"day {c.day} shift {c.shift}: {n} staff for {c.requirement} wanted (-{pen})"
            items.append((pen, Explanation("over_cover", c.day, pen, msg, shift=c.shift)))
    for h in problem.hourly_cover:
        n = costs.hourly[(h.day, h.hour, h.skill)]
        what = h.skill or "any skill"
        if n < h.requirement and h.under_weight:
            pen = h.under_weight * (h.requirement - n)
            msg = f"day {h.day} {h.hour:02d}:00 {what}: {n} of {h.requirement} staff (-{pen})"
            items.append(
                (pen, Explanation("hourly_under", h.day, pen, msg, hour=h.hour, skill=h.skill))
            )
        elif n > h.requirement and h.over_weight:
            pen = h.over_weight * (n - h.requirement)
            msg = f"day {h.day} {h.hour:02d}:00 {what}: {n} staff for {h.requirement} (-{pen})"
            items.append(
                (pen, Explanation("hourly_over", h.day, pen, msg, hour=h.hour, skill=h.skill))
            )
    for r in problem.requests:
        if _request_penalty(r, rows[r.employee][r.day]) and r.weight:
            want = "to work" if r.kind == "on" else "not to work"
            msg = f"{r.employee} asked {want} {r.shift} on day {r.day} (-{r.weight})"
            items.append(
                (
                    r.weight,
                    Explanation(f"request_{r.kind}", r.day, r.weight, msg, r.shift, r.employee),
                )
            )
    items.sort(key=lambda t: (-t[0], t[1].day, t[1].kind, t[1].shift or "", t[1].employee or ""))
    staff = {e.id: e for e in problem.employees}
    out: list[Explanation] = []
    for rank, (_pen, item) in enumerate(items):
        if rank >= limit:
            out.append(item)
            continue
        reasons: list[str] = []
        if item.kind == "under_cover" and item.shift is not None:
            outcomes = []
            for e in problem.employees:
                row = rows[e.id]
                if row[item.day] == item.shift:
                    continue
                if item.shift not in e.contract.max_shifts or item.day in e.days_off:
                    continue
                broken, delta = _try(problem, costs, e, row, item.day, item.shift)
                outcomes.append((e.id, broken, delta))
            reasons = _summarise(outcomes) or ["no employee may work this shift on this day"]
        elif item.kind == "hourly_under" and item.hour is not None:
            covering = [
                s.id
                for s in problem.shifts
                if s.start <= 60 * item.hour and 60 * item.hour + 60 <= s.start + s.minutes
            ]
            outcomes = []
            for e in problem.employees:
                row = rows[e.id]
                if item.skill is not None and item.skill not in e.skills:
                    continue
                options = [s for s in covering if s != row[item.day] and s in e.contract.max_shifts]
                if row[item.day] in covering or item.day in e.days_off or not options:
                    continue
                tried = [_try(problem, costs, e, row, item.day, s) for s in options]
                fine = [t for t in tried if not t[0]]
                best = min(fine, key=lambda t: t[1]) if fine else tried[0]
                outcomes.append((e.id, best[0], best[1]))
            reasons = _summarise(outcomes) or ["no one else with this skill may work then"]
        elif item.kind == "over_cover" and item.shift is not None:
            outcomes = []
            for e in problem.employees:
                row = rows[e.id]
                if row[item.day] != item.shift:
                    continue
                broken, delta = _try(problem, costs, e, row, item.day, OFF)
                outcomes.append((e.id, broken, delta))
            reasons = _summarise(outcomes)
        elif item.kind.startswith("request_") and item.employee is not None:
            e = staff[item.employee]
            row = rows[e.id]
            target = item.shift or OFF if item.kind == "request_on" else OFF
            if item.kind == "request_on" and item.day in e.days_off:
                reasons = [f"day {item.day} is a fixed day off of {e.id}"]
            elif item.kind == "request_on" and e.contract.max_shifts.get(target, 0) == 0:
                reasons = [f"{e.id}'s contract does not allow shift {target}"]
            else:
                broken, delta = _try(problem, costs, e, row, item.day, target)
                if broken:
                    reasons = [f"granting it would break {', '.join(broken)}"]
                else:
                    reasons = [f"granting it alone would raise the total by {delta}"]
        out.append(attrs.evolve(item, reasons=reasons))
    return tuple(out)


__all__ = ["DEFAULT_LIMIT", "WORK_BUDGET", "explain_roster"]
