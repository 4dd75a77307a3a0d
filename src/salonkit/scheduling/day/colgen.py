"""A Lagrangian bound of the time-indexed relaxation of the day, and plans from its prices.

The time-indexed linear program (see :mod:`salonkit.scheduling.day.relaxation`) has one column
per (request, staff member, start) and per (break, start), and capacity rows for each staff
member, resource and customer at each time unit: far too many columns to hand to an LP solver
within seconds on a large day. Dualising the capacity rows with prices ``pi >= 0`` gives, for
*any* such prices, a valid upper bound on the score of every plan (Lagrangian relaxation)::

    L(pi) = sum_rows pi * capacity
          + sum_requests max(0, max_columns(gain - pi . column))   (no 0 for a pinned one)
          + sum_breaks   max_starts(-pi . column)

because each request is served at most once and each break placed exactly once. Every column
is priced at once with prefix sums of the prices in numpy. Two ways to choose the prices:

* :meth:`TimeIndexedBound.subgradient` (what the optimiser uses): projected subgradient steps,
  fast enough to come close to the LP optimum within seconds on the largest days; every few
  steps it also builds a valid plan guided by the prices (:meth:`TimeIndexedBound.priced_plan`);
* :meth:`TimeIndexedBound.run`: column generation, the duals of a restricted LP (GLOP,
  warm-started between rounds) holding only the columns found worth adding so far; it converges
  to the LP optimum, but too slowly for a 10-second budget on large days.

Either way the smallest ``L`` seen is kept, rounded down to the grid of possible scores after
a margin for floating-point error, so the bound is proven whenever the method is stopped.
:class:`BackgroundBound` runs the subgradient method beside the search, in a child process
where the platform can fork.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import threading
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Literal

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp  # type: ignore[attr-defined,unused-ignore]

from salonkit.scheduling.day.greedy import Board
from salonkit.scheduling.day.prepare import Prepared, Ranges
from salonkit.scheduling.day.restricted import RestrictedMip
from salonkit.scheduling.day.staff_bound import staff_decomposition

logger = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
#: Receives a plan: request index -> (staff, start) in units, and staff -> break starts.
PlanCallback = Callable[[dict[int, tuple[str, int]], dict[str, list[int]]], None]
#: A plan as the callbacks see it: placements and break starts.
Plan = tuple[dict[int, tuple[str, int]], dict[str, list[int]]]
#: What the bound's process does once the bound has converged (:class:`BackgroundBound`).
FollowUp = Literal[
    "none",
    "restricted",
    "exact",
    "exact-then-restricted",
    "lp-staff-then-restricted",
    "staff-then-restricted",
]
FloatArray = npt.NDArray[np.float64]

#: Every score is a multiple of this (100, 200, 400 per request, 10 per preference).
SCORE_STEP = 10
#: Reduced cost below which a column is not worth adding.
EPSILON = 1e-6
#: Columns added per request and round (the best ones, on different staff where possible).
PER_REQUEST = 2
#: First step factor of the subgradient method (Polyak's rule), halved after PATIENCE
#: steps without improvement.
THETA = 1.0
PATIENCE = 20
#: Seconds without a better bound (on the grid of scores) after which the method stops.
STALL_S = 2.0
#: The same when a restricted or exact MIP follows in the bound's process: it gains more from
#: the time than the last steps of the subgradient method.
FOLLOW_UP_STALL_S = 0.5
#: With "exact-then-restricted", the whole MIP gives way to the restricted ones once its dual
#: bound has not dropped by :data:`~salonkit.scheduling.day.restricted.STALL_DROP` for this
#: many seconds. Half a second rather than one gives the restricted rounds the time that
#: lifts example-medium's plans (12 runs at 10 s: 15,460-15,570 against 15,160-15,470) at the
#: same bound; gen-10x120 is unchanged.
EXACT_STALL_S = 0.5
#: Largest share of the time left that the staff decomposition (with the LP before it, when
#: it is the LP's prices) may take; beyond it the restricted rounds start without it.
STAFF_SHARE = 0.8
#: Deflection of the subgradient direction (share of the previous direction kept).
DEFLECT = 0.5
#: Columns tried per request by the price-guided plan.
PRICED_TRIES = 200
#: Seconds between two price-guided plans during the subgradient method (at least).
PRICED_EVERY_S = 0.5
#: Largest share of the bound's time spent on price-guided plans.
PRICED_SHARE = 0.2
#: GLOP parameters of the restricted LP.
PARAMS = "use_preprocessing: false"


class TimeIndexedBound:
    """The time-indexed relaxation of one day and its Lagrangian bound.

    :meth:`subgradient` and :meth:`run` each return a proven bound. ``placed`` and ``breaks``
    (request index -> (staff, start) in units, and staff -> break starts: a valid plan) seed the
    restricted LP of :meth:`run` so that it starts feasible and good; ``bucket`` groups the time
    units of its capacity rows by that many (a weaker but smaller LP; the Lagrangian bound is
    still computed unit by unit).
    """

    def __init__(
        self,
        prep: Prepared,
        options: dict[int, dict[str, Ranges]],
        placed: dict[int, tuple[str, int]] | None = None,
        breaks: dict[str, list[int]] | None = None,
        bucket: int = 1,
    ) -> None:
        self.prep = prep
        self.bucket = max(1, bucket)
        unit = prep.unit
        self.horizon = 24 * 60 // unit + max((r.length for r in prep.requests), default=0) + 2
        staff = [s.id for s in prep.problem.staff]
        self.staff_index = {s: k for k, s in enumerate(staff)}
        self.resource_index = {r.id: k for k, r in enumerate(prep.problem.resources)}
        self.capacity = np.array([r.capacity for r in prep.problem.resources] + [0], dtype=float)
        counts: dict[str, int] = defaultdict(int)
        for i, opts in options.items():
            if opts:
                counts[prep.requests[i].request.customer] += 1
        shared = sorted(c for c, n in counts.items() if n > 1)
        self.customer_index = {c: k for k, c in enumerate(shared)}
        self.requests = sorted(i for i, opts in options.items() if opts)
        self.pinned = np.array(
            [prep.requests[i].request.pinned is not None for i in self.requests], dtype=bool
        )
        # columns, grouped by request
        col_req: list[int] = []
        col_staff: list[int] = []
        col_t: list[int] = []
        col_gain: list[int] = []
        for g, i in enumerate(self.requests):
            pr = prep.requests[i]
            for staff_id, ranges in options[i].items():
                gain = pr.value + pr.bonus(staff_id)
                for lo, hi in ranges:
                    n = hi - lo + 1
                    col_req += [g] * n
                    col_staff += [self.staff_index[staff_id]] * n
                    col_t += range(lo, hi + 1)
                    col_gain += [gain] * n
        self.col_req = np.array(col_req, dtype=np.int64)
        self.col_staff = np.array(col_staff, dtype=np.int64)
        self.col_t = np.array(col_t, dtype=np.int64)
        self.col_gain = np.array(col_gain, dtype=float)
        sizes = np.bincount(self.col_req, minlength=len(self.requests))
        self.group_start = (np.cumsum(sizes) - sizes).astype(np.int64)  # empty with no request
        # per request: staff blocks, resource blocks, customer (padded to a fixed width)
        n_req = len(self.requests)
        width_s = max((len(prep.requests[i].staff_blocks) for i in self.requests), default=1)
        width_r = max(
            (sum(len(b) for b in prep.requests[i].resource_blocks.values()) for i in self.requests),
            default=1,
        )
        self.s_off = np.zeros((n_req, max(width_s, 1)), dtype=np.int64)
        self.s_len = np.zeros((n_req, max(width_s, 1)), dtype=np.int64)
        no_resource = len(self.resource_index)
        self.r_idx = np.full((n_req, max(width_r, 1)), no_resource, dtype=np.int64)
        self.r_off = np.zeros((n_req, max(width_r, 1)), dtype=np.int64)
        self.r_len = np.zeros((n_req, max(width_r, 1)), dtype=np.int64)
        no_customer = len(self.customer_index)
        self.c_idx = np.full(n_req, no_customer, dtype=np.int64)
        self.length = np.zeros(n_req, dtype=np.int64)
        for g, i in enumerate(self.requests):
            pr = prep.requests[i]
            for k, b in enumerate(pr.staff_blocks):
                self.s_off[g, k], self.s_len[g, k] = b.offset, b.size
            k = 0
            for name, blocks in pr.resource_blocks.items():
                for b in blocks:
                    self.r_idx[g, k] = self.resource_index[name]
                    self.r_off[g, k], self.r_len[g, k] = b.offset, b.size
                    k += 1
            self.c_idx[g] = self.customer_index.get(pr.request.customer, no_customer)
            self.length[g] = pr.length
        # breaks: (staff index, first start, last start, size)
        self.breaks: list[tuple[int, int, int, int]] = []
        for member in prep.problem.staff:
            for window in member.breaks:
                size = window.duration_min // unit
                self.breaks.append(
                    (
                        self.staff_index[member.id],
                        window.earliest // unit,
                        window.latest_end // unit - size,
                        size,
                    )
                )
        self._seed_placed = placed or {}
        self._seed_breaks = breaks or {}
        self._index: tuple[IntArray, IntArray] | None = None
        self.rounds = 0
        self.columns_in_lp = 0
        self.converged = False
        #: The prices of the best Lagrangian bound found by :meth:`subgradient`.
        self.best_prices: tuple[FloatArray, FloatArray, FloatArray] | None = None

    # -- pricing ---------------------------------------------------------------------------

    def _prefix(self, pi: FloatArray) -> FloatArray:
        out = np.zeros((pi.shape[0], pi.shape[1] + 1))
        np.cumsum(pi, axis=1, out=out[:, 1:])
        return out

    def _pricing_index(self, n_staff: int) -> tuple[IntArray, IntArray]:
        """Positions in the flattened prefix sums of (staff, resources, customers) where each
        column's blocks end and start: one row per block slot, one column per column."""
        width = self.horizon + 1
        n_res = len(self.resource_index) + 1
        base_r = n_staff * width
        base_c = base_r + n_res * width
        g, t, s = self.col_req, self.col_t, self.col_staff
        ends: list[IntArray] = []
        starts: list[IntArray] = []
        for k in range(self.s_off.shape[1]):
            a = s * width + t + self.s_off[g, k]
            starts.append(a)
            ends.append(a + self.s_len[g, k])
        for k in range(self.r_off.shape[1]):
            a = base_r + self.r_idx[g, k] * width + t + self.r_off[g, k]
            starts.append(a)
            ends.append(a + self.r_len[g, k])
        a = base_c + self.c_idx[g] * width + t
        starts.append(a)
        ends.append(a + self.length[g])
        return np.vstack(ends), np.vstack(starts)

    def reduced_costs(
        self, pi_staff: FloatArray, pi_res: FloatArray, pi_cust: FloatArray
    ) -> FloatArray:
        """Gain minus dual cost of every column."""
        if self._index is None:
            self._index = self._pricing_index(pi_staff.shape[0])
        flat = np.concatenate(
            [
                self._prefix(pi_staff).ravel(),
                self._prefix(np.vstack([pi_res, np.zeros((1, self.horizon))])).ravel(),
                self._prefix(np.vstack([pi_cust, np.zeros((1, self.horizon))])).ravel(),
            ]
        )
        ends, starts = self._index
        cost: FloatArray = (flat[ends] - flat[starts]).sum(axis=0)
        return self.col_gain - cost

    def lagrangian(
        self, pi_staff: FloatArray, pi_res: FloatArray, pi_cust: FloatArray, rc: FloatArray
    ) -> float:
        """The Lagrangian bound ``L(pi)`` (valid for any ``pi >= 0``)."""
        best = np.maximum.reduceat(rc, self.group_start) if len(rc) else np.zeros(0)
        terms = np.where(self.pinned, best, np.maximum(best, 0.0))
        total = float(pi_staff.sum() + (pi_res.sum(axis=1) * self.capacity[:-1]).sum())
        total += float(pi_cust.sum()) + float(terms.sum())
        ps = self._prefix(pi_staff)
        for s, first, last, size in self.breaks:
            starts = np.arange(first, last + 1)
            total += float(np.max(-(ps[s, starts + size] - ps[s, starts])))
        return total

    def _best_columns(self, rc: FloatArray) -> IntArray:
        """Up to :data:`PER_REQUEST` best columns with positive reduced cost per request."""
        order = np.lexsort((-rc, self.col_req))
        chosen: list[int] = []
        rank = np.zeros(len(self.requests), dtype=np.int64)
        seen_staff: dict[int, set[int]] = defaultdict(set)
        for j in order[rc[order] > EPSILON]:
            g = int(self.col_req[j])
            if rank[g] >= PER_REQUEST:
                continue
            s = int(self.col_staff[j])
            if s in seen_staff[g] and rank[g] > 0:
                continue
            seen_staff[g].add(s)
            rank[g] += 1
            chosen.append(int(j))
        return np.array(chosen, dtype=np.int64)

    # -- subgradient -------------------------------------------------------------------------

    def _usage(
        self, rc: FloatArray, pi_staff: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Use of every capacity row by the columns that maximise the Lagrangian at ``pi``."""
        n_staff, n_res, n_cust = (
            pi_staff.shape[0],
            len(self.resource_index),
            len(self.customer_index),
        )
        sizes = np.diff(np.append(self.group_start, len(rc)))
        best = np.maximum.reduceat(rc, self.group_start)
        hit = np.flatnonzero(rc >= np.repeat(best, sizes))
        groups, first = np.unique(self.col_req[hit], return_index=True)
        chosen = hit[first]
        keep = self.pinned[groups] | (best[groups] > 0)
        chosen, groups = chosen[keep], groups[keep]
        t = self.col_t[chosen]
        s = self.col_staff[chosen]
        width = self.horizon + 1
        d_staff = np.zeros((n_staff, width))
        d_res = np.zeros((n_res + 1, width))
        d_cust = np.zeros((n_cust + 1, width))
        for k in range(self.s_off.shape[1]):
            a = t + self.s_off[groups, k]
            e = a + self.s_len[groups, k]
            np.add.at(d_staff, (s, a), 1.0)
            np.add.at(d_staff, (s, e), -1.0)
        for k in range(self.r_off.shape[1]):
            r = self.r_idx[groups, k]
            a = t + self.r_off[groups, k]
            e = a + self.r_len[groups, k]
            np.add.at(d_res, (r, a), 1.0)
            np.add.at(d_res, (r, e), -1.0)
        c = self.c_idx[groups]
        np.add.at(d_cust, (c, t), 1.0)
        np.add.at(d_cust, (c, t + self.length[groups]), -1.0)
        ps = self._prefix(pi_staff)
        for s_, first_, last, size in self.breaks:
            starts = np.arange(first_, last + 1)
            b = int(starts[np.argmax(-(ps[s_, starts + size] - ps[s_, starts]))])
            d_staff[s_, b] += 1.0
            d_staff[s_, b + size] -= 1.0
        use_s = np.cumsum(d_staff, axis=1)[:, : self.horizon]
        use_r = np.cumsum(d_res, axis=1)[:n_res, : self.horizon]
        use_c = np.cumsum(d_cust, axis=1)[:n_cust, : self.horizon]
        return use_s, use_r, use_c

    def subgradient(
        self,
        target: float,
        deadline: float,
        on_bound: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
        iterations: int = 100_000,
        on_plan: PlanCallback | None = None,
        stall_s: float = STALL_S,
    ) -> int | None:
        """Lagrangian bound by projected subgradient steps (Polyak's rule towards ``target``,
        the score of a known plan); stops after ``stall_s`` seconds without a better bound."""
        n_staff, n_res, n_cust = (
            len(self.staff_index),
            len(self.resource_index),
            len(self.customer_index),
        )
        pi_s = np.zeros((n_staff, self.horizon))
        pi_r = np.zeros((n_res, self.horizon))
        pi_c = np.zeros((n_cust, self.horizon))
        cap = self.capacity[:-1, None]
        theta = THETA
        best: float | None = None
        stale = 0
        prev: tuple[FloatArray, FloatArray, FloatArray] | None = None
        next_plan = time.perf_counter() + PRICED_EVERY_S
        best_plan = target
        improved_at = time.perf_counter()
        for _ in range(iterations):
            now = time.perf_counter()
            if now >= deadline or (stop is not None and stop()) or theta < 1e-4:
                break
            if now - improved_at > stall_s:
                break  # the bound has stopped moving: leave the cores to the search
            rc = self.reduced_costs(pi_s, pi_r, pi_c)
            value = self.lagrangian(pi_s, pi_r, pi_c, rc)
            self.rounds += 1
            if best is None or value < best - 1e-9:
                if best is None or _grid(value) < _grid(best):
                    improved_at = time.perf_counter()
                    if on_bound is not None:
                        on_bound(_grid(value))
                best = value
                self.best_prices = (pi_s, pi_r, pi_c)
                stale = 0
            else:
                stale += 1
                if stale >= PATIENCE:
                    theta /= 2
                    stale = 0
            if on_plan is not None and time.perf_counter() >= next_plan:
                began = time.perf_counter()
                found = self.priced_plan(rc, pi_s)
                if found is not None:
                    score = sum(
                        self.prep.requests[i].value + self.prep.requests[i].bonus(sid)
                        for i, (sid, _) in found[0].items()
                    )
                    if score > best_plan:
                        best_plan = score
                        on_plan(*found)
                now = time.perf_counter()
                next_plan = now + max(PRICED_EVERY_S, (now - began) / PRICED_SHARE)
            use_s, use_r, use_c = self._usage(rc, pi_s)
            g_s = 1.0 - use_s
            g_r = cap - use_r
            g_c = 1.0 - use_c
            # only components that can move count in the step length
            g_s = np.where((pi_s > 0) | (g_s < 0), g_s, 0.0)
            g_r = np.where((pi_r > 0) | (g_r < 0), g_r, 0.0)
            g_c = np.where((pi_c > 0) | (g_c < 0), g_c, 0.0)
            if DEFLECT and prev is not None:
                g_s = g_s + DEFLECT * prev[0]
                g_r = g_r + DEFLECT * prev[1]
                g_c = g_c + DEFLECT * prev[2]
            prev = (g_s, g_r, g_c)
            norm = float((g_s**2).sum() + (g_r**2).sum() + (g_c**2).sum())
            if norm == 0:
                break
            step = theta * max(value - target, 1.0) / norm
            pi_s = np.maximum(0.0, pi_s - step * g_s)
            pi_r = np.maximum(0.0, pi_r - step * g_r)
            pi_c = np.maximum(0.0, pi_c - step * g_c)
        return None if best is None else _grid(best)

    # -- a plan from the prices (Lagrangian heuristic) ------------------------------------------

    def priced_plan(
        self, rc: FloatArray, pi_staff: FloatArray
    ) -> tuple[dict[int, tuple[str, int]], dict[str, list[int]]] | None:
        """A valid plan guided by the prices: pinned bookings, then each break at its cheapest
        free start, then the requests by decreasing best reduced cost, each at the first of its
        columns (by decreasing reduced cost) that still fits. None if a break finds no room."""
        prep = self.prep
        staff_ids = list(self.staff_index)
        board = Board(prep)
        placed: dict[int, tuple[str, int]] = {}
        for g in np.flatnonzero(self.pinned).tolist():
            j = int(self.group_start[g])
            i = self.requests[g]
            staff_id = staff_ids[int(self.col_staff[j])]
            board.place(prep.requests[i], staff_id, int(self.col_t[j]))
            placed[i] = (staff_id, int(self.col_t[j]))
        ps = self._prefix(pi_staff)
        breaks: dict[str, list[int]] = defaultdict(list)
        for s, first, last, size in self.breaks:
            busy = board.staff[staff_ids[s]]
            starts = np.arange(first, last + 1)
            costs = ps[s, starts + size] - ps[s, starts]
            for b in starts[np.argsort(costs, kind="stable")].tolist():
                if not any(busy[b : b + size]):
                    busy[b : b + size] = b"\x01" * size
                    breaks[staff_ids[s]].append(b)
                    break
            else:
                return None
        ends = np.append(self.group_start[1:], len(rc))
        best = np.maximum.reduceat(rc, self.group_start)
        for g in np.argsort(-best, kind="stable").tolist():
            if self.pinned[g]:
                continue
            i = self.requests[g]
            pr = prep.requests[i]
            lo, hi = int(self.group_start[g]), int(ends[g])
            order = lo + np.argsort(-rc[lo:hi], kind="stable")[:PRICED_TRIES]
            for j in order.tolist():
                t = int(self.col_t[j])
                staff_id = staff_ids[int(self.col_staff[j])]
                if board.staff_free(pr, staff_id, t) and board.shared_free(pr, t):
                    board.place(pr, staff_id, t)
                    placed[i] = (staff_id, t)
                    break
        return placed, dict(breaks)

    # -- the restricted LP -----------------------------------------------------------------

    def run(
        self,
        deadline: float,
        on_bound: Callable[[int], None] | None = None,
        stop: Callable[[], bool] | None = None,
        max_rounds: int | None = None,
    ) -> int | None:
        """Generate columns until convergence, ``deadline`` (``time.perf_counter``), ``stop()``
        or ``max_rounds``; returns the best proven bound (rounded down to the score grid)."""
        if not self.requests and not self.breaks:
            return 0
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
            return None
        solver.SetSolverSpecificParametersAsString(PARAMS)
        inf = solver.infinity()
        n_staff, n_res, n_cust = (
            len(self.staff_index),
            len(self.resource_index),
            len(self.customer_index),
        )
        width = self.bucket
        staff_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        res_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        cust_rows: dict[tuple[int, int], pywraplp.Constraint] = {}
        # rows that any column may touch, created once so that GLOP can warm-start
        for j in range(0, self.horizon, width):
            for r in range(n_res):
                res_rows[(r, j // width)] = solver.Constraint(-inf, float(self.capacity[r] * width))
        touched_staff = np.zeros((n_staff, self.horizon), dtype=bool)
        touched_cust = np.zeros((max(n_cust, 1), self.horizon), dtype=bool)
        g, t, s = self.col_req, self.col_t, self.col_staff
        for k in range(self.s_off.shape[1]):
            a = t + self.s_off[g, k]
            for d in range(int(self.s_len.max(initial=0))):
                mask = d < self.s_len[g, k]
                touched_staff[s[mask], a[mask] + d] = True
        for s_, first, last, size in self.breaks:
            touched_staff[s_, first : last + size] = True
        for row, col in sorted(
            {(int(r), int(c) // width) for r, c in zip(*np.nonzero(touched_staff), strict=True)}
        ):
            staff_rows[(row, col)] = solver.Constraint(-inf, float(width))
        if n_cust:
            mask = self.c_idx[g] < n_cust
            for d in range(int(self.length.max(initial=0))):
                m2 = mask & (d < self.length[g])
                touched_cust[self.c_idx[g][m2], t[m2] + d] = True
            for row, col in sorted(
                {(int(r), int(c) // width) for r, c in zip(*np.nonzero(touched_cust), strict=True)}
            ):
                cust_rows[(row, col)] = solver.Constraint(-inf, float(width))
        req_rows = [solver.Constraint(1.0 if pin else -inf, 1.0) for pin in self.pinned.tolist()]
        objective = solver.Objective()
        objective.SetMaximization()

        def put(
            rows: dict[tuple[int, int], pywraplp.Constraint],
            key: int,
            lo: int,
            hi: int,
            var: pywraplp.Variable,
        ) -> None:
            """Coefficients of ``var`` on the rows of units ``lo..hi-1`` of row family ``key``."""
            counts: dict[int, int] = defaultdict(int)
            for u in range(lo, hi):
                counts[u // width] += 1
            for b, n in counts.items():
                row = rows[(key, b)]
                row.SetCoefficient(var, row.GetCoefficient(var) + n)

        for s_, first, last, size in self.breaks:
            row = solver.Constraint(1.0, 1.0)
            for start in range(first, last + 1):
                var = solver.NumVar(0.0, 1.0, "")
                row.SetCoefficient(var, 1.0)
                put(staff_rows, s_, start, start + size, var)
        in_lp = np.zeros(len(self.col_t), dtype=bool)

        def add(columns: IntArray) -> None:
            for j in columns.tolist():
                if in_lp[j]:
                    continue
                in_lp[j] = True
                gq = int(g[j])
                tj = int(t[j])
                sj = int(s[j])
                var = solver.NumVar(0.0, 1.0, "")
                objective.SetCoefficient(var, float(self.col_gain[j]))
                req_rows[gq].SetCoefficient(var, 1.0)
                for k in range(self.s_off.shape[1]):
                    a = tj + int(self.s_off[gq, k])
                    put(staff_rows, sj, a, a + int(self.s_len[gq, k]), var)
                for k in range(self.r_off.shape[1]):
                    r = int(self.r_idx[gq, k])
                    if r == n_res:
                        continue
                    a = tj + int(self.r_off[gq, k])
                    put(res_rows, r, a, a + int(self.r_len[gq, k]), var)
                c = int(self.c_idx[gq])
                if c < n_cust:
                    put(cust_rows, c, tj, tj + int(self.length[gq]), var)

        seed = self._seed_columns()
        # every pinned request has a single column: always in the LP
        seed = np.union1d(seed, self.group_start[self.pinned])
        add(seed)
        best: float | None = None
        pi_staff = np.zeros((n_staff, self.horizon))
        pi_res = np.zeros((n_res, self.horizon))
        pi_cust = np.zeros((n_cust, self.horizon))
        while max_rounds is None or self.rounds < max_rounds:
            if time.perf_counter() >= deadline or (stop is not None and stop()):
                break
            remaining = deadline - time.perf_counter()
            solver.SetTimeLimit(max(1, int(remaining * 1000)))
            status = solver.Solve()
            self.rounds += 1
            if status != pywraplp.Solver.OPTIMAL:
                logger.info("restricted LP not solved (status %d)", status)
                break
            for (r, b), row in staff_rows.items():
                pi_staff[r, b * width : (b + 1) * width] = max(0.0, row.dual_value())
            for (r, b), row in res_rows.items():
                pi_res[r, b * width : (b + 1) * width] = max(0.0, row.dual_value())
            for (r, b), row in cust_rows.items():
                pi_cust[r, b * width : (b + 1) * width] = max(0.0, row.dual_value())
            rc = self.reduced_costs(pi_staff, pi_res, pi_cust)
            value = self.lagrangian(pi_staff, pi_res, pi_cust, rc)
            if best is None or value < best:
                best = value
                if on_bound is not None:
                    on_bound(_grid(value))
            new = self._best_columns(rc)
            new = new[~in_lp[new]]
            logger.debug(
                "round %d: LP %.1f, Lagrangian %.1f, %d new columns",
                self.rounds,
                solver.Objective().Value(),
                value,
                len(new),
            )
            if len(new) == 0:
                self.converged = True
                break
            add(new)
        self.columns_in_lp = int(in_lp.sum())
        return None if best is None else _grid(best)

    def _seed_columns(self) -> IntArray:
        """The columns of the seed plan."""
        out: list[int] = []
        position = {i: g for g, i in enumerate(self.requests)}
        for i, (staff_id, start) in self._seed_placed.items():
            g = position.get(i)
            if g is None:
                continue
            lo = int(self.group_start[g])
            hi = int(self.group_start[g + 1]) if g + 1 < len(self.requests) else len(self.col_t)
            mask = (self.col_staff[lo:hi] == self.staff_index[staff_id]) & (
                self.col_t[lo:hi] == start
            )
            hits = np.flatnonzero(mask)
            if len(hits):
                out.append(lo + int(hits[0]))
        return np.array(out, dtype=np.int64)


def _grid(value: float) -> int:
    """A margin against the solver's tolerances, then down to the grid of possible scores."""
    value += 1e-6 * abs(value) + 1e-3
    return math.floor(value / SCORE_STEP) * SCORE_STEP


def _child(
    relaxation: TimeIndexedBound,
    target: float,
    deadline: float,
    then: FollowUp,
    conn: Connection,
) -> None:  # pragma: no cover - runs in the forked process
    found = relaxation.subgradient(
        target,
        deadline,
        on_bound=lambda b: conn.send(("bound", b)),
        on_plan=lambda placed, breaks: conn.send(("plan", (placed, breaks))),
        stall_s=STALL_S if then == "none" else FOLLOW_UP_STALL_S,
    )
    conn.send(("done", (found, relaxation.rounds, relaxation.converged)))

    def current() -> Plan | None:
        conn.send(("want", None))
        plan: Plan | None = conn.recv()
        return plan

    _follow_up(
        then,
        relaxation,
        deadline,
        lambda placed, breaks: conn.send(("plan", (placed, breaks))),
        lambda bound: conn.send(("bound", bound)),
        current,
    )
    conn.send(("end", None))
    conn.close()


def _follow_up(
    then: FollowUp,
    relaxation: TimeIndexedBound,
    deadline: float,
    on_plan: PlanCallback,
    on_bound: Callable[[int], None],
    current: Callable[[], Plan | None],
    stop: Callable[[], bool] | None = None,
) -> None:
    """What the bound's process does once the bound has converged (see
    :class:`BackgroundBound`)."""
    if then == "none":
        return
    start = current()
    if start is None:
        start = (relaxation._seed_placed, relaxation._seed_breaks)
    mip = RestrictedMip(relaxation)

    def dual_bound(dual: float) -> None:
        """HiGHS's dual bound, with a margin for its tolerances, down to the score grid."""
        on_bound(_grid(dual + 0.5))

    if then == "exact":
        mip.exact(start, deadline, on_plan, dual_bound, stop)
        return
    if then == "exact-then-restricted":
        best: list[Plan] = []

        def keep(placed: dict[int, tuple[str, int]], breaks: dict[str, list[int]]) -> None:
            best.append((placed, breaks))
            on_plan(placed, breaks)

        if mip.exact(start, deadline, keep, dual_bound, stop, EXACT_STALL_S):
            return  # the day is solved
        start = best[-1] if best else start
    days: IntArray | None = None
    if then in ("lp-staff-then-restricted", "staff-then-restricted"):
        budget = time.perf_counter() + STAFF_SHARE * (deadline - time.perf_counter())
        prices = mip.lp_prices(budget) if then == "lp-staff-then-restricted" else None
        prices = prices or relaxation.best_prices
        if prices is not None:
            found = staff_decomposition(relaxation, prices, budget)
            if found is not None:
                dual_bound(found.bound)
                days = found.columns
    if relaxation.best_prices is not None:
        rc = relaxation.reduced_costs(*relaxation.best_prices)
        mip.improve(rc, start, deadline, on_plan, current, stop, dual_bound, days)


class BackgroundBound:
    """The column generation of a :class:`TimeIndexedBound`, run beside the searches.

    Where the platform can fork, it runs in a child process, so that it neither competes for
    the interpreter lock with the neighbourhood search nor waits for it; elsewhere in a thread.
    ``on_bound`` is called (from a reader thread) with every improved bound, ``on_plan`` with
    every plan built there. Once the bound has converged, ``then`` says what the same process
    does until the deadline (with :class:`~salonkit.scheduling.day.restricted.RestrictedMip`):
    ``"restricted"``, rounds of restricted MIPs for plans, each starting from the better of its
    own plan and ``current()`` (the search's plan); ``"exact"``, the whole time-indexed MIP
    from ``current()``, whose dual bound goes to ``on_bound`` and plans to ``on_plan``;
    ``"exact-then-restricted"``, the whole MIP until its bound stalls for
    :data:`EXACT_STALL_S`, then the restricted rounds; ``"lp-staff-then-restricted"``, the
    bound of one exact problem per staff member at the LP's prices
    (:func:`~salonkit.scheduling.day.staff_bound.staff_decomposition`, given at most
    :data:`STAFF_SHARE` of the time left), then the restricted rounds, which take the staff
    members' best days among their columns; ``"staff-then-restricted"``, the same at the
    subgradient method's prices (no LP: quicker, a little looser); ``"none"``, nothing.
    """

    def __init__(
        self,
        relaxation: TimeIndexedBound,
        target: float,
        deadline: float,
        on_bound: Callable[[int], None],
        on_plan: PlanCallback | None = None,
        then: FollowUp = "none",
        current: Callable[[], Plan | None] | None = None,
    ) -> None:
        self.relaxation = relaxation
        self.on_plan = on_plan
        self.then: FollowUp = then
        self.current = current
        self.target = target
        self.deadline = deadline
        self.on_bound = on_bound
        self.found: int | None = None
        self.rounds = 0
        self.converged = False
        self._stop = threading.Event()
        #: Set once the subgradient method has ended (a MIP may follow it).
        self.bound_done = threading.Event()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        """Start the computation (before any other thread of the search is started)."""
        if "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            receiver, sender = ctx.Pipe(duplex=True)
            process = ctx.Process(
                target=_child,
                args=(self.relaxation, self.target, self.deadline, self.then, sender),
                name="salon-day-lp",
                daemon=True,
            )
            try:
                with warnings.catch_warnings():
                    # Python 3.12+ warns when a multi-threaded process forks (a host
                    # application's threads). The child only runs numpy on its own data and
                    # writes to its pipe: it takes none of the locks other threads may hold.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    process.start()
            except (AssertionError, OSError) as error:  # e.g. inside a daemonic worker
                logger.info("bound computed in a thread (no child process: %s)", error)
                receiver.close()
            else:
                self._process = process
                self._reader = threading.Thread(
                    target=self._read, args=(receiver,), name="salon-day-lp-reader", daemon=True
                )
            sender.close()
        if self._reader is None:
            self._reader = threading.Thread(target=self._run_here, name="salon-day-lp")
        self._reader.start()

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):
                break
            if kind == "bound":
                self.on_bound(value)
            elif kind == "plan":
                if self.on_plan is not None:
                    self.on_plan(*value)
            elif kind == "want":
                try:
                    conn.send(self._current())
                except OSError:
                    break
            elif kind == "done":
                self.found, self.rounds, self.converged = value
                self.bound_done.set()
            else:
                break
        self.bound_done.set()
        conn.close()

    def _current(self) -> Plan | None:
        return self.current() if self.current is not None else None

    def _run_here(self) -> None:
        self.found = self.relaxation.subgradient(
            self.target,
            self.deadline,
            self.on_bound,
            stop=self._stop.is_set,
            on_plan=self.on_plan,
            stall_s=STALL_S if self.then == "none" else FOLLOW_UP_STALL_S,
        )
        self.rounds, self.converged = self.relaxation.rounds, self.relaxation.converged
        self.bound_done.set()
        if not self._stop.is_set():
            _follow_up(
                self.then,
                self.relaxation,
                self.deadline,
                self.on_plan or (lambda placed, breaks: None),
                self.on_bound,
                self._current,
                self._stop.is_set,
            )

    def stop(self) -> None:
        """Stop the computation and wait for it; the bounds found so far have been reported."""
        self._stop.set()
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        if self._process is not None:
            self._process.join()
        if self._reader is not None:
            self._reader.join()

    def wait(self, until: float) -> None:
        """Wait for the computation to end, at most until ``until`` (``time.perf_counter``)."""
        if self._reader is not None:
            self._reader.join(max(0.0, until - time.perf_counter()))


__all__ = ["BackgroundBound", "FollowUp", "PlanCallback", "TimeIndexedBound"]
