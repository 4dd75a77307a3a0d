"""Stock ledger benchmark: posting throughput, O(1) queries, repost after a back-dated move.

    .venv/bin/python benchmarks/ledger.py                 # 1,000,000 moves over 1,000 products
    .venv/bin/python benchmarks/ledger.py --moves 100000  # smaller
    .venv/bin/python benchmarks/ledger.py --sqlite-moves 20000 --sqlite-batch 100,1000,5000

Targets: >= 50,000 moves/s in memory (garbage collector on, as users run it); on-hand / value
queries under 1 ms; SQLite batch posting >= 5,000 moves/s. Each figure is the median of
``--repeat`` runs, and the posting rate is also given as a ratio to a baseline measured in the
same run (a bare loop keeping Decimal running sums for the same moves), so a noisy machine
shows in both. Rates per CPU second (the process's own CPU time) are printed next to the
wall-clock ones: on a shared machine they show what the code costs apart from the waiting, and
the load average is printed before and after each part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gc
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pendulum

from salonkit.domain.catalogue import Product
from salonkit.errors import InsufficientStock
from salonkit.inventory.ledger import StockLedger
from salonkit.inventory.model import (
    Move,
    MoveRequest,
    MoveType,
    NegativeStockPolicy,
    ValuationMethod,
)

T0 = pendulum.datetime(2026, 1, 1)


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's processor string)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def make_moves(count: int, products: int, seed: int = 7) -> list[Move]:
    """``count`` moves over ``products`` products in one store, one second apart.

    Each product starts with a receipt of 60-100 units; then 17 % receipts (10-30 units at
    1.00-9.99), 38 % consumes and 35 % sales (1-5 units), 10 % adjustments of -1. Inflow (about
    3.4 units a move) slightly exceeds outflow (about 2.3), so stock stays positive nearly always
    while a product holds a few dozen lots, as a shelf does, instead of piling up without end.
    """
    rnd = random.Random(seed)
    moves: list[Move] = []
    step = dt.timedelta(seconds=1)
    at = T0
    for i in range(count):
        sku = f"P{i % products:04d}" if i < products else f"P{rnd.randrange(products):04d}"
        roll = rnd.random()
        if i < products or roll < 0.17:
            qty = Decimal(rnd.randint(60, 100) if i < products else rnd.randint(10, 30))
            kind, value = MoveType.RECEIVE, qty * Decimal(rnd.randint(100, 999)).scaleb(-2)
        elif roll < 0.55:
            kind, qty, value = MoveType.CONSUME, -Decimal(rnd.randint(1, 5)), None
        elif roll < 0.9:
            kind, qty, value = MoveType.SELL, -Decimal(rnd.randint(1, 5)), None
        else:
            kind, qty, value = MoveType.ADJUST, Decimal(-1), None
        moves.append(
            Move(
                id=f"m{i}",
                seq=i + 1,
                store_id="s1",
                sku=sku,
                type=kind,
                quantity=qty,
                posted_at=at,
                recorded_at=at,
                actor="bench",
                value=value,
                reason="bench",
            )
        )
        at = at + step
    return moves


def new_ledger(products: int, method: ValuationMethod) -> StockLedger:
    """A ledger with ``products`` products counted in ml."""
    ledger = StockLedger("CNY", method=method)
    for p in range(products):
        ledger.add_product(Product(sku=f"P{p:04d}", name=f"Product {p}", unit="ml"))
    return ledger


def baseline(moves: list[Move]) -> float:
    """Seconds for a bare loop keeping quantity and value sums per product (no valuation)."""
    sums: dict[str, list[Decimal]] = {}
    start = time.perf_counter()
    for m in moves:
        entry = sums.get(m.sku)
        if entry is None:
            entry = sums[m.sku] = [Decimal(0), Decimal(0)]
        entry[0] += m.quantity
        if m.value is not None:
            entry[1] += m.value
    return time.perf_counter() - start


def post(ledger: StockLedger, moves: list[Move]) -> tuple[float, float, int]:
    """Wall-clock and CPU seconds to post ``moves``, and how many were refused."""
    refused = 0
    cpu = time.process_time()
    start = time.perf_counter()
    for m in moves:
        try:
            ledger.post(m)
        except InsufficientStock:
            refused += 1
    return time.perf_counter() - start, time.process_time() - cpu, refused


def gc_collections() -> list[int]:
    """How many collections of each generation the garbage collector has run so far."""
    return [g["collections"] for g in gc.get_stats()]


def time_queries(ledger: StockLedger, products: int, count: int = 100_000) -> tuple[float, float]:
    """Mean microseconds per on_hand and per value query (random products)."""
    rnd = random.Random(3)
    skus = [f"P{rnd.randrange(products):04d}" for _ in range(count)]
    start = time.perf_counter()
    for sku in skus:
        ledger.on_hand("s1", sku)
    on_hand = (time.perf_counter() - start) / count * 1e6
    start = time.perf_counter()
    for sku in skus:
        ledger.value("s1", sku)
    value = (time.perf_counter() - start) / count * 1e6
    return on_hand, value


def time_repost(ledger: StockLedger, tries: int = 5) -> tuple[float, float, int]:
    """Median milliseconds to post a receipt back-dated before everything (the whole stream is
    revalued) and one back-dated just before the stream's last move (valuation resumes from the
    last checkpoint), and the stream's length."""
    sku = "P0001"
    whole, recent = [], []
    for n in range(tries):
        last = ledger.postings("s1", sku)[-1].move.posted_at
        start = time.perf_counter()
        ledger.receive(
            "s1",
            sku,
            Decimal(5),
            unit_cost=Decimal("1.00"),
            actor="bench",
            at=last - dt.timedelta(milliseconds=10 * (n + 1)),
        )
        recent.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        ledger.receive(
            "s1",
            sku,
            Decimal(5),
            unit_cost=Decimal("1.00"),
            actor="bench",
            at=T0.subtract(days=1, minutes=n),
        )
        whole.append((time.perf_counter() - start) * 1e3)
    return statistics.median(whole), statistics.median(recent), len(ledger.postings("s1", sku))


def sqlite_batch(
    count: int, products: int, batch: int, *, raw: bool = False
) -> tuple[float, float]:
    """Moves per second (wall clock, CPU) posted through InventoryService.post_moves on a
    SQLite file.

    With ``raw``, the baseline: the same moves stored with ``add_many`` through the storage
    port, one unit of work per batch, without valuation or balances.
    """
    from salonkit.adapters.sql.backend import SqlBackend
    from salonkit.context import Context
    from salonkit.inventory.service import InventoryService
    from salonkit.storage.records import PRODUCTS

    with tempfile.TemporaryDirectory() as tmp:
        backend = SqlBackend(str(Path(tmp) / "bench.db"))
        backend.migrate()
        ctx = Context(backend=backend)
        with ctx.unit_of_work() as uow:
            uow.repo(PRODUCTS).add_many(
                [Product(sku=f"P{p:04d}", name=f"Product {p}", unit="ml") for p in range(products)]
            )
        # allow negative stock so that no batch is refused (every move counted is stored)
        service = InventoryService(ctx, negative_stock=NegativeStockPolicy.ALLOW)
        requests = []
        for m in make_moves(count, products):
            qty = m.quantity if m.type is MoveType.ADJUST else abs(m.quantity)
            requests.append(
                MoveRequest(
                    type=m.type,
                    store_id="s1",
                    sku=m.sku,
                    quantity=qty,
                    actor="bench",
                    unit_cost=(m.value / m.quantity) if m.value is not None else None,
                    reason="bench",
                    at=m.posted_at,
                )
            )
        if raw:
            from salonkit.inventory.records import STOCK_MOVES

            moves = make_moves(count, products)
            cpu = time.process_time()
            start = time.perf_counter()
            for i in range(0, len(moves), batch):
                with ctx.unit_of_work() as uow:
                    uow.repo(STOCK_MOVES).add_many(moves[i : i + batch])
        else:
            cpu = time.process_time()
            start = time.perf_counter()
            for i in range(0, len(requests), batch):
                service.post_moves(requests[i : i + batch])
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        backend.close()
    return count / elapsed, count / cpu


def medians(fn: Callable[[], tuple[float, float]], repeat: int) -> tuple[float, float]:
    """Medians of both figures over ``repeat`` calls."""
    runs = [fn() for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sqlite-moves", type=int, default=20_000)
    parser.add_argument(
        "--sqlite-batch",
        default="100,1000,5000",
        help="moves per unit of work, comma-separated (default 100,1000,5000)",
    )
    parser.add_argument("--method", choices=[m.value for m in ValuationMethod], default="fifo")
    args = parser.parse_args(argv)
    method = ValuationMethod(args.method)
    batches = [int(b) for b in args.sqlite_batch.split(",") if b]

    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {cpu_model()}")
    print(f"logical CPUs: {os.cpu_count()}; at start: {load()}")
    print(
        f"moves: {args.moves:,} over {args.products:,} products (17 % receipts, 38 % consumes, "
        f"35 % sales, 10 % adjustments), method {method.value}, median of {args.repeat}"
    )
    moves = make_moves(args.moves, args.products)

    rates, cpu_rates, ratios, no_gc, no_gc_cpu = [], [], [], [], []
    on_hands, values, reposts, recents = [], [], [], []
    refused = stream = 0
    collections: list[int] = []
    for _ in range(args.repeat):
        # the same posting with the cyclic garbage collector paused, for comparison
        ledger = new_ledger(args.products, method)
        gc.collect()
        gc.disable()
        try:
            elapsed, cpu, _ = post(ledger, moves)
        finally:
            gc.enable()
        no_gc.append(args.moves / elapsed)
        no_gc_cpu.append(args.moves / cpu)
        del ledger
        gc.collect()
        base = baseline(moves)
        # the headline: garbage collector on, default thresholds
        ledger = new_ledger(args.products, method)
        before = gc_collections()
        elapsed, cpu, refused = post(ledger, moves)
        collections = [a - b for a, b in zip(gc_collections(), before, strict=True)]
        rates.append(args.moves / elapsed)
        cpu_rates.append(args.moves / cpu)
        ratios.append(elapsed / base)
        q_on_hand, q_value = time_queries(ledger, args.products)
        on_hands.append(q_on_hand)
        values.append(q_value)
        repost, recent, stream = time_repost(ledger)
        reposts.append(repost)
        recents.append(recent)
        del ledger
    print(
        f"posting: {statistics.median(rates):,.0f} moves/s (target >= 50,000), "
        f"{statistics.median(cpu_rates):,.0f} per CPU second; "
        f"{statistics.median(ratios):.1f}x the bare running-sum baseline; {refused} refused; "
        f"garbage collections during the last run by generation: {collections}"
    )
    print(
        f"posting with the garbage collector paused: {statistics.median(no_gc):,.0f} moves/s, "
        f"{statistics.median(no_gc_cpu):,.0f} per CPU second"
    )
    print(
        f"on_hand query: {statistics.median(on_hands):.2f} us; value query: "
        f"{statistics.median(values):.2f} us (target < 1000 us)"
    )
    print(
        f"repost after a receipt back-dated before all {stream:,} moves of one product: "
        f"{statistics.median(reposts):.1f} ms; back-dated just before its last move: "
        f"{statistics.median(recents):.2f} ms"
    )
    print(f"after the in-memory part: {load()}")
    if args.sqlite_moves:
        n, p = args.sqlite_moves, min(args.products, 100)
        print(f"SQLite batch posting ({n:,} moves over {p} products, target >= 5,000 moves/s):")
        for size in batches:
            raw, _ = medians(functools.partial(sqlite_batch, n, p, size, raw=True), args.repeat)
            rate, rate_cpu = medians(functools.partial(sqlite_batch, n, p, size), args.repeat)
            print(
                f"  {size:>5} per unit of work: {rate:,.0f} moves/s ({rate_cpu:,.0f} per CPU "
                f"second); storing the same moves alone (add_many, no valuation): "
                f"{raw:,.0f} moves/s, {raw / rate:.1f}x faster"
            )
        print(f"after the SQLite part: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
