"""Points ledger benchmark: 100,000 members and 2,000,000 ledger entries in memory.

    .venv/bin/python benchmarks/loyalty.py               # the full size
    .venv/bin/python benchmarks/loyalty.py --scale 0.1   # 10,000 members, 200,000 entries
    .venv/bin/python benchmarks/loyalty.py --sqlite-ops 500
    .venv/bin/python benchmarks/loyalty.py --freeze-gc   # move the built ledger out of the GC's way

Targets: a balance query under 1 ms; 10,000+ earn/redeem operations per second in memory.
Measured in the same run, the naive baseline recomputes a member's balance from all of the
member's entries (``replay_balance``), both for a balance query and before each operation (as a
ledger without running lots would have to); the report gives the ratios. Every figure is the
median of ``--repeat`` rounds over different random members.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(SRC))

from salonkit.errors import InsufficientBalance  # noqa: E402
from salonkit.loyalty.ledger import PointsLedger, replay_balance  # noqa: E402

T0 = dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC)
END = T0 + dt.timedelta(days=800)  # every generated entry is before this instant


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def populate(
    members: int,
    entries: int,
    seed: int = 11,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[PointsLedger, float]:
    """A ledger of ``members`` members holding about ``entries`` entries (earn, redeem, expiry).

    Each member earns 10-500 points every 5-60 days over two years and redeems a few hundred
    now and then; lots are valid 365 days, so old ones expire along the way. ``progress`` is
    called with (members done, members) every 10 %.
    """
    rnd = random.Random(seed)
    ledger = PointsLedger(validity_days=365, pending_days=0)
    per_member = max(1, entries // members)
    started = time.perf_counter()
    tick = max(1, members // 10)
    for m in range(members):
        if progress is not None and m and m % tick == 0:
            progress(m, members)
        member = f"m{m:06d}"
        at = T0 + dt.timedelta(hours=rnd.randrange(24 * 30))
        step_days = 700 / per_member
        for n in range(per_member):
            at = at + dt.timedelta(days=step_days * rnd.uniform(0.5, 1.0))
            if n % 4 == 3:
                available = ledger.balance(member, at=at).available
                if available >= 100:
                    ledger.redeem(member, rnd.randrange(100, available + 1), at=at)
                    continue
            ledger.earn(member, rnd.randrange(10, 501), at=at, order_id=f"o{m}-{n}")
    return ledger, time.perf_counter() - started


def count_entries(ledger: PointsLedger) -> int:
    """Entries held, all members."""
    return sum(len(ledger.entries(m)) for m in ledger.members())


def time_operations(
    ledger: PointsLedger, members: list[str], at: dt.datetime, naive: bool
) -> float:
    """Operations per second: alternate earn and redeem, one member each.

    ``naive`` first recomputes the member's balance from all its entries, as a ledger without
    running lots would before accepting a redemption.
    """
    started = time.perf_counter()
    for i, member in enumerate(members):
        if naive:
            replay_balance(ledger.entries(member), at=at)
        if i % 2:
            try:
                ledger.redeem(member, 50, at=at)
            except InsufficientBalance:
                ledger.earn(member, 50, at=at)
        else:
            ledger.earn(member, 120, at=at, order_id=f"bench-{i}")
    return len(members) / (time.perf_counter() - started)


def time_queries(members: list[str], query: Callable[[str], object]) -> tuple[float, float]:
    """Median and 99th-percentile latency of ``query`` in microseconds."""
    samples = []
    for member in members:
        started = time.perf_counter()
        query(member)
        samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def sqlite_rate(operations: int) -> float:
    """Earn/redeem use cases per second through ``LoyaltyService`` on a SQLite file."""
    from salonkit.adapters.sql import SqlBackend
    from salonkit.context import Context
    from salonkit.domain.money import Money
    from salonkit.loyalty.model import LineCategory, Purchase, PurchaseLine
    from salonkit.loyalty.programme import Programme
    from salonkit.loyalty.service import LoyaltyService

    with tempfile.TemporaryDirectory() as tmp:
        backend = SqlBackend(f"sqlite:///{tmp}/bench.db")
        backend.migrate()
        service = LoyaltyService(Context(backend=backend), Programme.standard("CNY"))
        line = PurchaseLine(category=LineCategory.SERVICE, amount=Money("288.00", "CNY"))
        started = time.perf_counter()
        for i in range(operations):
            member = f"m{i % 50}"
            if i % 2:
                service.redeem(member, order_id=f"r{i}", order_value=Money("50", "CNY"), points=100)
            else:
                purchase = Purchase(order_id=f"o{i}", at=END, lines=(line,))
                service.earn(member, purchase)
        rate = operations / (time.perf_counter() - started)
        backend.close()
    return rate


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 members, 2M entries")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ops", type=int, default=20_000, help="operations per round")
    parser.add_argument("--queries", type=int, default=5_000, help="balance queries per round")
    parser.add_argument("--sqlite-ops", type=int, default=400, help="0 to skip SQLite")
    parser.add_argument(
        "--freeze-gc",
        action="store_true",
        help="gc.freeze() after building, as a long-running host holding the ledger would",
    )
    args = parser.parse_args(argv)
    members = max(1, int(100_000 * args.scale))
    entries = max(members, int(2_000_000 * args.scale))

    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {cpu_model()}")
    ledger, built = populate(
        members,
        entries,
        progress=lambda done, total: print(
            f"  building: {done:,}/{total:,} members", file=sys.stderr
        ),
    )
    held = count_entries(ledger)
    if args.freeze_gc:
        gc.collect()
        gc.freeze()
    print(
        f"ledger: {members:,} members, {held:,} entries, built in {built:.1f} s "
        f"({held / built:,.0f} entries/s while building)"
    )

    rnd = random.Random(5)
    ids = ledger.members()
    rates, naive_rates, fast, naive, fast_p99 = [], [], [], [], []
    at = END
    for _ in range(args.repeat):
        at = at + dt.timedelta(hours=1)
        sample = [rnd.choice(ids) for _ in range(args.queries)]
        f_med, f_p99 = time_queries(sample, lambda m, at=at: ledger.balance(m, at=at))
        n_med, _ = time_queries(sample, lambda m, at=at: replay_balance(ledger.entries(m), at=at))
        fast.append(f_med)
        fast_p99.append(f_p99)
        naive.append(n_med)
        at = at + dt.timedelta(hours=1)
        rates.append(time_operations(ledger, [rnd.choice(ids) for _ in range(args.ops)], at, False))
        at = at + dt.timedelta(hours=1)
        naive_rates.append(
            time_operations(ledger, [rnd.choice(ids) for _ in range(args.ops)], at, True)
        )
    rate, naive_rate = statistics.median(rates), statistics.median(naive_rates)
    f_med, n_med = statistics.median(fast), statistics.median(naive)
    print(
        f"balance query: median {f_med:.1f} us, p99 {statistics.median(fast_p99):.1f} us "
        f"(target < 1000 us); naive replay {n_med:.1f} us -> {n_med / f_med:.1f}x faster"
    )
    print(
        f"earn/redeem: {rate:,.0f} ops/s (target >= 10,000); naive (replay before each op) "
        f"{naive_rate:,.0f} ops/s -> {rate / naive_rate:.2f}x"
    )
    print(
        f"medians of {args.repeat} rounds; {args.ops:,} operations and {args.queries:,} "
        f"queries per round, random members"
    )
    if args.sqlite_ops:
        print(
            f"SQLite LoyaltyService earn/redeem: {sqlite_rate(args.sqlite_ops):,.0f} use cases/s "
            f"({args.sqlite_ops} use cases, one transaction each, 50 members)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
