"""Valuation of one product in one store: FIFO cost layers or a moving-average rate.

:func:`apply` posts one move onto a :class:`StreamState` and returns its :class:`Posting`.
The exact rules (also in ``docs/how-to/inventory.rst``):

- Lots are held in FEFO order: earliest expiry first, lots without expiry last, ties in the
  order they arrived. Outgoing moves take lots in that order (or only the lot they name).
- Consume, sell and transfer out never take an expired lot (one whose expiry date is before the
  local date of the move); adjustments, returns and stocktake corrections may.
- **FIFO**: each lot is a cost layer holding a quantity and a value. Taking a whole layer takes
  its whole value; taking part of it takes ``value × taken / quantity`` rounded half-even to
  :data:`RATE_PLACES` places, and the layer keeps the rest, so the costs taken from a layer always
  add up to exactly what it was received at. Stock value is the sum of the layers, exactly.
- **Moving average**: one rate ``R`` rounded half-even to :data:`RATE_PLACES` places. An
  outgoing move costs ``quantity × R``. An incoming move sets
  ``R = round((Q × R + incoming value) / (Q + quantity))``; stock value is always ``Q × R``
  and what the rounding left over is reported on the move as ``rounding``.
- **Negative stock** (only under :attr:`NegativeStockPolicy.ALLOW`): the missing units are
  costed at the last known rate (moving average: ``R``; FIFO: the unit cost of the last incoming
  move; zero before anything arrived) and held as a negative layer. The next incoming stock first
  settles the negative layers (oldest first); the difference between what the settled units
  cost now and the rate they were issued at is the move's ``settlement``, charged to cost of
  goods. Whatever is left over enters stock as usual. Expired stock never hides a shortage: if
  usable lots are short while expired ones remain, the move is refused under both policies
  (write the expired lot off first).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from zoneinfo import ZoneInfo

from salonkit.errors import InsufficientStock, ValidationError
from salonkit.inventory.model import USABLE_ONLY, LotPart, Move, Posting, ValuationMethod

#: Decimal places of valuation rates and of the cost of a part of a FIFO layer.
RATE_PLACES = 6
_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
_ZERO = Decimal(0)
_NO_EXPIRY = dt.date.max.toordinal() + 1
_FIFO = ValuationMethod.FIFO
# Postings and lot parts are built for every move: calling tuple.__new__ directly skips the
# named tuples' Python-level __new__ (same values, same types).
_new = tuple.__new__


def round_rate(value: Decimal) -> Decimal:
    """Round a rate or a partial layer cost half-even to :data:`RATE_PLACES` places."""
    return value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN)


class ExpiredStock(InsufficientStock):
    """Usable stock is short while expired lots remain: write them off before going on."""


class Layer:
    """A lot on hand (a FIFO cost layer): mutable, internal to a :class:`StreamState`."""

    __slots__ = ("expires", "lot", "order", "quantity", "sort", "value")

    def __init__(
        self,
        lot: str | None,
        expires: dt.date | None,
        quantity: Decimal,
        value: Decimal,
        order: int,
    ) -> None:
        self.lot = lot
        self.expires = expires
        self.quantity = quantity
        self.value = value
        self.order = order
        self.sort = (expires.toordinal() if expires is not None else _NO_EXPIRY, order)

    def part(self, rate: Decimal | None) -> LotPart:
        """This layer as a value; ``rate`` values it at a moving-average rate instead."""
        value = self.value if rate is None else self.quantity * rate
        return LotPart(self.lot, self.expires, self.quantity, value)


#: A :class:`StreamState` frozen into plain tuples: ``(method value, quantity, value, rate,
#: last_rate, counter, ((lot, expires, quantity, value, order), ...), ((quantity, rate), ...))``.
#: Made only of atoms, so the cyclic garbage collector stops tracking it (checkpoints).
Snapshot = tuple[
    str,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    int,
    tuple[tuple[str | None, dt.date | None, Decimal, Decimal, int], ...],
    tuple[tuple[Decimal, Decimal], ...],
]


def _sort_key(layer: Layer) -> tuple[int, int]:
    return layer.sort


class Shortfall:
    """Negative stock: ``quantity`` units issued without stock, costed at ``rate``."""

    __slots__ = ("quantity", "rate")

    def __init__(self, quantity: Decimal, rate: Decimal) -> None:
        self.quantity = quantity
        self.rate = rate


class StreamState:
    """The running balance of one (store, product): quantity, value, rate, lots, shortfall.

    Queries on it are O(1); :func:`apply` advances it by one move.
    """

    __slots__ = (
        "counter",
        "last_rate",
        "layers",
        "method",
        "quantity",
        "rate",
        "shortfall",
        "value",
    )

    def __init__(self, method: ValuationMethod) -> None:
        self.method = method
        self.quantity = _ZERO
        self.value = _ZERO
        self.rate = _ZERO
        self.last_rate = _ZERO
        self.layers: list[Layer] = []
        self.shortfall: list[Shortfall] = []
        self.counter = 0

    @property
    def fifo(self) -> bool:
        """True when valued first in, first out."""
        return self.method is _FIFO

    def valuation_rate(self) -> Decimal:
        """Value per stock unit: ``R`` (moving average) or value / quantity (FIFO).

        With no stock, FIFO reports the unit cost of the last incoming move.
        """
        if self.method is not _FIFO:
            return self.rate
        if self.quantity:
            return round_rate(self.value / self.quantity)
        return self.last_rate

    def lots(self) -> tuple[LotPart, ...]:
        """The lots on hand in FEFO order (moving average values them at ``R``)."""
        rate = None if self.fifo else self.rate
        return tuple(layer.part(rate) for layer in self.layers)

    def shortfall_quantity(self) -> Decimal:
        """How many units are negative (issued without stock and not yet settled)."""
        return sum((s.quantity for s in self.shortfall), _ZERO)

    def copy(self) -> StreamState:
        """An independent copy (used to try a repost without touching the live state)."""
        other = StreamState(self.method)
        other.quantity, other.value, other.rate = self.quantity, self.value, self.rate
        other.last_rate, other.counter = self.last_rate, self.counter
        other.layers = [Layer(x.lot, x.expires, x.quantity, x.value, x.order) for x in self.layers]
        other.shortfall = [Shortfall(s.quantity, s.rate) for s in self.shortfall]
        return other

    def snapshot(self) -> Snapshot:
        """The state as an immutable :data:`Snapshot` (kept at checkpoints)."""
        return (
            self.method.value,
            self.quantity,
            self.value,
            self.rate,
            self.last_rate,
            self.counter,
            tuple((x.lot, x.expires, x.quantity, x.value, x.order) for x in self.layers),
            tuple((s.quantity, s.rate) for s in self.shortfall),
        )

    @classmethod
    def restore(cls, snapshot: Snapshot) -> StreamState:
        """A new live state from a :meth:`snapshot`."""
        method, quantity, value, rate, last_rate, counter, layers, shortfall = snapshot
        state = cls(ValuationMethod(method))
        state.quantity, state.value, state.rate = quantity, value, rate
        state.last_rate, state.counter = last_rate, counter
        state.layers = [Layer(*x) for x in layers]
        state.shortfall = [Shortfall(*s) for s in shortfall]
        return state


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar date in ``zone`` at ``instant`` (expiry is judged on the store's date)."""
    return instant.astimezone(zone).date()


def apply(
    state: StreamState,
    move: Move,
    allow_negative: bool,
    zone: ZoneInfo,
    incoming: Sequence[LotPart] | None = None,
) -> Posting:
    """Post ``move`` onto ``state`` (mutating it) and return the move's :class:`Posting`.

    ``incoming`` gives the lots an incoming move brings when the ledger values it (a transfer
    in); otherwise an incoming move brings one lot valued at ``move.value`` or, when that is
    ``None``, at the current valuation rate. Raises :class:`~salonkit.InsufficientStock` (and
    leaves ``state`` untouched) when an outgoing move cannot be covered.
    """
    quantity = move.quantity
    if quantity > _ZERO:
        if incoming is None:
            value = move.value if move.value is not None else quantity * state.valuation_rate()
            incoming = (LotPart(move.lot, move.expires, quantity, value),)
        return _receive(state, move, incoming)
    if quantity < _ZERO:
        quantity = -quantity
        layers = state.layers
        if (
            move.lot is None
            and state.quantity >= quantity
            and (
                layers[0].expires is None
                or move.type not in USABLE_ONLY
                or layers[0].expires >= local_date(move.posted_at, zone)
            )
        ):
            # the common case: enough stock and nothing expired in the way (lots are in FEFO
            # order, so when the first is usable all are): take from the front in one pass
            return _take_front(state, move, quantity)
        return _issue_scan(state, move, quantity, allow_negative, zone)
    raise ValidationError("move.quantity", "must not be zero")


def _receive(state: StreamState, move: Move, parts: Sequence[LotPart]) -> Posting:
    settlement = _ZERO
    total_in = _ZERO
    total_qty = _ZERO
    settled = _ZERO
    rest: list[tuple[LotPart, Decimal, Decimal]] = []
    shortfall = state.shortfall
    for part in parts:
        qty, val = part.quantity, part.value
        total_in += val
        total_qty += qty
        while qty > 0 and shortfall:
            short = shortfall[0]
            used = qty if qty < short.quantity else short.quantity
            portion = val if used == qty else round_rate(val * used / qty)
            settlement += portion - used * short.rate
            short.quantity -= used
            if not short.quantity:
                del shortfall[0]
            settled += used
            qty -= used
            val -= portion
        if qty > 0:
            rest.append((part, qty, val))
    rounding = _ZERO
    if state.method is _FIFO:
        state.quantity += total_qty
        state.value += total_in - settlement
    elif not rest:
        state.quantity += total_qty
        state.value = state.quantity * state.rate
    else:
        base_qty = state.quantity + settled
        base_value = base_qty * state.rate
        add_qty = sum((q for _, q, _ in rest), _ZERO)
        add_value = sum((v for _, _, v in rest), _ZERO)
        state.rate = round_rate((base_value + add_value) / (base_qty + add_qty))
        state.quantity = base_qty + add_qty
        state.value = state.quantity * state.rate
        rounding = base_value + add_value - state.value
    layers = state.layers
    for part, qty, val in rest:
        state.counter += 1
        layer = Layer(part.lot, part.expires, qty, val, state.counter)
        if not layers or layers[-1].sort <= layer.sort:
            layers.append(layer)
        else:
            bisect.insort(layers, layer, key=_sort_key)
    if total_qty:
        state.last_rate = round_rate(total_in / total_qty)
    # positional: Posting(move, quantity_after, value_after, rate_after, cost, incoming,
    # settlement, rounding, taken)
    return _new(
        Posting,
        (
            move,
            state.quantity,
            state.value,
            state.valuation_rate(),
            _ZERO,
            total_in,
            settlement,
            rounding,
            (),
        ),
    )


def _take_front(state: StreamState, move: Move, quantity: Decimal) -> Posting:
    layers = state.layers
    fifo = state.method is _FIFO
    rate = state.rate
    layer = layers[0]
    have = layer.quantity
    if have > quantity:
        # the most common case of all: part of the first lot
        if fifo:
            value = (layer.value * quantity / have).quantize(_QUANTUM, ROUND_HALF_EVEN)
            layer.value -= value
        else:
            value = quantity * rate
        layer.quantity = have - quantity
        cost = _ZERO + value
        taken: tuple[LotPart, ...] = (_new(LotPart, (layer.lot, layer.expires, quantity, value)),)
    else:
        cost = _ZERO
        parts: list[LotPart] = []
        need = quantity
        used = 0
        while need:
            layer = layers[used]
            have = layer.quantity
            if have <= need:
                value = layer.value if fifo else have * rate
                need -= have
                used += 1
                parts.append(_new(LotPart, (layer.lot, layer.expires, have, value)))
            else:
                if fifo:
                    value = round_rate(layer.value * need / have)
                    layer.value -= value
                else:
                    value = need * rate
                layer.quantity = have - need
                parts.append(_new(LotPart, (layer.lot, layer.expires, need, value)))
                need = _ZERO
            cost += value
        if used:
            del layers[:used]
        taken = tuple(parts)
    state.quantity = after = state.quantity - quantity
    state.value = worth = state.value - cost
    if not fifo:
        rate_after = rate
    elif after:
        rate_after = (worth / after).quantize(_QUANTUM, ROUND_HALF_EVEN)
    else:
        rate_after = state.last_rate
    return _new(Posting, (move, after, worth, rate_after, cost, _ZERO, _ZERO, _ZERO, taken))


def _issue_scan(
    state: StreamState, move: Move, quantity: Decimal, allow_negative: bool, zone: ZoneInfo
) -> Posting:
    usable_only = move.type in USABLE_ONLY
    wanted_lot = move.lot
    layers = state.layers
    picks: list[tuple[int, Layer, Decimal]] = []
    need = quantity
    expired = _ZERO
    today: dt.date | None = None
    for index, layer in enumerate(layers):
        if wanted_lot is not None and layer.lot != wanted_lot:
            continue
        if usable_only and layer.expires is not None:
            if today is None:
                today = local_date(move.posted_at, zone)
            if layer.expires < today:
                expired += layer.quantity
                continue
        take = layer.quantity if layer.quantity < need else need
        picks.append((index, layer, take))
        need -= take
        if not need:
            break
    if need:
        _refuse_or_allow(state, move, quantity, need, expired, allow_negative)
    fifo = state.method is _FIFO
    rate = state.rate
    cost = _ZERO
    taken: list[LotPart] = []
    emptied: list[int] = []
    for index, layer, take in picks:
        if take == layer.quantity:
            value = layer.value if fifo else take * rate
            emptied.append(index)
            layer.quantity = _ZERO
            layer.value = _ZERO
        else:
            value = round_rate(layer.value * take / layer.quantity) if fifo else take * rate
            layer.quantity -= take
            if fifo:
                layer.value -= value
        cost += value
        taken.append(LotPart(layer.lot, layer.expires, take, value))
    if emptied:
        if emptied[-1] == len(emptied) - 1:
            del layers[: len(emptied)]
        else:
            state.layers = [x for x in layers if x.quantity]
    if need:
        short_rate = state.last_rate if fifo else rate
        cost += need * short_rate
        if state.shortfall and state.shortfall[-1].rate == short_rate:
            state.shortfall[-1].quantity += need
        else:
            state.shortfall.append(Shortfall(need, short_rate))
    state.quantity -= quantity
    state.value -= cost
    return Posting(
        move,
        state.quantity,
        state.value,
        state.valuation_rate(),
        cost,
        _ZERO,
        _ZERO,
        _ZERO,
        tuple(taken),
    )


def _refuse_or_allow(
    state: StreamState,
    move: Move,
    quantity: Decimal,
    need: Decimal,
    expired: Decimal,
    allow_negative: bool,
) -> None:
    where = f"{move.sku} in store {move.store_id}"
    if move.lot is not None:
        raise InsufficientStock(
            f"lot {move.lot!r} of {where} has {quantity - need} usable, {quantity} wanted"
        )
    if expired:
        raise ExpiredStock(
            f"{where}: {quantity - need} usable but {quantity} wanted; {expired} expired "
            "(write the expired lots off first)"
        )
    if not allow_negative:
        raise InsufficientStock(f"{where}: {state.quantity} on hand, {quantity} wanted")


__all__ = [
    "RATE_PLACES",
    "ExpiredStock",
    "Layer",
    "Shortfall",
    "Snapshot",
    "StreamState",
    "apply",
    "local_date",
    "round_rate",
]
