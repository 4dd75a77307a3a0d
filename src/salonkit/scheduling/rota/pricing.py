"""Pricing of one employee's row by dynamic programming over the days.

Column generation (:mod:`~salonkit.scheduling.rota.columns`) needs, round after round, each
employee's valid row of least cost at given per-(day, shift) costs. This module finds it without
a solver: a shortest path over the days whose state at the end of a day is

- what the employee does that day (shift type, or off) and how long the current run of work
  (or of days off) has lasted, which enforces rotation, the longest and shortest runs of work
  and the shortest runs off (with the runs touching either end of the horizon exempt, as the
  rules say);
- the minutes worked so far, in units of the greatest common divisor of the shift lengths,
  which enforces the least and most minutes;
- the weekends worked so far, which enforces their limit;
- the shifts worked so far of the type whose per-type limit (``max_shifts``) is tightest,
  when that keeps the state within :data:`COUNTED_CELLS`.

Fixed days off forbid work on them. The other per-type limits that can bind are not in the
state: each such type carries a multiplier added to its cost on every day (Lagrangian
relaxation), and the value ``min(cost + mu . count) - mu . limit`` over rows that meet every
other rule is a lower bound on the least cost of a valid row, for any multipliers ``mu >= 0``.
When the row found meets the limits and every type with a positive multiplier is used up to
its limit, that bound is the row's own cost and the row is proven least. Otherwise the
multipliers move by a subgradient step (Polyak's) and the search repeats a few times; the
caller keeps the best bound and falls back to an exact solver when no proof came.

The arrays are numpy; one employee's search over four weeks takes a few milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import attrs
import numpy as np

from salonkit.scheduling.rota.model import WEEKEND_DAYS, NoValidRow, RotaProblem

#: Searches of one pricing at most, each after a subgradient step on the multipliers.
SUBGRADIENT_STEPS = 6
#: Most resource cells (states x minutes x weekends x count) per day for which the tightest
#: per-type limit is counted in the state rather than given a multiplier.
COUNTED_CELLS = 100_000

_INF = math.inf


@attrs.frozen
class RowPrice:
    """What one pricing found: rows meeting every rule with their costs (least first), a proven
    lower bound on the least cost of a valid row, and whether the first row is proven least."""

    rows: tuple[tuple[int, ...], ...]
    costs: tuple[int, ...]
    bound: int
    optimal: bool
    #: Searches made (one per subgradient step).
    searches: int = 1


class RowPricer:
    """Least-cost rows of employee ``ei`` of ``problem`` (see the module's text).

    The tightest per-type limit is counted in the state when the resource cells per day stay
    within ``counted_cells``; every other limit that can bind gets a multiplier.

    Rows are tuples of shift indexes into ``problem.shifts`` per day, ``-1`` for a day off.
    """

    def __init__(
        self, problem: RotaProblem, ei: int, *, counted_cells: int = COUNTED_CELLS
    ) -> None:
        e = problem.employees[ei]
        c = e.contract
        self.employee = e.id
        self.horizon = h = problem.horizon
        self.allowed = [si for si, s in enumerate(problem.shifts) if c.max_shifts.get(s.id, 0) > 0]
        self._local = {si: b for b, si in enumerate(self.allowed)}
        lengths = [problem.shifts[si].minutes for si in self.allowed]
        unit = math.gcd(*lengths) if lengths else 1
        self.units = [n // unit for n in lengths]
        most = h * max(self.units, default=0)
        self.top = min(c.max_minutes // unit, most)  # most minutes, in units
        self.least = -(-c.min_minutes // unit)  # least minutes, in units
        if self.least > self.top:
            raise NoValidRow(e.id)
        weekends = sum(1 for d in range(h) if d % 7 == WEEKEND_DAYS[0])
        self.weekends = min(c.max_weekends, weekends)
        self.longest = min(c.max_consecutive, h)
        self.shortest = min(c.min_consecutive, self.longest)
        self.rest = c.min_days_off
        self.workable = [d not in e.days_off for d in range(h)]
        ids = [problem.shifts[si].id for si in self.allowed]
        blocked = [problem.shifts[si].forbidden_next for si in self.allowed]
        k = len(self.allowed)
        #: follows[a, b]: shift b may be worked the day after shift a
        self.follows = np.array(
            [[ids[b] not in blocked[a] for b in range(k)] for a in range(k)], dtype=bool
        ).reshape(k, k)
        groups: dict[tuple[bool, ...], list[int]] = {}
        for b in range(k):
            groups.setdefault(tuple(bool(v) for v in self.follows[:, b]), []).append(b)
        self._groups = [
            (np.array(key, dtype=bool), np.array(targets)) for key, targets in groups.items()
        ]
        workable_days = sum(self.workable)
        # the types whose limit can bind: the tightest one is counted in the state when that
        # keeps the state small, the others get multipliers
        binding = sorted(
            (
                (c.max_shifts[ids[b]], b)
                for b in range(k)
                if c.max_shifts[ids[b]] < min(workable_days, self.top // self.units[b])
            ),
        )
        states = k * (self.longest + max(self.shortest - 1, 0)) + self.rest
        cells = states * (self.top + 1) * (self.weekends + 1)
        #: (local shift, limit) of the type counted in the state, if any
        self.counted: tuple[int, int] | None = None
        if binding and (binding[0][0] + 1) * cells <= counted_cells:
            limit, b = binding.pop(0)
            self.counted = (b, limit)
        #: (local shift, limit) of the limited types relaxed with multipliers
        self.limited = [(b, limit) for limit, b in sorted(binding, key=lambda t: t[1])]
        self.multipliers = np.zeros(len(self.limited))
        by_step: dict[tuple[int, int], list[int]] = {}
        for b, units in enumerate(self.units):
            by_step.setdefault((units, self._counts_one(b)), []).append(b)
        self._by_step = [(step, np.array(chosen)) for step, chosen in by_step.items()]
        #: The size of one search: states times resource cells times days.
        self.work = h * cells * self._shape()[2]

    def _counts_one(self, b: int) -> int:
        """1 when shift ``b`` is the type counted in the state, else 0."""
        return 1 if self.counted is not None and self.counted[0] == b else 0

    # -- the search ------------------------------------------------------------------------

    def _shape(self) -> tuple[int, int, int]:
        """The sizes of the resource axes: minutes, weekends and the counted type."""
        counted = self.counted[1] + 1 if self.counted is not None else 1
        return self.top + 1, self.weekends + 1, counted

    def _forward(
        self, cost: np.ndarray, worked: frozenset[int] = frozenset()
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The least cost of reaching each state at the end of each day (a day of ``worked``
        is never a day off).

        Per day: ``work[b, r, m, w, n]`` (shift ``b``, a run of ``r + 1`` days that is held to
        the shortest run), ``exempt[b, r, m, w, n]`` (a run from day 0 shorter than the
        shortest run, which is exempt from it) and ``off[o, m, w, n]`` (``o + 1`` days off,
        the last index meaning at least :attr:`rest`, or a run from day 0). The last three
        axes are the resources: minutes ``m``, weekends ``w`` and shifts ``n`` of the counted
        type.
        """
        k = len(self.allowed)
        m, w, n = self._shape()
        long, short, rest = self.longest, self.shortest, self.rest
        days = []
        work = np.full((k, long, m, w, n), _INF)
        exempt = np.full((k, max(short - 1, 0), m, w, n), _INF)
        off = np.full((rest, m, w, n), _INF)
        for d in range(self.horizon):
            weekday = d % 7
            saturday = weekday == WEEKEND_DAYS[0]
            sunday = weekday == WEEKEND_DAYS[1]
            new_work = np.full_like(work, _INF)
            new_exempt = np.full_like(exempt, _INF)
            new_off = np.full_like(off, _INF)
            # a day off: runs off grow; a run of work ends if long enough (or if from day 0)
            if d == 0:
                new_off[rest - 1, 0, 0, 0] = 0.0
            else:
                for o in range(rest):
                    target = min(o + 1, rest - 1)
                    np.minimum(new_off[target], off[o], out=new_off[target])
                if k:
                    ended = work[:, short - 1 :].min(axis=(0, 1))
                    np.minimum(new_off[0], ended, out=new_off[0])
                if k and short > 1:
                    np.minimum(new_off[0], exempt.min(axis=(0, 1)), out=new_off[0])
            if self.workable[d] and k:
                price = cost[d][:, None, None, None]
                # weekends gained: a first day of work on a weekend day, or a Saturday
                from_off = 1 if (saturday or sunday) else 0
                from_work = 1 if saturday else 0
                if d == 0:
                    start = np.full((m, w, n), _INF)
                    if from_off < w:
                        start[0, from_off, 0] = 0.0
                    firsts = new_exempt[:, 0] if short > 1 else new_work[:, 0]
                    for (units, more), chosen in self._by_step:
                        if units < m and more < n:
                            firsts[chosen, units:, :, more:] = (
                                start[None, : m - units, :, : n - more] + price[chosen]
                            )
                else:
                    before = np.empty((k, long - 1, m, w, n))
                    early = np.empty((k, max(short - 1, 0), m, w, n))
                    for mask, targets in self._groups:
                        if not mask.any():  # a shift no shift may precede
                            before[targets] = _INF
                            early[targets] = _INF
                            continue
                        before[targets] = work[mask, : long - 1].min(axis=0)
                        if short > 1:
                            early[targets] = exempt[mask].min(axis=0)
                    rested = off[rest - 1]
                    for (units, more), chosen in self._by_step:
                        if units >= m or more >= n:
                            continue
                        lo, hi, top, few = units, m - units, w - from_work, n - more
                        if from_off < w:
                            new_work[chosen, 0, lo:, from_off:, more:] = (
                                rested[None, :hi, : w - from_off, :few] + price[chosen]
                            )
                        if top > 0:
                            new_work[chosen, 1:, lo:, from_work:, more:] = (
                                before[chosen, :, :hi, :top, :few] + price[chosen][:, None]
                            )
                            if short > 1:
                                grown = early[chosen, :, :hi, :top, :few] + price[chosen][:, None]
                                # a run from day 0 of r + 2 days: exempt while short
                                new_exempt[chosen, 1:, lo:, from_work:, more:] = grown[:, :-1]
                                last = new_work[chosen, short - 1, lo:, from_work:, more:]
                                new_work[chosen, short - 1, lo:, from_work:, more:] = np.minimum(
                                    last, grown[:, -1]
                                )
            if d in worked:
                new_off.fill(_INF)
            work, exempt, off = new_work, new_exempt, new_off
            days.append((work, exempt, off))
        return days

    def _paths(
        self, cost: np.ndarray, count: int, worked: frozenset[int] = frozenset()
    ) -> tuple[float, list[tuple[float, tuple[int, ...]]]]:
        """The least value over every row (the types with multipliers left unlimited, the days
        of ``worked`` worked) and up to ``count`` rows of least cost, each with its cost."""
        days = self._forward(cost, worked)
        work, exempt, off = days[-1]
        lo = self.least
        ends: list[tuple[float, tuple[str, tuple[int, ...]]]] = []
        for name, array in (("work", work), ("exempt", exempt), ("off", off)):
            part = array[..., lo:, :, :]
            if part.size == 0:
                continue
            flat = part.ravel()
            take = min(count, flat.size)
            best = (
                np.argpartition(flat, take - 1)[:take] if take < flat.size else np.arange(flat.size)
            )
            for i in best:
                value = float(flat[i])
                if value < _INF:
                    index = [int(v) for v in np.unravel_index(int(i), part.shape)]
                    index[-3] += lo
                    ends.append((value, (name, tuple(index))))
        if not ends:
            raise NoValidRow(self.employee)
        ends.sort(key=lambda item: item[0])
        out = [(value, self._back(days, cost, state)) for value, state in ends[:count]]
        return ends[0][0], out

    def _back(
        self,
        days: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        cost: np.ndarray,
        end: tuple[str, tuple[int, ...]],
    ) -> tuple[int, ...]:
        """The row leading to ``end`` on the last day (following the values back)."""
        row = [-1] * self.horizon
        name, state = end
        k, long, short, rest = len(self.allowed), self.longest, self.shortest, self.rest
        for d in range(self.horizon - 1, -1, -1):
            work, exempt, off = days[d]
            value = {"work": work, "exempt": exempt, "off": off}[name][state]
            if d == 0:
                if name != "off":
                    row[0] = self.allowed[state[0]]
                break
            prev_work, prev_exempt, prev_off = days[d - 1]
            found: tuple[str, tuple[int, ...]] | None = None
            if name == "off":
                o, *resources = state
                for o2 in range(rest):
                    if min(o2 + 1, rest - 1) == o and prev_off[(o2, *resources)] == value:
                        found = ("off", (o2, *resources))
                        break
                if found is None and o == 0:
                    ends = [("work", r) for r in range(short - 1, long)]
                    ends += [("exempt", r) for r in range(prev_exempt.shape[1])]
                    previous = {"work": prev_work, "exempt": prev_exempt}
                    for kind, r in ends:
                        for b in range(k):
                            if previous[kind][(b, r, *resources)] == value:
                                found = (kind, (b, r, *resources))
                                break
                        if found:
                            break
                assert found is not None, "no predecessor of a day off"
                name, state = found
                continue
            b, r, m, w, n = state
            row[d] = self.allowed[b]
            weekday = d % 7
            saturday = weekday == WEEKEND_DAYS[0]
            sunday = weekday == WEEKEND_DAYS[1]
            m2, n2 = m - self.units[b], n - self._counts_one(b)
            rest_value = value - cost[d, b]
            if name == "work" and r == 0:
                w2 = w - (1 if (saturday or sunday) else 0)
                if w2 >= 0 and prev_off[rest - 1, m2, w2, n2] == rest_value:
                    found = ("off", (rest - 1, m2, w2, n2))
            else:
                w2 = w - (1 if saturday else 0)
                if w2 >= 0:
                    for b2 in range(k):
                        if not self.follows[b2, b]:
                            continue
                        if name == "work" and prev_work[b2, r - 1, m2, w2, n2] == rest_value:
                            found = ("work", (b2, r - 1, m2, w2, n2))
                            break
                        if (
                            (name == "exempt" or r == short - 1)
                            and r - 1 < prev_exempt.shape[1]
                            and prev_exempt[b2, r - 1, m2, w2, n2] == rest_value
                        ):
                            found = ("exempt", (b2, r - 1, m2, w2, n2))
                            break
            assert found is not None, "no predecessor of a working day"
            name, state = found
        return tuple(row)

    # -- pricing ---------------------------------------------------------------------------

    def _cost(self, local: np.ndarray, row: Sequence[int]) -> int:
        """What ``row`` costs at ``local`` (costs by day and allowed shift)."""
        return round(sum(float(local[d, self._local[si]]) for d, si in enumerate(row) if si >= 0))

    def counts(self, row: Sequence[int]) -> list[int]:
        """How many shifts of each limited type ``row`` holds."""
        return [sum(1 for si in row if si == self.allowed[b]) for b, _ in self.limited]

    def price(
        self,
        costs: np.ndarray,
        count: int = 3,
        enough: float | None = None,
        forced: Mapping[int, int] | None = None,
    ) -> RowPrice:
        """The least-cost valid rows at ``costs`` (``costs[day, shift index]``, integers, the
        cost of working that shift that day; a day off costs nothing): up to ``count`` rows
        that meet every rule, least first, with a proven lower bound on the least cost.

        With ``enough``, the subgradient steps stop as soon as a valid row costs at most that,
        or the bound shows that none does. ``forced`` maps days to the shift index every row
        takes that day (``-1``: a day off); the bound is then over those rows only.
        Raises :class:`NoValidRow` when no row takes every forced shift even with the per-type
        limits left out; with them, ``rows`` may come back empty.
        """
        local = np.asarray(costs, dtype=float)[:, self.allowed]
        worked: set[int] = set()
        for d, si in (forced or {}).items():
            if si >= 0 and si not in self._local:
                raise NoValidRow(self.employee)
            kept = local[d, self._local[si]] if si >= 0 else 0.0
            local[d, :] = _INF
            if si >= 0:
                local[d, self._local[si]] = kept
                worked.add(d)
        found: dict[tuple[int, ...], int] = {}
        bound = -_INF
        optimal = False
        finite = local[np.isfinite(local)]
        scale = max(float(np.abs(finite).max()) if finite.size else 0.0, 1.0)
        for attempt in range(SUBGRADIENT_STEPS):
            mu = self.multipliers
            shifted = local.copy()
            for (b, _), extra in zip(self.limited, mu, strict=True):
                shifted[:, b] += extra
            value, rows = self._paths(shifted, count, frozenset(worked))
            relaxed = value - sum(
                extra * limit for (_, limit), extra in zip(self.limited, mu, strict=True)
            )
            bound = max(bound, relaxed)
            gradient = np.zeros(len(self.limited))
            for index, (_, row) in enumerate(rows):
                used = self.counts(row)
                excess = [n - limit for n, (_, limit) in zip(used, self.limited, strict=True)]
                if all(x <= 0 for x in excess):
                    found.setdefault(row, self._cost(local, row))
                if index == 0:
                    gradient = np.array(excess, dtype=float)
            best = min(found.values(), default=None)
            if best is not None and best <= math.ceil(bound - 1e-9):
                optimal = True
                break
            if enough is not None and (
                (best is not None and best <= enough) or math.ceil(bound - 1e-9) > enough
            ):
                break  # a row good enough, or proof that there is none
            if not len(self.limited) or attempt == SUBGRADIENT_STEPS - 1:
                break
            # Polyak's step towards the best row's cost (or a guess above the bound)
            gradient[(mu <= 0) & (gradient < 0)] = 0.0
            norm = float(gradient @ gradient)
            if norm == 0:
                break
            target = best if best is not None else relaxed + scale
            step = max(target - relaxed, 1.0) / norm
            moved = np.maximum(0.0, np.round(mu + step * gradient))
            if np.array_equal(moved, mu):
                break  # a step too small to change an integer multiplier
            self.multipliers = moved
        ordered = sorted(found.items(), key=lambda item: item[1])[:count]
        return RowPrice(
            tuple(row for row, _ in ordered),
            tuple(c for _, c in ordered),
            math.ceil(bound - 1e-9),
            optimal,
            attempt + 1,
        )


__all__ = ["COUNTED_CELLS", "SUBGRADIENT_STEPS", "RowPrice", "RowPricer"]
