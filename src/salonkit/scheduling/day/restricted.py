"""Plans from restricted time-indexed MIPs: the columns the Lagrangian prices favour, solved
exactly with HiGHS (a price-and-branch heuristic).

The time-indexed relaxation of :mod:`salonkit.scheduling.day.colgen` has one column per
(request, staff member, start). Its Lagrangian prices say which columns are cheap: those of
small reduced cost. Keeping, for every request, its ``k`` columns of best reduced cost, the
columns of a known plan and every start of every break gives a 0-1 programme a few hundred to a
few thousand columns wide, with the rows of the relaxation (a staff member serves one step or
break per time unit, a resource holds at most its capacity, a customer is in one service, a
request is served at most once, a pinned one exactly once, a break placed once). Every solution
of it is a valid plan, and the known plan is one, so HiGHS starts from it and its branch and cut
(an LP-based search with cuts and LP-guided heuristics) improves it; on mid-sized days it solves
such a programme to optimality within a second or two.

:meth:`RestrictedMip.improve` runs rounds: ``k`` starts so that the programme has about
:data:`FIRST_COLUMNS` columns and grows by :data:`GROWTH` after each round solved to optimality,
every round starting from the best plan known (its own, or one handed in by ``current``). The
optimum of a restricted programme is not a bound on the day: columns were left out.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # colgen imports this module
    import highspy

    from salonkit.scheduling.day.colgen import (
        FloatArray,
        IntArray,
        PlanCallback,
        TimeIndexedBound,
    )

logger = logging.getLogger(__name__)

#: Placements (request index -> (staff, start) in units) and break starts per staff member, in
#: the order of the staff member's breaks.
Placed = dict[int, tuple[str, int]]
Breaks = dict[str, list[int]]

#: Columns wanted in the first programme (about); ``k`` per request follows from it.
FIRST_COLUMNS = 800
#: Smallest ``k``.
MIN_PER_REQUEST = 3
#: ``k`` grows by this factor after a round solved to optimality.
GROWTH = 1.5
#: HiGHS's share of effort on primal heuristics (its default is 0.05): the point here is plans.
HEURISTIC_EFFORT = 0.5
#: A round is not started with less time than this left.
MIN_ROUND_S = 0.3
#: Longest round (at least): then the next one starts from the best plan known by then.
MAX_ROUND_S = 3.0
#: Longest round as a share of the time the rounds have, when that is longer (long runs).
ROUND_SHARE = 0.1
#: A dual bound "moves" (for ``stall_s``) when it drops by at least this share.
STALL_DROP = 0.002


class RestrictedMip:
    """Restricted time-indexed programmes of one day over a :class:`TimeIndexedBound`'s
    columns."""

    def __init__(self, relaxation: TimeIndexedBound) -> None:
        self.relaxation = relaxation
        self.staff_ids = list(relaxation.staff_index)
        self._ends = np.append(relaxation.group_start[1:], len(relaxation.col_t)).astype(np.int64)
        self._position = {i: g for g, i in enumerate(relaxation.requests)}
        #: The columns of the pinned bookings, which every programme takes.
        self._pinned = np.flatnonzero(relaxation.pinned[relaxation.col_req]).astype(np.int64)
        self.rounds = 0

    def plan_columns(self, placed: Placed) -> IntArray | None:
        """The columns of a plan's placements; None if one of them is not a column."""
        rel = self.relaxation
        out: list[int] = []
        for i, (staff_id, start) in placed.items():
            g = self._position.get(i)
            if g is None or staff_id not in rel.staff_index:
                return None
            lo, hi = int(rel.group_start[g]), int(self._ends[g])
            hits = np.flatnonzero(
                (rel.col_staff[lo:hi] == rel.staff_index[staff_id]) & (rel.col_t[lo:hi] == start)
            )
            if not len(hits):
                return None
            out.append(lo + int(hits[0]))
        return np.array(out, dtype=np.int64)

    def columns(self, rc: FloatArray, per_request: int, keep: IntArray) -> IntArray:
        """The ``per_request`` columns of best reduced cost of every request, and ``keep``."""
        rel = self.relaxation
        chosen = [keep]
        for g in range(len(rel.requests)):
            lo, hi = int(rel.group_start[g]), int(self._ends[g])
            chosen.append(lo + np.argsort(-rc[lo:hi], kind="stable")[:per_request])
        return np.unique(np.concatenate(chosen)).astype(np.int64)

    def _programme(
        self, columns: IntArray
    ) -> tuple[highspy.Highs, list[tuple[int, int, int]], list[int], list[tuple[int, int, int]]]:
        """The 0-1 programme over ``columns`` and every break start, in a new HiGHS instance
        (one thread, silent); with what each of its columns means (request index or
        ``-1 - break``, staff, start), where each break's columns begin, and what each row is
        (kind, which, unit: kinds 0 request, 1 staff, 2 resource, 3 customer, 4 break)."""
        import highspy

        rel = self.relaxation
        rows: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        exact: dict[tuple[int, int, int], float] = {}
        gains: list[float] = []
        meaning: list[tuple[int, int, int]] = []  # (request index or -1 - break, staff, start)
        n_res, n_cust = len(rel.resource_index), len(rel.customer_index)
        for pos, j in enumerate(columns.tolist()):
            g, s, t = int(rel.col_req[j]), int(rel.col_staff[j]), int(rel.col_t[j])
            i = rel.requests[g]
            gains.append(float(rel.col_gain[j]))
            meaning.append((i, s, t))
            rows[(0, g, 0)].append(pos)
            exact[(0, g, 0)] = 1.0 if rel.pinned[g] else 0.0
            for k in range(rel.s_off.shape[1]):
                a = t + int(rel.s_off[g, k])
                for u in range(a, a + int(rel.s_len[g, k])):
                    rows[(1, s, u)].append(pos)
            for k in range(rel.r_off.shape[1]):
                r = int(rel.r_idx[g, k])
                if r < n_res:
                    a = t + int(rel.r_off[g, k])
                    for u in range(a, a + int(rel.r_len[g, k])):
                        rows[(2, r, u)].append(pos)
            c = int(rel.c_idx[g])
            if c < n_cust:
                for u in range(t, t + int(rel.length[g])):
                    rows[(3, c, u)].append(pos)
        first_break: list[int] = []
        for b, (s, first, last, size) in enumerate(rel.breaks):
            first_break.append(len(gains))
            for t in range(first, last + 1):
                pos = len(gains)
                gains.append(0.0)
                meaning.append((-1 - b, s, t))
                rows[(4, b, 0)].append(pos)
                exact[(4, b, 0)] = 1.0
                for u in range(t, t + size):
                    rows[(1, s, u)].append(pos)
        lower: list[float] = []
        upper: list[float] = []
        row_keys: list[tuple[int, int, int]] = []
        starts: list[int] = []
        index: list[int] = []
        for key, members in rows.items():
            kind = key[0]
            if kind in (0, 4):
                lo, hi = exact[key], 1.0
            else:
                hi = float(rel.capacity[key[1]]) if kind == 2 else 1.0
                if len(members) <= hi:
                    continue
                lo = -highspy.kHighsInf
            lower.append(lo)
            upper.append(hi)
            starts.append(len(index))
            index.extend(members)
            row_keys.append(key)

        h = zero_one_programme(gains, lower, upper, starts, index)
        return h, meaning, first_break, row_keys

    def lp_prices(self, deadline: float) -> tuple[FloatArray, FloatArray, FloatArray] | None:
        """The optimal prices of the whole programme's LP (solved by the interior point method)
        on the staff, resource and customer rows, shaped as the subgradient method's; None when
        it does not finish by ``deadline``."""
        import highspy

        rel = self.relaxation
        everything = np.arange(len(rel.col_t), dtype=np.int64)
        h, meaning, _, keys = self._programme(everything)
        left = deadline - time.perf_counter()
        if not meaning or left < MIN_ROUND_S:
            return None
        n = len(meaning)
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kContinuous)
        )
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("time_limit", float(left))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        duals = np.maximum(np.asarray(h.getSolution().row_dual, dtype=float), 0.0)
        prices = (
            np.zeros((len(rel.staff_index), rel.horizon)),
            np.zeros((len(rel.resource_index), rel.horizon)),
            np.zeros((len(rel.customer_index), rel.horizon)),
        )
        for (kind, which, unit), y in zip(keys, duals.tolist(), strict=True):
            if kind in (1, 2, 3) and y > 0:
                prices[kind - 1][which, unit] = y
        return prices

    def solve(
        self,
        columns: IntArray,
        start: tuple[Placed, Breaks] | None,
        time_limit: float,
        on_plan: PlanCallback | None = None,
        stop: Callable[[], bool] | None = None,
        on_bound: Callable[[float], None] | None = None,
        stall_s: float | None = None,
    ) -> tuple[tuple[Placed, Breaks] | None, bool]:
        """Solve the programme over ``columns`` (and the pinned bookings' columns and every
        break start) from ``start``.

        Returns the best plan found (None if none) and whether it is proven optimal for these
        columns. ``on_plan`` receives every improving plan as it is found, ``on_bound`` every
        smaller dual bound of the programme (a bound on the day only when ``columns`` are all
        of them); ``stop()`` interrupts, and so do ``stall_s`` seconds without a smaller dual
        bound.
        """
        import highspy  # imported here: only the bound's process needs it

        columns = np.union1d(columns, self._pinned).astype(np.int64)
        h, meaning, first_break, _ = self._programme(columns)
        n = len(meaning)
        if not n:  # nothing to place: the empty plan, optimal
            self.rounds += 1
            if on_bound is not None:
                on_bound(0.0)
            return ({}, {}), True
        h.setOptionValue("random_seed", self.rounds)  # another path when a round is repeated
        h.setOptionValue("time_limit", max(0.01, float(time_limit)))
        h.setOptionValue("mip_heuristic_effort", HEURISTIC_EFFORT)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.5)
        if start is not None:
            x0 = self._vector(columns, start, first_break, n)
            if x0 is not None:
                solution = highspy.HighsSolution()
                solution.col_value = x0.tolist()
                solution.value_valid = True
                h.setSolution(solution)

        staff_ids = self.staff_ids

        def decode(values: object) -> tuple[Placed, Breaks]:
            placed: Placed = {}
            chosen: dict[int, list[tuple[int, int]]] = defaultdict(list)
            for pos in np.flatnonzero(np.asarray(values, dtype=float) > 0.5).tolist():
                i, s, t = meaning[pos]
                if i >= 0:
                    placed[i] = (staff_ids[s], t)
                else:
                    chosen[s].append((-1 - i, t))
            breaks = {staff_ids[s]: [t for _, t in sorted(v)] for s, v in chosen.items()}
            return placed, breaks

        if on_plan is not None:
            h.cbMipImprovingSolution.subscribe(
                lambda event: on_plan(*decode(event.data_out.mip_solution))
            )
        dual = math.inf
        mark, moved = math.inf, time.perf_counter()
        if stop is not None or on_bound is not None or stall_s is not None:

            def interrupt(event: highspy.highs.HighsCallbackEvent) -> None:
                nonlocal dual, mark, moved
                now = time.perf_counter()
                if event.data_out.mip_dual_bound < dual - 1e-6:
                    dual = event.data_out.mip_dual_bound
                    if on_bound is not None:
                        on_bound(dual)
                    if dual < mark - STALL_DROP * abs(mark) or math.isinf(mark):
                        mark, moved = dual, now
                stalled = stall_s is not None and not math.isinf(mark) and now - moved > stall_s
                if stalled or (stop is not None and stop()):
                    event.interrupt()

            h.cbMipInterrupt.subscribe(interrupt)
        h.run()
        self.rounds += 1
        model_status = h.getModelStatus()
        info = h.getInfo()
        if on_bound is not None and info.mip_dual_bound < dual:
            on_bound(info.mip_dual_bound)
        if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
            return None, False
        optimal = model_status == highspy.HighsModelStatus.kOptimal
        return decode(h.getSolution().col_value), optimal

    def _vector(
        self,
        columns: IntArray,
        start: tuple[Placed, Breaks],
        first_break: list[int],
        n: int,
    ) -> FloatArray | None:
        """The 0-1 vector of a plan over the programme's columns (None if it is not in it)."""
        rel = self.relaxation
        placed, breaks = start
        used = self.plan_columns(placed)
        if used is None:
            return None
        where = np.searchsorted(columns, used)
        if len(used) and (where.max() >= len(columns) or (columns[where] != used).any()):
            return None
        x = np.zeros(n)
        x[where] = 1.0
        nth: dict[int, int] = defaultdict(int)
        for b, (s, first, last, _) in enumerate(rel.breaks):
            staff_breaks = breaks.get(self.staff_ids[s], [])
            if nth[s] >= len(staff_breaks):
                return None
            t = staff_breaks[nth[s]]
            nth[s] += 1
            if not first <= t <= last:
                return None
            x[first_break[b] + t - first] = 1.0
        return x

    def exact(
        self,
        start: tuple[Placed, Breaks] | None,
        deadline: float,
        on_plan: PlanCallback,
        on_bound: Callable[[float], None],
        stop: Callable[[], bool] | None = None,
        stall_s: float | None = None,
    ) -> bool:
        """The whole time-indexed programme, every column in: an exact model of the day.

        Its dual bound is a bound on the day, tighter than the LP's once HiGHS has added its
        cuts; it runs until ``deadline``, ``stop()``, or ``stall_s`` seconds without a smaller
        dual bound. True when the day is solved to optimality."""
        everything = np.arange(len(self.relaxation.col_t), dtype=np.int64)
        left = deadline - time.perf_counter()
        if left < MIN_ROUND_S:
            return False
        _, optimal = self.solve(everything, start, left, on_plan, stop, on_bound, stall_s)
        return optimal

    def improve(
        self,
        rc: FloatArray,
        start: tuple[Placed, Breaks],
        deadline: float,
        on_plan: PlanCallback,
        current: Callable[[], tuple[Placed, Breaks] | None] | None = None,
        stop: Callable[[], bool] | None = None,
        on_bound: Callable[[float], None] | None = None,
        also: IntArray | None = None,
    ) -> tuple[Placed, Breaks]:
        """Rounds of restricted programmes until ``deadline`` (``time.perf_counter``) or
        ``stop()``; every improving plan goes to ``on_plan``. ``current()`` may hand in a
        better plan found elsewhere, from which the next round starts. ``also`` are columns
        every programme takes (such as the staff members' best days of
        :mod:`salonkit.scheduling.day.staff_bound`). Once ``k`` has grown to take every column,
        the programme is the whole day: its dual bounds go to ``on_bound``."""
        prep = self.relaxation.prep
        round_s = max(MAX_ROUND_S, ROUND_SHARE * (deadline - time.perf_counter()))

        def score(plan: tuple[Placed, Breaks]) -> int:
            return sum(
                prep.requests[i].value + prep.requests[i].bonus(s) for i, (s, _) in plan[0].items()
            )

        best, best_score = start, score(start)
        n_requests = max(1, len(self.relaxation.requests))
        per_request = max(MIN_PER_REQUEST, FIRST_COLUMNS // n_requests)

        def found(placed: Placed, breaks: Breaks) -> None:
            nonlocal best, best_score
            value = score((placed, breaks))
            if value > best_score:
                best, best_score = (placed, breaks), value
                on_plan(placed, breaks)

        while not (stop is not None and stop()):
            left = deadline - time.perf_counter()
            if left < MIN_ROUND_S:
                break
            if current is not None:
                other = current()
                if other is not None and score(other) > best_score:
                    best, best_score = other, score(other)
            keep = [np.zeros(0, dtype=np.int64) if also is None else also]
            in_plan = self.plan_columns(best[0])
            if in_plan is not None:
                keep.append(in_plan)
            columns = self.columns(rc, per_request, np.concatenate(keep))
            began = time.perf_counter()
            whole = len(columns) >= len(rc)
            plan, optimal = self.solve(
                columns, best, min(left, round_s), found, stop, on_bound if whole else None
            )
            if plan is not None:
                found(*plan)
            logger.debug(
                "restricted MIP: %d per request, %d columns, %s in %.2f s, best %d",
                per_request,
                len(columns),
                "optimal" if optimal else "stopped",
                time.perf_counter() - began,
                best_score,
            )
            if optimal:
                if whole:
                    break  # the day is solved
                per_request = max(per_request + 1, math.ceil(per_request * GROWTH))
        return best


def zero_one_programme(
    gains: list[float],
    lower: list[float],
    upper: list[float],
    starts: list[int],
    index: list[int],
) -> highspy.Highs:
    """A new HiGHS instance (one thread, silent) maximising ``gains`` over 0-1 columns, with
    rows ``lower <= sum of their columns <= upper`` (row ``k``'s columns are
    ``index[starts[k]:starts[k + 1]]``, every coefficient 1)."""
    import highspy

    n = len(gains)
    h = new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    everything = np.arange(n, dtype=np.int32)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsIntegrality(n, everything, np.full(n, highspy.HighsVarType.kInteger))
    h.changeColsCost(n, everything, np.array(gains, dtype=float))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    if lower:
        h.addRows(
            len(lower),
            np.array(lower, dtype=float),
            np.array(upper, dtype=float),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.ones(len(index)),
        )
    return h


def new_highs() -> highspy.Highs:
    """A HiGHS instance, made with standard output silenced: HiGHS prints a banner on it
    whatever the options, and the standard output of ``salonkit solve`` is the plan."""
    import highspy

    try:
        saved = os.dup(1)
    except OSError:  # no standard output to protect
        return highspy.Highs()  # type: ignore[no-untyped-call]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


__all__ = ["RestrictedMip"]
