"""Re-arranging a store's day with the day optimiser: a proposal first, applied only on request.

:meth:`DayPlanner.propose` reads the store's day (staff, services, resources, the day's
appointments and the open waitlist entries wanting that day) in one read-only unit of work,
builds the day problem (:func:`~salonkit.scheduling.salon_day.build_salon_day`) and solves it
with :func:`~salonkit.scheduling.day.optimize`:

- appointments that have started, are checked in or completed, holds, legs of a multi-service
  visit, those starting before now plus the store's minimum notice, and those the caller names
  are **pinned**: kept exactly;
- every other booking of the day is a request that **must stay scheduled**. The format only
  knows optional requests, so bookings get priority 3 (400 points, plus 10 for keeping their
  staff member) against priority 1 (100 points) for waitlist entries, and the answer is
  verified: several waitlist entries can outweigh one booking, so a booking the optimiser
  drops is put back, at the place within its window that unseats the least valuable waitlist
  entries (:attr:`DayPlan.restored`); if it fits nowhere even so, it is pinned where it is and
  the day solved again. A booking may move by at most ``flex_minutes`` either way;
- waitlist entries are optional requests.

Then, in order:

1. **Fewest moves**: the optimiser has no reason to leave a booking where it is, so a second
   CP-SAT pass (:func:`fewest_moves`) takes the plan's score as a floor, every booking as a hard
   constraint, and maximises the bookings that stay put; what is left of needless moves is undone
   one by one with the checker (a move goes back when the plan stays valid and keeps its score).
2. **An order**: the moves and new bookings are ordered so that each, written alone, leaves a
   valid calendar; moves that cannot be (bookings trading places) are pinned and the day solved
   again.
3. **A rehearsal** (``verify``): the plan is written through the booking service in a unit of
   work that is rolled back. The booking service checks every rule again and holds chairs and
   basins unit by unit, which the day format (it counts units) cannot see. A refused waitlist
   entry is left out; a refused move is pinned and the day solved again.

At most :data:`MAX_SOLVES` solves are made; after the last, repairs are local (a stuck or
refused move is put back where it was, unseating the waitlist entries in its way). Every answer
is checked by the independent checker. The :class:`DayPlan` says what moves, what is fitted from
the waitlist and why (:meth:`DayPlan.explain`).

Nothing is written until :meth:`DayPlanner.apply`: it re-reads the day inside one writing
unit of work, refuses with :class:`~salonkit.ConcurrencyError` when any of the day's
appointments or the fitted waitlist entries changed since the proposal, then reschedules and
books through :class:`~salonkit.scheduling.service.BookingService` inside that same unit of work,
so every booking rule is checked again and a refusal rolls everything back.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs
import pendulum

from salonkit.context import Context
from salonkit.domain.catalogue import Resource, Service
from salonkit.domain.customer import Customer
from salonkit.domain.staff import StaffMember
from salonkit.domain.store import Store
from salonkit.domain.time import TimeRange, require_aware
from salonkit.errors import BookingConflict, ConcurrencyError, ValidationError
from salonkit.orders.enlist import joined_context
from salonkit.scheduling.availability import unit_ids
from salonkit.scheduling.day import (
    Assignment,
    DayProblem,
    DaySolution,
    check_solution,
    optimize,
)
from salonkit.scheduling.day.solver import ProgressCallback
from salonkit.scheduling.day_plan_service import DEFAULT_FLEX_MINUTES
from salonkit.scheduling.intervals import local_day
from salonkit.scheduling.model import (
    BLOCKING,
    Appointment,
    AppointmentStatus,
    BookingRequest,
    WaitlistEntry,
    WaitlistStatus,
)
from salonkit.scheduling.records import APPOINTMENTS, BOOKING_RULES, WAITLIST
from salonkit.scheduling.rules import BookingRules, patch_test_ok, service_reasons
from salonkit.scheduling.salon_day import Busy, DayFrame, Demand, SalonDay, build_salon_day
from salonkit.scheduling.service import BookingService
from salonkit.scheduling.shape import Shape, StepShape
from salonkit.storage import eq, gt, in_, lt
from salonkit.storage.port import UnitOfWork
from salonkit.storage.records import CUSTOMERS, RESOURCES, SERVICES, STAFF, STORES

log = logging.getLogger(__name__)

#: Priority of an existing booking (weight 4: 400 points) and of a waitlist entry (100 points).
BOOKING_PRIORITY = 3
WAITLIST_PRIORITY = 1

_ACTIVE = tuple(s.value for s in BLOCKING)
_OPEN = (WaitlistStatus.WAITING.value, WaitlistStatus.OFFERED.value)
#: At most this many solves per proposal; after the last, repairs are local only.
MAX_SOLVES = 3
#: The share of ``time_limit`` given to keeping bookings in place once the score is known.
SETTLE_SHARE = 1.0
#: Deterministic work units per second of that share in ``deterministic`` mode (the model
#: with the bookings as hard constraints costs more per unit than the optimiser's).
SETTLE_DTIME_PER_S = 0.05
_MOVABLE = frozenset({AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED})
_BOOKING = "booking:"
_WAITLIST = "waitlist:"


@attrs.frozen(kw_only=True)
class Move:
    """A booking the plan moves: from ``(staff_id, starts_at)`` to ``(new_staff_id,
    new_starts_at)``; ``why`` says what it makes room for."""

    appointment_id: str
    customer: str
    service: str
    staff_id: str
    starts_at: pendulum.DateTime
    new_staff_id: str
    new_starts_at: pendulum.DateTime
    version: int
    why: str = ""


@attrs.frozen(kw_only=True)
class Fit:
    """A waitlist entry the plan books: ``staff_id`` at ``starts_at``."""

    entry_id: str
    customer_id: str
    customer: str
    service_id: str
    service: str
    staff_id: str
    starts_at: pendulum.DateTime
    version: int


@attrs.frozen(kw_only=True)
class Kept:
    """A booking that stays where it is; ``pinned`` gives why it could not move (empty: it
    could, but did not need to)."""

    appointment_id: str
    pinned: str = ""


@attrs.frozen(kw_only=True)
class DayPlan:
    """A proposed re-arrangement of one store day (nothing is written until it is applied).

    - ``moves``: the bookings that move; ``kept``: those that stay (and why, when pinned);
    - ``fitted``: waitlist entries booked by the plan; ``not_fitted``: entry id to the reason;
    - ``score_before`` / ``score_after``: the day's score (benchmark-format points) of the
      calendar as it is and as proposed; ``bound``, ``status`` and ``gap`` come from the
      optimiser (``bound`` caps the score of any plan of the final problem);
    - ``order``: the order :meth:`DayPlanner.apply` writes moves and bookings in
      (``"booking:<id>"`` / ``"waitlist:<id>"``);
    - ``restored``: bookings the optimiser dropped and the plan put back (see the module);
    - ``problem`` / ``solution``: the day problem and plan, for
      :func:`~salonkit.scheduling.day.check_solution`; ``snapshot``: the version of every
      appointment of the day when it was read.
    """

    store_id: str
    date: dt.date
    timezone: str
    proposed_at: pendulum.DateTime
    moves: tuple[Move, ...]
    kept: tuple[Kept, ...]
    fitted: tuple[Fit, ...]
    not_fitted: Mapping[str, str]
    score_before: int
    score_after: int
    bound: int | None
    status: str
    wall_s: float
    order: tuple[str, ...]
    problem: DayProblem
    solution: DaySolution
    snapshot: Mapping[str, int]
    staff_names: Mapping[str, str] = attrs.field(factory=dict)
    restored: frozenset[str] = frozenset()
    rounds: int = 1

    @property
    def gap(self) -> float | None:
        """Relative distance between the plan's score and the bound (0.0: proven optimal)."""
        return self.solution.gap

    @property
    def changes(self) -> bool:
        """True when the plan moves or books anything."""
        return bool(self.moves or self.fitted)

    def _wall(self, instant: dt.datetime) -> str:
        return f"{pendulum.instance(instant).in_timezone(self.timezone):%H:%M}"

    def explain(self) -> str:
        """What moves, what is fitted and why, one line each, and the score."""
        lines = [
            f"Day plan for {self.store_id} on {self.date.isoformat()}: "
            f"{len(self.moves)} booking(s) move, {len(self.fitted)} waitlist entr"
            f"{'y' if len(self.fitted) == 1 else 'ies'} fitted; score {self.score_before} -> "
            f"{self.score_after} (bound {self.bound}, {self.status.lower()})"
        ]
        name = self.staff_names.get
        for move in sorted(self.moves, key=lambda m: m.starts_at):
            staff = (
                f"with {name(move.new_staff_id, move.new_staff_id)}"
                if move.new_staff_id == move.staff_id
                else f"from {name(move.staff_id, move.staff_id)} to "
                f"{name(move.new_staff_id, move.new_staff_id)}"
            )
            lines.append(
                f"- {move.customer}'s {move.service} moves {self._wall(move.starts_at)}->"
                f"{self._wall(move.new_starts_at)} {staff}" + (f" {move.why}" if move.why else "")
            )
        for fit in sorted(self.fitted, key=lambda f: f.starts_at):
            lines.append(
                f"+ {fit.customer}'s {fit.service} from the waitlist ({fit.entry_id}) at "
                f"{self._wall(fit.starts_at)} with {name(fit.staff_id, fit.staff_id)}"
            )
        for entry_id, reason in sorted(self.not_fitted.items()):
            lines.append(f"  waitlist entry {entry_id} not fitted: {reason}")
        if self.restored:
            lines.append(
                "  put back after the optimiser dropped them for waitlist entries: "
                + ", ".join(sorted(self.restored))
            )
        pinned = [k for k in self.kept if k.pinned]
        if pinned:
            lines.append(
                "  kept in place: " + "; ".join(f"{k.appointment_id} ({k.pinned})" for k in pinned)
            )
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class AppliedDayPlan:
    """What :meth:`DayPlanner.apply` wrote: the moved and the new appointments."""

    moved: tuple[Appointment, ...]
    booked: tuple[Appointment, ...]


@attrs.frozen
class _Snapshot:
    """The day as read in one unit of work."""

    store_id: str
    rules: BookingRules
    staff: list[StaffMember]
    services: dict[str, Service]
    resources: list[Resource]
    appointments: list[Appointment]
    entries: list[WaitlistEntry]
    customers: dict[str, Customer]
    elsewhere: list[Appointment]


def _recorded_shape(appt: Appointment, kinds: Mapping[str, str]) -> Shape:
    """The appointment's booked timing with the resource kinds of the units it holds."""
    steps = tuple(
        StepShape(
            s.name, s.offset, s.minutes, s.staff_busy, tuple(kinds.get(u, u) for u in s.units)
        )
        for s in appt.steps
    )
    return Shape(appt.service_id, steps, appt.buffer_before, appt.buffer_after)


def _violations(problem: DayProblem, placed: Mapping[str, tuple[str, int]]) -> set[tuple[str, str]]:
    """The rules broken by ``placed`` (request id to staff and minute), as (code, subject)."""
    solution = DaySolution(
        assignments=[Assignment(r, s, m) for r, (s, m) in placed.items()],
        breaks=[],
        unscheduled=[r.id for r in problem.requests if r.id not in placed],
    )
    report = check_solution(problem, solution)
    return {(v.code, v.subject) for v in report.violations if v.code != "objective_mismatch"}


def fewest_moves(
    problem: DayProblem,
    current: Mapping[str, tuple[str, int]],
    start_from: Mapping[str, tuple[str, int]],
    *,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool,
) -> dict[str, tuple[str, int]] | None:
    """A plan keeping every booking of ``current`` (request id to staff and minute), scoring at
    least as much as ``start_from`` (a valid plan keeping them all, used as the hint) and
    moving as few bookings as the search finds within its limits.

    The day model of :func:`~salonkit.scheduling.day.solver.build_model` (without symmetry
    breaking, which could move bookings between interchangeable staff) gets the bookings as
    hard constraints, the score as a floor, and maximises the bookings that stay. ``None`` when
    no plan was found within the limits.
    """
    from ortools.sat.python import cp_model

    from salonkit.scheduling.day.solver import build_model

    built = build_model(problem, symmetry=False)
    unit = built.prep.unit
    m = built.model
    by_id = {pr.request.id: pr for pr in built.prep.requests}
    for rid in current:
        if by_id[rid].index not in built.present:
            return None
        m.add(built.present[by_id[rid].index] == 1)
    terms: list[tuple[cp_model.IntVar, int]] = [
        (built.present[pr.index], pr.value)
        for pr in built.prep.requests
        if pr.index in built.present
    ]
    terms += [
        (x, pr.bonus(staff_id))
        for pr in built.prep.requests
        if pr.index in built.serves
        for staff_id, x in built.serves[pr.index].items()
        if pr.bonus(staff_id)
    ]
    score = cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms])
    m.add(score >= _score(problem, start_from))
    stays = []
    for rid, (staff_id, minute) in current.items():
        i = by_id[rid].index
        if minute % unit or staff_id not in built.serves[i]:
            continue
        stay = m.new_bool_var(f"stay[{rid}]")
        m.add(built.start[i] == minute // unit).only_enforce_if(stay)
        m.add_implication(stay, built.serves[i][staff_id])
        m.add_hint(stay, int(start_from.get(rid) == (staff_id, minute)))
        stays.append(stay)
    m.maximize(sum(stays))
    for pr in built.prep.requests:
        i = pr.index
        if i not in built.present:
            continue
        at = start_from.get(pr.request.id)
        usable = at is not None and at[0] in built.serves[i] and at[1] % unit == 0
        m.add_hint(built.present[i], int(usable))
        if at is not None and usable:
            m.add_hint(built.start[i], at[1] // unit)
        for staff_id, x in built.serves[i].items():
            if x is not built.present[i]:
                m.add_hint(x, int(usable and at is not None and at[0] == staff_id))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if deterministic:
        solver.parameters.interleave_search = workers > 1
        solver.parameters.max_deterministic_time = SETTLE_DTIME_PER_S * time_limit
    else:
        solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    placed: dict[str, tuple[str, int]] = {}
    for pr in built.prep.requests:
        i = pr.index
        if i in built.present and solver.boolean_value(built.present[i]):
            staff_id = next(s for s, x in built.serves[i].items() if solver.boolean_value(x))
            placed[pr.request.id] = (staff_id, solver.value(built.start[i]) * unit)
    return placed


def _after(
    current: Mapping[str, tuple[str, int]],
    placed: Mapping[str, tuple[str, int]],
    steps: Iterable[str],
) -> dict[str, tuple[str, int]]:
    """The calendar once ``steps`` of ``placed`` are written over ``current``."""
    state = dict(current)
    for step in steps:
        state[step] = placed[step]
    return state


def _clashes(problem: DayProblem, placed: Mapping[str, tuple[str, int]]) -> int:
    """How many rule breaches ``placed`` has (each overlapping pair counts)."""
    solution = DaySolution(
        assignments=[Assignment(r, s, m) for r, (s, m) in placed.items()],
        breaks=[],
        unscheduled=[r.id for r in problem.requests if r.id not in placed],
    )
    report = check_solution(problem, solution)
    return sum(1 for v in report.violations if v.code != "objective_mismatch")


def _score(problem: DayProblem, placed: Mapping[str, tuple[str, int]]) -> int:
    solution = DaySolution(
        assignments=[Assignment(r, s, m) for r, (s, m) in placed.items()],
        breaks=[],
        unscheduled=[r.id for r in problem.requests if r.id not in placed],
    )
    return check_solution(problem, solution).score


class DayPlanner:
    """Propose and apply re-arrangements of a store's day (see the module docstring).

    ``DayPlanner(context, store_id=None)``: ``store_id`` is used when a call names none (and
    when the salon has a single store, that one is used).
    """

    def __init__(self, context: Context, store_id: str | None = None) -> None:
        self._ctx = context
        self._store_id = store_id

    # ------------------------------------------------------------------ reading

    def _sid(self, uow: UnitOfWork, store: str | None) -> str:
        sid = store or self._store_id
        if sid:
            return sid
        stores = uow.repo(STORES).select()
        if len(stores) == 1:
            return stores[0].id
        raise ValidationError("store", "name the store (the salon has several)")

    def _read(
        self, uow: UnitOfWork, sid: str, date: dt.date
    ) -> tuple[_Snapshot, tuple[pendulum.DateTime, pendulum.DateTime]]:
        store = uow.repo(STORES).get(sid)
        lo, hi = DayFrame.of(date, store.timezone).bounds
        found = uow.repo(BOOKING_RULES).find(sid)
        appointments = uow.repo(APPOINTMENTS).select(
            eq("store_id", sid), lt("held_from", hi), gt("held_until", lo), in_("status", _ACTIVE)
        )
        entries = [
            e
            for e in uow.repo(WAITLIST).select(
                eq("store_id", sid), in_("status", _OPEN), order_by="created_at"
            )
            if e.earliest < hi and e.latest > lo
        ]
        who = sorted({a.customer_id for a in appointments} | {e.customer_id for e in entries})
        customers = {c: uow.repo(CUSTOMERS).get(c) for c in who}
        elsewhere: list[Appointment] = []
        for customer_id in who:
            elsewhere.extend(
                a
                for a in uow.repo(APPOINTMENTS).select(
                    eq("customer_id", customer_id),
                    lt("starts_at", hi),
                    gt("ends_at", lo),
                    in_("status", _ACTIVE),
                )
                if a.store_id != sid
            )
        snapshot = _Snapshot(
            store_id=sid,
            rules=found.rules if found is not None else BookingRules(),
            staff=uow.repo(STAFF).select(eq("store_id", sid)),
            services={s.id: s for s in uow.repo(SERVICES).select()},
            resources=uow.repo(RESOURCES).select(eq("store_id", sid)),
            appointments=appointments,
            entries=entries,
            customers=customers,
            elsewhere=elsewhere,
        )
        return snapshot, (lo, hi)

    # ------------------------------------------------------------------ proposing

    def propose(
        self,
        date: dt.date,
        *,
        store: str | None = None,
        time_limit: float = 2.0,
        workers: int = 2,
        seed: int = 0,
        deterministic: bool = False,
        pinned: Iterable[str] = (),
        flex_minutes: int | None = DEFAULT_FLEX_MINUTES,
        keep_staff: bool = False,
        verify: bool = True,
        progress: ProgressCallback | None = None,
    ) -> DayPlan:
        """Propose a re-arrangement of ``date`` in ``store`` (see the module docstring).

        ``time_limit`` / ``workers`` / ``seed`` / ``deterministic`` / ``progress`` go to
        :func:`~salonkit.scheduling.day.optimize`, and the same limits to the fewest-moves pass,
        so one round costs about twice ``time_limit``; the day is solved again (at most
        :data:`MAX_SOLVES` rounds) only when a booking had to be pinned. ``pinned`` names
        appointments that must not move;
        ``flex_minutes`` is how far a booking may move either way (``None``: anywhere in the
        day); ``keep_staff`` keeps every booking with its staff member. With ``verify`` (the
        default) the plan is rehearsed: written through the booking service in a unit of work
        that is rolled back; a step the booking service refuses (its resource units are
        allocated one by one, which the day format does not see) is taken out (the entry left
        unfitted, the booking pinned) and the day solved again. Raises
        :class:`~salonkit.ConcurrencyError` when the day changes while the plan is rehearsed
        (propose again).
        """
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            raise ValidationError("date", "give the day as a datetime.date")
        if flex_minutes is not None and (isinstance(flex_minutes, bool) or flex_minutes < 0):
            raise ValidationError("flex_minutes", "must be a non-negative number of minutes")
        now = require_aware(self._ctx.clock.now(), "clock.now")
        with self._ctx.unit_of_work(readonly=True) as uow:
            sid = self._sid(uow, store)
            store_rec = uow.repo(STORES).get(sid)
            snapshot, _ = self._read(uow, sid, date)
        kinds = {unit: r.kind for r in snapshot.resources for unit in unit_ids(r)}
        notice = now.add(minutes=snapshot.rules.min_notice_minutes)
        caller_pins = frozenset(pinned)
        pins: dict[str, str] = {}
        for appt in snapshot.appointments:
            if not appt.blocks(now):
                continue
            if appt.id in caller_pins:
                pins[appt.id] = "pinned by request"
            elif appt.status not in _MOVABLE:
                pins[appt.id] = appt.status.value.replace("_", " ")
            elif appt.starts_at < notice:
                pins[appt.id] = "starts within the minimum notice"
            elif appt.visit_id is not None:
                pins[appt.id] = "part of a multi-service visit"
        started = time.perf_counter()
        rounds = 0
        restored: set[str] = set()
        refused: dict[str, str] = {}
        solves = 0
        while True:
            rounds += 1
            day = self._build(
                snapshot,
                store_rec,
                date,
                now,
                notice,
                pins,
                refused,
                kinds,
                flex_minutes,
                keep_staff,
            )
            current: dict[str, tuple[str, int]] = {}
            for rid, demand in day.demands.items():
                where = demand.pinned or demand.anchor
                if rid.startswith(_BOOKING) and where is not None:
                    current[rid] = (where[0], day.minute_of(rid, where[1]))
            broken = {s for _, s in _violations(day.problem, current) if s in current}
            broken -= {_BOOKING + a for a in pins}
            if broken:  # placed as it is, the booking breaks today's rules: keep it as it is
                for rid in broken:
                    pins[rid.removeprefix(_BOOKING)] = (
                        "does not fit today's shifts or hours as booked"
                    )
                continue
            hint = DaySolution(
                assignments=[Assignment(r, s, m) for r, (s, m) in current.items()],
                breaks=[],
                unscheduled=[r.id for r in day.problem.requests if r.id not in current],
                objective=_score(day.problem, current),
            )
            solution = optimize(
                day.problem,
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                hint=hint,
                progress=progress,
                deterministic=deterministic,
            )
            solves += 1
            again = solves < MAX_SOLVES  # may the day be solved again with more pins?
            placed = {a.request: (a.staff, a.start) for a in solution.assignments}
            dropped = [r for r in current if r not in placed]
            if dropped:
                log.info("the plan dropped %d booking(s); putting them back", len(dropped))
                back = self._restore(day.problem, current, placed, dropped)
                if back is None and again:
                    for rid in dropped:
                        pins[rid.removeprefix(_BOOKING)] = "kept: the optimiser dropped it"
                    continue
                placed = back if back is not None else dict(current)
                if back is not None:
                    restored.update(r.removeprefix(_BOOKING) for r in dropped)
            placed = self._undo_needless(day.problem, current, placed)
            settled = fewest_moves(
                day.problem,
                current,
                placed,
                time_limit=time_limit * SETTLE_SHARE,
                workers=workers,
                seed=seed,
                deterministic=deterministic,
            )
            if (
                settled is not None
                and not _violations(day.problem, settled)
                and _score(day.problem, settled) >= _score(day.problem, placed)
            ):
                placed = settled
            placed = self._undo_needless(day.problem, current, placed)
            order, stuck = self._order(day.problem, current, placed)
            if stuck and again:
                # adding to a valid calendar never breaks it, so stuck steps include moves
                for rid in stuck:
                    if rid in current:
                        pins[rid.removeprefix(_BOOKING)] = (
                            "kept: its move could not be written alone"
                        )
                continue
            placed = _after(current, placed, order)  # without the steps that could not go
            resolve = False
            while verify and placed != current:
                rehearsal = self._plan(
                    snapshot,
                    store_rec.timezone,
                    date,
                    now,
                    day,
                    current,
                    placed,
                    solution,
                    order,
                    pins,
                    refused,
                    0.0,
                    rounds,
                    frozenset(restored),
                    explain=False,
                )
                refusal = self._rehearse(rehearsal)
                if refusal is None:
                    break
                why = "; ".join(r.message for r in refusal.reasons)
                reason = f"refused by the booking service at the planned time: {why}"
                step = refusal.step
                if step.startswith(_WAITLIST):  # leaving an entry out keeps the rest valid
                    refused[step.removeprefix(_WAITLIST)] = reason
                    del placed[step]
                    placed = self._undo_needless(day.problem, current, placed)
                    order, stuck = self._order(day.problem, current, placed)
                    placed = _after(current, placed, order)
                    continue
                pins[step.removeprefix(_BOOKING)] = f"kept: its move was {reason}"
                if again:
                    resolve = True
                    break
                others = {k: v for k, v in placed.items() if k != step}
                back = self._restore(day.problem, current, others, [step], anywhere=False)
                if back is not None:  # back where it was, unseating the entries in its way
                    placed = self._undo_needless(day.problem, current, back)
                    order, stuck = self._order(day.problem, current, placed)
                else:
                    order = order[: order.index(step)]  # what the rehearsal wrote before it
                placed = _after(current, placed, order)
            if resolve:
                continue
            score = _score(day.problem, placed)
            final = attrs.evolve(
                solution,
                assignments=[Assignment(r, s, m) for r, (s, m) in placed.items()],
                unscheduled=[r.id for r in day.problem.requests if r.id not in placed],
                objective=score,
                status="OPTIMAL" if solution.bound == score else "FEASIBLE",
            )
            return self._plan(
                snapshot,
                store_rec.timezone,
                date,
                now,
                day,
                current,
                placed,
                final,
                order,
                pins,
                refused,
                time.perf_counter() - started,
                rounds,
                frozenset(restored),
            )

    # ------------------------------------------------------------------ building

    def _build(
        self,
        snap: _Snapshot,
        store: Store,
        date: dt.date,
        now: pendulum.DateTime,
        notice: pendulum.DateTime,
        pins: dict[str, str],
        refused: Mapping[str, str],
        kinds: Mapping[str, str],
        flex_minutes: int | None,
        keep_staff: bool,
    ) -> SalonDay:
        """The day problem with the current pins; bookings that cannot be requests as they are
        get pinned, and the problem is built again."""
        frame = DayFrame.of(date, store.timezone)
        lo, hi = frame.instant(0), frame.instant(frame.end)
        busy = [
            Busy(
                start=a.held_from, end=a.held_until, staff_id=a.staff_id, customer_id=a.customer_id
            )
            for a in snap.appointments
            if a.blocks(now) and (a.held_from < lo or a.held_until > hi)
        ]
        busy.extend(
            Busy(start=a.starts_at, end=a.ends_at, customer_id=a.customer_id)
            for a in snap.elsewhere
            if a.blocks(now)
        )
        inside = [
            a
            for a in snap.appointments
            if a.blocks(now) and lo <= a.held_from and a.held_until <= hi
        ]
        while True:
            demands: list[Demand] = []
            for appt in inside:
                if appt.id in pins:
                    demands.append(
                        Demand(
                            id=_BOOKING + appt.id,
                            customer_id=appt.customer_id,
                            service_id=appt.service_id,
                            earliest=appt.starts_at,
                            latest=appt.starts_at,
                            priority=BOOKING_PRIORITY,
                            pinned=(appt.staff_id, appt.starts_at),
                            shape=_recorded_shape(appt, kinds),
                        )
                    )
                    continue
                flex = dt.timedelta(minutes=flex_minutes) if flex_minutes is not None else None
                demands.append(
                    Demand(
                        id=_BOOKING + appt.id,
                        customer_id=appt.customer_id,
                        service_id=appt.service_id,
                        earliest=max(notice, appt.starts_at - flex if flex is not None else lo),
                        latest=appt.starts_at + flex if flex is not None else hi,
                        staff=(appt.staff_id,) if keep_staff else (),
                        preferred=(appt.staff_id,),
                        priority=BOOKING_PRIORITY,
                        anchor=(appt.staff_id, appt.starts_at),
                    )
                )
            demands.extend(
                d
                for d in self._waitlist_demands(snap, date, store.timezone, now, notice)
                if d.id.removeprefix(_WAITLIST) not in refused
            )
            day = build_salon_day(
                store=store,
                date=date,
                staff=snap.staff,
                services=snap.services.values(),
                resources=snap.resources,
                demands=demands,
                busy=busy,
            )
            lost = [
                d.removeprefix(_BOOKING)
                for d in day.left_out
                if d.startswith(_BOOKING) and d.removeprefix(_BOOKING) not in pins
            ]
            if not lost:
                return day
            for appt_id in lost:
                pins[appt_id] = "does not fit today's shifts or hours as booked"

    def _waitlist_demands(
        self,
        snap: _Snapshot,
        date: dt.date,
        timezone: str,
        now: pendulum.DateTime,
        notice: pendulum.DateTime,
    ) -> list[Demand]:
        """The open waitlist entries the booking rules let book on ``date``."""
        out: list[Demand] = []
        for entry in snap.entries:
            if _refusal(snap, entry, date, timezone, now) is not None:
                continue
            out.append(
                Demand(
                    id=_WAITLIST + entry.id,
                    customer_id=entry.customer_id,
                    service_id=entry.service_id,
                    earliest=max(entry.earliest, notice),
                    latest=entry.latest.subtract(minutes=1),
                    staff=(entry.staff_id,) if entry.staff_id else (),
                    preferred=snap.customers[entry.customer_id].preferred_staff,
                    priority=WAITLIST_PRIORITY,
                )
            )
        return out

    # ------------------------------------------------------------------ polishing

    @staticmethod
    def _restore(
        problem: DayProblem,
        current: Mapping[str, tuple[str, int]],
        placed: Mapping[str, tuple[str, int]],
        dropped: Sequence[str],
        *,
        anywhere: bool = True,
    ) -> dict[str, tuple[str, int]] | None:
        """Put each dropped booking back into ``placed``: at the start and with the staff member
        (its current place first; only there unless ``anywhere``) that unseats the least
        valuable waitlist entries; ``None`` when some booking fits nowhere even so."""
        requests = {r.id: r for r in problem.requests}
        specs = {s.id: s for s in problem.services}
        plan = dict(placed)
        for rid in dropped:
            request = requests[rid]
            spec = specs[request.service]
            length = spec.duration_min
            staff = [m.id for m in problem.staff if spec.skill in m.skills]
            options = [current[rid]]
            if anywhere:
                options += [
                    (member, start)
                    for member in staff
                    for start in range(
                        request.earliest, request.latest_end - length + 1, problem.granularity_min
                    )
                ]
            best: tuple[int, dict[str, tuple[str, int]]] | None = None
            for member, start in options:
                trial = {**plan, rid: (member, start)}
                rivals = sorted(
                    (
                        other
                        for other, (_, at) in plan.items()
                        if other.startswith(_WAITLIST)
                        and at < start + length
                        and start < at + specs[requests[other].service].duration_min
                    ),
                    key=lambda other: (requests[other].value, other),
                )
                while _violations(problem, trial) and rivals:
                    del trial[rivals.pop(0)]
                if _violations(problem, trial):
                    continue
                score = _score(problem, trial)
                if best is None or score > best[0]:
                    best = (score, trial)
            if best is None:
                return None
            plan = best[1]
        return plan

    @staticmethod
    def _undo_needless(
        problem: DayProblem,
        current: Mapping[str, tuple[str, int]],
        placed: Mapping[str, tuple[str, int]],
    ) -> dict[str, tuple[str, int]]:
        """Put back every moved booking whose move is not needed: the plan stays valid and keeps
        its score without it (repeated until nothing more goes back)."""
        plan = dict(placed)
        score = _score(problem, plan)
        changed = True
        while changed:
            changed = False
            for rid in sorted(r for r in current if plan.get(r) != current[r]):
                trial = {**plan, rid: current[rid]}
                if not _violations(problem, trial) and _score(problem, trial) >= score:
                    plan, score, changed = trial, _score(problem, trial), True
        return plan

    @staticmethod
    def _order(
        problem: DayProblem,
        current: Mapping[str, tuple[str, int]],
        placed: Mapping[str, tuple[str, int]],
    ) -> tuple[tuple[str, ...], list[str]]:
        """An order of the moves and new bookings in which each, written alone, leaves a
        calendar breaking no rule the calendar did not already break; and the moves that cannot
        be ordered so (empty when all can)."""
        state = dict(current)
        baseline = _violations(problem, state)
        pending = sorted(
            (r for r in placed if placed[r] != current.get(r)), key=lambda r: (placed[r][1], r)
        )
        order: list[str] = []
        while pending:
            progressed = False
            for rid in list(pending):
                trial = {**state, rid: placed[rid]}
                if _violations(problem, trial) <= baseline:
                    state = trial
                    order.append(rid)
                    pending.remove(rid)
                    progressed = True
            if not progressed:
                return tuple(order), pending
        return tuple(order), []

    # ------------------------------------------------------------------ the proposal

    def _plan(
        self,
        snap: _Snapshot,
        timezone: str,
        date: dt.date,
        now: pendulum.DateTime,
        day: SalonDay,
        current: Mapping[str, tuple[str, int]],
        placed: Mapping[str, tuple[str, int]],
        solution: DaySolution,
        order: tuple[str, ...],
        pins: Mapping[str, str],
        refused: Mapping[str, str],
        wall_s: float,
        rounds: int,
        restored: frozenset[str],
        *,
        explain: bool = True,
    ) -> DayPlan:
        appts = {a.id: a for a in snap.appointments}
        entries = {e.id: e for e in snap.entries}
        who = {c: customer.name for c, customer in snap.customers.items()}

        def service_name(service_id: str) -> str:
            found = snap.services.get(service_id)
            return found.name if found is not None else service_id

        fits: list[Fit] = []
        for rid, (staff_id, minute) in placed.items():
            if not rid.startswith(_WAITLIST):
                continue
            entry = entries[rid.removeprefix(_WAITLIST)]
            fits.append(
                Fit(
                    entry_id=entry.id,
                    customer_id=entry.customer_id,
                    customer=who.get(entry.customer_id, entry.customer_id),
                    service_id=entry.service_id,
                    service=service_name(entry.service_id),
                    staff_id=staff_id,
                    starts_at=day.start_of(rid, minute),
                    version=entry.version,
                )
            )
        moves: list[Move] = []
        kept: list[Kept] = []
        for rid in current:
            appt = appts[rid.removeprefix(_BOOKING)]
            if placed[rid] == current[rid]:
                kept.append(Kept(appointment_id=appt.id, pinned=pins.get(appt.id, "")))
                continue
            staff_id, minute = placed[rid]
            moves.append(
                Move(
                    appointment_id=appt.id,
                    customer=who.get(appt.customer_id, appt.customer_id),
                    service=service_name(appt.service_id),
                    staff_id=appt.staff_id,
                    starts_at=appt.starts_at,
                    new_staff_id=staff_id,
                    new_starts_at=day.start_of(rid, minute),
                    version=appt.version,
                    why=(
                        _why(day.problem, rid, current, placed, day, who, service_name)
                        if explain
                        else ""
                    ),
                )
            )
        for appt in snap.appointments:
            if appt.blocks(now) and _BOOKING + appt.id not in current:
                kept.append(
                    Kept(appointment_id=appt.id, pinned=pins.get(appt.id, "outside the day"))
                )
        not_fitted: dict[str, str] = {}
        for entry in snap.entries:
            rid = _WAITLIST + entry.id
            if rid in placed:
                continue
            not_fitted[entry.id] = (
                refused.get(entry.id)
                or day.left_out.get(rid)
                or ("no room" if rid in day.demands else None)
                or _refusal(snap, entry, date, timezone, now)
                or "no room"
            )
        score_before = _score(day.problem, current)
        return DayPlan(
            store_id=snap.store_id,
            date=date,
            timezone=timezone,
            proposed_at=now,
            moves=tuple(moves),
            kept=tuple(kept),
            fitted=tuple(fits),
            not_fitted=not_fitted,
            score_before=score_before,
            score_after=solution.objective,
            bound=solution.bound,
            status=solution.status,
            wall_s=wall_s,
            order=order,
            problem=day.problem,
            solution=solution,
            snapshot={a.id: a.version for a in snap.appointments},
            staff_names={m.id: m.name for m in snap.staff},
            restored=restored,
            rounds=rounds,
        )

    # ------------------------------------------------------------------ applying

    def apply(self, plan: DayPlan) -> AppliedDayPlan:
        """Write ``plan`` in one unit of work: reschedule its moves and book its waitlist
        entries through the booking service, in the plan's order.

        Raises :class:`~salonkit.ConcurrencyError` when an appointment of the day or a fitted
        waitlist entry changed since the plan was proposed, and
        :class:`DayPlanRefused` (a :class:`~salonkit.BookingConflict`) naming the step a booking
        rule refuses (the store's setup changed, the minimum notice passed); either way nothing
        is written.
        """
        with self._ctx.unit_of_work() as uow:
            return self._write(uow, plan)

    def _rehearse(self, plan: DayPlan) -> DayPlanRefused | None:
        """Write ``plan`` in a unit of work that is rolled back; the refusal, if any."""
        try:
            with self._ctx.unit_of_work() as uow:
                self._write(uow, plan)
                raise _Rehearsed
        except _Rehearsed:
            return None
        except DayPlanRefused as refusal:
            return refusal

    def _write(self, uow: UnitOfWork, plan: DayPlan) -> AppliedDayPlan:
        """Check that nothing changed since ``plan`` was proposed, then write it in ``uow``."""
        moves = {_BOOKING + m.appointment_id: m for m in plan.moves}
        fits = {_WAITLIST + f.entry_id: f for f in plan.fitted}
        moved: list[Appointment] = []
        booked: list[Appointment] = []
        uow.lock(f"calendar:{plan.store_id}")
        snapshot, _ = self._read(uow, plan.store_id, plan.date)
        if {a.id: a.version for a in snapshot.appointments} != dict(plan.snapshot):
            raise ConcurrencyError(
                f"the calendar of {plan.store_id} on {plan.date.isoformat()} changed since "
                "the plan was proposed; propose again"
            )
        repo = uow.repo(WAITLIST)
        for fit in plan.fitted:
            entry = repo.find(fit.entry_id)
            if entry is None or entry.version != fit.version or entry.status.value not in _OPEN:
                raise ConcurrencyError(
                    f"waitlist entry {fit.entry_id!r} changed since the plan was proposed"
                )
        bookings = BookingService(joined_context(self._ctx, uow), store_id=plan.store_id)
        for key in plan.order:
            try:
                if key in moves:
                    move = moves[key]
                    moved.append(
                        bookings.reschedule(
                            move.appointment_id,
                            move.new_starts_at,
                            staff=move.new_staff_id,
                            expected_version=move.version,
                            offer_freed=False,  # offered once the whole plan is written
                        )
                    )
                else:
                    fit = fits[key]
                    booked.append(
                        bookings.book(
                            BookingRequest(
                                store_id=plan.store_id,
                                service_id=fit.service_id,
                                customer_id=fit.customer_id,
                                staff_id=fit.staff_id,
                                starts_at=fit.starts_at,
                            ),
                            notes=f"from waitlist entry {fit.entry_id} (day plan)",
                        )
                    )
            except BookingConflict as conflict:
                raise DayPlanRefused(key, conflict) from conflict
        before = {a.id: a for a in snapshot.appointments}
        for appt in moved:  # what the moves freed and the plan did not fill
            old = before[appt.id]
            bookings.offer_gaps(TimeRange(old.held_from, old.held_until))
        return AppliedDayPlan(moved=tuple(moved), booked=tuple(booked))


class _Rehearsed(Exception):
    """Raised to roll a rehearsal back."""


class DayPlanRefused(BookingConflict):
    """The booking service refused one step of a day plan (``step``: ``"booking:<id>"`` or
    ``"waitlist:<id>"``); carries that refusal's reasons and suggestions."""

    def __init__(self, step: str, conflict: BookingConflict) -> None:
        super().__init__(conflict.reasons, conflict.suggestions)
        self.step = step


def _refusal(
    snap: _Snapshot, entry: WaitlistEntry, date: dt.date, timezone: str, now: pendulum.DateTime
) -> str | None:
    """Why the booking rules refuse ``entry`` on ``date`` whatever the time (``None``: they do
    not)."""
    rules = snap.rules
    service = snap.services.get(entry.service_id)
    customer = snap.customers.get(entry.customer_id)
    if service is None or customer is None:
        return "its service or customer no longer exists"
    reasons = service_reasons(rules, service, customer, "desk")
    if reasons:
        return "; ".join(r.message for r in reasons)
    if not patch_test_ok(rules, service, customer, date):
        return f"{service.name} needs a valid patch test"
    limit = rules.max_bookings_per_customer_per_day
    if limit is not None:
        groups = {
            a.visit_id or a.id
            for a in [*snap.appointments, *snap.elsewhere]
            if a.customer_id == entry.customer_id
            and a.blocks(now)
            and local_day(a.starts_at, timezone) == date
        }
        if len(groups) >= limit:
            return f"the customer already has {limit} booking(s) that day"
    return None


def _why(
    problem: DayProblem,
    rid: str,
    current: Mapping[str, tuple[str, int]],
    placed: Mapping[str, tuple[str, int]],
    day: SalonDay,
    who: Mapping[str, str],
    service_name: Callable[[str], str],
) -> str:
    """What takes the booking's old place: the requests placed by the plan that would clash
    with it there (same staff member, customer or resource at the same time)."""
    trial = {**placed, rid: current[rid]}
    clashes = _clashes(problem, trial)
    makers: list[str] = []
    for other in sorted(placed, key=lambda r: (not r.startswith(_WAITLIST), r)):
        if other == rid or placed[other] == current.get(other):
            continue
        if _clashes(problem, {k: v for k, v in trial.items() if k != other}) < clashes:
            demand = day.demands[other]
            name = who.get(demand.customer_id, demand.customer_id)
            what = "waitlist entry" if other.startswith(_WAITLIST) else "booking"
            makers.append(
                f"{name}'s {service_name(demand.service_id)} ({what} {other.split(':', 1)[1]})"
            )
    if not makers:
        return "to make room for the other changes"
    return "to make room for " + " and ".join(makers[:2])


__all__ = [
    "BOOKING_PRIORITY",
    "MAX_SOLVES",
    "SETTLE_DTIME_PER_S",
    "SETTLE_SHARE",
    "WAITLIST_PRIORITY",
    "AppliedDayPlan",
    "DayPlan",
    "DayPlanRefused",
    "DayPlanner",
    "Fit",
    "Kept",
    "Move",
    "fewest_moves",
]
