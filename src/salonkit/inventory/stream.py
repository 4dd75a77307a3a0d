"""The moves of one product in one store, in posting order, with their postings.

A :class:`Stream` keeps the running :class:`~salonkit.inventory.valuation.StreamState` (so
on-hand and value queries are O(1)) and, for every move, the :class:`Posting` valuation gave it
(so the balance at any past instant is a binary search away). Every
:attr:`Stream.CHECKPOINT_EVERY` moves it keeps a copy of the state, so a back-dated move is
revalued from the checkpoint just before it rather than from the first move.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from salonkit.inventory.model import LotPart, Move, Posting, ValuationMethod
from salonkit.inventory.valuation import StreamState, apply

Key = tuple[dt.datetime, int]
Resolver = Callable[[Move], Sequence[LotPart] | None]


def move_key(move: Move) -> Key:
    """Where ``move`` sorts in its stream: posting instant, then sequence number."""
    return (move.posted_at, move.seq)


Checkpoints = dict[int, StreamState]


class Stream:
    """The ledger of one (store, product): moves in posting order and their postings."""

    #: A copy of the state is kept before every this many moves.
    CHECKPOINT_EVERY = 256

    __slots__ = (
        "allow_negative",
        "checkpoints",
        "keys",
        "moves",
        "postings",
        "sku",
        "state",
        "store_id",
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
        self.keys: list[Key] = []
        self.postings: list[Posting] = []
        #: ``checkpoints[n]`` is the state after the first ``n`` moves (n a positive multiple
        #: of :attr:`CHECKPOINT_EVERY`).
        self.checkpoints: Checkpoints = {}

    @property
    def method(self) -> ValuationMethod:
        """The valuation method of this stream."""
        return self.state.method

    def is_after_last(self, key: Key) -> bool:
        """True when a move with ``key`` goes at the end (no repost needed)."""
        return not self.keys or key > self.keys[-1]

    def checkpoint(self) -> None:
        """Keep a copy of the state when the stream is at a checkpoint (call before appending)."""
        count = len(self.moves)
        if count and not count % self.CHECKPOINT_EVERY:
            self.checkpoints[count] = self.state.copy()

    def append(self, move: Move, key: Key, incoming: Sequence[LotPart] | None) -> Posting:
        """Post ``move`` at the end of the stream (the caller checked :meth:`is_after_last`)."""
        self.checkpoint()
        posting = apply(self.state, move, self.allow_negative, self.zone, incoming)
        self.moves.append(move)
        self.keys.append(key)
        self.postings.append(posting)
        return posting

    def with_inserted(self, move: Move, key: Key) -> tuple[list[Move], int]:
        """The stream's moves with ``move`` inserted in posting order, and its index."""
        index = bisect.bisect(self.keys, key)
        return [*self.moves[:index], move, *self.moves[index:]], index

    def rebuild(
        self, moves: Sequence[Move], resolve: Resolver, start: int = 0
    ) -> tuple[StreamState, list[Posting], Checkpoints]:
        """Value ``moves`` (in posting order) without changing self.

        ``moves[:start]`` must be this stream's first ``start`` moves, unchanged: valuation
        then resumes from the last checkpoint at or before ``start`` and keeps their postings.
        Raises whatever :func:`~salonkit.inventory.valuation.apply` raises (a move that can no
        longer be covered); the stream is then left as it was.
        """
        every = self.CHECKPOINT_EVERY
        resume = max((n for n in self.checkpoints if n <= start), default=0)
        checkpoints = {n: c for n, c in self.checkpoints.items() if n <= resume}
        if resume:
            state = self.checkpoints[resume].copy()
            postings = self.postings[:resume]
        else:
            state = StreamState(self.state.method)
            postings = []
        allow, zone = self.allow_negative, self.zone
        for index in range(resume, len(moves)):
            if index and not index % every and index not in checkpoints:
                checkpoints[index] = state.copy()
            move = moves[index]
            postings.append(apply(state, move, allow, zone, resolve(move)))
        return state, postings, checkpoints

    def install(
        self,
        moves: list[Move],
        state: StreamState,
        postings: list[Posting],
        checkpoints: Checkpoints | None = None,
    ) -> None:
        """Replace the stream's content by a rebuilt one."""
        self.moves = moves
        self.keys = [move_key(m) for m in moves]
        self.state = state
        self.postings = postings
        self.checkpoints = checkpoints if checkpoints is not None else {}

    def at(self, instant: dt.datetime) -> Posting | None:
        """The posting of the last move at or before ``instant`` (``None`` before the first)."""
        index = bisect.bisect(self.keys, (instant, 1 << 62))
        return self.postings[index - 1] if index else None


__all__ = ["Checkpoints", "Key", "Resolver", "Stream", "move_key"]
