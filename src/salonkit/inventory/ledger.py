"""The in-memory stock ledger: post moves, query balances, values and lots at any moment.

:class:`StockLedger` is usable on its own (no storage) and is also the engine under
:class:`salonkit.inventory.service.InventoryService`.

>>> from decimal import Decimal
>>> import pendulum
>>> from salonkit.domain.catalogue import Product
>>> from salonkit.domain.money import Money
>>> ledger = StockLedger("CNY")
>>> ledger.add_product(Product(sku="SHAMPOO", name="Shampoo"))
>>> day = pendulum.datetime(2026, 3, 2, 9)
>>> _ = ledger.receive("flagship", "SHAMPOO", Decimal(10), unit_cost=Money("4.00", "CNY"),
...                    actor="mei", at=day)
>>> _ = ledger.sell("flagship", "SHAMPOO", Decimal(3), actor="mei", at=day.add(hours=2))
>>> ledger.on_hand("flagship", "SHAMPOO"), ledger.value("flagship", "SHAMPOO").round()
(Decimal('7'), Money('28.00', 'CNY'))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import attrs
import pendulum

from salonkit.domain.catalogue import Product
from salonkit.domain.clock import Clock, SystemClock
from salonkit.domain.events import DomainEvent
from salonkit.domain.ids import IdGenerator
from salonkit.domain.money import Money, check_currency, to_decimal
from salonkit.domain.time import require_aware
from salonkit.errors import NotFound, ValidationError
from salonkit.inventory.events import StockLow
from salonkit.inventory.model import (
    INCOMING,
    OUTGOING,
    Balance,
    LotPart,
    Move,
    MoveType,
    NegativeStockPolicy,
    Posting,
    StockSettings,
    Transfer,
    ValuationMethod,
)
from salonkit.inventory.stream import Checkpoints, Rebuilt, Row, Stream, move_key, posting_of
from salonkit.inventory.units import to_stock_units
from salonkit.inventory.valuation import StreamState, apply

log = logging.getLogger(__name__)

_ZERO = Decimal(0)
_MAX_CASCADE = 10_000
_TRANSFER_IN = MoveType.TRANSFER_IN
_TRANSFER_OUT = MoveType.TRANSFER_OUT


def utc_instant(at: dt.datetime, field: str = "at") -> dt.datetime:
    """``at`` as a UTC instant (refusing naive datetimes), cheaply when it already is one."""
    if isinstance(at, pendulum.DateTime) and at.tzinfo is pendulum.UTC:
        return at
    return require_aware(at, field)


def transfer_parts(posting: Posting) -> tuple[LotPart, ...]:
    """What a transfer out sent: the lots it took plus any negative stock, at their cost."""
    parts = posting.taken
    sent = -posting.move.quantity
    taken_qty = sum((p.quantity for p in parts), _ZERO)
    if sent > taken_qty:
        taken_value = sum((p.value for p in parts), _ZERO)
        parts = (*parts, LotPart(None, None, sent - taken_qty, posting.cost - taken_value))
    return parts


_Saved = tuple[list[Move], list[dt.datetime], list[Row], StreamState, Checkpoints]
_chain = itertools.chain.from_iterable


@attrs.define
class _Plan:
    """Streams rebuilt for a back-dated move, applied only when all of them succeeded."""

    streams: dict[tuple[str, str], tuple[list[Move], Rebuilt]] = attrs.field(factory=dict)
    outs: dict[str, Posting] = attrs.field(factory=dict)


class StockLedger:
    """An append-only ledger of stock moves per store and product, valued as it goes.

    - ``currency``: the currency of every cost and value.
    - ``method`` / ``negative_stock``: defaults for products and stores that set none.
    - ``clock`` stamps ``recorded_at`` and is the default posting instant; ``ids`` makes ids.
    - ``timezone``: the zone whose calendar date decides expiry (per store with
      :meth:`set_store`).
    """

    def __init__(
        self,
        currency: str = "CNY",
        *,
        method: ValuationMethod = ValuationMethod.FIFO,
        negative_stock: NegativeStockPolicy = NegativeStockPolicy.REFUSE,
        clock: Clock | None = None,
        ids: IdGenerator | None = None,
        timezone: str = "UTC",
    ) -> None:
        self.currency = check_currency(currency, "ledger.currency")
        self.method = method
        self.negative_stock = negative_stock
        self.clock: Clock = clock or SystemClock()
        self._ids = ids
        self._zone = ZoneInfo(timezone)
        self._store_zones: dict[str, ZoneInfo] = {}
        self._store_methods: dict[str, ValuationMethod] = {}
        self._products: dict[str, Product] = {}
        self._settings: dict[str, StockSettings] = {}
        self._streams: dict[tuple[str, str], Stream] = {}
        self._transfers: dict[str, Transfer] = {}
        self._outs: dict[str, Posting] = {}
        self._events: list[DomainEvent] = []
        self._last_seq = 0
        self._saved: dict[tuple[str, str], _Saved | None] | None = None

    # -- configuration -------------------------------------------------------------------

    def add_product(self, product: Product, settings: StockSettings | None = None) -> None:
        """Make ``product`` stockable (or update it), with its stock settings."""
        old = self._settings.get(product.sku)
        new = settings or old or StockSettings()
        if old is not None and new.method != old.method and self._has_moves(product.sku):
            raise ValidationError(
                "stocksettings.method", f"{product.sku} already has moves; its method is fixed"
            )
        for name in ("reorder_point", "reorder_quantity"):
            value = getattr(new, name)
            if value is not None and (not isinstance(value, Decimal) or value < 0):
                raise ValidationError(f"stocksettings.{name}", "must be a non-negative Decimal")
        self._products[product.sku] = product
        self._settings[product.sku] = new

    def set_store(
        self, store_id: str, *, timezone: str | None = None, method: ValuationMethod | None = None
    ) -> None:
        """Set a store's time zone (for expiry dates) and its default valuation method."""
        if timezone is not None:
            self._store_zones[store_id] = ZoneInfo(timezone)
        if method is not None:
            self._store_methods[store_id] = method

    def product(self, sku: str) -> Product:
        """The product ``sku``; :class:`~salonkit.NotFound` if it was never added."""
        try:
            return self._products[sku]
        except KeyError:
            raise NotFound("product", sku) from None

    def products(self) -> list[Product]:
        """Every product added, by SKU."""
        return [self._products[k] for k in sorted(self._products)]

    def settings(self, sku: str) -> StockSettings:
        """The stock settings of ``sku``."""
        self.product(sku)
        return self._settings[sku]

    def method_for(self, store_id: str, sku: str) -> ValuationMethod:
        """The valuation method used for ``sku`` in ``store_id``."""
        stream = self._streams.get((store_id, sku))
        if stream is not None:
            return stream.method
        return self.settings(sku).method or self._store_methods.get(store_id) or self.method

    def zone(self, store_id: str) -> ZoneInfo:
        """The time zone deciding expiry dates in ``store_id``."""
        return self._store_zones.get(store_id, self._zone)

    def _has_moves(self, sku: str) -> bool:
        return any(k[1] == sku and s.moves for k, s in self._streams.items())

    def _stream(self, store_id: str, sku: str) -> Stream:
        stream = self._streams.get((store_id, sku))
        if stream is None:
            settings = self.settings(sku)
            policy = settings.negative_stock or self.negative_stock
            stream = Stream(
                store_id,
                sku,
                self.method_for(store_id, sku),
                policy is NegativeStockPolicy.ALLOW,
                self.zone(store_id),
            )
            self._streams[(store_id, sku)] = stream
            if self._saved is not None:
                self._saved.setdefault((store_id, sku), None)
        return stream

    def _touch(self, stream: Stream) -> None:
        """Remember a stream's content before the first change inside :meth:`atomic`."""
        saved = self._saved
        key = (stream.store_id, stream.sku)
        if saved is not None and key not in saved:
            saved[key] = (
                list(stream.moves),
                list(stream.times),
                list(stream.rows),
                stream.state.copy(),
                dict(stream.checkpoints),
            )

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Everything posted inside the block stays, or (on any exception) none of it does.

        >>> ledger = StockLedger("CNY")
        >>> with ledger.atomic():
        ...     pass
        """
        if self._saved is not None:  # nested: the outer block decides
            yield
            return
        self._saved = {}
        transfers, outs = dict(self._transfers), dict(self._outs)
        events, last_seq = len(self._events), self._last_seq
        try:
            yield
        except BaseException:
            for key, saved in self._saved.items():
                if saved is None:
                    del self._streams[key]
                    continue
                stream = self._streams[key]
                (stream.moves, stream.times, stream.rows, stream.state, stream.checkpoints) = saved
            self._transfers, self._outs = transfers, outs
            del self._events[events:]
            self._last_seq = last_seq
            raise
        finally:
            self._saved = None

    # -- building moves ------------------------------------------------------------------

    def next_seq(self) -> int:
        """A new sequence number (orders moves posted at the same instant)."""
        self._last_seq += 1
        return self._last_seq

    def _new_id(self, kind: str, seq: int) -> str:
        return self._ids.new(kind) if self._ids is not None else f"{kind[:3]}-{seq}"

    def stock_quantity(
        self, sku: str, quantity: object, unit: str | None = None, *, positive: bool = True
    ) -> Decimal:
        """``quantity`` of ``unit`` in ``sku``'s stock unit, checked (positive, or non-zero)."""
        amount = to_decimal(quantity, "quantity")
        if positive and amount <= 0:
            raise ValidationError("quantity", f"must be positive, got {amount}")
        if not amount:
            raise ValidationError("quantity", "must not be zero")
        return to_stock_units(amount, unit, self.product(sku))

    def incoming_value(
        self, quantity: object, unit_cost: Money | Decimal | None, field: str = "unit_cost"
    ) -> Decimal | None:
        """``quantity × unit_cost`` (both in the unit the caller used), or ``None``."""
        if unit_cost is None:
            return None
        if isinstance(unit_cost, Money):
            if unit_cost.currency != self.currency:
                raise ValidationError(
                    f"{field}.currency", f"is {unit_cost.currency}, the ledger is {self.currency}"
                )
            cost = unit_cost.amount
        else:
            cost = to_decimal(unit_cost, field)
        if cost < 0:
            raise ValidationError(field, "must not be negative")
        return to_decimal(quantity, "quantity") * cost

    def make_move(
        self,
        type: MoveType,
        store_id: str,
        sku: str,
        quantity: Decimal,
        *,
        actor: str,
        at: dt.datetime | None = None,
        value: Decimal | None = None,
        lot: str | None = None,
        expires: dt.date | None = None,
        reason: str = "",
        reference: str | None = None,
        counterparty: str | None = None,
        service_id: str | None = None,
    ) -> Move:
        """A new :class:`Move` (not yet posted) stamped with an id, a sequence and the clock."""
        if not isinstance(actor, str) or not actor.strip():
            raise ValidationError("actor", "who posts the move must be given")
        if not isinstance(store_id, str) or not store_id:
            raise ValidationError("store_id", "must be a non-empty string")
        if expires is not None and not isinstance(expires, dt.date):
            raise ValidationError("expires", "must be a date")
        recorded = self.clock.now()
        posted = recorded if at is None else utc_instant(at)
        seq = self.next_seq()
        return Move(
            id=self._new_id("move", seq),
            seq=seq,
            store_id=store_id,
            sku=sku,
            type=type,
            quantity=quantity,
            posted_at=posted,
            recorded_at=recorded,
            actor=actor,
            value=value,
            lot=lot,
            expires=expires,
            reason=reason,
            reference=reference,
            counterparty=counterparty,
            service_id=service_id,
        )

    # -- posting -------------------------------------------------------------------------

    def post(self, move: Move) -> Posting:
        """Post ``move`` (in order or back-dated) and return its posting.

        A back-dated move reposts every later move of its store and product, and of the stores
        that received transfers whose cost changed. Nothing changes if any move can no longer
        be covered (:class:`~salonkit.InsufficientStock`).
        """
        # This runs for every move of a busy ledger: the checks and the in-order append are
        # written out here rather than spread over helpers.
        sku = move.sku
        settings = self._settings.get(sku)
        if settings is None:
            raise NotFound("product", sku)
        kind = move.type
        quantity = move.quantity
        value = move.value
        if quantity > _ZERO:
            if kind in OUTGOING:
                raise ValidationError("quantity", f"a {kind.value} move removes stock")
        elif quantity:
            if kind in INCOMING:
                raise ValidationError("quantity", f"a {kind.value} move adds stock")
            if value is not None:
                raise ValidationError("value", "only incoming moves carry a value")
        else:
            raise ValidationError("quantity", "must not be zero")
        if value is not None and value < _ZERO:
            raise ValidationError("value", "must not be negative")
        transfer = kind is _TRANSFER_OUT or kind is _TRANSFER_IN
        if transfer:
            self._check_transfer(move)
        store_id = move.store_id
        stream = self._streams.get((store_id, sku)) or self._stream(store_id, sku)
        state = stream.state
        before = state.quantity
        moves = stream.moves
        times = stream.times
        at = move.posted_at
        if not times or at > times[-1] or (at == times[-1] and move.seq > moves[-1].seq):
            if self._saved is not None:
                self._touch(stream)
            incoming = self._incoming(move, None) if kind is _TRANSFER_IN else None
            count = len(moves)
            if count and not count % stream.CHECKPOINT_EVERY:
                stream.checkpoints[count] = state.snapshot()
            posting = apply(state, move, stream.allow_negative, stream.zone, incoming)
            moves.append(move)
            times.append(at)
            taken = posting.taken  # stored as a row (see stream.row_of)
            stream.rows.append((*posting[1:8], *_chain(taken)) if taken else posting[1:8])
            if kind is _TRANSFER_OUT:
                self._outs[move.reference or ""] = posting
        else:
            posting = self._insert(stream, move)
        if transfer:
            self._track_transfer(move)
        if move.seq > self._last_seq:
            self._last_seq = move.seq
        if settings.reorder_point is not None:
            self._check_low(stream, before)
        return posting

    def post_many(self, moves: Iterable[Move]) -> list[Posting]:
        """Post several moves one after the other (stops at the first refused one)."""
        return [self.post(m) for m in moves]

    def _check_transfer(self, move: Move) -> None:
        if not move.reference:
            raise ValidationError("reference", "a transfer move names its transfer")
        if move.type is _TRANSFER_OUT and move.reference in self._transfers:
            raise ValidationError("reference", f"transfer {move.reference} was already sent")
        if move.type is _TRANSFER_IN:
            transfer = self.transfer(move.reference)
            if not transfer.in_transit:
                raise ValidationError("transfer", f"transfer {transfer.id} was already received")
            if move.store_id != transfer.to_store or move.sku != transfer.sku:
                raise ValidationError("transfer", "received in another store or product")
            if move.quantity != transfer.quantity:
                raise ValidationError("quantity", "a transfer is received whole")
            if move.posted_at < transfer.sent_at:
                raise ValidationError("at", "a transfer cannot arrive before it was sent")
        if move.value is not None:
            raise ValidationError("value", "a transfer is valued by the ledger")

    def _incoming(self, move: Move, plan: _Plan | None) -> Sequence[LotPart] | None:
        if move.type is not MoveType.TRANSFER_IN:
            return None
        ref = move.reference or ""
        out = plan.outs.get(ref) if plan is not None else None
        return transfer_parts(out or self._outs[ref])

    def _track_transfer(self, move: Move) -> None:
        ref = move.reference or ""
        if move.type is MoveType.TRANSFER_OUT:
            self._transfers[ref] = Transfer(
                id=ref,
                sku=move.sku,
                from_store=move.store_id,
                to_store=move.counterparty or "",
                quantity=-move.quantity,
                sent_at=move.posted_at,
                out_move_id=move.id,
            )
        elif move.type is MoveType.TRANSFER_IN:
            self._transfers[ref] = attrs.evolve(
                self._transfers[ref], received_at=move.posted_at, in_move_id=move.id
            )

    def _insert(self, stream: Stream, move: Move) -> Posting:
        moves, index = stream.with_inserted(move)
        plan = _Plan()
        # (stream, its moves, index of the first move whose valuation may change)
        work: list[tuple[Stream, list[Move], int]] = [(stream, moves, index)]
        rounds = 0
        while work:
            rounds += 1
            if rounds > _MAX_CASCADE:  # pragma: no cover - guards a cycle that cannot happen
                raise RuntimeError("transfer repost did not settle")
            current, current_moves, start = work.pop(0)
            if start < 0:  # a receiver: from its first transfer in whose cost changed
                start = self._first_changed(current, current_moves, plan)
            rebuilt = current.rebuild(current_moves, lambda m: self._incoming(m, plan), start)
            plan.streams[(current.store_id, current.sku)] = (current_moves, rebuilt)
            for posting in rebuilt.postings[start - rebuilt.first :]:
                if posting.move.type is not _TRANSFER_OUT:
                    continue
                ref = posting.move.reference or ""
                known = plan.outs.get(ref) or self._outs.get(ref)
                if known is not None and transfer_parts(known) == transfer_parts(posting):
                    continue
                plan.outs[ref] = posting
                transfer = self._transfers.get(ref)
                if transfer is None or transfer.in_transit:
                    continue
                target = self._stream(transfer.to_store, transfer.sku)
                if any(item[0] is target for item in work):
                    continue  # already queued: its start is worked out when it is taken
                planned = plan.streams.get((target.store_id, target.sku))
                work.append((target, planned[0] if planned else target.moves, -1))
        for (store_id, sku), (new_moves, rebuilt) in plan.streams.items():
            target = self._streams[(store_id, sku)]
            self._touch(target)
            target.install(new_moves, rebuilt.state, rebuilt.rows, rebuilt.checkpoints)
        self._outs.update(plan.outs)
        posting = stream.posting(index)
        if move.type is _TRANSFER_OUT:
            self._outs[move.reference or ""] = posting
        log.debug("reposted %d stream(s) after a back-dated %s", len(plan.streams), move.id)
        return posting

    def _first_changed(self, target: Stream, moves: list[Move], plan: _Plan) -> int:
        """Where a receiving stream must be revalued from (0 when it was rebuilt already)."""
        if (target.store_id, target.sku) in plan.streams:
            return 0
        return min(
            (
                i
                for i, m in enumerate(moves)
                if m.type is _TRANSFER_IN and (m.reference or "") in plan.outs
            ),
            default=0,
        )

    def _check_low(self, stream: Stream, before: Decimal) -> None:
        settings = self._settings[stream.sku]
        point = settings.reorder_point
        after = stream.state.quantity
        if point is not None and before > point >= after:
            self._events.append(
                StockLow(
                    occurred_at=self.clock.now(),
                    store_id=stream.store_id,
                    sku=stream.sku,
                    quantity=after,
                    reorder_point=point,
                    reorder_quantity=settings.reorder_quantity,
                )
            )

    # -- the use cases -------------------------------------------------------------------

    def receive(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        unit_cost: Money | Decimal,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        expires: dt.date | None = None,
        supplier_id: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Receive stock from a supplier; ``unit_cost`` is per ``unit`` (per pack for ``"pack"``)."""
        stock_qty = self.stock_quantity(sku, quantity, unit)
        value = self.incoming_value(quantity, unit_cost)
        move = self.make_move(
            MoveType.RECEIVE,
            store_id,
            sku,
            stock_qty,
            actor=actor,
            at=at,
            value=value,
            lot=lot,
            expires=expires,
            reference=reference,
            counterparty=supplier_id,
        )
        return self.post(move)

    def _out(
        self,
        type: MoveType,
        store_id: str,
        sku: str,
        quantity: object,
        unit: str | None,
        **fields: object,
    ) -> Posting:
        stock_qty = self.stock_quantity(sku, quantity, unit)
        move = self.make_move(type, store_id, sku, -stock_qty, **fields)  # type: ignore[arg-type]
        return self.post(move)

    def consume(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reference: str | None = None,
        reason: str = "",
        service_id: str | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Use stock in a service (``reference``: the appointment); earliest expiry first."""
        return self._out(
            MoveType.CONSUME,
            store_id,
            sku,
            quantity,
            unit,
            actor=actor,
            lot=lot,
            reference=reference,
            reason=reason,
            service_id=service_id,
            at=at,
        )

    def sell(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reference: str | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Sell stock over the counter (``reference``: the order)."""
        return self._out(
            MoveType.SELL,
            store_id,
            sku,
            quantity,
            unit,
            actor=actor,
            lot=lot,
            reference=reference,
            at=at,
        )

    def adjust(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        reason: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        expires: dt.date | None = None,
        unit_cost: Money | Decimal | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Adjust stock by a signed ``quantity`` (damage, loss, found) with a ``reason``.

        A positive adjustment enters at ``unit_cost`` or, without one, at the current rate.
        """
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationError("reason", "an adjustment needs a reason")
        stock_qty = self.stock_quantity(sku, quantity, unit, positive=False)
        value = self.incoming_value(quantity, unit_cost) if stock_qty > 0 else None
        if unit_cost is not None and stock_qty < 0:
            raise ValidationError("unit_cost", "only a positive adjustment carries a cost")
        move = self.make_move(
            MoveType.ADJUST,
            store_id,
            sku,
            stock_qty,
            actor=actor,
            at=at,
            value=value,
            lot=lot,
            expires=expires,
            reason=reason,
        )
        return self.post(move)

    def return_to_supplier(
        self,
        store_id: str,
        sku: str,
        quantity: object,
        *,
        supplier_id: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        reason: str = "",
        reference: str | None = None,
        at: dt.datetime | None = None,
    ) -> Posting:
        """Send stock back to a supplier (expired lots may go back)."""
        return self._out(
            MoveType.RETURN,
            store_id,
            sku,
            quantity,
            unit,
            actor=actor,
            lot=lot,
            reason=reason,
            reference=reference,
            counterparty=supplier_id,
            at=at,
        )

    def correct(
        self,
        store_id: str,
        sku: str,
        quantity: Decimal,
        *,
        actor: str,
        reference: str | None = None,
        reason: str = "stocktake",
        at: dt.datetime | None = None,
    ) -> Posting:
        """Post a stocktake correction of a signed ``quantity`` in stock units."""
        stock_qty = self.stock_quantity(sku, quantity, None, positive=False)
        move = self.make_move(
            MoveType.STOCKTAKE,
            store_id,
            sku,
            stock_qty,
            actor=actor,
            at=at,
            reason=reason,
            reference=reference,
        )
        return self.post(move)

    def send_transfer(
        self,
        sku: str,
        quantity: object,
        *,
        from_store: str,
        to_store: str,
        actor: str,
        unit: str | None = None,
        lot: str | None = None,
        at: dt.datetime | None = None,
        transfer_id: str | None = None,
    ) -> Transfer:
        """Send stock to another store: it leaves now and is in transit until received."""
        if from_store == to_store:
            raise ValidationError("to_store", "a transfer goes to another store")
        stock_qty = self.stock_quantity(sku, quantity, unit)
        ref = transfer_id or self._new_id("transfer", self._last_seq + 1)
        move = self.make_move(
            MoveType.TRANSFER_OUT,
            from_store,
            sku,
            -stock_qty,
            actor=actor,
            at=at,
            lot=lot,
            reference=ref,
            counterparty=to_store,
        )
        self.post(move)
        return self._transfers[ref]

    def receive_transfer(
        self, transfer_id: str, *, actor: str, at: dt.datetime | None = None
    ) -> Posting:
        """Book a transfer in at its destination, at the cost it left with (lots kept)."""
        transfer = self.transfer(transfer_id)
        move = self.make_move(
            MoveType.TRANSFER_IN,
            transfer.to_store,
            transfer.sku,
            transfer.quantity,
            actor=actor,
            at=at,
            reference=transfer_id,
            counterparty=transfer.from_store,
        )
        return self.post(move)

    # -- queries -------------------------------------------------------------------------

    def transfer(self, transfer_id: str) -> Transfer:
        """The transfer ``transfer_id``."""
        try:
            return self._transfers[transfer_id]
        except KeyError:
            raise NotFound("transfer", transfer_id) from None

    def transfers(self, *, in_transit: bool | None = None) -> list[Transfer]:
        """Every transfer (only those still in transit, or only received, when asked)."""
        found = self._transfers.values()
        if in_transit is not None:
            found = [t for t in found if t.in_transit is in_transit]  # type: ignore[assignment]
        return sorted(found, key=lambda t: (t.sent_at, t.id))

    def transit_value(self, transfer_id: str) -> Money:
        """The value a transfer carries (what it cost when it left)."""
        return Money(self._outs[self.transfer(transfer_id).id].cost, self.currency)

    def balance(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Balance:
        """Quantity, value and rate of ``sku`` in ``store_id`` now, or just after ``at``."""
        product = self.product(sku)
        stream = self._streams.get((store_id, sku))
        if stream is None:
            return Balance(store_id, sku, _ZERO, _ZERO, _ZERO, product.unit)
        if at is None:
            state = stream.state
            return Balance(
                store_id, sku, state.quantity, state.value, state.valuation_rate(), product.unit
            )
        posting = stream.at(utc_instant(at))
        if posting is None:
            return Balance(store_id, sku, _ZERO, _ZERO, _ZERO, product.unit)
        return Balance(
            store_id,
            sku,
            posting.quantity_after,
            posting.value_after,
            posting.rate_after,
            product.unit,
        )

    def on_hand(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Decimal:
        """Quantity on hand in stock units (negative when stock was allowed below zero)."""
        if at is None:
            stream = self._streams.get((store_id, sku))
            return stream.state.quantity if stream is not None else _ZERO
        return self.balance(store_id, sku, at).quantity

    def value(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Money:
        """Stock value (exact, not rounded to the currency's minor unit)."""
        if at is None:
            stream = self._streams.get((store_id, sku))
            return Money(stream.state.value if stream is not None else _ZERO, self.currency)
        return Money(self.balance(store_id, sku, at).value, self.currency)

    def rate(self, store_id: str, sku: str, at: dt.datetime | None = None) -> Money:
        """Valuation rate per stock unit (see :meth:`StreamState.valuation_rate`)."""
        return Money(self.balance(store_id, sku, at).rate, self.currency)

    def lots(self, store_id: str, sku: str) -> tuple[LotPart, ...]:
        """The lots on hand now, earliest expiry first."""
        stream = self._streams.get((store_id, sku))
        return stream.state.lots() if stream is not None else ()

    def state(self, store_id: str, sku: str) -> StreamState | None:
        """The live running state of a stream (read it, do not change it)."""
        stream = self._streams.get((store_id, sku))
        return stream.state if stream is not None else None

    def streams(self) -> list[tuple[str, str]]:
        """Every (store, product) that has moves."""
        return sorted(k for k, s in self._streams.items() if s.moves)

    def stores(self) -> list[str]:
        """Every store that has moves."""
        return sorted({k[0] for k in self.streams()})

    def postings(
        self,
        store_id: str | None = None,
        sku: str | None = None,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        types: Iterable[MoveType] | None = None,
    ) -> list[Posting]:
        """Movement history: postings in posting order, filtered; ``until`` is exclusive."""
        wanted = frozenset(types) if types is not None else None
        start = utc_instant(since, "since") if since is not None else None
        end = utc_instant(until, "until") if until is not None else None
        found: list[Posting] = []
        for (store, product), stream in self._streams.items():
            if (store_id is not None and store != store_id) or (sku is not None and product != sku):
                continue
            for move, row in zip(stream.moves, stream.rows, strict=True):
                at = move.posted_at
                if start is not None and at < start:
                    continue
                if end is not None and at >= end:
                    continue
                if wanted is not None and move.type not in wanted:
                    continue
                found.append(posting_of(move, row))
        found.sort(key=lambda p: move_key(p.move))
        return found

    def moves(self) -> list[Move]:
        """Every move, in the order it was posted (sequence order)."""
        return sorted((m for s in self._streams.values() for m in s.moves), key=lambda m: m.seq)

    def __iter__(self) -> Iterator[Move]:
        return iter(self.moves())

    # -- events --------------------------------------------------------------------------

    def emit(self, event: DomainEvent) -> None:
        """Queue an event (the service hands them to its unit of work)."""
        self._events.append(event)

    def take_events(self) -> list[DomainEvent]:
        """The events raised since the last call (and forget them)."""
        events, self._events = self._events, []
        return events

    # -- rebuilding ----------------------------------------------------------------------

    @classmethod
    def replay(
        cls,
        moves: Iterable[Move],
        products: Iterable[Product | tuple[Product, StockSettings]],
        *,
        configure: Callable[[StockLedger], None] | None = None,
        **options: object,
    ) -> StockLedger:
        """A new ledger with ``products`` on which ``moves`` are posted in the order given."""
        ledger = cls(**options)  # type: ignore[arg-type]
        for item in products:
            if isinstance(item, tuple):
                ledger.add_product(*item)
            else:
                ledger.add_product(item)
        if configure is not None:
            configure(ledger)
        for move in moves:
            ledger.post(move)
        ledger.take_events()
        return ledger


__all__ = ["StockLedger", "transfer_parts", "utc_instant"]
