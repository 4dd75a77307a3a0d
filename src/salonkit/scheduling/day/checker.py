"""An independent checker of salon-day solutions.

It validates a :class:`~salonkit.scheduling.day.model.DaySolution` against every rule of the
exchange format and recomputes the score. On purpose it shares no code with the solver or the
greedy baseline: it works minute by minute on plain arrays and dictionaries, so a modelling
mistake in the solver cannot hide behind the same mistake here.

Violation codes: ``unknown_request``, ``duplicate_request``, ``unknown_staff``, ``skill``,
``outside_shift``, ``staff_overlap``, ``break_count``, ``break_window``, ``resource_capacity``,
``customer_overlap``, ``time_window``, ``opening_hours``, ``pinned``, ``objective_mismatch``,
``bound_below_objective``, ``status``.
"""

from __future__ import annotations

from collections import defaultdict

import attrs

from salonkit.scheduling.day.model import DayProblem, DaySolution

# The score table of the format, written out again here (not imported from the solver side).
_WEIGHT = {1: 1, 2: 2, 3: 4}
_PER_WEIGHT = 100
_PREFERRED_BONUS = 10


@attrs.frozen
class Violation:
    """One broken rule: a machine-readable ``code``, a sentence and what it is about."""

    code: str
    message: str
    subject: str = ""


@attrs.frozen
class CheckReport:
    """The outcome of :func:`check_solution`: the recomputed score and every violation."""

    score: int
    violations: tuple[Violation, ...]

    @property
    def valid(self) -> bool:
        """True when the solution breaks no rule."""
        return not self.violations

    @property
    def codes(self) -> frozenset[str]:
        """The set of violation codes found."""
        return frozenset(v.code for v in self.violations)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _overlap_pairs(items: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """Pairs of labels whose half-open intervals intersect (each later item vs the widest)."""
    pairs: list[tuple[str, str]] = []
    ordered = sorted(items)
    widest_end = -1
    widest_label = ""
    for start, end, label in ordered:
        if start < widest_end:
            pairs.append((widest_label, label))
        if end > widest_end:
            widest_end, widest_label = end, label
    return pairs


def check_solution(problem: DayProblem, solution: DaySolution) -> CheckReport:
    """Check ``solution`` against every rule of ``problem``; never raises on a bad solution."""
    out: list[Violation] = []
    requests = {r.id: r for r in problem.requests}
    staff = {s.id: s for s in problem.staff}
    services = {s.id: s for s in problem.services}
    capacity = {r.id: r.capacity for r in problem.resources}

    # -- which requests are scheduled, each once ------------------------------------------
    seen: set[str] = set()
    placed: dict[str, tuple[str, int]] = {}
    for a in solution.assignments:
        if a.request not in requests:
            out.append(Violation("unknown_request", f"no request {a.request!r}", a.request))
            continue
        if a.request in seen:
            out.append(Violation("duplicate_request", f"{a.request} listed twice", a.request))
            continue
        seen.add(a.request)
        placed[a.request] = (a.staff, a.start)
    for rid in solution.unscheduled:
        if rid not in requests:
            out.append(Violation("unknown_request", f"no request {rid!r}", rid))
        elif rid in seen:
            out.append(Violation("duplicate_request", f"{rid} listed twice", rid))
        else:
            seen.add(rid)

    busy: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    use: dict[str, dict[int, int]] = {name: defaultdict(int) for name in capacity}
    spans: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    score = 0
    for rid, (sid, start) in placed.items():
        request = requests[rid]
        service = services[request.service]
        end = start + sum(step.duration_min for step in service.steps)
        score += _PER_WEIGHT * _WEIGHT[request.priority]
        if sid in request.preferred_staff:
            score += _PREFERRED_BONUS
        spans[request.customer].append((start, end, rid))
        if start < request.earliest or end > request.latest_end:
            out.append(
                Violation(
                    "time_window",
                    f"{rid} runs {_hhmm(start)}-{_hhmm(end)} outside "
                    f"{_hhmm(request.earliest)}-{_hhmm(request.latest_end)}",
                    rid,
                )
            )
        if start < problem.open or end > problem.close:
            out.append(Violation("opening_hours", f"{rid} runs {_hhmm(start)}-{_hhmm(end)}", rid))
        if request.pinned is not None and (
            request.pinned.staff != sid or request.pinned.start != start
        ):
            out.append(
                Violation(
                    "pinned",
                    f"{rid} is pinned to {request.pinned.staff} at {_hhmm(request.pinned.start)}"
                    f", placed with {sid} at {_hhmm(start)}",
                    rid,
                )
            )
        member = staff.get(sid)
        if member is None:
            out.append(Violation("unknown_staff", f"{rid} assigned to unknown {sid!r}", rid))
        elif service.skill not in member.skills:
            out.append(Violation("skill", f"{sid} lacks skill {service.skill!r} for {rid}", rid))
        at = start
        for step in service.steps:
            step_end = at + step.duration_min
            if step.staff and member is not None:
                busy[sid].append((at, step_end, f"{rid}/{step.name}"))
                if not any(sh.start <= at and step_end <= sh.end for sh in member.shifts):
                    out.append(
                        Violation(
                            "outside_shift",
                            f"{rid} step {step.name!r} {_hhmm(at)}-{_hhmm(step_end)} is outside "
                            f"every shift of {sid}",
                            rid,
                        )
                    )
            for name in step.resources:
                minutes = use[name]
                for minute in range(at, step_end):
                    minutes[minute] += 1
            at = step_end

    # -- pinned requests must be scheduled ------------------------------------------------
    for request in problem.requests:
        if request.pinned is not None and request.id not in placed:
            out.append(Violation("pinned", f"pinned {request.id} is not scheduled", request.id))

    # -- breaks: one entry per break, inside its window -----------------------------------
    given: dict[str, list[int]] = defaultdict(list)
    for b in solution.breaks:
        if b.staff not in staff:
            out.append(Violation("unknown_staff", f"break of unknown {b.staff!r}", b.staff))
        else:
            given[b.staff].append(b.start)
    for member in problem.staff:
        starts = given.get(member.id, [])
        if len(starts) != len(member.breaks):
            out.append(
                Violation(
                    "break_count",
                    f"{member.id} has {len(member.breaks)} breaks, solution gives {len(starts)}",
                    member.id,
                )
            )
        for k, (window, start) in enumerate(zip(member.breaks, starts, strict=False)):
            end = start + window.duration_min
            if start < window.earliest or end > window.latest_end:
                out.append(
                    Violation(
                        "break_window",
                        f"break {k + 1} of {member.id} at {_hhmm(start)}-{_hhmm(end)} is "
                        f"outside {_hhmm(window.earliest)}-{_hhmm(window.latest_end)}",
                        member.id,
                    )
                )
            busy[member.id].append((start, end, f"break {k + 1}"))

    # -- no staff member, customer or resource over-used ----------------------------------
    for sid, items in busy.items():
        for first, second in _overlap_pairs(items):
            out.append(Violation("staff_overlap", f"{sid}: {first} overlaps {second}", sid))
    for customer, items in spans.items():
        for first, second in _overlap_pairs(items):
            out.append(
                Violation("customer_overlap", f"{customer}: {first} overlaps {second}", customer)
            )
    for name, minutes in use.items():
        over = sorted(m for m, n in minutes.items() if n > capacity[name])
        if over:
            out.append(
                Violation(
                    "resource_capacity",
                    f"{name}: more than {capacity[name]} in use at {len(over)} minutes, first "
                    f"at {_hhmm(over[0])}",
                    name,
                )
            )

    # -- the figures the solution claims ---------------------------------------------------
    if solution.objective != score:
        out.append(
            Violation(
                "objective_mismatch", f"objective {solution.objective}, recomputed score {score}"
            )
        )
    if solution.bound is not None and solution.bound < score:
        out.append(
            Violation("bound_below_objective", f"bound {solution.bound} is below score {score}")
        )
    if solution.status == "OPTIMAL" and solution.bound != solution.objective:
        out.append(
            Violation(
                "status",
                f"status OPTIMAL needs objective == bound ({solution.objective} vs "
                f"{solution.bound})",
            )
        )
    return CheckReport(score=score, violations=tuple(out))


__all__ = ["CheckReport", "Violation", "check_solution"]
