"""Repository and unit-of-work interfaces every storage backend implements.

A use case runs inside one :class:`UnitOfWork`: everything it writes commits together or not at
all, and the domain events it emitted are delivered only after the commit.

>>> from salonkit.storage import eq, ge
>>> eq("store_id", "flagship")
Condition(column='store_id', op='eq', value='flagship')
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

import attrs

from salonkit.domain.actor import SYSTEM, Actor
from salonkit.domain.events import DomainEvent
from salonkit.errors import StorageError
from salonkit.storage.kinds import Kind
from salonkit.storage.reference import REFERENCE_STAMPS, bump_reference_stamp

T = TypeVar("T")
log = logging.getLogger(__name__)

_MAX_HANDLER_ROUNDS = 10

Op = Literal["eq", "lt", "le", "gt", "ge", "in"]


@attrs.frozen
class Condition:
    """A filter on a query column: ``column op value``. Build with :func:`eq`, :func:`lt`..."""

    column: str
    op: Op
    value: Any

    def matches(self, actual: Any) -> bool:
        """Evaluate the condition in Python (the memory backend and tests use this)."""
        if self.op == "in":
            return actual in self.value
        if self.op == "eq":
            return bool(actual == self.value)
        if actual is None:
            return False
        if self.op == "lt":
            return bool(actual < self.value)
        if self.op == "le":
            return bool(actual <= self.value)
        if self.op == "gt":
            return bool(actual > self.value)
        return bool(actual >= self.value)


def eq(column: str, value: Any) -> Condition:
    """``column == value``."""
    return Condition(column, "eq", value)


def lt(column: str, value: Any) -> Condition:
    """``column < value``."""
    return Condition(column, "lt", value)


def le(column: str, value: Any) -> Condition:
    """``column <= value``."""
    return Condition(column, "le", value)


def gt(column: str, value: Any) -> Condition:
    """``column > value``."""
    return Condition(column, "gt", value)


def ge(column: str, value: Any) -> Condition:
    """``column >= value``."""
    return Condition(column, "ge", value)


def in_(column: str, values: Iterable[Any]) -> Condition:
    """``column IN values``."""
    return Condition(column, "in", tuple(values))


@attrs.frozen
class Change:
    """One write seen by a unit of work that tracks changes: the record before and after it.

    ``op`` is ``"add"``, ``"update"`` or ``"remove"``; ``before``/``after`` are the stored
    documents (``None`` where there is none).
    """

    kind: str
    key: str
    op: Literal["add", "update", "remove"]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class Repository(Protocol[T]):
    """Stored records of one :class:`~salonkit.storage.Kind`, seen through a unit of work."""

    kind: Kind[T]

    def add(self, record: T) -> T:
        """Store a new record; :class:`~salonkit.AlreadyExists` if its id (or a unique column) is taken."""
        ...

    def add_many(self, records: Sequence[T]) -> None:
        """Store many new records at once (ledger postings, imports)."""
        ...

    def get(self, key: str) -> T:
        """The record with id ``key``; :class:`~salonkit.NotFound` if there is none."""
        ...

    def find(self, key: str) -> T | None:
        """The record with id ``key``, or ``None``."""
        ...

    def update(self, record: T) -> T:
        """Replace a record whose ``version`` matches the stored one; returns it with version + 1.

        Raises :class:`~salonkit.ConcurrencyError` when the stored version differs (someone else
        changed it first) and :class:`~salonkit.StorageError` on an append-only kind.
        """
        ...

    def remove(self, key: str) -> None:
        """Delete a record (never allowed on an append-only kind)."""
        ...

    def select(
        self,
        *where: Condition,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[T]:
        """Records matching every condition, optionally ordered by a column and limited."""
        ...

    def count(self, *where: Condition) -> int:
        """How many records match every condition."""
        ...


class UnitOfWork(abc.ABC):
    """One transaction. Use as a context manager: commit on success, roll back on any exception.

    Domain events passed to :meth:`emit` are handed to ``after_commit`` once the commit succeeded.
    Callables in :attr:`before_commit` run inside the transaction, just before it commits, with the
    unit of work and the events emitted so far: what they write (an outbox message, an audit entry)
    commits or rolls back together with the change that caused it. They may emit more events.
    """

    def __init__(self, after_commit: Callable[[list[DomainEvent]], None] | None = None) -> None:
        self._after_commit = after_commit
        self._events: list[DomainEvent] = []
        self._active = False
        self.before_commit: list[Callable[[UnitOfWork, list[DomainEvent]], None]] = []
        #: Set by whoever needs :attr:`changes` (the audit log); off by default because reading
        #: the "before" document costs a query on SQL backends.
        self.track_changes = False
        self.changes: list[Change] = []
        #: Who this transaction runs for; set by :meth:`salonkit.Context.unit_of_work`.
        self.actor: Actor = SYSTEM
        #: True once a record of a ``cacheable`` kind was written: the reference stamp is then
        #: bumped as the transaction commits (see :mod:`salonkit.storage.reference`).
        self.wrote_cacheable = False
        self._wrote_stamp = False

    def __enter__(self) -> Self:
        self._begin()
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._active = False
        if exc_type is not None:
            self._events.clear()
            self._rollback()
            return
        try:
            self._run_before_commit()
            if self.wrote_cacheable and not self._wrote_stamp:  # a restore sets it itself
                bump_reference_stamp(self)
            self._commit()
        except BaseException:
            self._events.clear()
            self._rollback()
            raise
        events, self._events = self._events, []
        if events and self._after_commit is not None:
            self._after_commit(events)

    def note_change(
        self,
        kind: Kind[Any],
        key: str,
        op: Literal["add", "update", "remove"],
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """Called by repositories on every write; kept when :attr:`track_changes` is on."""
        if kind.cacheable:
            self.wrote_cacheable = True
        elif kind is REFERENCE_STAMPS:
            self._wrote_stamp = True
        if self.track_changes and kind.audited:
            self.changes.append(Change(kind.name, key, op, before, after))

    def _run_before_commit(self) -> None:
        """Run the before-commit handlers once if anything was written or emitted, then again for
        each new batch of events they emit, until none are added."""
        seen = 0
        for round_number in range(_MAX_HANDLER_ROUNDS):
            batch = self._events[seen:]
            if not self.before_commit or (not batch and (round_number or not self.changes)):
                return
            seen = len(self._events)
            for handler in self.before_commit:
                handler(self, batch)
        raise StorageError("before-commit handlers kept emitting events; is there a cycle?")

    def emit(self, event: DomainEvent) -> None:
        """Queue a domain event for delivery after commit."""
        self._events.append(event)

    @property
    def pending_events(self) -> tuple[DomainEvent, ...]:
        """Events emitted so far in this transaction."""
        return tuple(self._events)

    @abc.abstractmethod
    def repo(self, kind: Kind[T]) -> Repository[T]:
        """The repository of ``kind`` inside this transaction."""

    @abc.abstractmethod
    def lock(self, scope: str) -> None:
        """Serialise writers on ``scope`` (e.g. ``"calendar:flagship"``) until this transaction ends.

        Two units of work that lock the same scope never run their critical sections at the same
        time, across threads and processes: this is what makes check-then-write safe.
        """

    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def _rollback(self) -> None: ...


class Backend(Protocol):
    """A storage backend: makes units of work over one database."""

    url: str

    def unit_of_work(
        self,
        after_commit: Callable[[list[DomainEvent]], None] | None = None,
        *,
        readonly: bool = False,
    ) -> UnitOfWork:
        """A new, not yet started, unit of work.

        A ``readonly`` one promises not to write: backends may then run it without taking the
        write lock (SQLite) so readers never wait for writers.
        """
        ...

    def migrate(self) -> None:
        """Bring the schema up to date (create it on a new database)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
