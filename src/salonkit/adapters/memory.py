"""The in-memory storage backend: for tests, demos and hosts that persist nothing.

Records are kept as their unstructured JSON documents, exactly as the SQL backend stores them,
so a record that round-trips here round-trips there. A unit of work takes the backend's lock for
its whole life (one writer at a time, like SQLite); every row it writes is noted in an undo log
is undone on rollback from an undo log of the rows it wrote.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import attrs

from salonkit.domain.events import DomainEvent
from salonkit.errors import AlreadyExists, ConcurrencyError, NotFound, StorageError
from salonkit.storage.codec import structure, unstructure
from salonkit.storage.kinds import Kind
from salonkit.storage.port import Condition, Repository, UnitOfWork
from salonkit.storage.protection import Protector, blind_columns

T = TypeVar("T")

_Table = dict[str, tuple[dict[str, Any], dict[str, Any]]]  # key -> (columns, document)


class MemoryBackend:
    """Storage in a Python dict. ``MemoryBackend()``; its URL is ``memory://``."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._tables: dict[str, _Table] = {}
        self._lock = threading.RLock()
        #: Encrypts personal fields and blinds their columns when set (see salonkit.storage.protection).
        self.protector: Protector | None = None

    def unit_of_work(
        self,
        after_commit: Callable[[list[DomainEvent]], None] | None = None,
        *,
        readonly: bool = False,
    ) -> MemoryUnitOfWork:
        """A new unit of work over this backend; a ``readonly`` one refuses every write."""
        return MemoryUnitOfWork(self, after_commit, readonly=readonly)

    def migrate(self) -> None:
        """Nothing to migrate in memory."""

    def close(self) -> None:
        """Nothing to release."""


class MemoryUnitOfWork(UnitOfWork):
    """A transaction over :class:`MemoryBackend`."""

    def __init__(
        self,
        backend: MemoryBackend,
        after_commit: Callable[[list[DomainEvent]], None] | None,
        *,
        readonly: bool = False,
    ) -> None:
        super().__init__(after_commit)
        self.readonly = readonly
        self._backend = backend
        self._undo: (
            list[tuple[_Table, str, tuple[dict[str, Any], dict[str, Any]] | None]] | None
        ) = None
        self._repos: dict[str, MemoryRepository[Any]] = {}

    def _begin(self) -> None:
        self._backend._lock.acquire()
        self._undo = []

    def _table(self, name: str) -> _Table:
        """The live table ``name``; writes go through :meth:`_write` so they can be undone."""
        if self._undo is None:
            raise StorageError("unit of work used outside its with-block")
        return self._backend._tables.setdefault(name, {})

    def _write(
        self, table: _Table, key: str, row: tuple[dict[str, Any], dict[str, Any]] | None
    ) -> None:
        """Set (or with ``None`` delete) a row, remembering the old one for rollback."""
        assert self._undo is not None
        if self.readonly:
            raise StorageError("cannot write in a read-only unit of work")
        self._undo.append((table, key, table.get(key)))
        if row is None:
            table.pop(key, None)
        else:
            table[key] = row

    def _commit(self) -> None:
        self._undo = None
        self._backend._lock.release()

    def _rollback(self) -> None:
        if self._undo is None:
            return
        for table, key, old in reversed(self._undo):
            if old is None:
                table.pop(key, None)
            else:
                table[key] = old
        self._undo = None
        self._backend._lock.release()

    def repo(self, kind: Kind[T]) -> MemoryRepository[T]:
        """The repository of ``kind`` in this transaction."""
        found = self._repos.get(kind.name)
        if found is None:
            found = self._repos[kind.name] = MemoryRepository(kind, self)
        return found

    def lock(self, scope: str) -> None:
        """Already serialised: the whole unit of work holds the backend's lock."""
        if self.readonly:
            raise StorageError("a read-only unit of work cannot take a write lock")


def _columns(kind: Kind[Any], record: object) -> dict[str, Any]:
    return {c.name: c.value(record) for c in kind.columns}


class MemoryRepository(Repository[T]):
    """Records of one kind inside a :class:`MemoryUnitOfWork`."""

    def __init__(self, kind: Kind[T], uow: MemoryUnitOfWork) -> None:
        self.kind = kind
        self._uow = uow

    @property
    def _rows(self) -> _Table:
        return self._uow._table(self.kind.name)

    def _stored(self, key: str, record: T) -> tuple[dict[str, Any], dict[str, Any]]:
        """The columns and document stored for ``record`` (sealed when a protector is set)."""
        columns, document = _columns(self.kind, record), unstructure(record)
        protector = self._uow._backend.protector
        if protector is not None:
            document = protector.seal(self._uow, self.kind, key, document)
            columns = protector.columns(self.kind, columns)
        return columns, document

    def _load(self, key: str, document: dict[str, Any]) -> T:
        protector = self._uow._backend.protector
        document = copy.deepcopy(document)
        if protector is not None:
            document = protector.open(self._uow, self.kind, key, document)
        return structure(document, self.kind.cls)

    def _check_unique(self, columns: dict[str, Any], key: str) -> None:
        for col in self.kind.columns:
            value = columns[col.name]
            if not col.unique or value is None:
                continue
            for other_key, (other_cols, _) in self._rows.items():
                if other_key != key and other_cols[col.name] == value:
                    raise AlreadyExists(self.kind.name, f"{col.name}={value!r}")

    def add(self, record: T) -> T:
        """Store a new record."""
        key = self.kind.key_of(record)
        if key in self._rows:
            raise AlreadyExists(self.kind.name, key)
        columns, document = self._stored(key, record)
        self._check_unique(columns, key)
        self._uow._write(self._rows, key, (columns, document))
        self._uow.note_change(self.kind, key, "add", None, document)
        return record

    def add_many(self, records: Sequence[T]) -> None:
        """Store many new records."""
        for record in records:
            self.add(record)

    def find(self, key: str) -> T | None:
        """The record with id ``key`` or ``None``."""
        row = self._rows.get(key)
        return None if row is None else self._load(key, row[1])

    def get(self, key: str) -> T:
        """The record with id ``key``."""
        found = self.find(key)
        if found is None:
            raise NotFound(self.kind.name, key)
        return found

    def update(self, record: T) -> T:
        """Replace a record, checking and bumping its version."""
        if self.kind.append_only:
            raise StorageError(f"{self.kind.name} is append-only: post a correcting entry instead")
        key = self.kind.key_of(record)
        row = self._rows.get(key)
        if row is None:
            raise NotFound(self.kind.name, key)
        if self.kind.versioned:
            stored = row[1].get("version")
            if stored != cast(Any, record).version:
                raise ConcurrencyError(
                    f"{self.kind.name} {key!r} changed (version {stored}, yours {cast(Any, record).version})"
                )
            record = attrs.evolve(record, version=stored + 1)  # type: ignore[misc]
        columns, document = self._stored(key, record)
        self._check_unique(columns, key)
        self._uow._write(self._rows, key, (columns, document))
        self._uow.note_change(self.kind, key, "update", row[1], document)
        return record

    def remove(self, key: str) -> None:
        """Delete a record."""
        if self.kind.append_only:
            raise StorageError(f"{self.kind.name} is append-only: records are never removed")
        if key not in self._rows:
            raise NotFound(self.kind.name, key)
        self._uow.note_change(self.kind, key, "remove", self._rows[key][1], None)
        self._uow._write(self._rows, key, None)

    def _matching(
        self, where: tuple[Condition, ...]
    ) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        for cond in where:
            self.kind.column(cond.column)  # unknown columns fail loudly, as in SQL
        protector = self._uow._backend.protector
        if protector is not None:
            blind = blind_columns(self.kind)
            where = tuple(
                attrs.evolve(
                    c,
                    value=[protector.blind(v) for v in c.value]
                    if c.op == "in"
                    else protector.blind(c.value),
                )
                if c.column in blind
                else c
                for c in where
            )
        out = []
        for key, (columns, document) in self._rows.items():
            values = {**columns, self.kind.key: key}
            if all(cond.matches(values[cond.column]) for cond in where):
                out.append((key, values, document))
        return out

    def select(
        self,
        *where: Condition,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[T]:
        """Records matching every condition."""
        rows = self._matching(where)
        if order_by is not None:
            self.kind.column(order_by)
            present = [r for r in rows if r[1][order_by] is not None]
            missing = [r for r in rows if r[1][order_by] is None]
            present.sort(key=lambda r: (r[1][order_by], r[0]), reverse=descending)
            rows = present + missing
        else:
            rows.sort(key=lambda r: r[0])
        if limit is not None:
            rows = rows[:limit]
        return [self._load(key, doc) for key, _, doc in rows]

    def count(self, *where: Condition) -> int:
        """How many records match."""
        return len(self._matching(where))
