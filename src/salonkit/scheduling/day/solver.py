"""The salon-day optimiser on OR-Tools CP-SAT.

:func:`optimize` builds one CP-SAT model of the day (see ``docs/explanation/day-optimiser.rst``
for the full model), warm-starts it from the greedy baseline, solves it under a time limit and
returns a :class:`~salonkit.scheduling.day.model.DaySolution` carrying the objective, the proven
bound and the status. Every answer is checked by the independent checker before it is returned;
if it would not pass, the greedy plan is returned instead and the failure is logged.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import attrs
from ortools.sat.python import cp_model

from salonkit.scheduling.day import lns
from salonkit.scheduling.day.checker import check_solution
from salonkit.scheduling.day.colgen import BackgroundBound, FollowUp, TimeIndexedBound
from salonkit.scheduling.day.errors import InfeasibleDay
from salonkit.scheduling.day.greedy import best_greedy_solution
from salonkit.scheduling.day.model import (
    Assignment,
    BreakPlacement,
    DayProblem,
    DaySolution,
    StaffDay,
)
from salonkit.scheduling.day.prepare import (
    Block,
    Prepared,
    Ranges,
    possible_starts,
    prepare,
    union,
)

logger = logging.getLogger(__name__)

Domain = cp_model.Domain
#: Largest model (in request-staff pairs) that gets the window energy constraints.
WINDOW_ENERGY_PAIRS = 1000
#: Smallest model (in request-staff pairs) that gets the time-indexed LP bound (CP-SAT proves
#: smaller days optimal on its own).
LP_MIN_PAIRS = 100
#: Run the whole CP-SAT model beside the neighbourhood search on large days (its bound is
#: weaker than the LP's there; it is kept for the plans it finds).
FULL_MODEL_WITH_LNS = False
#: Share of the time limit spent on trying several greedy orders for the first plan.
GREEDY_SHARE = 0.04
#: Greedy orders tried in ``deterministic`` mode.
DETERMINISTIC_GREEDY = 3
#: Largest model (in request-staff pairs) on which CP-SAT's presolve probes.
PROBING_PAIRS = 500
#: Smallest model (in request-staff pairs) on which a neighbourhood search runs beside CP-SAT;
#: below it CP-SAT gets every worker, which serves small and mid-sized days better.
LNS_PAIRS = 400
#: Deterministic work units per second of time limit in ``deterministic`` mode.
DTIME_PER_S = 0.1
#: Neighbourhood moves per second of time limit in ``deterministic`` mode.
MOVES_PER_S = 4
#: Seeds of concurrent neighbourhood searches lie this far apart.
LNS_SEED_STEP = 7919
#: A further neighbourhood search starts only with at least this many seconds left.
HELPER_MIN_S = 0.5
#: On days searched by neighbourhoods of up to this many request-staff pairs, the bound's
#: process goes on with restricted MIPs (:mod:`salonkit.scheduling.day.restricted`) once the
#: bound has converged; on larger days the programmes grow too slow and a second
#: neighbourhood search makes better use of that core.
RESTRICTED_MIP_PAIRS = 2000
#: On days of up to this many pairs, the bound's process goes on with the whole time-indexed
#: MIP: its dual bound, with HiGHS's cuts, is tighter than the LP's. On days CP-SAT searches
#: alone it runs to the end; on days searched by neighbourhoods it gives way to the restricted
#: MIPs once its bound stalls.
EXACT_MIP_PAIRS = 600
#: On days searched by neighbourhoods of more than :data:`EXACT_MIP_PAIRS` pairs (and up to
#: :data:`RESTRICTED_MIP_PAIRS`), the bound's process goes on, before the restricted MIPs, with
#: one exact problem per staff member (:mod:`salonkit.scheduling.day.staff_bound`): a bound
#: tighter than the LP's, and whole staff days that the restricted MIPs take among their
#: columns. Up to this many pairs, and with a time limit of at least :data:`LP_PRICES_MIN_S`,
#: the problems are priced by the LP's optimal duals
#: (gen-12x150: 23,070 against 23,310, in about 5 s); on larger days the LP alone takes the
#: time the plans need, and the subgradient method's prices serve (gen-16x200: 34,070 against
#: 34,190, in 2.5 s).
LP_PRICES_PAIRS = 1000
#: The LP's prices need a time limit of at least this many seconds; with less, the subgradient
#: method's serve on every day. The LP and the decomposition at its prices take 5 s on gen-12x150
#: on a quick machine (2.3 + 2.9 s) and 7 s on a slower one (3.5 + 3.5 s), which leaves the
#: restricted MIPs little of a 10 s limit: there the subgradient's prices (a bound 0.3 % looser,
#: from 3.4 s earlier) gave plans 1.5 % better (medians of 12 and 9 runs:
#: 22,335 against 22,010).
LP_PRICES_MIN_S = 30.0
#: Days CP-SAT searches alone of at least this many request-staff pairs (and fewer than
#: :data:`LNS_PAIRS`) give CP-SAT only :data:`POLISH_SHARE` of the time limit and the rest to
#: the neighbourhood search from CP-SAT's best plan: that search takes one core where CP-SAT
#: took two, so HiGHS's whole MIP beside it gets a core of its own and its bound goes down
#: further. Medians of 12 runs at 10 s on gen-8x90 (372 pairs): 14,345 / 14,780 against
#: 14,325 / 14,800 (gap 2.94 % against 3.21 %); medians of 4 on the same sizes of the
#: generator's seeds 1-4 (325-391 pairs): 14,110, 11,780, 15,610, 13,555 against 13,980,
#: 11,785, 15,585, 13,535. On smaller days CP-SAT does better alone (gen-6x60 is no longer
#: proven optimal; 240 pairs: 11,600 against 11,640). CP-SAT keeping 0.7 or 0.3 of the time
#: on gen-8x90: 14,340 and 14,260.
POLISH_PAIRS = 300
#: Share of the time limit CP-SAT keeps on the days of :data:`POLISH_PAIRS`.
POLISH_SHARE = 0.5


@attrs.frozen
class Progress:
    """A new best plan found during the search: its score, the bound so far, seconds elapsed."""

    objective: int
    bound: int
    wall_s: float


ProgressCallback = Callable[[Progress], None]


@attrs.define
class DayModel:
    """A built CP-SAT model of one day and the variables needed to read a plan back."""

    prep: Prepared
    model: cp_model.CpModel
    present: dict[int, cp_model.IntVar]  # request index -> scheduled literal
    start: dict[int, cp_model.IntVar]  # request index -> start (units)
    serves: dict[int, dict[str, cp_model.IntVar]]  # request index -> staff -> literal
    breaks: dict[str, list[cp_model.IntVar]]  # staff -> break starts (units), instance order
    symmetric_groups: list[list[str]]
    options: dict[int, dict[str, Ranges]]
    trivial_bound: int = 0
    build_s: float = 0.0


# -- presolve ------------------------------------------------------------------------------


def _symmetric_groups(prep: Prepared, options: dict[int, dict[str, Ranges]]) -> list[list[str]]:
    """Groups of interchangeable staff: same skills, shifts, breaks, preferences, no pins."""
    pinned = {pr.request.pinned.staff for pr in prep.requests if pr.request.pinned is not None}
    keys: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for member in prep.problem.staff:
        if member.id in pinned:
            continue
        preferred_by = tuple(
            pr.index for pr in prep.requests if member.id in pr.request.preferred_staff
        )
        options_key = tuple(
            (i, opts.get(member.id)) for i, opts in sorted(options.items()) if member.id in opts
        )
        key = (
            member.skills,
            member.shifts,
            member.breaks,
            preferred_by,
            options_key,
        )
        keys[key].append(member.id)
    return [group for group in keys.values() if len(group) > 1]


def _available_units(member: StaffDay, prep: Prepared) -> int:
    """Units a staff member can serve customers: shift time inside opening hours, minus the
    breaks that must fall inside a shift."""
    unit = prep.unit
    shifts = union(
        [
            (max(s.start // unit, prep.open), min(s.end // unit, prep.close) - 1)
            for s in member.shifts
        ]
    )
    total = sum(hi - lo + 1 for lo, hi in shifts)
    all_shifts = union([(s.start // unit, s.end // unit - 1) for s in member.shifts])
    for window in member.breaks:
        lo, hi = window.earliest // unit, window.latest_end // unit - 1
        inside_shift = any(a <= lo and hi <= b for a, b in all_shifts)
        inside_open = prep.open <= lo and hi < prep.close
        if inside_shift and inside_open:
            total -= window.duration_min // unit
    return max(total, 0)


# -- the model -------------------------------------------------------------------------------


def build_model(
    problem: DayProblem,
    prepared: Prepared | None = None,
    *,
    redundant: bool = True,
    symmetry: bool = True,
) -> DayModel:
    """Build the CP-SAT model of a day (no hint, no parameters).

    ``redundant`` adds the constraints that only tighten the bound (staff energy, group
    cumulatives); ``symmetry`` orders interchangeable staff. Both are on by default and can be
    switched off to measure what they bring.
    """
    started = time.perf_counter()
    prep = prepared if prepared is not None else prepare(problem)
    unit = prep.unit
    options = possible_starts(prep)
    m = cp_model.CpModel()
    m.name = problem.name or "salon-day"
    present: dict[int, cp_model.IntVar] = {}
    start: dict[int, cp_model.IntVar] = {}
    serves: dict[int, dict[str, cp_model.IntVar]] = {}
    staff_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    resource_intervals: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    customer_spans: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    any_staff: dict[int, list[cp_model.IntervalVar]] = {}
    customers: dict[str, int] = defaultdict(int)
    for pr in prep.requests:
        if options[pr.index]:
            customers[pr.request.customer] += 1
    objective: list[tuple[cp_model.IntVar, int]] = []

    for pr in prep.requests:
        opts = options[pr.index]
        if not opts:
            continue
        i = pr.index
        rid = pr.request.id
        domain = union([r for ranges in opts.values() for r in ranges])
        s = m.new_int_var_from_domain(Domain.from_intervals([list(r) for r in domain]), f"S[{rid}]")
        p = m.new_bool_var(f"p[{rid}]")
        if pr.request.pinned is not None:
            m.add(p == 1)
        start[i], present[i] = s, p
        objective.append((p, pr.value))
        lits: dict[str, cp_model.IntVar] = {}
        if len(opts) == 1:
            (only,) = opts
            lits[only] = p
        else:
            for staff_id in opts:
                lits[staff_id] = m.new_bool_var(f"x[{rid},{staff_id}]")
            m.add(sum(lits.values()) == p)
        serves[i] = lits
        for staff_id, ranges in opts.items():
            x = lits[staff_id]
            if ranges != domain:
                m.add_linear_expression_in_domain(
                    s, Domain.from_intervals([list(r) for r in ranges])
                ).only_enforce_if(x)
            for b in pr.staff_blocks:
                staff_intervals[staff_id].append(
                    m.new_optional_fixed_size_interval_var(
                        s + b.offset, b.size, x, f"staff[{rid},{staff_id},{b.offset}]"
                    )
                )
            if pr.bonus(staff_id):
                objective.append((x, pr.bonus(staff_id)))
        for name, blocks in pr.resource_blocks.items():
            for b in blocks:
                resource_intervals[name].append(
                    m.new_optional_fixed_size_interval_var(
                        s + b.offset, b.size, p, f"{name}[{rid},{b.offset}]"
                    )
                )
        if customers[pr.request.customer] > 1:
            customer_spans[pr.request.customer].append(
                m.new_optional_fixed_size_interval_var(s, pr.length, p, f"span[{rid}]")
            )
        any_staff[i] = [
            m.new_optional_fixed_size_interval_var(
                s + b.offset, b.size, p, f"any[{rid},{b.offset}]"
            )
            for b in pr.staff_blocks
        ]

    breaks: dict[str, list[cp_model.IntVar]] = {}
    break_intervals: dict[str, list[cp_model.IntervalVar]] = {}
    for member in problem.staff:
        breaks[member.id] = []
        break_intervals[member.id] = []
        for k, window in enumerate(member.breaks):
            size = window.duration_min // unit
            var = m.new_int_var(
                window.earliest // unit, window.latest_end // unit - size, f"B[{member.id},{k}]"
            )
            breaks[member.id].append(var)
            interval = m.new_fixed_size_interval_var(var, size, f"break[{member.id},{k}]")
            break_intervals[member.id].append(interval)
            staff_intervals[member.id].append(interval)

    for intervals in staff_intervals.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    capacity = {r.id: r.capacity for r in problem.resources}
    for name, intervals in resource_intervals.items():
        if len(intervals) <= capacity[name]:
            continue
        if capacity[name] == 1:
            m.add_no_overlap(intervals)
        else:
            m.add_cumulative(intervals, [1] * len(intervals), capacity[name])
    for intervals in customer_spans.values():
        m.add_no_overlap(intervals)

    pairs = sum(len(lits) for lits in serves.values())
    if redundant:
        _add_staff_energy(m, prep, serves)
        if pairs <= WINDOW_ENERGY_PAIRS:
            _add_window_energy(m, prep, options, serves, present)
        _add_group_cumulatives(m, prep, serves, any_staff, break_intervals)
    groups = _symmetric_groups(prep, options) if symmetry else []
    _add_symmetry_breaking(m, prep, serves, groups)

    m.maximize(sum(coef * var for var, coef in objective))
    return DayModel(
        prep=prep,
        model=m,
        present=present,
        start=start,
        serves=serves,
        breaks=breaks,
        symmetric_groups=groups,
        options=options,
        trivial_bound=sum(
            prep.requests[i].value + max(prep.requests[i].bonus(x) for x in lits)
            for i, lits in serves.items()
        ),
        build_s=time.perf_counter() - started,
    )


def _load(
    prep: Prepared, serves: dict[int, dict[str, cp_model.IntVar]], staff_id: str
) -> list[tuple[cp_model.IntVar, int]]:
    return [
        (lits[staff_id], prep.requests[i].staff_units)
        for i, lits in serves.items()
        if staff_id in lits and prep.requests[i].staff_units
    ]


def _add_staff_energy(
    m: cp_model.CpModel, prep: Prepared, serves: dict[int, dict[str, cp_model.IntVar]]
) -> None:
    """Redundant: the staff time a member gives to customers fits in their working time."""
    for member in prep.problem.staff:
        terms = _load(prep, serves, member.id)
        available = _available_units(member, prep)
        if terms and sum(c for _, c in terms) > available:
            m.add(sum(c * x for x, c in terms) <= available)


def _min_overlap(ranges: Ranges, blocks: tuple[Block, ...], a: int, b: int) -> int:
    """The least overlap of ``blocks`` with ``[a, b)`` over every start in ``ranges``."""
    first = blocks[0].offset
    last = blocks[-1].offset + blocks[-1].size
    lo_all, hi_all = ranges[0][0], ranges[-1][1]
    if hi_all + first >= b or lo_all + last <= a:
        return 0  # some start leaves the window untouched
    best: int | None = None
    for lo, hi in ranges:
        points = {lo, hi}
        for blk in blocks:
            for edge in (
                a - blk.offset - blk.size,
                a - blk.offset,
                b - blk.offset - blk.size,
                b - blk.offset,
            ):
                if lo <= edge <= hi:
                    points.add(edge)
        for t in points:
            total = 0
            for blk in blocks:
                total += max(0, min(b, t + blk.offset + blk.size) - max(a, t + blk.offset))
            if best is None or total < best:
                best = total
                if best == 0:
                    return 0
    return best or 0


def _windows(prep: Prepared) -> list[tuple[int, int]]:
    """Time windows ``[a, b)`` on which energetic constraints are stated."""
    step = max(1, 30 // prep.unit)
    lengths = sorted({max(1, k * 30 // prep.unit) for k in (1, 2, 3, 4, 6, 8, 12)})
    out = []
    for a in range(prep.open, prep.close, step):
        for length in lengths:
            if a + length <= prep.close:
                out.append((a, a + length))
    return out


def _covered(member: StaffDay, prep: Prepared, a: int, b: int) -> int:
    """Units of ``[a, b)`` a staff member is on shift and free of compulsory break time."""
    unit = prep.unit
    shifts = union([(s.start // unit, s.end // unit - 1) for s in member.shifts])
    total = sum(max(0, min(b, hi + 1) - max(a, lo)) for lo, hi in shifts)
    for window in member.breaks:
        lo, hi = window.earliest // unit, window.latest_end // unit
        size = window.duration_min // unit
        if any(x <= lo and hi - 1 <= y for x, y in shifts):
            total -= _min_overlap(((lo, hi - size),), (Block(0, size),), a, b)
    return max(total, 0)


def _add_window_energy(
    m: cp_model.CpModel,
    prep: Prepared,
    options: dict[int, dict[str, Ranges]],
    serves: dict[int, dict[str, cp_model.IntVar]],
    present: dict[int, cp_model.IntVar],
) -> None:
    """Redundant: energetic reasoning on time windows, per staff member and per resource.

    In a window ``[a, b)`` every request that cannot avoid it brings at least its least
    overlap with the window; the sum over the chosen requests must fit in the staff member's
    free shift time (or the resource's capacity times the window length).
    """
    windows = _windows(prep)
    cache: dict[tuple[int, Ranges, int, int], int] = {}
    for member in prep.problem.staff:
        items = [
            (i, opts[member.id], prep.requests[i].staff_steps)
            for i, opts in options.items()
            if member.id in opts and prep.requests[i].staff_steps
        ]
        for a, b in windows:
            terms = []
            for i, ranges, blocks in items:
                key = (i, ranges, a, b)
                if key not in cache:
                    cache[key] = _min_overlap(ranges, blocks, a, b)
                if cache[key]:
                    terms.append((serves[i][member.id], cache[key]))
            cap = _covered(member, prep, a, b)
            if terms and sum(c for _, c in terms) > cap:
                m.add(sum(c * x for x, c in terms) <= cap)
    for resource in prep.problem.resources:
        items2 = []
        for i, opts in options.items():
            blocks2 = prep.requests[i].resource_blocks.get(resource.id)
            if opts and blocks2:
                items2.append((i, union([r for rr in opts.values() for r in rr]), blocks2))
        for a, b in windows:
            terms = []
            for i, ranges, blocks in items2:
                need = _min_overlap(ranges, blocks, a, b)
                if need:
                    terms.append((present[i], need))
            cap = resource.capacity * (b - a)
            if terms and sum(c for _, c in terms) > cap:
                m.add(sum(c * x for x, c in terms) <= cap)


def _add_group_cumulatives(
    m: cp_model.CpModel,
    prep: Prepared,
    serves: dict[int, dict[str, cp_model.IntVar]],
    any_staff: dict[int, list[cp_model.IntervalVar]],
    break_intervals: dict[str, list[cp_model.IntervalVar]],
) -> None:
    """Redundant: requests only a group of staff can serve never outnumber the group on duty.

    One cumulative per distinct group (all staff, and the staff holding each skill): at every
    moment the staff steps in progress of requests whose possible staff all belong to the group,
    plus the group's breaks that must fall inside a shift, are at most the number of group
    members on shift.
    """
    unit = prep.unit
    staff = prep.problem.staff
    groups: set[frozenset[str]] = {frozenset(s.id for s in staff)}
    for skill in {pr.service.skill for pr in prep.requests}:
        group = frozenset(s.id for s in staff if skill in s.skills)
        if group:
            groups.add(group)
    horizon = 24 * 60 // unit
    for group in sorted(groups, key=sorted):
        members = [s for s in staff if s.id in group]
        on_duty = [0] * (horizon + 1)
        for member in members:
            covered = union([(s.start // unit, s.end // unit - 1) for s in member.shifts])
            for lo, hi in covered:
                for t in range(lo, hi + 1):
                    on_duty[t] += 1
        top = max(on_duty)
        intervals: list[cp_model.IntervalVar] = []
        demands: list[int] = []
        for i, lits in serves.items():
            if set(lits) <= group:
                intervals += any_staff[i]
                demands += [1] * len(any_staff[i])
        if len(intervals) <= 1 or top == 0:
            continue
        for member in members:
            covered = union([(s.start // unit, s.end // unit - 1) for s in member.shifts])
            for window, interval in zip(member.breaks, break_intervals[member.id], strict=True):
                lo, hi = window.earliest // unit, window.latest_end // unit - 1
                if any(a <= lo and hi <= b for a, b in covered):
                    intervals.append(interval)
                    demands.append(1)
        t = 0
        while t <= horizon:
            gap = top - on_duty[t]
            end = t
            while end + 1 <= horizon and on_duty[end + 1] == on_duty[t]:
                end += 1
            if gap > 0:
                intervals.append(m.new_fixed_size_interval_var(t, end - t + 1, f"off[{t}]"))
                demands.append(gap)
            t = end + 1
        m.add_cumulative(intervals, demands, top)


def _add_symmetry_breaking(
    m: cp_model.CpModel,
    prep: Prepared,
    serves: dict[int, dict[str, cp_model.IntVar]],
    groups: list[list[str]],
) -> None:
    """Interchangeable staff are ordered by the staff time they give (non-increasing)."""
    for group in groups:
        loads = [_load(prep, serves, staff_id) for staff_id in group]
        for first, second in itertools.pairwise(loads):
            if first or second:
                m.add(sum(c * x for x, c in first) >= sum(c * x for x, c in second))


# -- hints and reading back -----------------------------------------------------------------


def _respect_symmetry(solution: DaySolution, model: DayModel) -> DaySolution:
    """Swap whole days of interchangeable staff so the hint meets the symmetry breaking."""
    prep = model.prep
    units = {pr.request.id: pr.staff_units for pr in prep.requests}
    load: dict[str, int] = defaultdict(int)
    for a in solution.assignments:
        load[a.staff] += units.get(a.request, 0)
    rename: dict[str, str] = {}
    for group in model.symmetric_groups:
        ranked = sorted(group, key=lambda s: -load[s])
        rename.update({old: new for old, new in zip(ranked, group, strict=True)})
    if not rename:
        return solution
    by_staff: dict[str, list[int]] = defaultdict(list)
    for b in solution.breaks:
        by_staff[b.staff].append(b.start)
    breaks = [
        BreakPlacement(member.id, start)
        for member in prep.problem.staff
        for start in by_staff[next((o for o, n in rename.items() if n == member.id), member.id)]
    ]
    return attrs.evolve(
        solution,
        assignments=[
            Assignment(a.request, rename.get(a.staff, a.staff), a.start)
            for a in solution.assignments
        ],
        breaks=breaks,
    )


def _add_hint(model: DayModel, hint: DaySolution) -> None:
    """A complete hint: every variable of the model gets the value of ``hint``."""
    unit = model.prep.unit
    m = model.model
    placed = {a.request: a for a in hint.assignments}
    for pr in model.prep.requests:
        i = pr.index
        if i not in model.present:
            continue
        a = placed.get(pr.request.id)
        lits = model.serves[i]
        usable = a is not None and a.staff in lits and a.start % unit == 0
        at = a.start // unit if a is not None and usable else None
        if at is None:
            m.add_hint(model.present[i], 0)
            m.add_hint(model.start[i], model.start[i].proto.domain[0])
        else:
            m.add_hint(model.present[i], 1)
            m.add_hint(model.start[i], at)
        for staff_id, x in lits.items():
            if x is not model.present[i]:
                m.add_hint(x, int(at is not None and a is not None and staff_id == a.staff))
    by_staff: dict[str, list[int]] = defaultdict(list)
    for b in hint.breaks:
        by_staff[b.staff].append(b.start)
    for staff_id, variables in model.breaks.items():
        for var, value in zip(variables, by_staff.get(staff_id, []), strict=False):
            if value % unit == 0:
                m.add_hint(var, value // unit)


def _read(
    model: DayModel, solver: cp_model.CpSolver
) -> tuple[list[Assignment], list[BreakPlacement]]:
    unit = model.prep.unit
    assignments = []
    for pr in model.prep.requests:
        i = pr.index
        if i in model.present and solver.boolean_value(model.present[i]):
            who = next(s for s, x in model.serves[i].items() if solver.boolean_value(x))
            assignments.append(Assignment(pr.request.id, who, solver.value(model.start[i]) * unit))
    breaks = [
        BreakPlacement(member.id, solver.value(var) * unit)
        for member in model.prep.problem.staff
        for var in model.breaks[member.id]
    ]
    return assignments, breaks


def _score(prep: Prepared, assignments: list[Assignment]) -> int:
    by_id = {pr.request.id: pr for pr in prep.requests}
    return sum(by_id[a.request].value + by_id[a.request].bonus(a.staff) for a in assignments)


class _Best:
    """The best score and bound seen so far, shared by the search threads."""

    def __init__(self, progress: ProgressCallback | None, started: float) -> None:
        self._lock = threading.Lock()
        self._progress = progress
        self._started = started
        self.objective: int | None = None
        self.bound: int | None = None

    def offer(self, objective: int | None = None, bound: int | None = None) -> None:
        """Record a new plan score or bound and report it when it improves."""
        with self._lock:
            changed = False
            if objective is not None and (self.objective is None or objective > self.objective):
                self.objective, changed = objective, True
            if bound is not None and (self.bound is None or bound < self.bound):
                self.bound, changed = bound, True
            if changed and self._progress is not None and self.objective is not None:
                self._progress(
                    Progress(
                        objective=self.objective,
                        bound=max(
                            self.bound if self.bound is not None else self.objective, self.objective
                        ),
                        wall_s=time.perf_counter() - self._started,
                    )
                )

    def proven(self) -> bool:
        """Whether the best plan reaches the best bound (nothing is left to find)."""
        with self._lock:
            return (
                self.objective is not None
                and self.bound is not None
                and self.objective >= self.bound
            )


class _Inbox:
    """Plans built from the Lagrangian prices in the bound's process, checked on arrival and
    handed to the neighbourhood search (which adopts one when it beats its own plan)."""

    def __init__(self, problem: DayProblem, prep: Prepared, best: _Best) -> None:
        self._problem = problem
        self._prep = prep
        self._best = best
        self._lock = threading.Lock()
        self._plan: lns.Plan | None = None
        self.best: DaySolution | None = None

    def offer(self, placed: dict[int, tuple[str, int]], breaks: dict[str, list[int]]) -> None:
        """A plan from the bound's process: kept if it is valid and the best so far."""
        plan = lns.Plan(dict(placed), {k: list(v) for k, v in breaks.items()})
        solution = _solution_of(self._prep, plan)
        if self.best is not None and solution.objective <= self.best.objective:
            return
        if not _valid(self._problem, solution, "price-guided"):
            return
        with self._lock:
            self._plan, self.best = plan, solution
        self._best.offer(solution.objective)

    def take(self) -> lns.Plan | None:
        """The newest plan not yet taken, if any."""
        with self._lock:
            plan, self._plan = self._plan, None
        return plan


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, best: _Best) -> None:
        super().__init__()
        self._best = best

    def on_solution_callback(self) -> None:
        self._best.offer(round(self.objective_value), math.floor(self.best_objective_bound + 1e-6))


def _plan_of(prep: Prepared, solution: DaySolution) -> lns.Plan:
    index = {pr.request.id: pr.index for pr in prep.requests}
    unit = prep.unit
    breaks: dict[str, list[int]] = defaultdict(list)
    for b in solution.breaks:
        breaks[b.staff].append(b.start // unit)
    return lns.Plan(
        {index[a.request]: (a.staff, a.start // unit) for a in solution.assignments},
        dict(breaks),
    )


def _solution_of(prep: Prepared, plan: lns.Plan) -> DaySolution:
    unit = prep.unit
    assignments = [
        Assignment(pr.request.id, plan.placed[pr.index][0], plan.placed[pr.index][1] * unit)
        for pr in prep.requests
        if pr.index in plan.placed
    ]
    return DaySolution(
        assignments=assignments,
        breaks=[
            BreakPlacement(member.id, start * unit)
            for member in prep.problem.staff
            for start in plan.breaks.get(member.id, [])
        ],
        unscheduled=[pr.request.id for pr in prep.requests if pr.index not in plan.placed],
        objective=plan.score(prep),
    )


def _valid(problem: DayProblem, solution: DaySolution, origin: str) -> bool:
    report = check_solution(problem, attrs.evolve(solution, bound=None, status="FEASIBLE"))
    if not report.valid:
        logger.error(
            "%s plan for %s breaks %d rules (%s); not used",
            origin,
            problem.name or "the day",
            len(report.violations),
            "; ".join(v.message for v in report.violations[:5]),
        )
    return report.valid


def optimize(
    problem: DayProblem,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    hint: DaySolution | None = None,
    progress: ProgressCallback | None = None,
    *,
    deterministic: bool = False,
) -> DaySolution:
    """Plan the day with CP-SAT; returns the best valid plan found, its bound and status.

    ``time_limit`` bounds the search in seconds, ``workers`` the search threads, ``seed`` the
    random seed. ``hint`` is a plan to start from (the greedy plan is used when absent or
    worse); ``progress`` is called with a :class:`Progress` whenever the best score or the
    bound improves (possibly from a search thread).

    Small days give every worker to CP-SAT on the whole model; mid-sized days (from
    :data:`POLISH_PAIRS` pairs) give it half the time, then the neighbourhood search below
    goes on from its best plan. On larger days with two workers or more, a large
    neighbourhood search improves the plan while the
    Lagrangian bound runs in a child process, and each further worker (the first once the bound
    ends) runs another search on the same plan; the best valid plan wins. Once the bound has
    converged, its process goes on with HiGHS MIPs of the time-indexed programme on days of up
    to :data:`RESTRICTED_MIP_PAIRS` pairs (see :mod:`salonkit.scheduling.day.restricted`): the
    whole programme for a tighter bound, restricted ones for plans. By default
    the search stops on wall-clock time, so under a loaded machine two runs may differ; with
    ``deterministic=True`` every limit is a count of work instead (same seed and workers, same
    answer) and ``time_limit`` only sets how much work is done.

    The answer always passes :func:`~salonkit.scheduling.day.checker.check_solution`. Raises
    :class:`~salonkit.scheduling.day.errors.InfeasibleDay` when the pinned bookings and breaks
    cannot all be honoured.
    """
    started = time.perf_counter()
    deadline = started + time_limit
    best = _Best(progress, started)
    prep = prepare(problem)
    candidates: list[DaySolution] = []
    try:
        candidates.append(
            best_greedy_solution(problem, prep, variants=DETERMINISTIC_GREEDY)
            if deterministic
            else best_greedy_solution(problem, prep, budget_s=GREEDY_SHARE * time_limit)
        )
    except InfeasibleDay:
        logger.info("greedy could not place the fixed parts; the model will decide")
    if hint is not None and _valid(problem, hint, "the hint"):
        score = check_solution(problem, attrs.evolve(hint, bound=None, status="FEASIBLE")).score
        candidates.append(attrs.evolve(hint, objective=score, bound=None, status="FEASIBLE"))
    start_from = max(candidates, key=lambda c: c.objective, default=None)
    if start_from is not None:
        best.offer(start_from.objective)
    model = build_model(problem, prep)
    logger.info(
        "model of %s built in %.2f s: %d requests, %d symmetric staff groups",
        problem.name or "the day",
        model.build_s,
        len(model.present),
        len(model.symmetric_groups),
    )
    if start_from is not None:
        _add_hint(model, _respect_symmetry(start_from, model))
    elif hint is not None:
        _add_hint(model, _respect_symmetry(hint, model))

    pairs = sum(len(lits) for lits in model.serves.values())
    use_lns = start_from is not None and pairs > LNS_PAIRS
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers - 1) if use_lns and workers >= 2 else workers
    solver.parameters.random_seed = seed
    if pairs > PROBING_PAIRS:
        solver.parameters.cp_model_probing_level = 0
    polish = (use_lns and workers < 2) or (
        not use_lns and start_from is not None and pairs >= POLISH_PAIRS
    )
    full_share = (0.4 if use_lns else POLISH_SHARE) if polish else 1.0
    if deterministic:
        solver.parameters.interleave_search = solver.parameters.num_workers > 1
        solver.parameters.max_deterministic_time = DTIME_PER_S * time_limit * full_share
    else:
        remaining = deadline - time.perf_counter()
        solver.parameters.max_time_in_seconds = max(0.05, remaining * full_share)
    solver.best_bound_callback = lambda bound: best.offer(bound=math.floor(bound + 1e-6))
    outcome: dict[str, cp_model.CpSolverStatus] = {}

    done = threading.Event()

    def run_full_model() -> None:
        outcome["status"] = solver.solve(model.model, _Reporter(best))
        if not deterministic:
            done.set()  # the other searches stop with the whole model

    shared = (
        lns.Incumbent(
            prep,
            _plan_of(prep, start_from),
            lambda p: check_solution(problem, _solution_of(prep, p)).valid,
        )
        if start_from is not None
        else None
    )

    def searched() -> tuple[dict[int, tuple[str, int]], dict[str, list[int]]] | None:
        """The neighbourhood search's plan, for the restricted MIPs to start from."""
        if shared is None:
            return None
        plan = shared.current()[0]
        return plan.placed, plan.breaks

    lp: BackgroundBound | None = None
    priced = _Inbox(problem, prep, best)
    if not deterministic and workers >= 2 and pairs >= LP_MIN_PAIRS:
        seeded = _plan_of(prep, start_from) if start_from is not None else None
        lp = BackgroundBound(
            TimeIndexedBound(
                prep,
                model.options,
                seeded.placed if seeded is not None else None,
                seeded.breaks if seeded is not None else None,
            ),
            start_from.objective if start_from is not None else 0,
            deadline - 0.05,
            on_bound=lambda b: _lp_found(b, best, solver, done),
            on_plan=priced.offer,
            then=_follow_up(use_lns, pairs, time_limit),
            current=searched,
        )
        lp.start()  # before any thread: the LP runs in a forked process

    def run_lns(k: int = 0) -> lns.Plan:
        assert shared is not None
        return lns.search(
            prep,
            model.options,
            shared,
            seed=seed + LNS_SEED_STEP * k,
            deadline=deadline,
            max_moves=int(MOVES_PER_S * time_limit) if deterministic else None,
            stop=None if deterministic else done.is_set,
            on_improve=lambda p: _lns_found(p, prep, best, None if deterministic else solver, done),
            deterministic=deterministic,
            incoming=priced.take if k == 0 else None,
        )

    def run_helper(k: int) -> None:
        """A further search on the shared plan, once a core is free: the bound's, when it
        ends early, for the first helper."""
        if k == 1 and lp is not None:
            lp.wait(deadline)
        if time.perf_counter() < deadline - HELPER_MIN_S and not done.is_set():
            run_lns(k)

    plan: lns.Plan | None = None
    outcome["status"] = cp_model.UNKNOWN
    if use_lns and workers >= 2:
        threads = []
        if FULL_MODEL_WITH_LNS or deterministic:
            threads.append(threading.Thread(target=run_full_model, name="salon-day-cp-sat"))
        else:
            threads += [
                threading.Thread(target=run_helper, args=(k,), name=f"salon-day-lns-{k}")
                for k in range(1, workers)
            ]
        for thread in threads:
            thread.start()
        plan = run_lns()
        if not deterministic:
            done.set()
            solver.stop_search()
        if lp is not None:
            lp.stop()  # a helper may still be waiting for it to end
        for thread in threads:
            thread.join()
        assert shared is not None
        plan = shared.plan
    else:
        run_full_model()
    try:
        status = outcome["status"]
        name = solver.status_name(status)
        if status == cp_model.INFEASIBLE:
            raise InfeasibleDay(
                "requests.pinned", "the pinned bookings and breaks cannot all be kept"
            )
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            assignments, breaks = _read(model, solver)
            scheduled = {a.request for a in assignments}
            found = DaySolution(
                assignments=assignments,
                breaks=breaks,
                unscheduled=[r.id for r in problem.requests if r.id not in scheduled],
                objective=_score(prep, assignments),
            )
            if _valid(problem, found, "CP-SAT"):
                candidates.append(found)
        if polish and status != cp_model.OPTIMAL:
            origin = max(candidates, key=lambda c: c.objective)
            plan = lns.search(
                prep,
                model.options,
                _plan_of(prep, origin),
                seed=seed,
                deadline=deadline,
                max_moves=int(MOVES_PER_S * time_limit * 0.6) if deterministic else None,
                stop=None if deterministic else best.proven,
                on_improve=lambda p: best.offer(p.score(prep)),
                deterministic=deterministic,
                incoming=priced.take,
            )
    finally:
        if lp is not None:
            lp.stop()
            logger.info("Lagrangian bound %s (%d steps)", best.bound, lp.rounds)
    if plan is not None:
        found = _solution_of(prep, plan)
        if _valid(problem, found, "LNS"):
            candidates.append(found)
    if priced.best is not None:
        candidates.append(priced.best)
    if not candidates:
        raise InfeasibleDay("requests.pinned", f"no plan found ({name}) within the time limit")
    result = max(candidates, key=lambda c: c.objective)
    logger.debug("candidate plans: %s", [c.objective for c in candidates])
    bound = best.bound  # from the bound callback: valid whatever the final status
    bound = model.trivial_bound if bound is None else min(bound, model.trivial_bound)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        final = math.floor(solver.best_objective_bound + 1e-6)
        bound = final if bound is None else min(bound, final)
    if bound is not None and bound < result.objective:
        logger.error("CP-SAT bound %d is below a valid plan's score; dropped", bound)
        bound = None
    result = attrs.evolve(
        result,
        bound=bound,
        status="OPTIMAL" if bound == result.objective else "FEASIBLE",
        wall_s=time.perf_counter() - started,
    )
    logger.info(
        "%s: CP-SAT %s, objective %d bound %s in %.2f s",
        problem.name or "the day",
        name,
        result.objective,
        result.bound,
        result.wall_s,
    )
    return result


def _follow_up(use_lns: bool, pairs: int, time_limit: float) -> FollowUp:
    """What the bound's process does once the bound has converged."""
    if not use_lns:
        return "exact" if pairs <= EXACT_MIP_PAIRS else "none"
    if pairs <= EXACT_MIP_PAIRS:
        return "exact-then-restricted"
    if pairs <= LP_PRICES_PAIRS and time_limit >= LP_PRICES_MIN_S:
        return "lp-staff-then-restricted"
    return "staff-then-restricted" if pairs <= RESTRICTED_MIP_PAIRS else "none"


def _lns_found(
    plan: lns.Plan,
    prep: Prepared,
    best: _Best,
    solver: cp_model.CpSolver | None,
    done: threading.Event,
) -> None:
    score = plan.score(prep)
    best.offer(score)
    if solver is not None and best.bound is not None and score >= best.bound:
        done.set()
        solver.stop_search()


def _lp_found(bound: int, best: _Best, solver: cp_model.CpSolver, done: threading.Event) -> None:
    """A new LP bound: recorded, and every search stops when a plan already reaches it."""
    best.offer(bound=bound)
    if best.objective is not None and best.objective >= bound:
        done.set()
        solver.stop_search()


__all__ = ["DayModel", "Progress", "ProgressCallback", "build_model", "optimize"]
