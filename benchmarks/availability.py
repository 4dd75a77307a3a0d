"""Availability and booking benchmark: slot search latency, a naive baseline, SQLite throughput.

    .venv/bin/python benchmarks/availability.py            # full run (a few minutes)
    .venv/bin/python benchmarks/availability.py --quick    # fewer repetitions

The salon: 20 stylists (10 also colour), 8 chairs, 3 basins, open 09:00-19:00 every day in
Europe/London, 2,000 bookings over 30 days with the first 10 days filled to ~90% of the chairs.

Measured, each as p50/p99 over ``--repeat`` runs:

(a) every bookable start (5-minute grid) of the 3-step colour service over 14 days with any
    qualified stylist;
(b) the first 10 colour slots with one named stylist;

- ``engine``: the pure engine over a prebuilt calendar index (what a search computes);
- ``memory warm`` / ``sqlite warm``: ``BookingService.find_slots`` with the store's calendar
  cached (the stamp unchanged since the last search: one small read, then the engine);
- ``memory cold`` / ``sqlite cold``: the cache dropped before every search (every appointment of
  the window read and decoded again).

The naive baseline tests every 5-minute start against every booking (and every shift, break and
opening hour) and must return the same starts; its time is measured in the same run and the
ratio printed. Then booking throughput on SQLite and (with ``--postgres``) PostgreSQL: one
process calling ``BookingService.book`` (one transaction per booking), one process calling
``book_many`` with batches of 100, and 8 concurrent processes racing for partly the same slots;
each followed by a check that nothing is double-booked. Every booking process is one of its own
(spawned, like a booking server's), warm before its clock starts: it has read the reference data
and the calendar of the bookable month once.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import multiprocessing as mp
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path
from queue import Empty
from typing import Any

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(SRC))

import attrs  # noqa: E402
import pendulum  # noqa: E402

from salonkit.adapters.memory import MemoryBackend  # noqa: E402
from salonkit.adapters.sql import SqlBackend  # noqa: E402
from salonkit.context import Context  # noqa: E402
from salonkit.domain.catalogue import ServiceStep  # noqa: E402
from salonkit.domain.customer import Customer, PatchTest  # noqa: E402
from salonkit.domain.time import TimeRange  # noqa: E402
from salonkit.errors import BookingConflict  # noqa: E402
from salonkit.scheduling.availability import AvailabilityEngine, wall_instant  # noqa: E402
from salonkit.scheduling.calendar_index import CalendarIndex, holds_of  # noqa: E402
from salonkit.scheduling.model import Appointment, BookingRequest, Slot  # noqa: E402
from salonkit.scheduling.records import APPOINTMENTS  # noqa: E402
from salonkit.scheduling.rules import template  # noqa: E402
from salonkit.scheduling.sample import SampleSalon, sample_salon  # noqa: E402
from salonkit.scheduling.service import BookingService  # noqa: E402
from salonkit.scheduling.shape import shape_of  # noqa: E402
from salonkit.storage.port import Backend  # noqa: E402
from salonkit.storage.records import CUSTOMERS, RESOURCES, SERVICES, STAFF, STORES  # noqa: E402

TZ = "Europe/London"
FIRST_DAY = dt.date(2026, 6, 1)
NOW = pendulum.datetime(2026, 5, 31, 12)  # the day before
DAYS = 30
BUSY_DAYS = 10
TOTAL = 2000
GRID = 5


def machine() -> str:
    """Platform, Python and CPU model."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.platform()} | Python {platform.python_version()} | {cpu} | "
        f"{os.cpu_count()} logical CPUs"
    )


def local(day: dt.date, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=TZ).in_timezone("UTC")


def salon() -> SampleSalon:
    """The sample salon at benchmark size, with a 15-minute fringe trim that fills small gaps."""
    world = sample_salon(staff=20, chairs=8, basins=3, weekdays=(0, 1, 2, 3, 4, 5, 6), timezone=TZ)
    blowdry = world.service("blowdry")
    fringe = attrs.evolve(
        blowdry,
        id="fringe",
        name="Fringe trim",
        steps=(ServiceStep("trim", 15, True, ("chair",)),),
    )
    return attrs.evolve(world, services=(*world.services, fringe))


# ---------------------------------------------------------------------- the calendar


def appointment(slot: Slot, n: int) -> Appointment:
    return Appointment(
        id=f"app_{n:05d}",
        store_id=slot.store_id,
        customer_id=f"cus_{n:05d}",
        service_id=slot.service_id,
        staff_id=slot.staff_id,
        starts_at=slot.starts_at,
        steps=slot.steps,
        buffer_before=slot.buffer_before,
        buffer_after=slot.buffer_after,
        created_at=NOW,
    )


def chair_use(appts: Sequence[Appointment], days: int) -> tuple[float, float]:
    """Share of chair-minutes and of working staff-minutes used over ``days`` days."""
    chair_min = sum(
        s.minutes
        + (a.buffer_before if i == 0 else 0)
        + (a.buffer_after if i == len(a.steps) - 1 else 0)
        for a in appts
        for i, s in enumerate(a.steps)
        if any(u.startswith("chairs") for u in s.units)
    )
    staff_min = sum(b - a for ap in appts for a, b in holds_of(ap)[0]) / 60
    return chair_min / (8 * 600 * days), staff_min / (20 * 570 * days)


def generate(world: SampleSalon, seed: int = 7) -> list[Appointment]:
    """2,000 valid bookings: the first 10 days packed to ~90% of the chairs, the rest spread."""
    rng = random.Random(seed)
    services = {s.id: s for s in world.services}
    weights = [("cut", 5), ("colour", 3), ("blowdry", 3), ("fringe", 1)]
    made: list[Appointment] = []
    n = 0

    def fill(day: dt.date, target: int | None, chair_goal: float, pick_first: int) -> None:
        nonlocal n
        todays: list[Appointment] = []
        while target is None or len(todays) < target:
            if target is None and chair_use(todays, 1)[0] >= chair_goal:
                break
            engine = AvailabilityEngine(world.store, world.staff, world.resources, todays, now=NOW)
            slots: list[Slot] = []
            weight = dict(weights)
            order = sorted(weight, key=lambda x: rng.random() ** (1 / weight[x]), reverse=True)
            for name in order:  # a random service (by weight) that still fits
                slots = engine.find_slots(
                    services[name], window=TimeRange(local(day), local(day, 23, 59)), limit=None
                )
                if slots:
                    break
            if not slots:
                break
            slot = slots[rng.randrange(min(pick_first, len(slots)))]
            # any of the stylists free then, so work is spread as a receptionist would
            staff_id = rng.choice((slot.staff_id, *slot.other_staff))
            member = engine.staff[staff_id]
            service = services[slot.service_id]
            steps = engine.place(service, member, int(slot.starts_at.timestamp()))
            assert steps is not None
            slot = attrs.evolve(slot, staff_id=staff_id, steps=steps, other_staff=())
            todays.append(appointment(slot, n))
            n += 1
        made.extend(todays)

    for d in range(BUSY_DAYS):
        fill(FIRST_DAY + dt.timedelta(days=d), None, 0.9, 3)
    rest = TOTAL - len(made)
    for d in range(BUSY_DAYS, DAYS):
        share = rest // (DAYS - BUSY_DAYS) + (1 if d - BUSY_DAYS < rest % (DAYS - BUSY_DAYS) else 0)
        fill(FIRST_DAY + dt.timedelta(days=d), share, 1.0, 1000)
    return made


# ---------------------------------------------------------------------- naive baseline


def naive_starts(
    world: SampleSalon,
    appts: Sequence[Appointment],
    service_id: str,
    lo: dt.datetime,
    hi: dt.datetime,
) -> list[pendulum.DateTime]:
    """Every 5-minute start in [lo, hi) tested against every booking, shift, break and hour."""
    service = next(s for s in world.services if s.id == service_id)
    busy = [(a, holds_of(a)) for a in appts if a.blocks(NOW)]
    units_of: dict[str, list[str]] = {}
    for r in world.resources:
        units_of.setdefault(r.kind, []).extend(f"{r.id}:{k}" for k in range(1, r.capacity + 1))
    out: list[pendulum.DateTime] = []
    day = pendulum.instance(lo).in_timezone(TZ).date()
    last = pendulum.instance(hi).in_timezone(TZ).date()
    while day <= last:
        hours = world.store.hours_for(day)
        for interval in hours:
            opens = wall_instant(day, interval.opens, TZ)
            closes = wall_instant(day, interval.closes, TZ)
            for start in range(opens, closes, GRID * 60):
                if not (lo.timestamp() <= start < hi.timestamp()):
                    continue
                for member in world.staff:
                    if not member.can_do(service.skill):
                        continue
                    shape = shape_of(service, member)
                    if start + shape.minutes * 60 > closes:
                        continue
                    ok = True
                    work = []
                    for shift in member.shifts_on(day):
                        s0 = wall_instant(day, shift.hours.opens, TZ)
                        s1 = wall_instant(day, shift.hours.closes, TZ)
                        breaks = [
                            (wall_instant(day, b.opens, TZ), wall_instant(day, b.closes, TZ))
                            for b in shift.breaks
                        ]
                        work.append((s0, s1, breaks))
                    for a, b in shape.staff_spans():
                        x, y = start + a, start + b
                        if not any(
                            s0 <= x and y <= s1 and not any(p < y and x < q for p, q in brk)
                            for s0, s1, brk in work
                        ):
                            ok = False
                    if not ok:
                        continue
                    for appt, (staff_spans, _, _) in busy:
                        if appt.staff_id != member.id:
                            continue
                        for a, b in shape.staff_spans():
                            if any(p < start + b and start + a < q for p, q in staff_spans):
                                ok = False
                        if not ok:
                            break
                    if not ok:
                        continue
                    for req in shape.requirements():
                        x, y = start + req.start, start + req.end
                        free = 0
                        for unit in units_of.get(req.kind, []):
                            if not any(
                                u == unit and p < y and x < q
                                for _, (_, unit_spans, _) in busy
                                for u, (p, q) in unit_spans
                            ):
                                free += 1
                        if free < req.count:
                            ok = False
                            break
                    if ok:
                        out.append(pendulum.from_timestamp(start))
                        break
        day += dt.timedelta(days=1)
    return out


# ---------------------------------------------------------------------- storage


def seed_backend(backend: Backend, world: SampleSalon, appts: Sequence[Appointment]) -> Context:
    ctx = Context(backend=backend, clock=_Clock())
    with ctx.unit_of_work() as uow:
        uow.repo(STORES).add(world.store)
        uow.repo(STAFF).add_many(world.staff)
        uow.repo(RESOURCES).add_many(world.resources)
        uow.repo(SERVICES).add_many(world.services)
        uow.repo(CUSTOMERS).add_many(
            [
                Customer(
                    id=f"cus_{n:05d}",
                    name=f"Customer {n}",
                    patch_tests=(PatchTest(on=dt.date(2026, 5, 1), passed=True),),
                )
                for n in range(25_000)
            ]
        )
        uow.repo(APPOINTMENTS).add_many(list(appts))
        BookingService.touch(uow, world.store.id)
    BookingService(ctx, "flagship").set_rules(
        template("standard", min_notice_minutes=0, granularity_minutes=GRID, horizon_days=90)
    )
    return ctx


class _Clock:
    def now(self) -> pendulum.DateTime:
        return NOW


def sqlite_backend(path: Path) -> SqlBackend:
    backend = SqlBackend(f"sqlite:///{path}")
    return backend


def create_sqlite(path: Path) -> SqlBackend:
    backend = sqlite_backend(path)
    backend.migrate()
    return backend


# ---------------------------------------------------------------------- timing


class Times:
    """Wall-clock and CPU milliseconds of repeated calls."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []


def timed(fn: Callable[[], object], repeat: int) -> tuple[Times, object]:
    """``fn`` run ``repeat`` times, wall and CPU time of each; the garbage left by what ran
    before (building the calendar, the naive baseline) is collected first, so a full collection
    of it is not charged to the first series that happens to trigger it."""
    gc.collect()
    out = None
    times = Times()
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        times.cpu.append((time.process_time() - c) * 1000)
        times.wall.append((time.perf_counter() - w) * 1000)
    return times, out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, t: Times) -> str:
    return (
        f"  {name:<28} wall p50 {pct(t.wall, 0.5):8.2f} p99 {pct(t.wall, 0.99):8.2f} ms | "
        f"cpu p50 {pct(t.cpu, 0.5):8.2f} p99 {pct(t.cpu, 0.99):8.2f} ms  (n={len(t.wall)})"
    )


# ---------------------------------------------------------------------- throughput


def plan_requests(
    world: SampleSalon, appts: Sequence[Appointment], count: int, seed: int, first: int = 10_000
) -> list[BookingRequest]:
    """``count`` non-conflicting requests on days 11-30 (found with the engine, not yet booked)."""
    rng = random.Random(seed)
    services = {s.id: s for s in world.services}
    by_day: dict[dt.date, list[Appointment]] = {}
    for a in appts:
        by_day.setdefault(a.starts_at.in_timezone(TZ).date(), []).append(a)
    out: list[BookingRequest] = []
    days = [FIRST_DAY + dt.timedelta(days=d) for d in range(BUSY_DAYS, DAYS)]
    n = first
    while len(out) < count and days:
        day = rng.choice(days)
        todays = by_day.setdefault(day, [])
        engine = AvailabilityEngine(world.store, world.staff, world.resources, todays, now=NOW)
        slots: list[Slot] = []
        for name in rng.sample(list(services), len(services)):
            slots = engine.find_slots(
                services[name], window=TimeRange(local(day), local(day, 23, 59)), limit=None
            )
            if slots:
                break
        if not slots:
            days.remove(day)
            continue
        slot = rng.choice(slots)
        todays.append(appointment(slot, n))
        out.append(BookingRequest.from_slot(slot, f"cus_{n:05d}"))
        n += 1
    return out


def warm_service(url: str) -> tuple[SqlBackend, BookingService]:
    """A booking service as a running booking server has it: reference data and the calendar
    of the bookable month read once."""
    backend = SqlBackend(url)
    bookings = BookingService(Context(backend=backend, clock=_Clock()), "flagship")
    bookings.find_slots(
        "cut", within=(local(FIRST_DAY), local(FIRST_DAY + dt.timedelta(days=DAYS))), limit=1
    )
    return backend, bookings


def as_request(row: tuple[str, str, str, str, str]) -> BookingRequest:
    service, customer, staff, start, _key = row
    return BookingRequest(
        store_id="flagship",
        service_id=service,
        customer_id=customer,
        staff_id=staff,
        starts_at=pendulum.parse(start),
    )


def book_alone(
    url: str, requests: list[tuple[str, str, str, str, str]], batch: bool, chunk: int, results: Any
) -> None:
    """A booking server process on its own: book the (service, customer, staff, start, key)
    rows one transaction per ``book`` call, or with ``book_many`` in batches of ``chunk``;
    report the rate of each run of ``chunk``, and the wall and CPU time of all."""
    backend, bookings = warm_service(url)
    parsed = [(as_request(row), row[4]) for row in requests]
    gc.collect()  # what warming up left behind
    rates: list[float] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    for start in range(0, len(parsed), chunk):
        part = parsed[start : start + chunk]
        t = time.perf_counter()
        if batch:
            outcome = bookings.book_many(
                [r for r, _ in part], idempotency_keys=[k for _, k in part]
            )
            if outcome.refused:
                raise SystemExit(f"book_many refused {len(outcome.refused)} free slots")
        else:
            for request, key in part:
                bookings.book(request, idempotency_key=key)
        rates.append(len(part) / (time.perf_counter() - t))
    results.put((rates, time.perf_counter() - t0, time.process_time() - cpu0))
    backend.close()


def book_batch(
    url: str, requests: list[tuple[str, str, str, str, str]], barrier: Any, results: Any
) -> None:
    """A worker process: book each (service, customer, staff, start, key); report counts."""
    backend, bookings = warm_service(url)
    gc.collect()  # what warming up left behind
    barrier.wait()
    ok = conflicts = 0
    t = time.perf_counter()
    for row in requests:
        try:
            bookings.book(as_request(row), idempotency_key=row[4])
            ok += 1
        except BookingConflict:
            conflicts += 1
    results.put((ok, conflicts, time.perf_counter() - t))
    backend.close()


def double_bookings(backend: Backend) -> int:
    """Pairs of blocking appointments sharing a staff member, unit or customer at the same time."""
    with backend.unit_of_work(readonly=True) as uow:
        stored = [a for a in uow.repo(APPOINTMENTS).select() if a.blocks(NOW)]
    by_day: dict[dt.date, list[Appointment]] = {}
    for a in stored:
        by_day.setdefault(a.starts_at.date(), []).append(a)
    bad = 0
    for todays in by_day.values():
        for a, b in combinations(todays, 2):
            sa, ua, ca = holds_of(a)
            sb, ub, cb = holds_of(b)
            staff = a.staff_id == b.staff_id and any(
                x[0] < y[1] and y[0] < x[1] for x in sa for y in sb
            )
            unit = any(u == v and x[0] < y[1] and y[0] < x[1] for u, x in ua for v, y in ub)
            customer = a.customer_id == b.customer_id and ca[0] < cb[1] and cb[0] < ca[1]
            bad += staff or unit or customer
    return bad


def as_tuple(r: BookingRequest, key: str) -> tuple[str, str, str, str, str]:
    return (r.service_id, r.customer_id, r.staff_id, r.starts_at.isoformat(), key)


# ---------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeat", type=int, default=None, help="searches per measurement")
    parser.add_argument(
        "--bookings",
        type=int,
        default=500,
        help="single-process bookings, each way (days 11-30 hold about 1,900 more in all)",
    )
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        default=os.environ.get("SALONKIT_TEST_POSTGRES_URL"),
        help="also measure on PostgreSQL, in a database created (and dropped) through this URL"
        " (default: $SALONKIT_TEST_POSTGRES_URL)",
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or (30 if args.quick else 200)
    print("machine:", machine())
    world = salon()
    t = time.perf_counter()
    appts = generate(world)
    chairs10, staff10 = chair_use(
        [a for a in appts if a.starts_at < local(FIRST_DAY + dt.timedelta(days=BUSY_DAYS))],
        BUSY_DAYS,
    )
    print(
        f"calendar: {len(appts)} bookings over {DAYS} days, first {BUSY_DAYS} days "
        f"{chairs10:.0%} of chair time and {staff10:.0%} of staff time used "
        f"(generated in {time.perf_counter() - t:.1f} s)"
    )
    colour = next(s for s in world.services if s.id == "colour")
    lo, hi = local(FIRST_DAY), local(FIRST_DAY + dt.timedelta(days=14))
    window = TimeRange(lo, hi)
    index = CalendarIndex("flagship", appts)

    def engine_a() -> list[Slot]:
        engine = AvailabilityEngine(
            world.store, world.staff, world.resources, calendar=index, now=NOW
        )
        return engine.find_slots(colour, window=window, limit=None, granularity=GRID)

    def engine_b() -> list[Slot]:
        engine = AvailabilityEngine(
            world.store, world.staff, world.resources, calendar=index, now=NOW
        )
        return engine.find_slots(colour, window=window, staff="s01", limit=10, granularity=GRID)

    results: dict[str, Times] = {}
    results["(a) engine"], slots_a = timed(engine_a, repeat)
    results["(b) engine"], slots_b = timed(engine_b, repeat)
    assert isinstance(slots_a, list) and isinstance(slots_b, list)
    print(f"(a) returns {len(slots_a)} starts; (b) returns {len(slots_b)} starts")

    naive_repeat = 1 if args.quick else 3
    naive_times, naive = timed(lambda: naive_starts(world, appts, "colour", lo, hi), naive_repeat)
    assert isinstance(naive, list)
    same = [s.starts_at for s in slots_a] == naive
    print(f"naive baseline: {len(naive)} starts, identical to the engine's: {same}")
    if not same:
        raise SystemExit("the engine and the naive baseline disagree")

    with tempfile.TemporaryDirectory() as tmp:
        stores: dict[str, tuple[Backend, Context]] = {}
        memory = MemoryBackend()
        stores["memory"] = (memory, seed_backend(memory, world, appts))
        sqlite = create_sqlite(Path(tmp) / "bench.db")
        stores["sqlite"] = (sqlite, seed_backend(sqlite, world, appts))
        refresh = plan_requests(world, appts, max(5, repeat // 5), seed=21, first=23_000)
        for name, (_, ctx) in stores.items():
            bookings = BookingService(ctx, "flagship")

            def service_a(b: BookingService = bookings) -> list[Slot]:
                return b.find_slots("colour", within=window, limit=None)

            def service_b(b: BookingService = bookings) -> list[Slot]:
                return b.find_slots("colour", within=window, staff="s01", limit=10)

            def cold(
                fn: Callable[[], list[Slot]], b: BookingService = bookings
            ) -> Callable[[], list[Slot]]:
                def run() -> list[Slot]:
                    b._calendars.clear()
                    return fn()

                return run

            got = service_a()
            assert [s.starts_at for s in got] == naive, name
            results[f"(a) {name} warm"], _ = timed(service_a, repeat)
            results[f"(b) {name} warm"], _ = timed(service_b, repeat)
            cold_repeat = max(5, repeat // 10)
            results[f"(a) {name} cold"], _ = timed(cold(service_a), cold_repeat)
            results[f"(b) {name} cold"], _ = timed(cold(service_b), cold_repeat)
            # another process books, then this one searches: the cached copy re-reads only the
            # appointments the calendar stamp names as changed
            writer = BookingService(ctx, "flagship")
            refreshed = Times()
            service_a()
            for request in refresh:
                writer.book(request)
                t_wall, t_cpu = time.perf_counter(), time.process_time()
                service_a()
                refreshed.cpu.append((time.process_time() - t_cpu) * 1000)
                refreshed.wall.append((time.perf_counter() - t_wall) * 1000)
            results[f"(a) {name} after a booking"] = refreshed

        print("\nsearch latency")
        for name, times in results.items():
            print(line(name, times))
        print(line("(a) naive baseline", naive_times))
        med = statistics.median
        print("\nratios of medians (wall | cpu)")

        def ratio(a: Times, b: Times) -> str:
            return f"{med(a.wall) / med(b.wall):8.2f}x | {med(a.cpu) / med(b.cpu):8.2f}x"

        print(f"  (a) naive / engine              {ratio(naive_times, results['(a) engine'])}")
        print(f"  (a) naive / sqlite warm         {ratio(naive_times, results['(a) sqlite warm'])}")
        print(
            "  (a) sqlite / memory, after a booking "
            f"{ratio(results['(a) sqlite after a booking'], results['(a) memory after a booking'])}"
        )
        for q in ("(a)", "(b)"):
            for mode in ("warm", "cold"):
                print(
                    f"  {q} sqlite / memory, {mode:<5}       "
                    f"{ratio(results[f'{q} sqlite {mode}'], results[f'{q} memory {mode}'])}"
                )

        # ------------------------------------------------------------ throughput
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        throughput("SQLite", sqlite, stores["sqlite"][1], sqlite_url, world, args)
        sqlite.close()
        if args.postgres:
            from salonkit.testing.databases import fresh_postgres_database

            with fresh_postgres_database(args.postgres) as pg_url:
                pg = SqlBackend(pg_url)
                pg.migrate()
                throughput("PostgreSQL", pg, seed_backend(pg, world, appts), pg_url, world, args)
                pg.close()
        else:
            print("\nPostgreSQL: not measured (give --postgres ADMIN_URL)")


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s"


def throughput(
    name: str, backend: Backend, ctx: Context, url: str, world: SampleSalon, args: Any
) -> None:
    """Bookings per second on one database: one process booking one appointment per call, one
    process booking in batches (``book_many``), and 8 processes racing for partly the same
    slots; then a check that nothing is double-booked."""
    with backend.unit_of_work(readonly=True) as uow:
        current = uow.repo(APPOINTMENTS).select()
    single_n, batch_n, chunk = args.bookings, args.bookings, 100
    plan = plan_requests(world, current, single_n + batch_n + 8 * 100, seed=11)
    if len(plan) < single_n + batch_n + 8 * 100:
        raise SystemExit(f"only {len(plan)} free slots left: ask for fewer --bookings")
    single = plan[:single_n]
    batched = plan[single_n : single_n + batch_n]
    multi = plan[single_n + batch_n :]
    spawn = mp.get_context("spawn")

    def alone(rows: list[tuple[str, str, str, str, str]], batch: bool) -> tuple[Any, ...]:
        queue = spawn.Queue()
        process = spawn.Process(target=book_alone, args=(url, rows, batch, chunk, queue))
        process.start()
        while True:
            try:
                outcome = queue.get(timeout=2)
                break
            except Empty:
                if not process.is_alive():
                    raise SystemExit(
                        f"the booking process failed (exit code {process.exitcode})"
                    ) from None
        process.join()
        return tuple(outcome)

    print(
        f"\n{name} booking throughput (each booking checked and written in a transaction; "
        "each line a booking server process of its own, warm: reference data and the month's "
        "calendar read before the clock starts):"
    )
    rates, wall, cpu = alone([as_tuple(r, f"single-{n}") for n, r in enumerate(single)], False)
    print(
        f"  1 process, book():      {len(single)} bookings in {wall:.2f} s = {rate(len(single), wall)}"
        f" (median of {len(rates)} runs of {chunk}: {statistics.median(rates):,.0f}/s;"
        f" CPU {rate(len(single), cpu)})"
    )
    bookings = BookingService(ctx, "flagship")
    for n, request in enumerate(single[:50]):  # idempotent retries create nothing
        again = bookings.book(request, idempotency_key=f"single-{n}")
        assert again.starts_at == request.starts_at
    rates, wall, cpu = alone([as_tuple(r, f"batch-{n}") for n, r in enumerate(batched)], True)
    print(
        f"  1 process, book_many(): {len(batched)} bookings in batches of {chunk} in {wall:.2f} s"
        f" = {rate(len(batched), wall)} (median batch: {statistics.median(rates):,.0f}/s;"
        f" CPU {rate(len(batched), cpu)})"
    )

    workers = 8
    per = len(multi) // workers
    batches: list[list[tuple[str, str, str, str, str]]] = []
    rng = random.Random(5)
    for w in range(workers):
        mine = [as_tuple(r, f"multi-{w}-{i}") for i, r in enumerate(multi[w * per : (w + 1) * per])]
        # contest a third of another worker's slots with a different customer
        other = multi[((w + 1) % workers) * per : ((w + 1) % workers + 1) * per]
        for i, r in enumerate(rng.sample(other, per // 3)):
            mine.append(
                (
                    r.service_id,
                    f"cus_{15_000 + w * 1000 + i:05d}",
                    r.staff_id,
                    r.starts_at.isoformat(),
                    f"contest-{w}-{i}",
                )
            )
        rng.shuffle(mine)
        batches.append(mine)
    barrier = spawn.Barrier(workers + 1)
    queue = spawn.Queue()
    procs = [spawn.Process(target=book_batch, args=(url, b, barrier, queue)) for b in batches]
    for p in procs:
        p.start()
    barrier.wait()
    t = time.perf_counter()
    outcomes = [queue.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - t
    for p in procs:
        p.join()
    booked = sum(o[0] for o in outcomes)
    refused = sum(o[1] for o in outcomes)
    attempts = sum(len(b) for b in batches)
    print(
        f"  {workers} processes, book(): {attempts} attempts, {booked} booked, {refused} refused"
        f" as conflicts, in {elapsed:.2f} s = {rate(booked, elapsed)} bookings"
        f" ({rate(attempts, elapsed)} attempts)"
    )
    bad = double_bookings(backend)
    print(f"  double bookings found afterwards: {bad}")
    if bad:
        raise SystemExit("double booking detected")


if __name__ == "__main__":
    main()
