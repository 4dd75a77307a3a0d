"""A bound on the day from one exact sub-problem per staff member (a Lagrangian decomposition).

The time-indexed programme of :mod:`salonkit.scheduling.day.colgen` has one 0-1 column per
(request, staff member, start) and per (break, start), and rows of four kinds: a request is
served at most once (exactly once when pinned), a staff member serves one step or break per time
unit, a resource holds at most its capacity, a customer is in one service. The subgradient bound
dualises every capacity row: what is left splits into one trivial choice per request, which
the LP already makes, so that bound only approaches the LP's.

Here the rows of the requests, resources and customers are dualised instead, with prices
``lambda >= 0`` (free for a pinned request), ``pi_res >= 0`` and ``pi_cust >= 0``, and the rows of
the staff are kept. What is left splits into one problem per staff member: which of their
columns to take, each worth its gain less the prices of what it holds, so that no two overlap
in their staff steps, every break is placed once and no request is taken twice. For any prices,

.. math::

   \\sum_r \\lambda_r + \\sum \\text{capacity} \\cdot \\pi_{res} + \\sum \\pi_{cust}
     + \\sum_{s} \\max(\\text{day of } s)

bounds the score of every valid plan. A staff member's problem is a small 0-1 programme that
HiGHS solves exactly, usually in a fraction of a second; it has no integrality property (a
colour's two staff steps with the processing between them can be interleaved with other
requests only in whole units), so at the LP's prices the bound drops below the LP's optimum: on
the 12-staff, 150-request benchmark day from 23,275 to 23,048.

The prices are those of the LP's rows, shaped as the subgradient method's: the LP's optimal
duals (:meth:`~salonkit.scheduling.day.restricted.RestrictedMip.lp_prices`) or the subgradient's
best. The resources' and customers' prices are used as they are; each request's price is the
best it could still earn at those prices, ``lambda_r = max(0, best reduced cost)``, which is the
LP's own when the prices are optimal. A staff member's problem stopped by its time limit still
gives a bound: HiGHS's dual bound.

The days themselves are kept too: each staff member's best day at those prices, and every
improving day HiGHS found on the way, is a whole, consistent day (its staff steps fit together
around the breaks), and the best days together are a plan except where two staff members take
the same request or a resource or customer is over-used. Their columns are good material for
the restricted MIPs of :mod:`salonkit.scheduling.day.restricted`, which repair exactly that: on
the 12-staff day, about 160 columns that lift the plans of the restricted rounds by a hundred
or two.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import attrs
import numpy as np

from salonkit.scheduling.day.restricted import zero_one_programme

if TYPE_CHECKING:
    from salonkit.scheduling.day.colgen import FloatArray, IntArray, TimeIndexedBound

#: Longest a single staff member's problem runs, in seconds (its dual bound is used then).
STAFF_LIMIT_S = 1.0


@attrs.frozen
class StaffDecomposition:
    """What the decomposition found at one set of prices."""

    #: An upper bound on the score of every valid plan of the day.
    bound: float
    #: The columns (of the relaxation) of every staff member's improving days, from HiGHS's
    #: first solution to its best, sorted.
    columns: IntArray


def staff_decomposition(
    relaxation: TimeIndexedBound,
    prices: tuple[FloatArray, FloatArray, FloatArray],
    deadline: float,
    staff_limit_s: float = STAFF_LIMIT_S,
) -> StaffDecomposition | None:
    """The decomposition at ``prices`` (``pi_staff``, ``pi_res``, ``pi_cust``, as the
    subgradient method shapes them; the staff prices only set each request's price), each
    staff member's problem limited to ``staff_limit_s``: its bound and the columns of the days
    found for each staff member; None when ``deadline`` comes first."""
    rel = relaxation
    pi_staff, pi_res, pi_cust = prices
    full = rel.reduced_costs(pi_staff, pi_res, pi_cust)
    held = rel.reduced_costs(np.zeros_like(pi_staff), pi_res, pi_cust)
    n_req = len(rel.requests)
    best = np.maximum.reduceat(full, rel.group_start) if len(full) else np.zeros(n_req)
    price = np.where(rel.pinned, best, np.maximum(best, 0.0))
    total = float(price.sum())
    total += float((pi_res.sum(axis=1) * rel.capacity[:-1]).sum()) + float(pi_cust.sum())
    gain = held - price[rel.col_req]
    worth = np.flatnonzero(gain > 1e-9)
    days: list[IntArray] = [np.zeros(0, dtype=np.int64)]
    for s in range(len(rel.staff_index)):
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        found = _staff_day(rel, s, worth[rel.col_staff[worth] == s], gain, min(left, staff_limit_s))
        if found is None:
            return None
        total += found[0]
        days.append(found[1])
    return StaffDecomposition(total, np.unique(np.concatenate(days)).astype(np.int64))


def _staff_day(
    rel: TimeIndexedBound,
    staff: int,
    columns: IntArray,
    gain: FloatArray,
    time_limit: float,
) -> tuple[float, IntArray] | None:
    """An upper bound on one staff member's best day at these gains (exact when solved), and
    the columns of every improving day HiGHS found on the way to it."""
    import highspy as hs  # imported here: only the bound's process needs it

    if not len(columns) and not any(b[0] == staff for b in rel.breaks):
        return 0.0, columns
    units: dict[int, list[int]] = {}
    once: dict[int, list[int]] = {}
    costs: list[float] = []
    for pos, j in enumerate(columns.tolist()):
        g, t = int(rel.col_req[j]), int(rel.col_t[j])
        costs.append(float(gain[j]))
        once.setdefault(g, []).append(pos)
        for k in range(rel.s_off.shape[1]):
            a = t + int(rel.s_off[g, k])
            for u in range(a, a + int(rel.s_len[g, k])):
                units.setdefault(u, []).append(pos)
    placed: list[list[int]] = []
    for s, first, last, size in rel.breaks:
        if s != staff:
            continue
        members = []
        for t in range(first, last + 1):
            members.append(len(costs))
            costs.append(0.0)
            for u in range(t, t + size):
                units.setdefault(u, []).append(members[-1])
        placed.append(members)
    rows = [(1.0, 1.0, m) for m in placed]
    rows += [(-hs.kHighsInf, 1.0, m) for m in once.values() if len(m) > 1]
    rows += [(-hs.kHighsInf, 1.0, m) for m in units.values() if len(m) > 1]
    h = zero_one_programme(
        costs,
        [lo for lo, _, _ in rows],
        [hi for _, hi, _ in rows],
        [int(x) for x in np.cumsum([0] + [len(m) for _, _, m in rows[:-1]])],
        [p for _, _, m in rows for p in m],
    )
    h.setOptionValue("time_limit", max(0.01, float(time_limit)))
    h.setOptionValue("mip_rel_gap", 0.0)
    days: list[IntArray] = [columns[:0]]

    def improved(event: hs.highs.HighsCallbackEvent) -> None:
        taken = np.asarray(event.data_out.mip_solution[: len(columns)], dtype=float) > 0.5
        days.append(columns[taken])

    h.cbMipImprovingSolution.subscribe(improved)
    h.run()
    status = h.getModelStatus()
    if status == hs.HighsModelStatus.kInfeasible:
        return None  # the breaks cannot all be placed: no bound from here
    seen = np.unique(np.concatenate(days)).astype(np.int64)
    bound = float(h.getInfo().mip_dual_bound)
    if not math.isfinite(bound):  # stopped before its first LP: every positive gain
        return float(sum(c for c in costs if c > 0)), seen
    return bound, seen


__all__ = ["STAFF_LIMIT_S", "StaffDecomposition", "staff_decomposition"]
