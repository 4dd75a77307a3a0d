"""Record kinds of the inventory package and the stored form of a running balance.

- ``stock_move``: the ledger itself, append-only (a correction is a new move).
- ``stock_balance``: the running state of one (store, product): quantity, value, rate, lots and
  negative layers, plus where the stream ends. It makes on-hand and value queries O(1) and lets
  an in-order move be posted without reading the stream's history.
- ``stock_settings``, ``stock_transfer``, ``stocktake``, ``recipe``, ``supplier``,
  ``purchase_order``: the other things the inventory use cases keep.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, NamedTuple

import attrs
import pendulum

from salonkit.inventory.model import (
    MOVE_TYPE_VALUES,
    LotPart,
    Move,
    MoveType,
    NegativeStockPolicy,
    StockSettings,
    Transfer,
    ValuationMethod,
)
from salonkit.inventory.purchasing import PurchaseOrder, Supplier
from salonkit.inventory.recipes import Recipe
from salonkit.inventory.stocktake import Stocktake
from salonkit.inventory.stream import Key
from salonkit.inventory.valuation import Layer, Shortfall, StreamState
from salonkit.storage.codec import converter, structure_hook
from salonkit.storage.kinds import Column, Kind, registry

_ZERO = Decimal(0)


def _lot_part_to_dict(part: LotPart) -> dict[str, object]:
    return {
        "lot": part.lot,
        "expires": part.expires.isoformat() if part.expires is not None else None,
        "quantity": str(part.quantity),
        "value": str(part.value),
    }


def _lot_part_from_dict(data: dict[str, str | None], _: type) -> LotPart:
    expires = data["expires"]
    return LotPart(
        data["lot"],
        dt.date.fromisoformat(expires) if expires is not None else None,
        Decimal(str(data["quantity"])),
        Decimal(str(data["value"])),
    )


# LotPart is a named tuple (cheap to build for every move); store it as a small document.
converter.register_unstructure_hook(LotPart, _lot_part_to_dict)
converter.register_structure_hook(LotPart, _lot_part_from_dict)

_UTC_ZONES = (pendulum.UTC, dt.UTC)
_NO_OFFSET = dt.timedelta(0)


def _instant_to_str(value: dt.datetime) -> str:
    """The stored form of an instant: what the codec makes, without its pendulum conversion
    when the instant is already in UTC (every move the ledger stamps is)."""
    if value.tzinfo in _UTC_ZONES:
        return value.isoformat()
    text = converter.unstructure(value, dt.datetime)
    assert isinstance(text, str)
    return text


# The last recorded_at formatted, with its text: the moves of one unit of work share it.
# Replaced whole, so a thread never sees an instant with another one's text.
_last_recorded: tuple[object, str] = (None, "")


def _str_to_instant(text: str) -> dt.datetime:
    """An instant from its stored form: what the codec rebuilds (a pendulum ``DateTime`` in
    UTC), without ``pendulum.parse`` when the text is in UTC (every stored instant is)."""
    parsed = dt.datetime.fromisoformat(text)
    if parsed.utcoffset() != _NO_OFFSET:
        instant = converter.structure(text, dt.datetime)
        assert isinstance(instant, dt.datetime)
        return instant
    return pendulum.DateTime(
        parsed.year,
        parsed.month,
        parsed.day,
        parsed.hour,
        parsed.minute,
        parsed.second,
        parsed.microsecond,
        tzinfo=pendulum.UTC,
    )


def _move_to_dict(move: Move) -> dict[str, object]:
    """The stored document of a move: the same dict the codec's generated function makes
    (a test holds them equal), written out because batches store thousands of moves."""
    global _last_recorded
    value, expires, recorded = move.value, move.expires, move.recorded_at
    last, recorded_text = _last_recorded
    if recorded is not last:
        recorded_text = _instant_to_str(recorded)
        _last_recorded = (recorded, recorded_text)
    return {
        "id": move.id,
        "seq": move.seq,
        "store_id": move.store_id,
        "sku": move.sku,
        "type": MOVE_TYPE_VALUES[move.type],
        "quantity": str(move.quantity),
        "posted_at": _instant_to_str(move.posted_at),
        "recorded_at": recorded_text,
        "actor": move.actor,
        "value": None if value is None else str(value),
        "lot": move.lot,
        "expires": None if expires is None else converter.unstructure(expires, dt.date),
        "reason": move.reason,
        "reference": move.reference,
        "counterparty": move.counterparty,
        "service_id": move.service_id,
    }


def _move_from_dict(data: dict[str, Any], _: type = Move) -> Move:
    """A move from its stored document (what the codec's generated function rebuilds: a
    missing field takes its default)."""
    get = data.get
    value, expires = get("value"), get("expires")
    return Move(
        id=str(data["id"]),
        seq=int(data["seq"]),
        store_id=str(data["store_id"]),
        sku=str(data["sku"]),
        type=MoveType(data["type"]),
        quantity=_decimal(data["quantity"]),
        posted_at=_str_to_instant(data["posted_at"]),
        recorded_at=_str_to_instant(data["recorded_at"]),
        actor=str(data["actor"]),
        value=None if value is None else _decimal(value),
        lot=_optional_str(get("lot")),
        expires=None if expires is None else dt.date.fromisoformat(expires),
        reason=str(get("reason", "")),
        reference=_optional_str(get("reference")),
        counterparty=_optional_str(get("counterparty")),
        service_id=_optional_str(get("service_id")),
    )


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


converter.register_unstructure_hook(Move, _move_to_dict)
converter.register_structure_hook(Move, structure_hook(_move_from_dict, Move))


def _decimal(value: object) -> Decimal:
    return Decimal(str(value))


def stream_id(store_id: str, sku: str) -> str:
    """The id of the balance record of ``sku`` in ``store_id``."""
    return f"{store_id}:{sku}"


# Balances hold dozens of layers and are read and written for every batch: layer records
# are built with tuple.__new__, skipping the named tuple's Python-level __new__.
_new = tuple.__new__
_date = dt.date.fromisoformat


class LayerRecord(NamedTuple):
    """A stored lot layer (a named tuple: a balance holds dozens and is read and written for
    every batch; stored as a small document by :func:`_layer_to_dict`)."""

    lot: str | None
    expires: dt.date | None
    quantity: Decimal
    value: Decimal
    order: int


class ShortfallRecord(NamedTuple):
    """A stored negative-stock layer (a named tuple, stored as a small document)."""

    quantity: Decimal
    rate: Decimal


def _layer_to_dict(layer: LayerRecord) -> dict[str, object]:
    expires = layer.expires
    return {
        "lot": layer.lot,
        "expires": None if expires is None else expires.isoformat(),
        "quantity": str(layer.quantity),
        "value": str(layer.value),
        "order": layer.order,
    }


def _layer_from_dict(data: dict[str, Any], _: type = LayerRecord) -> LayerRecord:
    expires = data["expires"]
    return _new(
        LayerRecord,
        (
            data["lot"],
            None if expires is None else _date(expires),
            Decimal(str(data["quantity"])),
            Decimal(str(data["value"])),
            int(data["order"]),
        ),
    )


def _shortfall_to_dict(short: ShortfallRecord) -> dict[str, object]:
    return {"quantity": str(short.quantity), "rate": str(short.rate)}


def _shortfall_from_dict(data: dict[str, Any], _: type = ShortfallRecord) -> ShortfallRecord:
    return ShortfallRecord(_decimal(data["quantity"]), _decimal(data["rate"]))


# The same documents the codec made when these were attrs classes.
converter.register_unstructure_hook(LayerRecord, _layer_to_dict)
converter.register_structure_hook(LayerRecord, _layer_from_dict)
converter.register_unstructure_hook(ShortfallRecord, _shortfall_to_dict)
converter.register_structure_hook(ShortfallRecord, _shortfall_from_dict)


@attrs.frozen(kw_only=True)
class StockBalance:
    """The running balance of one (store, product) and where its stream ends."""

    id: str
    store_id: str
    sku: str
    method: ValuationMethod
    quantity: Decimal = _ZERO
    value: Decimal = _ZERO
    rate: Decimal = _ZERO
    last_rate: Decimal = _ZERO
    counter: int = 0
    layers: tuple[LayerRecord, ...] = ()
    shortfall: tuple[ShortfallRecord, ...] = ()
    last_posted_at: dt.datetime | None = None
    last_seq: int = 0
    next_seq: int = 1
    moves: int = 0
    version: int = 0

    @classmethod
    def empty(cls, store_id: str, sku: str, method: ValuationMethod) -> StockBalance:
        """The balance of a stream with no moves yet."""
        return cls(id=stream_id(store_id, sku), store_id=store_id, sku=sku, method=method)

    @property
    def last_key(self) -> Key | None:
        """The sort key of the stream's last move (``None`` when it has none)."""
        if self.last_posted_at is None:
            return None
        return (self.last_posted_at, self.last_seq)

    def to_state(self) -> StreamState:
        """The engine's mutable running state."""
        state = StreamState(self.method)
        state.quantity, state.value, state.rate = self.quantity, self.value, self.rate
        state.last_rate, state.counter = self.last_rate, self.counter
        state.layers = [Layer(*x) for x in self.layers]
        state.shortfall = [Shortfall(*s) for s in self.shortfall]
        return state

    def with_state(
        self, state: StreamState, last: Key | None, moves: int, next_seq: int
    ) -> StockBalance:
        """This balance with ``state``, ending at ``last`` (posting instant, sequence)."""
        # built directly rather than with attrs.evolve: a batch makes one for every product
        return StockBalance(
            id=self.id,
            store_id=self.store_id,
            sku=self.sku,
            method=self.method,
            quantity=state.quantity,
            value=state.value,
            rate=state.rate,
            last_rate=state.last_rate,
            counter=state.counter,
            layers=tuple(
                [
                    _new(LayerRecord, (x.lot, x.expires, x.quantity, x.value, x.order))
                    for x in state.layers
                ]
            ),
            shortfall=tuple(ShortfallRecord(s.quantity, s.rate) for s in state.shortfall),
            last_posted_at=last[0] if last is not None else None,
            last_seq=last[1] if last is not None else 0,
            moves=moves,
            next_seq=next_seq,
            version=self.version,
        )


def _balance_to_dict(balance: StockBalance) -> dict[str, object]:
    """The stored document of a balance: the same dict the codec's generated function makes
    (a test holds them equal), written out because every batch writes one per product."""
    last = balance.last_posted_at
    return {
        "id": balance.id,
        "store_id": balance.store_id,
        "sku": balance.sku,
        "method": balance.method.value,
        "quantity": str(balance.quantity),
        "value": str(balance.value),
        "rate": str(balance.rate),
        "last_rate": str(balance.last_rate),
        "counter": balance.counter,
        "layers": [_layer_to_dict(x) for x in balance.layers],
        "shortfall": [_shortfall_to_dict(x) for x in balance.shortfall],
        "last_posted_at": None if last is None else _instant_to_str(last),
        "last_seq": balance.last_seq,
        "next_seq": balance.next_seq,
        "moves": balance.moves,
        "version": balance.version,
    }


def _balance_from_dict(data: dict[str, Any], _: type) -> StockBalance:
    """A balance from its stored document (what the codec's generated function rebuilds: a
    missing field takes its default)."""
    get = data.get
    last = get("last_posted_at")
    return StockBalance(
        id=data["id"],
        store_id=data["store_id"],
        sku=data["sku"],
        method=ValuationMethod(data["method"]),
        quantity=_decimal(get("quantity", 0)),
        value=_decimal(get("value", 0)),
        rate=_decimal(get("rate", 0)),
        last_rate=_decimal(get("last_rate", 0)),
        counter=int(get("counter", 0)),
        layers=tuple(map(_layer_from_dict, get("layers", ()))),
        shortfall=tuple(map(_shortfall_from_dict, get("shortfall", ()))),
        last_posted_at=None if last is None else _str_to_instant(last),
        last_seq=int(get("last_seq", 0)),
        next_seq=int(get("next_seq", 1)),
        moves=int(get("moves", 0)),
        version=int(get("version", 0)),
    )


converter.register_unstructure_hook(StockBalance, _balance_to_dict)
converter.register_structure_hook(StockBalance, structure_hook(_balance_from_dict, StockBalance))


@attrs.frozen(kw_only=True)
class StockCheckpoint:
    """The balance of a stream after its first ``count`` moves (``count`` a multiple of
    :attr:`Stream.CHECKPOINT_EVERY <salonkit.inventory.stream.Stream.CHECKPOINT_EVERY>`), so a
    back-dated move is revalued from the checkpoint before it instead of from the first move."""

    id: str
    stream: str
    count: int
    balance: StockBalance


def checkpoint_id(stream: str, count: int) -> str:
    """The id of the checkpoint after ``count`` moves of ``stream``."""
    return f"{stream}:{count:012d}"


@attrs.frozen(kw_only=True)
class ProductStock:
    """The stored :class:`~salonkit.inventory.model.StockSettings` of one product."""

    sku: str
    method: ValuationMethod | None = None
    negative_stock: NegativeStockPolicy | None = None
    reorder_point: Decimal | None = None
    reorder_quantity: Decimal | None = None
    version: int = 0

    @property
    def settings(self) -> StockSettings:
        """As the engine's value."""
        return StockSettings(
            method=self.method,
            negative_stock=self.negative_stock,
            reorder_point=self.reorder_point,
            reorder_quantity=self.reorder_quantity,
        )


@attrs.frozen(kw_only=True)
class TransferRecord:
    """A stored transfer with the lots it carries (kept current when the sender is reposted)."""

    id: str
    sku: str
    from_store: str
    to_store: str
    quantity: Decimal
    sent_at: dt.datetime
    out_move_id: str
    parts: tuple[LotPart, ...] = ()
    received_at: dt.datetime | None = None
    in_move_id: str | None = None
    version: int = 0

    @property
    def in_transit(self) -> bool:
        """True until the receiving store has booked it in."""
        return self.in_move_id is None

    @property
    def value(self) -> Decimal:
        """What the transfer carries, at cost."""
        return sum((p.value for p in self.parts), _ZERO)

    def as_transfer(self) -> Transfer:
        """As the engine's value."""
        return Transfer(
            id=self.id,
            sku=self.sku,
            from_store=self.from_store,
            to_store=self.to_store,
            quantity=self.quantity,
            sent_at=self.sent_at,
            out_move_id=self.out_move_id,
            received_at=self.received_at,
            in_move_id=self.in_move_id,
        )


STOCK_MOVES = registry.register(
    Kind(
        "stock_move",
        Move,
        columns=(
            Column("store_id", str),
            Column("sku", str),
            Column("stream", str, extract=lambda m: stream_id(m.store_id, m.sku)),
            Column("move_type", str, extract=lambda m: MOVE_TYPE_VALUES[m.type]),
            Column("posted_at", dt.datetime),
            Column("reference", str),
            Column("service_id", str),
        ),
        append_only=True,
        versioned=False,
    )
)
STOCK_BALANCES = registry.register(
    Kind(
        "stock_balance",
        StockBalance,
        columns=(Column("store_id", str), Column("sku", str)),
    )
)
STOCK_CHECKPOINTS = registry.register(
    Kind(
        "stock_checkpoint",
        StockCheckpoint,
        columns=(Column("stream", str), Column("count", int)),
        versioned=False,
    )
)
STOCK_SETTINGS = registry.register(Kind("stock_settings", ProductStock, key="sku"))
STOCK_TRANSFERS = registry.register(
    Kind(
        "stock_transfer",
        TransferRecord,
        columns=(
            Column("from_store", str),
            Column("to_store", str),
            Column("in_transit", bool),
        ),
    )
)
STOCKTAKES = registry.register(
    Kind(
        "stocktake",
        Stocktake,
        columns=(
            Column("store_id", str),
            Column("status", str, extract=lambda s: s.status.value),
        ),
    )
)
RECIPES = registry.register(Kind("recipe", Recipe, key="service_id"))
SUPPLIERS = registry.register(Kind("supplier", Supplier))
PURCHASE_ORDERS = registry.register(
    Kind(
        "purchase_order",
        PurchaseOrder,
        columns=(
            Column("store_id", str),
            Column("supplier_id", str),
            Column("status", str, extract=lambda o: o.status.value),
        ),
    )
)

#: Every kind this package declares.
KINDS = (
    STOCK_MOVES,
    STOCK_BALANCES,
    STOCK_CHECKPOINTS,
    STOCK_SETTINGS,
    STOCK_TRANSFERS,
    STOCKTAKES,
    RECIPES,
    SUPPLIERS,
    PURCHASE_ORDERS,
)

__all__ = [
    "KINDS",
    "PURCHASE_ORDERS",
    "RECIPES",
    "STOCKTAKES",
    "STOCK_BALANCES",
    "STOCK_CHECKPOINTS",
    "STOCK_MOVES",
    "STOCK_SETTINGS",
    "STOCK_TRANSFERS",
    "SUPPLIERS",
    "LayerRecord",
    "ProductStock",
    "ShortfallRecord",
    "StockBalance",
    "StockCheckpoint",
    "TransferRecord",
    "checkpoint_id",
    "stream_id",
]
