"""The values of the stock ledger: moves, their valuation, lots and balances (pure, no I/O).

A :class:`Move` is a fact someone posted: a signed quantity of one product in one store at one
instant (which may be back-dated), by an actor. Moves are never changed: a correction is a new
move. A :class:`Posting` is what valuation derived for a move (its cost of goods, the balance
after it); postings are recomputed when a back-dated move lands before them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import NamedTuple

import attrs

from salonkit.domain.validation import non_negative_decimal, optional


class MoveType(Enum):
    """What a move records. Incoming types add stock, outgoing ones remove it."""

    # members are singletons: identity hashing is correct and much cheaper than Enum's default
    __hash__ = object.__hash__

    RECEIVE = "receive"
    CONSUME = "consume"
    SELL = "sell"
    ADJUST = "adjust"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RETURN = "return"
    STOCKTAKE = "stocktake"


#: The stored name of each move type (a dict lookup is cheaper than ``Enum.value``).
MOVE_TYPE_VALUES: dict[MoveType, str] = {t: t.value for t in MoveType}
#: Outgoing moves that may only take usable (unexpired) stock.
USABLE_ONLY = frozenset({MoveType.CONSUME, MoveType.SELL, MoveType.TRANSFER_OUT})
#: Move types whose quantity is always positive.
INCOMING = frozenset({MoveType.RECEIVE, MoveType.TRANSFER_IN})
#: Move types whose quantity is always negative.
OUTGOING = frozenset({MoveType.CONSUME, MoveType.SELL, MoveType.TRANSFER_OUT, MoveType.RETURN})
#: Move types that may go either way.
EITHER = frozenset({MoveType.ADJUST, MoveType.STOCKTAKE})


class ValuationMethod(Enum):
    """How stock is valued: first in first out (cost layers) or moving average (one rate)."""

    __hash__ = object.__hash__

    FIFO = "fifo"
    MOVING_AVERAGE = "moving_average"


class NegativeStockPolicy(Enum):
    """What happens when an outgoing move asks for more than is on hand.

    ``REFUSE`` (the default) raises :class:`~salonkit.InsufficientStock` and posts nothing.
    ``ALLOW`` lets stock go below zero: the missing units are costed at the last known rate and
    settled by the next incoming stock (see :doc:`/how-to/inventory`).
    """

    REFUSE = "refuse"
    ALLOW = "allow"


@attrs.frozen(kw_only=True)
class Move:
    """One posted stock move of ``sku`` in ``store_id``.

    - ``quantity`` is signed and in the product's stock unit: positive adds stock.
    - ``posted_at`` orders the ledger (back-dating is allowed); ``recorded_at`` is when it was
      entered; ``seq`` breaks ties between moves of the same instant (insertion order).
    - ``value`` is the cost of incoming stock as given by the poster (``quantity × unit cost``);
      ``None`` for an outgoing move or an incoming one valued by the ledger (a transfer in, a
      found item valued at the current rate).
    - ``lot``/``expires`` name the batch received, or the batch an outgoing move must take.
    - ``reference`` links a transfer, purchase order, stocktake or appointment;
      ``counterparty`` is the supplier or the other store; ``service_id`` the service whose
      recipe a consume move follows.
    """

    id: str
    seq: int
    store_id: str
    sku: str
    type: MoveType
    quantity: Decimal
    posted_at: dt.datetime
    recorded_at: dt.datetime
    actor: str
    value: Decimal | None = None
    lot: str | None = None
    expires: dt.date | None = None
    reason: str = ""
    reference: str | None = None
    counterparty: str | None = None
    service_id: str | None = None

    @property
    def stream(self) -> tuple[str, str]:
        """The (store, product) this move belongs to."""
        return (self.store_id, self.sku)


class LotPart(NamedTuple):
    """A quantity of one lot with its value: a lot on hand, or the part of a lot a move took.

    An immutable named tuple rather than an attrs class: one is made for every lot a move
    touches, and a tuple is several times cheaper to build.
    """

    lot: str | None
    expires: dt.date | None
    quantity: Decimal
    value: Decimal


class Posting(NamedTuple):
    """What valuation derived for one move (an immutable named tuple, made for every move).

    - ``cost``: the value that left stock (cost of goods for a consume or sale), positive.
    - ``incoming``: the value that entered stock.
    - ``settlement``: on an incoming move that covered negative stock, the difference between
      what those units cost now and the rate they were issued at (charged to cost of goods).
    - ``rounding``: moving average only, what rounding the new rate to its places left over.
    - ``taken``: the lots an outgoing move took, in order (negative stock as a part without lot).

    ``value_after - value_before == incoming - cost - settlement - rounding`` for every move.
    """

    move: Move
    quantity_after: Decimal
    value_after: Decimal
    rate_after: Decimal
    cost: Decimal = Decimal(0)
    incoming: Decimal = Decimal(0)
    settlement: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)
    taken: tuple[LotPart, ...] = ()


@attrs.frozen
class Balance:
    """Stock of one product in one store at one moment: quantity, value and valuation rate."""

    store_id: str
    sku: str
    quantity: Decimal
    value: Decimal
    rate: Decimal
    unit: str


@attrs.frozen(kw_only=True)
class StockSettings:
    """How one product is stocked: valuation method, negative-stock policy, reorder point.

    ``None`` for ``method`` or ``negative_stock`` means "the store's or the ledger's default".
    ``reorder_point``: when on-hand falls to or below it, :class:`StockLow` is raised and a
    suggested purchase order asks for ``reorder_quantity`` (in stock units).
    """

    method: ValuationMethod | None = None
    negative_stock: NegativeStockPolicy | None = None
    reorder_point: Decimal | None = attrs.field(
        default=None, validator=optional(non_negative_decimal)
    )
    reorder_quantity: Decimal | None = attrs.field(
        default=None, validator=optional(non_negative_decimal)
    )


@attrs.frozen(kw_only=True)
class MoveRequest:
    """One move to post in a batch (:meth:`InventoryService.post_moves`).

    ``quantity`` is positive and in ``unit``; the type gives the direction, except for
    ``ADJUST`` and ``STOCKTAKE`` whose quantity is signed. ``unit_cost`` (per ``unit``) values
    incoming stock. Transfers are not batched.
    """

    type: MoveType
    store_id: str
    sku: str
    quantity: Decimal
    actor: str
    unit: str | None = None
    unit_cost: Decimal | None = None
    lot: str | None = None
    expires: dt.date | None = None
    reason: str = ""
    reference: str | None = None
    counterparty: str | None = None
    at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class Transfer:
    """Stock sent from one store to another: out → in transit → received."""

    id: str
    sku: str
    from_store: str
    to_store: str
    quantity: Decimal
    sent_at: dt.datetime
    out_move_id: str
    received_at: dt.datetime | None = None
    in_move_id: str | None = None

    @property
    def in_transit(self) -> bool:
        """True until the receiving store has booked it in."""
        return self.in_move_id is None


__all__ = [
    "EITHER",
    "INCOMING",
    "MOVE_TYPE_VALUES",
    "OUTGOING",
    "USABLE_ONLY",
    "Balance",
    "LotPart",
    "Move",
    "MoveRequest",
    "MoveType",
    "NegativeStockPolicy",
    "Posting",
    "StockSettings",
    "Transfer",
    "ValuationMethod",
]
