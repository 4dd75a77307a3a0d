"""The moves of one product in one store, in posting order, with what valuation derived for them.

A :class:`Stream` keeps the running :class:`~salonkit.inventory.valuation.StreamState` (so
on-hand and value queries are O(1)) and, for every move, the figures of the :class:`Posting`
valuation gave it (so the balance at any past instant is a binary search away). Every
:attr:`Stream.CHECKPOINT_EVERY` moves it keeps a snapshot of the state, so a back-dated move is
revalued from the checkpoint just before it rather than from the first move.

A stream holds millions of entries in a busy ledger, so it keeps them in forms the cyclic
garbage collector can skip: each posting is stored as a :data:`Row`, a plain tuple of its
figures (``Decimal``, ``str``, dates) without the move (which the stream already holds) and with
the lots taken flattened into it; the sort keys are the moves' own ``posted_at``
instants (ties are broken by the moves' sequence numbers); checkpoints are
:data:`~salonkit.inventory.valuation.Snapshot` tuples. Such tuples hold no reference to a
container the collector tracks, so CPython stops tracking them (a row at the first collection
that sees it, a snapshot's nested tuples over the next ones) and full collections no longer walk
the whole history. :class:`Posting` values are rebuilt from
rows when asked for (they compare equal to the ones :meth:`append` returned).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from itertools import chain
from zoneinfo import ZoneInfo

from salonkit.inventory.model import LotPart, Move, Posting, ValuationMethod
from salonkit.inventory.valuation import Snapshot, StreamState, apply

Key = tuple[dt.datetime, int]
Resolver = Callable[[Move], Sequence[LotPart] | None]

#: A posting without its move, flat: ``(quantity_after, value_after, rate_after, cost,
#: incoming, settlement, rounding)`` followed by the lots taken, four items each
#: ``lot, expires, quantity, value``. One flat tuple rather than nested ones: CPython stops
#: tracking a tuple of atoms at the first collection that sees it, while a tuple holding a
#: tuple may survive into an older generation before both are found to be atoms.
Row = tuple[object, ...]

_chain = chain.from_iterable


def move_key(move: Move) -> Key:
    """Where ``move`` sorts in its stream: posting instant, then sequence number."""
    return (move.posted_at, move.seq)


Checkpoints = dict[int, Snapshot]


def row_of(posting: Posting) -> Row:
    """The stored form of ``posting`` (see :data:`Row`)."""
    taken = posting.taken
    return (*posting[1:8], *_chain(taken)) if taken else posting[1:8]


def posting_of(move: Move, row: Row) -> Posting:
    """The :class:`Posting` of ``move`` from its stored ``row``."""
    if len(row) == 7:
        return Posting._make((move, *row, ()))
    taken = tuple(LotPart._make(row[i : i + 4]) for i in range(7, len(row), 4))
    return Posting._make((move, *row[:7], taken))


class Stream:
    """The ledger of one (store, product): moves in posting order and their postings."""

    #: A snapshot of the state is kept before every this many moves.
    CHECKPOINT_EVERY = 256

    __slots__ = (
        "allow_negative",
        "checkpoints",
        "moves",
        "rows",
        "sku",
        "state",
        "store_id",
        "times",
        "zone",
    )

    def __init__(
        self,
        store_id: str,
        sku: str,
        method: ValuationMethod,
        allow_negative: bool,
        zone: ZoneInfo,
    ) -> None:
        self.store_id = store_id
        self.sku = sku
        self.allow_negative = allow_negative
        self.zone = zone
        self.state = StreamState(method)
        self.moves: list[Move] = []
        #: ``times[i]`` is ``moves[i].posted_at`` (the list bisected for time queries).
        self.times: list[dt.datetime] = []
        #: ``rows[i]`` is what valuation derived for ``moves[i]`` (see :data:`Row`).
        self.rows: list[Row] = []
        #: ``checkpoints[n]`` is the state after the first ``n`` moves (n a positive multiple
        #: of :attr:`CHECKPOINT_EVERY`).
        self.checkpoints: Checkpoints = {}

    @property
    def method(self) -> ValuationMethod:
        """The valuation method of this stream."""
        return self.state.method

    def is_after_last(self, move: Move) -> bool:
        """True when ``move`` goes at the end (no repost needed)."""
        times = self.times
        if not times:
            return True
        at, last = move.posted_at, times[-1]
        return at > last or (at == last and move.seq > self.moves[-1].seq)

    def index_for(self, move: Move) -> int:
        """Where ``move`` goes in posting order (after every move with a key not above its)."""
        at, seq = move.posted_at, move.seq
        index = bisect.bisect_right(self.times, at)
        moves, times = self.moves, self.times
        while index and times[index - 1] == at and moves[index - 1].seq > seq:
            index -= 1
        return index

    def posting(self, index: int) -> Posting:
        """The posting of the move at ``index``."""
        return posting_of(self.moves[index], self.rows[index])

    @property
    def postings(self) -> list[Posting]:
        """Every posting, in posting order (rebuilt from the rows)."""
        return list(map(posting_of, self.moves, self.rows))

    def checkpoint(self) -> None:
        """Keep a snapshot when the stream is at a checkpoint (call before appending)."""
        count = len(self.moves)
        if count and not count % self.CHECKPOINT_EVERY:
            self.checkpoints[count] = self.state.snapshot()

    def append(self, move: Move, incoming: Sequence[LotPart] | None) -> Posting:
        """Post ``move`` at the end of the stream (the caller checked :meth:`is_after_last`)."""
        self.checkpoint()
        posting = apply(self.state, move, self.allow_negative, self.zone, incoming)
        self.moves.append(move)
        self.times.append(move.posted_at)
        self.rows.append(row_of(posting))
        return posting

    def with_inserted(self, move: Move) -> tuple[list[Move], int]:
        """The stream's moves with ``move`` inserted in posting order, and its index."""
        index = self.index_for(move)
        return [*self.moves[:index], move, *self.moves[index:]], index

    def rebuild(self, moves: Sequence[Move], resolve: Resolver, start: int = 0) -> Rebuilt:
        """Value ``moves`` (in posting order) without changing self.

        ``moves[:start]`` must be this stream's first ``start`` moves, unchanged: valuation
        then resumes from the last checkpoint at or before ``start`` and keeps their rows.
        Raises whatever :func:`~salonkit.inventory.valuation.apply` raises (a move that can no
        longer be covered); the stream is then left as it was.
        """
        every = self.CHECKPOINT_EVERY
        resume = max((n for n in self.checkpoints if n <= start), default=0)
        checkpoints = {n: c for n, c in self.checkpoints.items() if n <= resume}
        if resume:
            state = StreamState.restore(self.checkpoints[resume])
            rows = self.rows[:resume]
        else:
            state = StreamState(self.state.method)
            rows = []
        allow, zone = self.allow_negative, self.zone
        postings: list[Posting] = []
        for index in range(resume, len(moves)):
            if index and not index % every and index not in checkpoints:
                checkpoints[index] = state.snapshot()
            move = moves[index]
            posting = apply(state, move, allow, zone, resolve(move))
            postings.append(posting)
            rows.append(row_of(posting))
        return Rebuilt(state, rows, checkpoints, resume, postings)

    def install(
        self,
        moves: list[Move],
        state: StreamState,
        rows: list[Row],
        checkpoints: Checkpoints | None = None,
    ) -> None:
        """Replace the stream's content by a rebuilt one."""
        self.moves = moves
        self.times = [m.posted_at for m in moves]
        self.state = state
        self.rows = rows
        self.checkpoints = checkpoints if checkpoints is not None else {}

    def at(self, instant: dt.datetime) -> Posting | None:
        """The posting of the last move at or before ``instant`` (``None`` before the first)."""
        index = bisect.bisect_right(self.times, instant)
        return self.posting(index - 1) if index else None


class Rebuilt:
    """What :meth:`Stream.rebuild` valued: the state after every move, every row, the
    checkpoints, and the postings of the moves valued again (from index ``first`` on)."""

    __slots__ = ("checkpoints", "first", "postings", "rows", "state")

    def __init__(
        self,
        state: StreamState,
        rows: list[Row],
        checkpoints: Checkpoints,
        first: int,
        postings: list[Posting],
    ) -> None:
        self.state = state
        self.rows = rows
        self.checkpoints = checkpoints
        self.first = first
        self.postings = postings

    def posting(self, index: int) -> Posting:
        """The posting of the move at ``index`` (which must be at or after :attr:`first`)."""
        return self.postings[index - self.first]


__all__ = [
    "Checkpoints",
    "Key",
    "Rebuilt",
    "Resolver",
    "Row",
    "Stream",
    "move_key",
    "posting_of",
    "row_of",
]
