"""The baseline: what a booking system does when it books requests one at a time.

Pinned bookings are placed first, then every break at the earliest free moment of its window,
then the other requests in priority order (highest first) and, within a priority, in the order
they arrived (the order of the instance). Each request takes the earliest feasible start; at
that start the first feasible staff member is chosen, the customer's preferred staff first.
Nothing is ever moved once placed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import attrs

from salonkit.scheduling.day.errors import InfeasibleDay
from salonkit.scheduling.day.model import Assignment, BreakPlacement, DayProblem, DaySolution
from salonkit.scheduling.day.prepare import Prepared, PreparedRequest, contains, prepare


class Board:
    """Occupation of staff, resources and customers, in units."""

    def __init__(self, prep: Prepared) -> None:
        size = 24 * 60 // prep.unit + max((r.length for r in prep.requests), default=0) + 2
        self.staff = {s.id: bytearray(size) for s in prep.problem.staff}
        self.capacity = {r.id: r.capacity for r in prep.problem.resources}
        self.used = {r.id: [0] * size for r in prep.problem.resources}
        self.customers: dict[str, list[tuple[int, int]]] = defaultdict(list)

    def shared_free(self, pr: PreparedRequest, t: int) -> bool:
        """Resources and customer free for ``pr`` starting at ``t``."""
        for name, blocks in pr.resource_blocks.items():
            used, cap = self.used[name], self.capacity[name]
            for b in blocks:
                if max(used[t + b.offset : t + b.offset + b.size]) >= cap:
                    return False
        end = t + pr.length
        return all(e <= t or end <= s for s, e in self.customers[pr.request.customer])

    def staff_free(self, pr: PreparedRequest, staff_id: str, t: int) -> bool:
        """The staff member free for every staff block of ``pr`` starting at ``t``."""
        busy = self.staff[staff_id]
        return not any(any(busy[t + b.offset : t + b.offset + b.size]) for b in pr.staff_blocks)

    def place(self, pr: PreparedRequest, staff_id: str, t: int) -> None:
        """Mark ``pr`` as served by ``staff_id`` from ``t``."""
        busy = self.staff[staff_id]
        for b in pr.staff_blocks:
            busy[t + b.offset : t + b.offset + b.size] = b"\x01" * b.size
        for name, blocks in pr.resource_blocks.items():
            used = self.used[name]
            for b in blocks:
                for x in range(t + b.offset, t + b.offset + b.size):
                    used[x] += 1
        self.customers[pr.request.customer].append((t, t + pr.length))


def _candidates(pr: PreparedRequest, order: list[str]) -> list[str]:
    preferred = [s for s in pr.request.preferred_staff if s in pr.starts]
    return preferred + [s for s in order if s in pr.starts and s not in preferred]


def greedy_solution(problem: DayProblem, prepared: Prepared | None = None) -> DaySolution:
    """Book the day one request at a time; always returns a valid plan (bound unknown).

    Raises :class:`~salonkit.scheduling.day.errors.InfeasibleDay` when a pinned booking or a
    break cannot be placed.
    """
    prep = prepared if prepared is not None else prepare(problem)
    return _book(problem, prep, _arrival_order, [s.id for s in problem.staff])


#: How requests are ranked for booking (smaller first).
OrderKey = Callable[[PreparedRequest], tuple[float, ...]]


def _arrival_order(pr: PreparedRequest) -> tuple[float, ...]:
    """The booking system's order: highest priority first, then as they arrived."""
    return (-pr.request.priority, pr.index)


def _density_order(pr: PreparedRequest) -> tuple[float, ...]:
    """Most points per minute of staff time first."""
    return (-pr.value / max(1, pr.staff_units), pr.index)


def _tight_order(pr: PreparedRequest) -> tuple[float, ...]:
    """Highest priority first, then the requests with the fewest possible starts."""
    starts = sum(hi - lo + 1 for ranges in pr.starts.values() for lo, hi in ranges)
    return (-pr.request.priority, starts, pr.index)


def _short_order(pr: PreparedRequest) -> tuple[float, ...]:
    """Highest priority first, then the shortest staff time."""
    return (-pr.request.priority, pr.staff_units, pr.index)


#: The orders :func:`best_greedy_solution` tries.
ORDERS: dict[str, OrderKey] = {
    "arrival": _arrival_order,
    "density": _density_order,
    "tight": _tight_order,
    "short": _short_order,
}


#: The (request order, staff order) pairs :func:`best_greedy_solution` tries, in this order;
#: ``"narrow"`` puts the least versatile staff first, keeping versatile people free for what
#: only they can do.
VARIANTS: tuple[tuple[str, str], ...] = (
    ("arrival", "listed"),
    ("tight", "narrow"),
    ("tight", "listed"),
    ("density", "listed"),
    ("arrival", "narrow"),
    ("density", "narrow"),
    ("short", "listed"),
    ("short", "narrow"),
)


def best_greedy_solution(
    problem: DayProblem,
    prepared: Prepared | None = None,
    budget_s: float | None = None,
    variants: int | None = None,
) -> DaySolution:
    """The best of the greedy bookings over the request and staff orders of :data:`VARIANTS`.

    The first variant is :func:`greedy_solution` itself, so the result is never worse than it.
    With ``budget_s`` a further variant is only tried while the time spent plus that of one
    booking stays within the budget (the first one always runs); ``variants`` caps how many
    are tried (a count, for results that do not depend on the machine's speed).

    Raises :class:`~salonkit.scheduling.day.errors.InfeasibleDay` like :func:`greedy_solution`.
    """
    started = time.perf_counter()
    prep = prepared if prepared is not None else prepare(problem)
    staff_orders = {
        "listed": [s.id for s in problem.staff],
        "narrow": [s.id for s in sorted(problem.staff, key=lambda s: len(s.skills))],
    }
    best: DaySolution | None = None
    for name, staff_order in VARIANTS[:variants]:
        began = time.perf_counter()
        plan = _book(problem, prep, ORDERS[name], staff_orders[staff_order])
        if best is None or plan.objective > best.objective:
            best = plan
        now = time.perf_counter()
        if budget_s is not None and now - started + (now - began) > budget_s:
            break
    assert best is not None
    return attrs.evolve(best, wall_s=time.perf_counter() - started)


def _book(problem: DayProblem, prep: Prepared, key: OrderKey, order: list[str]) -> DaySolution:
    """Pinned bookings, then breaks, then every request in the order of ``key``."""
    started = time.perf_counter()
    unit = prep.unit
    board = Board(prep)
    chosen: dict[str, tuple[str, int]] = {}
    for pr in prep.requests:
        pin = pr.request.pinned
        if pin is None:
            continue
        t = pin.start // unit
        ok = (
            pin.start % unit == 0
            and pin.staff in pr.starts
            and contains(pr.starts[pin.staff], t)
            and board.shared_free(pr, t)
            and board.staff_free(pr, pin.staff, t)
        )
        if not ok:
            raise InfeasibleDay(
                f"requests[{pr.index}].pinned",
                f"{pr.request.id} cannot be served by {pin.staff} at that time",
            )
        board.place(pr, pin.staff, t)
        chosen[pr.request.id] = (pin.staff, t)

    breaks: list[BreakPlacement] = []
    for i, member in enumerate(problem.staff):
        busy = board.staff[member.id]
        for k, window in enumerate(member.breaks):
            size = window.duration_min // unit
            first, last = window.earliest // unit, window.latest_end // unit - size
            start = next((t for t in range(first, last + 1) if not any(busy[t : t + size])), None)
            if start is None:
                raise InfeasibleDay(
                    f"staff[{i}].breaks[{k}]", f"no room for a break of {member.id}"
                )
            busy[start : start + size] = b"\x01" * size
            breaks.append(BreakPlacement(member.id, start * unit))

    waiting = sorted((pr for pr in prep.requests if pr.request.pinned is None), key=key)
    for pr in waiting:
        staff_ids = _candidates(pr, order)
        times = sorted({t for s in staff_ids for lo, hi in pr.starts[s] for t in range(lo, hi + 1)})
        for t in times:
            if not board.shared_free(pr, t):
                continue
            who = next(
                (s for s in staff_ids if contains(pr.starts[s], t) and board.staff_free(pr, s, t)),
                None,
            )
            if who is not None:
                board.place(pr, who, t)
                chosen[pr.request.id] = (who, t)
                break

    assignments = []
    unscheduled = []
    objective = 0
    for pr in prep.requests:
        if pr.request.id in chosen:
            who, t = chosen[pr.request.id]
            assignments.append(Assignment(pr.request.id, who, t * unit))
            objective += pr.value + pr.bonus(who)
        else:
            unscheduled.append(pr.request.id)
    return DaySolution(
        assignments=assignments,
        breaks=breaks,
        unscheduled=unscheduled,
        objective=objective,
        bound=None,
        status="FEASIBLE",
        wall_s=time.perf_counter() - started,
    )


__all__ = ["ORDERS", "VARIANTS", "Board", "OrderKey", "best_greedy_solution", "greedy_solution"]
