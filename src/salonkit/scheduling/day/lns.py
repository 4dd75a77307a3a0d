"""Large neighbourhood search over staff subsets, each neighbourhood solved by CP-SAT.

One move frees a few staff members: every request they serve (pinned ones excepted), their
breaks and every unscheduled request they could serve. Everything else stays where it is and
becomes a fixed load on chairs, basins and customers. The small model of the freed part is
solved exactly or nearly so in a fraction of a second; the plan is replaced when the score
improves. The neighbourhood grows while moves are solved to optimality and shrinks when they
time out. Moves are drawn from a seeded generator and each sub-solve is single-threaded with a
deterministic work limit, so a run depends only on the seed and the number of moves made.

Several searches may share one :class:`Incumbent` (one per free core). A move is solved on the
plan as it was when the move began; if another search changed the plan meanwhile, the move's
changes are carried over to the current plan only when they touch none of the requests or breaks
the other changed and the result passes the independent checker.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable

import attrs
from ortools.sat.python import cp_model

from salonkit.scheduling.day.prepare import Prepared, Ranges, intersect, subtract, union

logger = logging.getLogger(__name__)

Domain = cp_model.Domain
SUB_PARAMS: dict[str, object] = {}
#: Length of the time window of one move, in minutes.
WINDOW_MIN = 180
#: Wall-clock limit of one move, in seconds. A move that times out has improved the plan about
#: one time in four, so a short limit buys more moves than the long ones would have given: on
#: the days of 20 to 25 staff, 0.15 s gives plans 0.6-0.8 % better at 10 s than 0.3 s did.
MOVE_S = 0.15
#: Conflict limit of one move in deterministic mode.
MOVE_CONFLICTS = 3000
#: Share of moves aimed at an unscheduled request.
FOCUSED_SHARE = 0.3
#: Share of moves around a scheduled request: the staff member serving it and one who could
#: (the one it prefers, when that is someone else), over a window centred on it. Two staff
#: who can do the same work make a neighbourhood whose requests trade places; medians of 12
#: runs at 10 s, gen-20x260 / gen-30x400 / example-large: 38,705 / 58,263 / 42,383 against
#: 38,548 / 57,603 / 42,188 without these moves (0.3: 38,705 / 57,940 / 42,400; 0.6: 38,558 /
#: 57,903 / 42,380); gen-16x200 32,915 against 32,873, gen-25x330 51,843 against 51,953
#: (within the noise); gen-10x120 and example-medium unchanged.
RELATED_SHARE = 0.45
#: Take a re-plan of equal score (it moves the search sideways, off a plateau).
ACCEPT_EQUAL = True
#: Most staff in one move.
MAX_STAFF = 6


@attrs.define
class Plan:
    """A plan in units: request index -> (staff, start); staff -> break starts."""

    placed: dict[int, tuple[str, int]]
    breaks: dict[str, list[int]]

    def score(self, prep: Prepared) -> int:
        """The objective of the plan."""
        return sum(
            prep.requests[i].value + prep.requests[i].bonus(s) for i, (s, _) in self.placed.items()
        )

    def copy(self) -> Plan:
        """An independent copy."""
        return Plan(dict(self.placed), {k: list(v) for k, v in self.breaks.items()})


class Incumbent:
    """The best plan of one or more concurrent searches, with a version bumped by each change.

    Plans are never changed in place (a move returns a new plan), so a plan handed out stays
    valid to read. ``valid`` checks a plan built by merging a move into a plan that changed
    while the move was solved.
    """

    def __init__(self, prep: Prepared, plan: Plan, valid: Callable[[Plan], bool]) -> None:
        self._prep = prep
        self._valid = valid
        self._lock = threading.Lock()
        self.plan = plan
        self.score = plan.score(prep)
        self.version = 0
        #: Moves carried over to a plan that changed meanwhile, and those refused.
        self.merged = 0
        self.refused = 0

    def current(self) -> tuple[Plan, int, int]:
        """The plan, its score and its version."""
        with self._lock:
            return self.plan, self.score, self.version

    def replace(self, plan: Plan) -> bool:
        """Take a whole plan found elsewhere (already checked) if it scores higher."""
        score = plan.score(self._prep)
        with self._lock:
            if score <= self.score:
                return False
            self.plan, self.score, self.version = plan, score, self.version + 1
            return True

    def offer(self, base: Plan, version: int, new: Plan) -> bool:
        """Install ``new``, a move's answer on ``base`` (the plan at ``version``), if it scores
        at least as high as the current plan; True when the plan changed."""
        prep = self._prep
        with self._lock:
            if version == self.version:
                candidate = new
            else:
                candidate_or_none = self._merged(base, new)
                if candidate_or_none is None:
                    self.refused += 1
                    return False
                candidate = candidate_or_none
            score = candidate.score(prep)
            if score < self.score or (score == self.score and not ACCEPT_EQUAL):
                return False
            if version != self.version:
                if not self._valid(candidate):
                    self.refused += 1
                    return False
                self.merged += 1
            self.plan, self.score, self.version = candidate, score, self.version + 1
            return True

    def _merged(self, base: Plan, new: Plan) -> Plan | None:
        """The current plan with what the move changed from ``base``, or ``None`` when another
        change since touched the same requests or breaks."""
        current = self.plan
        out = current.copy()
        for i in base.placed.keys() | new.placed.keys():
            was, now = base.placed.get(i), new.placed.get(i)
            if was == now:
                continue
            if current.placed.get(i) != was:
                return None
            if now is None:
                del out.placed[i]
            else:
                out.placed[i] = now
        for staff_id, starts in new.breaks.items():
            if base.breaks.get(staff_id) == starts:
                continue
            if current.breaks.get(staff_id) != base.breaks.get(staff_id):
                return None
            out.breaks[staff_id] = list(starts)
        return out


@attrs.frozen
class MoveResult:
    """What one neighbourhood solve gave."""

    improved: bool
    optimal: bool
    dtime: float


def _usage(prep: Prepared, plan: Plan, free: set[int]) -> dict[str, list[tuple[int, int, int]]]:
    """Per resource, the fixed usage of the requests not freed as ``(start, end, units)``."""
    size = 24 * 60 // prep.unit + max((r.length for r in prep.requests), default=0) + 2
    used: dict[str, list[int]] = {}
    for i, (_, t) in plan.placed.items():
        if i in free:
            continue
        for name, blocks in prep.requests[i].resource_blocks.items():
            profile = used.setdefault(name, [0] * size)
            for b in blocks:
                for x in range(t + b.offset, t + b.offset + b.size):
                    profile[x] += 1
    out: dict[str, list[tuple[int, int, int]]] = {}
    for name, profile in used.items():
        segments = []
        x = 0
        while x < size:
            y = x
            while y + 1 < size and profile[y + 1] == profile[x]:
                y += 1
            if profile[x]:
                segments.append((x, y + 1, profile[x]))
            x = y + 1
        out[name] = segments
    return out


def solve_move(
    prep: Prepared,
    options: dict[int, dict[str, Ranges]],
    plan: Plan,
    staff_ids: list[str],
    window: tuple[int, int],
    seed: int,
    conflicts: int | None,
    wall_limit: float,
    extra_min: int = 8,
) -> tuple[MoveResult, Plan]:
    """Re-plan the part of ``plan`` that ``staff_ids`` serve; returns the (maybe) better plan."""
    chosen = set(staff_ids)
    lo_t, hi_t = window
    free: set[int] = set()
    waiting: list[int] = []
    for i, opts in options.items():
        pr = prep.requests[i]
        if pr.request.pinned is not None or not chosen.intersection(opts):
            continue
        where = plan.placed.get(i)
        if where is None:
            if any(intersect(opts[s], ((lo_t, hi_t - pr.length),)) for s in chosen if s in opts):
                waiting.append(i)
        elif where[0] in chosen and lo_t <= where[1] and where[1] + pr.length <= hi_t:
            free.add(i)
    rng = random.Random(seed)
    rng.shuffle(waiting)
    waiting.sort(key=lambda i: -prep.requests[i].value)
    free.update(waiting[: max(extra_min, len(free))])
    if not free:
        return MoveResult(False, True, 0.0), plan
    m = cp_model.CpModel()
    capacity = {r.id: r.capacity for r in prep.problem.resources}
    fixed_spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for i, (_, t) in plan.placed.items():
        if i not in free:
            pr = prep.requests[i]
            fixed_spans[pr.request.customer].append((t, t + pr.length))
    staff_iv: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    res_iv: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    cust_iv: dict[str, list[cp_model.IntervalVar]] = defaultdict(list)
    objective = []
    variables: dict[int, tuple[cp_model.IntVar, cp_model.IntVar, dict[str, cp_model.IntVar]]] = {}
    for i in sorted(free):
        pr = prep.requests[i]
        allowed: dict[str, Ranges] = {}
        for staff_id, ranges in options[i].items():
            if staff_id not in chosen:
                continue
            ranges = intersect(ranges, ((lo_t, hi_t - pr.length),))
            for lo, hi in fixed_spans.get(pr.request.customer, ()):
                ranges = subtract(ranges, lo - pr.length + 1, hi - 1)
            if ranges:
                allowed[staff_id] = ranges
        if not allowed:
            continue
        domain = union([r for ranges in allowed.values() for r in ranges])
        s = m.new_int_var_from_domain(Domain.from_intervals([list(r) for r in domain]), "s")
        p = m.new_bool_var("p")
        lits: dict[str, cp_model.IntVar] = {}
        if len(allowed) == 1:
            lits[next(iter(allowed))] = p
        else:
            lits = {staff_id: m.new_bool_var("x") for staff_id in allowed}
            m.add(sum(lits.values()) == p)
        variables[i] = (p, s, lits)
        objective.append(pr.value * p)
        for staff_id, ranges in allowed.items():
            x = lits[staff_id]
            if ranges != domain:
                m.add_linear_expression_in_domain(
                    s, Domain.from_intervals([list(r) for r in ranges])
                ).only_enforce_if(x)
            if pr.bonus(staff_id):
                objective.append(pr.bonus(staff_id) * x)
            for b in pr.staff_blocks:
                staff_iv[staff_id].append(
                    m.new_optional_fixed_size_interval_var(s + b.offset, b.size, x, "w")
                )
        for name, blocks in pr.resource_blocks.items():
            for b in blocks:
                res_iv[name].append(
                    m.new_optional_fixed_size_interval_var(s + b.offset, b.size, p, "r")
                )
        cust_iv[pr.request.customer].append(
            m.new_optional_fixed_size_interval_var(s, pr.length, p, "c")
        )
        where = plan.placed.get(i)
        m.add_hint(p, int(where is not None))
        if where is not None:
            m.add_hint(s, where[1])
        for staff_id, x in lits.items():
            if x is not p:
                m.add_hint(x, int(where is not None and where[0] == staff_id))
    # fixed work of the chosen staff (pinned bookings) and their breaks
    for i, (staff_id, t) in plan.placed.items():
        if i not in free and staff_id in chosen:
            for b in prep.requests[i].staff_blocks:
                staff_iv[staff_id].append(m.new_fixed_size_interval_var(t + b.offset, b.size, "f"))
    unit = prep.unit
    break_vars: dict[str, list[cp_model.IntVar]] = {}
    for member in prep.problem.staff:
        if member.id not in chosen:
            continue
        break_vars[member.id] = []
        for k, brk in enumerate(member.breaks):
            size = brk.duration_min // unit
            now = plan.breaks[member.id][k]
            first = max(brk.earliest // unit, lo_t)
            last = min(brk.latest_end // unit, hi_t) - size
            if not first <= now <= last:
                first = last = now
            var = m.new_int_var(first, last, "b")
            m.add_hint(var, now)
            break_vars[member.id].append(var)
            staff_iv[member.id].append(m.new_fixed_size_interval_var(var, size, "bi"))
    for intervals in staff_iv.values():
        m.add_no_overlap(intervals)
    usage = _usage(prep, plan, free)
    for name, intervals in res_iv.items():
        fixed = [
            (m.new_fixed_size_interval_var(a, b - a, "u"), n) for a, b, n in usage.get(name, [])
        ]
        m.add_cumulative(
            intervals + [iv for iv, _ in fixed],
            [1] * len(intervals) + [n for _, n in fixed],
            capacity[name],
        )
    for intervals in cust_iv.values():
        if len(intervals) > 1:
            m.add_no_overlap(intervals)
    m.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if conflicts is not None:
        solver.parameters.max_number_of_conflicts = conflicts
    else:
        solver.parameters.max_time_in_seconds = max(0.05, wall_limit)
    for key, value in SUB_PARAMS.items():
        setattr(solver.parameters, key, value)
    status = solver.solve(m)
    dtime = solver.deterministic_time
    logger.debug(
        "move on %s: %d free, %s in %.2f s (%.2f det)",
        staff_ids,
        len(free),
        solver.status_name(status),
        solver.wall_time,
        dtime,
    )
    before = sum(
        prep.requests[i].value + prep.requests[i].bonus(plan.placed[i][0])
        for i in free
        if i in plan.placed
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return MoveResult(False, False, dtime), plan
    after = round(solver.objective_value)
    optimal = status == cp_model.OPTIMAL
    if after < before or (after == before and not ACCEPT_EQUAL):
        return MoveResult(False, optimal, dtime), plan
    new = plan.copy()
    for i in free:
        new.placed.pop(i, None)
    for i, (p, s, lits) in variables.items():
        if solver.boolean_value(p):
            who = next(staff_id for staff_id, x in lits.items() if solver.boolean_value(x))
            new.placed[i] = (who, solver.value(s))
    for staff_id, vars_ in break_vars.items():
        new.breaks[staff_id] = [solver.value(v) for v in vars_]
    return MoveResult(after > before, optimal, dtime), new


def _neighbourhood(
    prep: Prepared,
    options: dict[int, dict[str, Ranges]],
    plan: Plan,
    rng: random.Random,
    size: int,
    span: int,
) -> tuple[list[str], tuple[int, int]]:
    """Staff and time window of the next move.

    One of three kinds, drawn by :data:`FOCUSED_SHARE` and :data:`RELATED_SHARE`: aimed at an
    unscheduled request (drawn by value), some of the staff who could serve it plus colleagues
    sharing their skills, over a window around the request's own window; around a scheduled
    request (see :data:`RELATED_SHARE`) plus such colleagues; otherwise a random member,
    colleagues sharing skills and a random window.
    """
    staff = {s.id: s for s in prep.problem.staff}
    unplaced = [i for i, o in options.items() if o and i not in plan.placed]
    draw = rng.random()
    related = (
        [
            i
            for i in plan.placed
            if prep.requests[i].request.pinned is None and len(options.get(i, ())) > 1
        ]
        if FOCUSED_SHARE <= draw < FOCUSED_SHARE + RELATED_SHARE
        else []
    )
    if related:
        target = rng.choice(related)
        serving, at = plan.placed[target]
        others = [s for s in options[target] if s != serving]
        preferred = [s for s in others if s in prep.requests[target].request.preferred_staff]
        chosen = [rng.choice(preferred or others), serving]
        centre = at + prep.requests[target].length // 2
        half = span // 2
    elif unplaced and draw < FOCUSED_SHARE:
        target = rng.choices(unplaced, [prep.requests[i].value for i in unplaced])[0]
        able = list(options[target])
        rng.shuffle(able)
        chosen = able[: max(1, size // 2)]
        lo = min(r[0][0] for r in options[target].values())
        hi = max(r[-1][1] for r in options[target].values()) + prep.requests[target].length
        centre = (lo + hi) // 2 + rng.randrange(-span // 4, span // 4 + 1)
        half = max(span, hi - lo + 2) // 2
    else:
        chosen = [rng.choice(list(staff))]
        centre = rng.randrange(prep.open, prep.close)
        half = span // 2
    first = staff[chosen[0]]
    rest = [s for s in staff.values() if s.id not in chosen]
    while rest and len(chosen) < size:
        weights = [1 + 3 * len(first.skills & s.skills) for s in rest]
        pick = rng.choices(rest, weights)[0]
        chosen.append(pick.id)
        rest.remove(pick)
    window = (max(prep.open, centre - half), min(prep.close, centre + half))
    return chosen, window


def search(
    prep: Prepared,
    options: dict[int, dict[str, Ranges]],
    plan: Plan | Incumbent,
    seed: int,
    deadline: float,
    max_moves: int | None = None,
    stop: Callable[[], bool] | None = None,
    on_improve: Callable[[Plan], None] | None = None,
    deterministic: bool = False,
    incoming: Callable[[], Plan | None] | None = None,
) -> Plan:
    """Improve ``plan`` by staff-subset moves until ``deadline`` (``time.perf_counter``).

    ``plan`` may be an :class:`Incumbent` shared with other searches running at the same time.
    ``max_moves`` caps the number of moves, ``stop`` is asked before each move, and so is
    ``incoming`` for a valid plan found elsewhere, which replaces the current one when it
    scores higher. With
    ``deterministic`` each move is limited by a count of conflicts rather than by time and the
    deadline is ignored (``max_moves`` must then be given).
    """
    shared = plan if isinstance(plan, Incumbent) else Incumbent(prep, plan, lambda _: False)
    rng = random.Random(seed)
    size = min(3, len(prep.problem.staff))
    span = WINDOW_MIN // prep.unit
    moves = 0
    while (deterministic or time.perf_counter() < deadline - 0.05) and (
        max_moves is None or moves < max_moves
    ):
        if stop is not None and stop():
            break
        if incoming is not None:
            other = incoming()
            if other is not None and shared.replace(other):
                logger.debug("move %d: adopted a plan of score %d", moves, shared.score)
        base, _, version = shared.current()
        moves += 1
        staff_ids, window = _neighbourhood(prep, options, base, rng, size, span)
        result, new = solve_move(
            prep,
            options,
            base,
            staff_ids,
            window,
            seed=rng.randrange(1 << 30),
            conflicts=MOVE_CONFLICTS if deterministic else None,
            wall_limit=min(MOVE_S, deadline - time.perf_counter()),
        )
        grow = min(size + 1, len(prep.problem.staff), MAX_STAFF)
        size = grow if result.optimal else max(2, size - 1)
        if new is not base and shared.offer(base, version, new) and result.improved:
            logger.debug("move %d on %s: score %d", moves, staff_ids, shared.score)
            if on_improve is not None:
                on_improve(shared.plan)
    logger.info(
        "LNS (seed %d): %d moves, score %d (%d moves merged into a plan changed meanwhile,"
        " %d refused)",
        seed,
        moves,
        shared.score,
        shared.merged,
        shared.refused,
    )
    return shared.plan
