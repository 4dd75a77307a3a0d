"""Posting stock moves inside one unit of work: balances, back-dated reposts, transfers.

A :class:`StockSession` lives for one unit of work. Before it reads the balance of a
(store, product) it takes ``uow.lock("stock:{store}:{sku}")`` so two writers never check and
spend the same units at once. An in-order move is valued from the stored running balance
alone; a back-dated move makes it read the stream's last stored checkpoint before it and the
moves after that checkpoint, and value them again (and do the same for stores that received a
transfer whose cost changed, from before that transfer).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs

from salonkit.context import Context
from salonkit.domain.catalogue import Product
from salonkit.domain.events import DomainEvent
from salonkit.domain.store import Store
from salonkit.errors import NotFound, ValidationError
from salonkit.inventory.events import StockLow, StockMoved
from salonkit.inventory.ledger import transfer_parts, utc_instant
from salonkit.inventory.model import (
    EITHER,
    INCOMING,
    MOVE_TYPE_VALUES,
    OUTGOING,
    Balance,
    LotPart,
    Move,
    MoveType,
    NegativeStockPolicy,
    Posting,
    StockSettings,
    ValuationMethod,
)
from salonkit.inventory.records import (
    STOCK_BALANCES,
    STOCK_CHECKPOINTS,
    STOCK_MOVES,
    STOCK_SETTINGS,
    STOCK_TRANSFERS,
    StockBalance,
    StockCheckpoint,
    TransferRecord,
    checkpoint_id,
    stream_id,
)
from salonkit.inventory.stream import Key, Stream, move_key
from salonkit.inventory.valuation import StreamState, apply
from salonkit.storage.port import UnitOfWork, eq, ge, in_
from salonkit.storage.records import PRODUCTS, STORES

_ZERO = Decimal(0)


@attrs.frozen
class Defaults:
    """Service-wide defaults: currency, valuation method and negative-stock policy."""

    currency: str = "CNY"
    method: ValuationMethod = ValuationMethod.FIFO
    negative_stock: NegativeStockPolicy = NegativeStockPolicy.REFUSE


class Live:
    """A stream's balance while a unit of work changes it: the stored record it came from and
    the engine's mutable state (turned back into a record once, when the session flushes)."""

    __slots__ = ("last", "moves", "next_seq", "record", "state")

    def __init__(self, record: StockBalance) -> None:
        self.record = record
        self.state = record.to_state()
        self.last = record.last_key
        self.next_seq = record.next_seq
        self.moves = record.moves

    def snapshot(self) -> StockBalance:
        """The record to store."""
        return self.record.with_state(self.state, self.last, self.moves, self.next_seq)


class StockSession:
    """Stock postings inside one unit of work (see the module docstring)."""

    def __init__(self, ctx: Context, uow: UnitOfWork, defaults: Defaults) -> None:
        self.ctx = ctx
        self.uow = uow
        self.defaults = defaults
        self._products: dict[str, Product] = {}
        self._settings: dict[str, StockSettings] = {}
        self._zones: dict[str, ZoneInfo] = {}
        self._live: dict[tuple[str, str], Live] = {}
        self._stored: set[tuple[str, str]] = set()
        self._transfers: dict[str, TransferRecord] = {}
        self._dirty: set[tuple[str, str]] = set()
        self._locked: set[tuple[str, str]] = set()
        self._pending: list[Move] = []
        self.events: list[DomainEvent] = []
        #: The unit of work's instant: ``recorded_at`` of its moves and its events' time.
        self.now = ctx.clock.now()

    # -- reference data --------------------------------------------------------------------

    def product(self, sku: str) -> Product:
        """The product ``sku`` (:class:`~salonkit.NotFound` if unknown)."""
        if sku not in self._products:
            self._products[sku] = self.uow.repo(PRODUCTS).get(sku)
        return self._products[sku]

    def settings(self, sku: str) -> StockSettings:
        """The stock settings of ``sku`` (defaults when none were saved)."""
        if sku not in self._settings:
            self.product(sku)
            found = self.uow.repo(STOCK_SETTINGS).find(sku)
            self._settings[sku] = found.settings if found is not None else StockSettings()
        return self._settings[sku]

    def zone(self, store_id: str) -> ZoneInfo:
        """The store's time zone (UTC for a store that is not on record)."""
        if store_id not in self._zones:
            store: Store | None = self.uow.repo(STORES).find(store_id)
            self._zones[store_id] = ZoneInfo(store.timezone if store is not None else "UTC")
        return self._zones[store_id]

    def allow_negative(self, sku: str) -> bool:
        """Whether ``sku`` may go below zero."""
        policy = self.settings(sku).negative_stock or self.defaults.negative_stock
        return policy is NegativeStockPolicy.ALLOW

    # -- balances --------------------------------------------------------------------------

    def live(self, store_id: str, sku: str, *, lock: bool = True) -> Live:
        """The running balance, locking its scope first (once per unit of work).

        A balance first read without the lock (a query) is read again once the lock is taken,
        so nothing is ever written from a value read outside the lock.
        """
        key = (store_id, sku)
        if lock and key not in self._locked:
            self.uow.lock(f"stock:{store_id}:{sku}")
            self._locked.add(key)
            if key in self._live and key not in self._dirty:
                del self._live[key]
                self._stored.discard(key)
        if key not in self._live:
            found = self.uow.repo(STOCK_BALANCES).find(stream_id(store_id, sku))
            if found is None:
                method = self.settings(sku).method or self.defaults.method
                found = StockBalance.empty(store_id, sku, method)
            else:
                self._stored.add(key)
            self._live[key] = Live(found)
        return self._live[key]

    def prefetch(self, streams: Iterable[tuple[str, str]]) -> None:
        """Lock ``streams`` in a fixed order and read their balances, products and settings
        in one query per kind (batches touch many streams)."""
        wanted = sorted(set(streams) - self._locked)
        if not wanted:
            return
        skus = sorted({sku for _, sku in wanted} - set(self._products))
        if skus:
            for product in self.uow.repo(PRODUCTS).select(in_("sku", skus)):
                self._products[product.sku] = product
            for sku in skus:
                self.product(sku)  # NotFound for an unknown one
            found_settings = {
                s.sku: s for s in self.uow.repo(STOCK_SETTINGS).select(in_("sku", skus))
            }
            for sku in skus:
                record = found_settings.get(sku)
                self._settings.setdefault(sku, record.settings if record else StockSettings())
        for store_id, sku in wanted:
            self.uow.lock(f"stock:{store_id}:{sku}")
            self._locked.add((store_id, sku))
        ids = [stream_id(store_id, sku) for store_id, sku in wanted]
        stored = {b.id: b for b in self.uow.repo(STOCK_BALANCES).select(in_("id", ids))}
        for (store_id, sku), key in zip(wanted, ids, strict=True):
            balance = stored.get(key)
            if balance is None:
                method = self.settings(sku).method or self.defaults.method
                balance = StockBalance.empty(store_id, sku, method)
            else:
                self._stored.add((store_id, sku))
            self._live[(store_id, sku)] = Live(balance)

    def flush(self) -> None:
        """Write the moves posted and the balances changed so far (one batch per kind)."""
        if self._pending:
            self.uow.repo(STOCK_MOVES).add_many(self._pending)
            self._pending = []
        repo = self.uow.repo(STOCK_BALANCES)
        for key in sorted(self._dirty):
            live = self._live[key]
            if key in self._stored:
                live.record = repo.update(live.snapshot())
            else:
                live.record = repo.add(live.snapshot())
                self._stored.add(key)
        self._dirty.clear()

    def transfer(self, transfer_id: str) -> TransferRecord:
        """The stored transfer ``transfer_id``."""
        if transfer_id not in self._transfers:
            self._transfers[transfer_id] = self.uow.repo(STOCK_TRANSFERS).get(transfer_id)
        return self._transfers[transfer_id]

    def _save_transfer(self, record: TransferRecord, new: bool = False) -> None:
        repo = self.uow.repo(STOCK_TRANSFERS)
        self._transfers[record.id] = repo.add(record) if new else repo.update(record)

    # -- building and posting moves --------------------------------------------------------

    def new_move(
        self,
        type: MoveType,
        store_id: str,
        sku: str,
        quantity: Decimal,
        *,
        actor: str,
        at: dt.datetime | None = None,
        **fields: object,
    ) -> Move:
        """A move stamped with an id, the stream's next sequence number and the clock."""
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError("actor", "who posts the move must be given")
        if not isinstance(store_id, str) or not store_id:
            raise ValidationError("store_id", "must be a non-empty string")
        live = self.live(store_id, sku)
        recorded = self.now
        move = Move(
            id=self.ctx.ids.new("move"),
            seq=live.next_seq,
            store_id=store_id,
            sku=sku,
            type=type,
            quantity=quantity,
            posted_at=recorded if at is None else utc_instant(at),
            recorded_at=recorded,
            actor=actor,
            **fields,  # type: ignore[arg-type]
        )
        live.next_seq += 1
        self._dirty.add((store_id, sku))
        return move

    def _check(self, move: Move) -> None:
        q = move.quantity
        if move.type in INCOMING and q <= 0:
            raise ValidationError("quantity", f"a {move.type.value} move adds stock")
        if move.type in OUTGOING and q >= 0:
            raise ValidationError("quantity", f"a {move.type.value} move removes stock")
        if move.type in EITHER and not q:
            raise ValidationError("quantity", "must not be zero")
        if move.type is MoveType.TRANSFER_IN:
            record = self.transfer(move.reference or "")
            if not record.in_transit:
                raise ValidationError("transfer", f"transfer {record.id} was already received")
            if move.posted_at < record.sent_at:
                raise ValidationError("at", "a transfer cannot arrive before it was sent")

    def _incoming(self, move: Move) -> tuple[LotPart, ...] | None:
        if move.type is not MoveType.TRANSFER_IN:
            return None
        return self.transfer(move.reference or "").parts

    def post(self, move: Move) -> Posting:
        """Post ``move``: value it, store it, update the balance (reposting when back-dated)."""
        self._check(move)
        store_id, sku = move.store_id, move.sku
        live = self.live(store_id, sku)
        state = live.state
        before = state.quantity
        key = (move.posted_at, move.seq)
        self._pending.append(move)
        last = live.last
        back_dated = last is not None and key < last
        if not back_dated:
            count = live.moves
            if count and not count % Stream.CHECKPOINT_EVERY:
                self._add_checkpoint(live, state, last, count)
            posting = apply(
                state, move, self.allow_negative(sku), self.zone(store_id), self._incoming(move)
            )
            live.last = key
            live.moves = count + 1
            self._dirty.add((store_id, sku))
        else:
            posting = self._repost(move)
        kind = move.type
        if kind is MoveType.TRANSFER_OUT or kind is MoveType.TRANSFER_IN:
            self._follow_transfer(move, posting)
        self._after(move, before, back_dated, live)
        return posting

    def _follow_transfer(self, move: Move, posting: Posting) -> None:
        if move.type is MoveType.TRANSFER_OUT:
            self._save_transfer(
                TransferRecord(
                    id=move.reference or "",
                    sku=move.sku,
                    from_store=move.store_id,
                    to_store=move.counterparty or "",
                    quantity=-move.quantity,
                    sent_at=move.posted_at,
                    out_move_id=move.id,
                    parts=transfer_parts(posting),
                ),
                new=True,
            )
        elif move.type is MoveType.TRANSFER_IN:
            record = self.transfer(move.reference or "")
            self._save_transfer(
                attrs.evolve(record, received_at=move.posted_at, in_move_id=move.id)
            )

    def stream_moves(self, store_id: str, sku: str) -> list[Move]:
        """Every stored move of a stream, in posting order."""
        moves = self.uow.repo(STOCK_MOVES).select(eq("stream", stream_id(store_id, sku)))
        moves.extend(m for m in self._pending if m.store_id == store_id and m.sku == sku)
        moves.sort(key=move_key)
        return moves

    def rebuild(self, store_id: str, sku: str) -> tuple[list[Move], StreamState, list[Posting]]:
        """Value a stream's stored moves from the start (reads only)."""
        moves = self.stream_moves(store_id, sku)
        live = self.live(store_id, sku)
        stream = Stream(
            store_id, sku, live.state.method, self.allow_negative(sku), self.zone(store_id)
        )
        rebuilt = stream.rebuild(moves, self._incoming)
        return moves, rebuilt.state, rebuilt.postings

    def _add_checkpoint(self, live: Live, state: StreamState, last: Key | None, count: int) -> None:
        record = live.record
        self.uow.repo(STOCK_CHECKPOINTS).add(
            StockCheckpoint(
                id=checkpoint_id(record.id, count),
                stream=record.id,
                count=count,
                balance=record.with_state(state, last, count, live.next_seq),
            )
        )

    def replay_from(
        self, store_id: str, sku: str, key: Key
    ) -> tuple[list[Move], StreamState, list[Posting], int]:
        """Revalue a stream from its last checkpoint before ``key`` (from the start without one).

        Returns the moves revalued, the state after them, their postings and how many moves
        come before them. Checkpoints after the one used are replaced.
        """
        live = self.live(store_id, sku)
        sid = stream_id(store_id, sku)
        repo = self.uow.repo(STOCK_CHECKPOINTS)
        checkpoints = repo.select(eq("stream", sid), order_by="count")
        base: StockCheckpoint | None = None
        for checkpoint in checkpoints:
            last = checkpoint.balance.last_key
            if last is not None and last < key:
                base = checkpoint
        for checkpoint in checkpoints:
            if base is None or checkpoint.count > base.count:
                repo.remove(checkpoint.id)
        if base is None or base.balance.last_key is None:
            moves, state, count = (
                self.stream_moves(store_id, sku),
                StreamState(live.state.method),
                0,
            )
        else:
            since = base.balance.last_key
            stored = self.uow.repo(STOCK_MOVES).select(eq("stream", sid), ge("posted_at", since[0]))
            stored.extend(m for m in self._pending if m.store_id == store_id and m.sku == sku)
            moves = sorted((m for m in stored if move_key(m) > since), key=move_key)
            state, count = base.balance.to_state(), base.count
        allow, zone = self.allow_negative(sku), self.zone(store_id)
        every = Stream.CHECKPOINT_EVERY
        postings = []
        for index, move in enumerate(moves):
            done = count + index
            if index and not done % every:
                self._add_checkpoint(live, state, move_key(moves[index - 1]), done)
            postings.append(apply(state, move, allow, zone, self._incoming(move)))
        return moves, state, postings, count

    def _move(self, move_id: str) -> Move:
        for move in self._pending:
            if move.id == move_id:
                return move
        return self.uow.repo(STOCK_MOVES).get(move_id)

    def _repost(self, move: Move) -> Posting:
        work: list[tuple[str, str, Key]] = [(move.store_id, move.sku, move_key(move))]
        result: Posting | None = None
        rounds = 0
        while work:
            rounds += 1
            if rounds > 10_000:  # pragma: no cover - a cycle cannot happen (time moves forward)
                raise RuntimeError("transfer repost did not settle")
            store_id, sku, key = work.pop(0)
            moves, state, postings, before = self.replay_from(store_id, sku, key)
            live = self.live(store_id, sku)
            live.state, live.last, live.moves = state, move_key(moves[-1]), before + len(moves)
            self._dirty.add((store_id, sku))
            for posting in postings:
                if posting.move.id == move.id:
                    result = posting
                if posting.move.type is not MoveType.TRANSFER_OUT:
                    continue
                try:
                    record = self.transfer(posting.move.reference or "")
                except NotFound:
                    continue  # the transfer being sent right now
                parts = transfer_parts(posting)
                if record.parts == parts:
                    continue
                self._save_transfer(attrs.evolve(record, parts=parts))
                if not record.in_transit:
                    self.live(record.to_store, record.sku)  # lock before reading
                    arrived = move_key(self._move(record.in_move_id or ""))
                    work.append((record.to_store, record.sku, arrived))
        assert result is not None
        return result

    def _after(self, move: Move, before: Decimal, back_dated: bool, live: Live) -> None:
        now = self.now
        after = live.state.quantity
        self.events.append(
            StockMoved(
                occurred_at=now,
                store_id=move.store_id,
                sku=move.sku,
                move_id=move.id,
                move_type=MOVE_TYPE_VALUES[move.type],
                quantity=move.quantity,
                back_dated=back_dated,
            )
        )
        settings = self.settings(move.sku)
        point = settings.reorder_point
        if point is not None and before > point >= after:
            self.events.append(
                StockLow(
                    occurred_at=now,
                    store_id=move.store_id,
                    sku=move.sku,
                    quantity=after,
                    reorder_point=point,
                    reorder_quantity=settings.reorder_quantity,
                )
            )

    def stream_count(self, sku: str) -> int:
        """How many stores have a balance of ``sku``."""
        return self.uow.repo(STOCK_BALANCES).count(eq("sku", sku))

    # -- reading ---------------------------------------------------------------------------

    def balance_view(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Balance:
        """Quantity, value and rate now, or just after ``at`` (reads history only then)."""
        product = self.product(sku)
        live = self.live(store_id, sku, lock=False)
        if at is not None and live.last is None:
            return Balance(store_id, sku, _ZERO, _ZERO, _ZERO, product.unit)
        if at is None or live.last is None or live.last[0] <= at:
            state = live.state
            return Balance(
                store_id, sku, state.quantity, state.value, state.valuation_rate(), product.unit
            )
        moves, _, postings = self.rebuild(store_id, sku)
        index = bisect.bisect_right([m.posted_at for m in moves], utc_instant(at))
        if not index:
            return Balance(store_id, sku, _ZERO, _ZERO, _ZERO, product.unit)
        found = postings[index - 1]
        return Balance(
            store_id, sku, found.quantity_after, found.value_after, found.rate_after, product.unit
        )

    def flush_events(self) -> None:
        """Write what is pending, then hand the events to the unit of work (after commit)."""
        self.flush()
        for event in self.events:
            self.uow.emit(event)
        self.events.clear()


__all__ = ["Defaults", "StockSession"]
