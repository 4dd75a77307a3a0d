"""Units of work and repositories over SQLAlchemy Core.

Concurrency:

- **SQLite**: every writing unit of work starts with ``BEGIN IMMEDIATE``, so writers are
  serialised by the database itself (across threads and processes); a read-only unit of work uses
  a plain deferred ``BEGIN`` and, thanks to WAL, never waits for writers.
- **PostgreSQL**: :meth:`SqlUnitOfWork.lock` takes a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``) on the scope's 64-bit hash; it is released at commit or rollback.
- Both: ``update`` is a compare-and-swap on ``version`` (``UPDATE ... WHERE version = :seen``),
  so a stale write raises :class:`~salonkit.ConcurrencyError` even without a lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import operator
import os
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import attrs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from salonkit.adapters.sql.prepared import PreparedStatement, as_sqlalchemy_error
from salonkit.adapters.sql.schema import build_metadata, table_name
from salonkit.domain.events import DomainEvent
from salonkit.errors import AlreadyExists, ConcurrencyError, NotFound, StorageError, ValidationError
from salonkit.storage.catalog import all_kinds
from salonkit.storage.codec import structure, unstructure
from salonkit.storage.kinds import Kind
from salonkit.storage.port import Condition, Repository, UnitOfWork
from salonkit.storage.protection import Protector, blind_columns

T = TypeVar("T")
log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Turn a file path or a short PostgreSQL URL into a SQLAlchemy URL.

    >>> normalise_url("postgresql://u@localhost/salons")
    'postgresql+psycopg://u@localhost/salons'
    >>> normalise_url("sqlite:///salon.db")
    'sqlite:///salon.db'
    """
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" in url:
        return url
    if not url:
        raise ValidationError("url", "a database URL or file path is required")
    return "sqlite:///" + os.path.abspath(url)


def _scope_key(scope: str) -> int:
    """A stable signed 64-bit integer for an advisory-lock scope."""
    return int.from_bytes(
        hashlib.blake2b(scope.encode(), digest_size=8).digest(), "big", signed=True
    )


class SqlBackend:
    """Storage in a SQL database through SQLAlchemy 2.

    ``SqlBackend("salon.db")`` (a SQLite file), ``SqlBackend("sqlite:///salon.db")`` or
    ``SqlBackend("postgresql+psycopg://user:pw@host/db")``. Call :meth:`migrate` once to create or
    upgrade the schema (``salonkit.Salon.open`` does).
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        sa_url = sa.engine.make_url(self.url)
        self.dialect = sa_url.get_backend_name()
        if self.dialect == "sqlite":
            self.engine = sa.create_engine(self.url, echo=echo, connect_args={"timeout": 60})
            _configure_sqlite(self.engine)
        elif self.dialect == "postgresql":
            self.engine = sa.create_engine(self.url, echo=echo, pool_pre_ping=True)
        else:
            raise ValidationError(
                "url", f"unsupported database {self.dialect!r}: use SQLite or PostgreSQL"
            )
        self.metadata = build_metadata(all_kinds())
        #: Encrypts personal fields and blinds their columns when set (see salonkit.storage.protection).
        self.protector: Protector | None = None
        #: Statements built once per kind and shape, reused with new bound values.
        self.statements: dict[tuple[Any, ...], Any] = {}
        #: Run the repositories' statements on the driver (see salonkit.adapters.sql.prepared):
        #: on SQLite, unless statements are echoed (SQLAlchemy's log would miss these).
        self.direct = self.dialect == "sqlite" and not echo
        self.prepared: dict[tuple[Any, ...], PreparedStatement | None] = {}

    def unit_of_work(
        self,
        after_commit: Callable[[list[DomainEvent]], None] | None = None,
        *,
        readonly: bool = False,
    ) -> SqlUnitOfWork:
        """A new unit of work (one database transaction)."""
        return SqlUnitOfWork(self, after_commit, readonly=readonly)

    def table(self, kind: Kind[Any]) -> sa.Table:
        """The table of ``kind``."""
        try:
            return self.metadata.tables[table_name(kind)]
        except KeyError:
            raise StorageError(
                f"no table for record kind {kind.name!r}: was its package imported before the backend was built?"
            ) from None

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration shipped with salonkit."""
        from salonkit.adapters.sql.migrate import upgrade

        with self.engine.begin() as conn:
            upgrade(conn)

    def close(self) -> None:
        """Dispose of the connection pool."""
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE for writers (SQLAlchemy's documented recipe)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let us issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # straight on the driver: nothing to convert, and SQLAlchemy's execution costs more
        statement = "BEGIN" if conn.info.get("salonkit_readonly") else "BEGIN IMMEDIATE"
        try:
            conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]
        except sqlite3.Error as error:  # e.g. "database is locked": as SQLAlchemy raises it
            raise as_sqlalchemy_error(statement, (), error, sqlite3.Error) from error


class SqlUnitOfWork(UnitOfWork):
    """One database transaction."""

    def __init__(
        self,
        backend: SqlBackend,
        after_commit: Callable[[list[DomainEvent]], None] | None,
        *,
        readonly: bool = False,
    ) -> None:
        super().__init__(after_commit)
        self.backend = backend
        self.readonly = readonly
        self._conn: Connection | None = None
        self._trans: sa.RootTransaction | None = None
        #: The driver's own connection while the transaction is open, when statements run
        #: directly on it (SQLite).
        self.driver: Any = None
        self._repos: dict[str, SqlRepository[Any]] = {}

    @property
    def connection(self) -> Connection:
        """The open connection (only inside the with-block)."""
        if self._conn is None:
            raise StorageError("unit of work used outside its with-block")
        return self._conn

    def _begin(self) -> None:
        self._conn = self.backend.engine.connect()
        if self.readonly and self.backend.dialect == "postgresql":
            # One snapshot for the whole read: reports and backups see a consistent state.
            self._conn = self._conn.execution_options(isolation_level="REPEATABLE READ")
        self._conn.info["salonkit_readonly"] = self.readonly
        self._trans = self._conn.begin()
        if self.backend.direct:
            self.driver = self._conn.connection.driver_connection

    def _end(self) -> None:
        self.driver = None
        if self._conn is not None:
            self._conn.info.pop("salonkit_readonly", None)
            self._conn.close()
        self._conn = None
        self._trans = None

    def _commit(self) -> None:
        assert self._trans is not None
        if self.readonly:
            self._trans.rollback()
        else:
            self._trans.commit()
        self._end()

    def _rollback(self) -> None:
        try:
            if self._trans is not None and self._trans.is_active:
                self._trans.rollback()
        finally:
            self._end()

    def repo(self, kind: Kind[T]) -> SqlRepository[T]:
        """The repository of ``kind`` in this transaction."""
        found = self._repos.get(kind.name)
        if found is None:
            found = self._repos[kind.name] = SqlRepository(kind, self)
        return found

    def lock(self, scope: str) -> None:
        """Serialise writers on ``scope`` until commit (advisory lock; implicit on SQLite)."""
        if self.readonly:
            raise StorageError("a read-only unit of work cannot take a write lock")
        if self.backend.dialect == "postgresql":
            self.connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_scope_key(scope))))


#: ``in`` lists up to this long are bound value by value (see :meth:`SqlRepository._bind`).
_SPREAD_IN = 16


class SqlRepository(Repository[T]):
    """Records of one kind inside a :class:`SqlUnitOfWork`."""

    def __init__(self, kind: Kind[T], uow: SqlUnitOfWork) -> None:
        self.kind = kind
        self._uow = uow
        self._table = uow.backend.table(kind)

    def _writable(self) -> Connection:
        if self._uow.readonly:
            raise StorageError("cannot write in a read-only unit of work")
        return self._uow.connection

    def _row(self, record: T) -> dict[str, Any]:
        key = self.kind.key_of(record)
        doc = unstructure(record)
        columns = {col.name: col.value(record) for col in self.kind.columns}
        protector = self._uow.backend.protector
        if protector is not None:
            doc = protector.seal(self._uow, self.kind, key, doc)
            columns = protector.columns(self.kind, columns)
        row: dict[str, Any] = {"key": key, "doc": doc, **columns}
        if self.kind.versioned:
            row["version"] = cast(Any, record).version
        return row

    def _load(self, key: str, doc: dict[str, Any]) -> T:
        protector = self._uow.backend.protector
        if protector is not None:
            doc = protector.open(self._uow, self.kind, key, doc)
        return structure(doc, self.kind.cls)

    def _guarded(self) -> contextlib.AbstractContextManager[Any]:
        """A savepoint around a write that may break a unique constraint, on PostgreSQL only:
        there a failed statement would abort the whole transaction, while SQLite undoes just the
        statement. Callers may then catch :class:`~salonkit.AlreadyExists` and carry on."""
        if self._uow.backend.dialect == "postgresql":
            return self._uow.connection.begin_nested()
        return contextlib.nullcontext()

    def add(self, record: T) -> T:
        """Store a new record."""
        row = self._row(record)
        try:
            with self._guarded():
                self._write(("insert",), self._table.insert, row)
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(self.kind.name, row["key"]) from exc
        self._uow.note_change(self.kind, row["key"], "add", None, row["doc"])
        return record

    def add_many(self, records: Sequence[T]) -> None:
        """Store many new records in one round trip."""
        if not records:
            return
        rows = [self._row(r) for r in records]
        try:
            with self._guarded():
                self._write(("insert",), self._table.insert, rows)
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(self.kind.name, "one of the records") from exc
        for row in rows:
            self._uow.note_change(self.kind, row["key"], "add", None, row["doc"])

    def _statement(self, shape: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """A statement of this kind's table built once per shape and reused (values are bound
        parameters, so only the shape matters): building SQLAlchemy expressions anew for every
        call costs more than running them on SQLite."""
        cache = self._uow.backend.statements
        key = (self.kind.name, *shape)
        found = cache.get(key)
        if found is None:
            found = cache[key] = build()
        return found

    def _prepared(
        self, shape: tuple[Any, ...], build: Callable[[], Any], columns: tuple[str, ...] | None
    ) -> PreparedStatement | None:
        """The statement of :meth:`_statement` prepared for the driver (``None`` when it must go
        through SQLAlchemy); ``columns``: the keys of a write's parameters."""
        backend = self._uow.backend
        key = (self.kind.name, *shape, columns)
        try:
            return backend.prepared[key]
        except KeyError:
            stmt = self._statement(shape, build)
            found = backend.prepared[key] = PreparedStatement.compile(
                stmt, backend.engine.dialect, columns
            )
            return found

    def _rows(
        self, shape: tuple[Any, ...], build: Callable[[], Any], params: dict[str, Any]
    ) -> list[Any]:
        """Every row of the query built by ``build`` (cached under ``shape``)."""
        driver = self._uow.driver
        if driver is not None:
            prepared = self._prepared(shape, build, None)
            if prepared is not None:
                return prepared.rows(prepared.execute(driver, params))
        return list(self._uow.connection.execute(self._statement(shape, build), params))

    def _write(
        self,
        shape: tuple[Any, ...],
        build: Callable[[], Any],
        params: dict[str, Any] | list[dict[str, Any]],
    ) -> int:
        """Run the write built by ``build`` once, or once per row of a list; rows changed."""
        conn = self._writable()
        driver = self._uow.driver
        if driver is not None:
            first = params[0] if isinstance(params, list) else params
            prepared = self._prepared(shape, build, tuple(first))
            if prepared is not None:
                if isinstance(params, list):
                    return int(prepared.execute_many(driver, params).rowcount)
                return int(prepared.execute(driver, params).rowcount)
        return int(conn.execute(self._statement(shape, build), params).rowcount)

    def _document(self, key: str) -> dict[str, Any] | None:
        rows = self._rows(
            ("find",),
            lambda: sa.select(self._table.c.doc).where(self._table.c.key == sa.bindparam("b_key")),
            {"b_key": key},
        )
        return cast("dict[str, Any]", rows[0][0]) if rows else None

    def find(self, key: str) -> T | None:
        """The record with id ``key`` or ``None``."""
        doc = self._document(key)
        return None if doc is None else self._load(key, doc)

    def get(self, key: str) -> T:
        """The record with id ``key``."""
        found = self.find(key)
        if found is None:
            raise NotFound(self.kind.name, key)
        return found

    def update(self, record: T) -> T:
        """Compare-and-swap on ``version``; returns the record with version + 1."""
        if self.kind.append_only:
            raise StorageError(f"{self.kind.name} is append-only: post a correcting entry instead")
        self._writable()
        key = self.kind.key_of(record)
        params: dict[str, Any] = {"b_key": key}
        if self.kind.versioned:
            seen = cast(Any, record).version
            params["b_version"] = seen
            record = attrs.evolve(record, version=seen + 1)  # type: ignore[misc]
        row = self._row(record)
        del row["key"]
        params.update(row)

        def build() -> Any:
            stmt = sa.update(self._table).where(self._table.c.key == sa.bindparam("b_key"))
            if self.kind.versioned:
                stmt = stmt.where(self._table.c.version == sa.bindparam("b_version"))
            return stmt

        before = self._document(key) if self._uow.track_changes else None
        try:
            with self._guarded():
                changed = self._write(("update",), build, params)
        except sa.exc.IntegrityError as exc:
            raise AlreadyExists(self.kind.name, key) from exc
        if changed == 0:
            current = self._document(key)
            if current is None:
                raise NotFound(self.kind.name, key)
            raise ConcurrencyError(
                f"{self.kind.name} {key!r} changed (version {current.get('version')}, "
                f"yours {cast(Any, record).version - 1})"
            )
        self._uow.note_change(self.kind, key, "update", before, row["doc"])
        return record

    def remove(self, key: str) -> None:
        """Delete a record."""
        if self.kind.append_only:
            raise StorageError(f"{self.kind.name} is append-only: records are never removed")
        before = self._document(key) if self._uow.track_changes else None
        changed = self._write(
            ("remove",),
            lambda: sa.delete(self._table).where(self._table.c.key == sa.bindparam("b_key")),
            {"b_key": key},
        )
        if changed == 0:
            raise NotFound(self.kind.name, key)
        self._uow.note_change(self.kind, key, "remove", before, None)

    def _bind(self, where: tuple[Condition, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The shape of the conditions (for the statement cache) and their bound values.

        A short ``in`` list is bound value by value (its length is part of the shape), so its
        statement is compiled once; a long one uses one expanding parameter.
        """
        protector = self._uow.backend.protector
        blind = blind_columns(self.kind) if protector is not None else frozenset()
        shape: list[tuple[str, str, bool, int]] = []
        params: dict[str, Any] = {}
        for n, cond in enumerate(where):
            self.kind.column(cond.column)
            value = cond.value
            if cond.column in blind:
                assert protector is not None
                value = (
                    [protector.blind(v) for v in value]
                    if cond.op == "in"
                    else protector.blind(value)
                )
            is_null = cond.op == "eq" and value is None
            spread = 0
            if cond.op == "in":
                value = list(value)
                if 0 < len(value) <= _SPREAD_IN:
                    spread = len(value)
                    params.update((f"b_{n}_{i}", v) for i, v in enumerate(value))
                else:
                    params[f"b_{n}"] = value
            elif not is_null:
                params[f"b_{n}"] = value
            shape.append((cond.column, cond.op, is_null, spread))
        return tuple(shape), params

    def _clauses(
        self, shape: tuple[tuple[str, str, bool, int], ...]
    ) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        for n, (name, op, is_null, spread) in enumerate(shape):
            column: sa.ColumnElement[Any] = self._table.c[name if name != self.kind.key else "key"]
            if is_null:
                clauses.append(column.is_(None))
            elif op == "in" and spread:
                clauses.append(
                    column.in_(
                        [sa.bindparam(f"b_{n}_{i}", type_=column.type) for i in range(spread)]
                    )
                )
            elif op == "in":
                clauses.append(column.in_(sa.bindparam(f"b_{n}", expanding=True)))
            else:
                param = sa.bindparam(f"b_{n}", type_=column.type)
                compare = {
                    "eq": operator.eq,
                    "lt": operator.lt,
                    "le": operator.le,
                    "gt": operator.gt,
                    "ge": operator.ge,
                }
                clauses.append(cast("sa.ColumnElement[bool]", compare[op](column, param)))
        return clauses

    def select(
        self,
        *where: Condition,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
    ) -> list[T]:
        """Records matching every condition."""
        shape, params = self._bind(where)
        if order_by is not None:
            self.kind.column(order_by)

        def build() -> Any:
            stmt = sa.select(self._table.c.key, self._table.c.doc).where(*self._clauses(shape))
            if order_by is not None:
                col = self._table.c[order_by if order_by != self.kind.key else "key"]
                stmt = stmt.order_by(
                    col.is_(None), col.desc() if descending else col.asc(), self._table.c.key
                )
            else:
                stmt = stmt.order_by(self._table.c.key)
            return stmt.limit(limit) if limit is not None else stmt

        rows = self._rows(("select", shape, order_by, descending, limit), build, params)
        return [self._load(key, doc) for key, doc in rows]

    def count(self, *where: Condition) -> int:
        """How many records match."""
        shape, params = self._bind(where)
        rows = self._rows(
            ("count", shape),
            lambda: (
                sa.select(sa.func.count()).select_from(self._table).where(*self._clauses(shape))
            ),
            params,
        )
        return int(rows[0][0])
