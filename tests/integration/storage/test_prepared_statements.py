"""On SQLite the repositories run their statements straight on the driver; they must behave
exactly as the same statements run through SQLAlchemy."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pendulum
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from salonkit.adapters.sql import SqlBackend
from salonkit.adapters.sql.prepared import PreparedStatement
from salonkit.domain.customer import Customer
from salonkit.errors import AlreadyExists, ConcurrencyError, NotFound
from salonkit.storage import eq, ge, in_, lt
from salonkit.storage.records import CUSTOMERS, IDEMPOTENCY, IdempotencyRecord
from salonkit.testing.storage_contract import StorageContract

T0 = pendulum.datetime(2026, 3, 29, 0, 30, tz="Europe/London")


class TestSqliteThroughSqlAlchemy(StorageContract):
    """The whole storage contract with every statement going through SQLAlchemy on SQLite."""

    @pytest.fixture
    def backend(self, sqlite_url: str) -> Iterator[SqlBackend]:
        backend = SqlBackend(sqlite_url)
        backend.direct = False
        backend.migrate()
        yield backend
        backend.close()


def _pair(tmp: Path) -> tuple[SqlBackend, SqlBackend]:
    direct = SqlBackend(f"sqlite:///{tmp / 'direct.db'}")
    through = SqlBackend(f"sqlite:///{tmp / 'through.db'}")
    through.direct = False
    for backend in (direct, through):
        backend.migrate()
    assert direct.direct and not through.direct
    return direct, through


_TABLES = ("sk_idempotency", "sk_customer")


def _dump(backend: SqlBackend, table: str) -> list[tuple[Any, ...]]:
    path = backend.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(f'SELECT * FROM {table} ORDER BY "key"').fetchall()


_op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 30), st.integers(-600, 600), st.sampled_from("abc")),
    st.tuples(st.just("rename"), st.integers(0, 30), st.text("xyz", min_size=1, max_size=3)),
    st.tuples(st.just("remove"), st.integers(0, 30)),
    st.tuples(st.just("select"), st.lists(st.integers(0, 30), max_size=22), st.integers(-600, 600)),
    st.tuples(st.just("limit"), st.integers(0, 5), st.booleans()),
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SqlBackend, SqlBackend]]:
    backends = _pair(tmp_path_factory.mktemp("prepared"))
    yield backends
    for backend in backends:
        backend.close()


@given(ops=st.lists(_op, min_size=1, max_size=25))
def test_direct_statements_match_sqlalchemy(
    pair: tuple[SqlBackend, SqlBackend], ops: list[Any]
) -> None:
    """Any sequence of writes and queries (``in`` lists short and long, datetime bounds, limits,
    ordering) gives the same answers, the same errors and the same stored rows."""
    for backend in pair:
        with backend.engine.begin() as conn:
            for table in _TABLES:
                conn.exec_driver_sql(f"DELETE FROM {table}")
    for op in ops:
        outcomes = []
        for backend in pair:
            try:
                with backend.unit_of_work() as uow:
                    outcomes.append(_apply(uow, op))
            except (AlreadyExists, ConcurrencyError, NotFound) as exc:
                outcomes.append(type(exc).__name__)
        assert outcomes[0] == outcomes[1], op
    for table in _TABLES:
        assert _dump(pair[0], table) == _dump(pair[1], table)


def _apply(uow: Any, op: tuple[Any, ...]) -> object:
    keys = uow.repo(IDEMPOTENCY)
    customers = uow.repo(CUSTOMERS)
    match op:
        case ("add", n, minutes, kind):
            keys.add(
                IdempotencyRecord(
                    key=f"k{n}",
                    fingerprint="f",
                    result_kind=kind,
                    result_id=f"r{n}",
                    created_at=T0.add(minutes=minutes),
                )
            )
            customers.add(Customer(id=f"c{n}", name=f"Name {n}", home_store_id=kind))
            return None
        case ("rename", n, name):
            found = customers.get(f"c{n}")
            return customers.update(Customer(id=found.id, name=name, version=found.version))
        case ("remove", n):
            customers.remove(f"c{n}")
            return None
        case ("select", ns, minutes):
            wanted = [f"k{n}" for n in ns]
            return (
                keys.select(in_("key", wanted), lt("created_at", T0.add(minutes=minutes))),
                keys.count(ge("created_at", T0.add(minutes=minutes))),
                customers.select(in_("id", [f"c{n}" for n in ns])),
                [keys.find(k) for k in wanted[:3]],
            )
        case ("limit", limit, descending):
            return (
                keys.select(order_by="created_at", descending=descending, limit=limit),
                customers.select(eq("home_store_id", "a"), limit=limit),
            )
    raise AssertionError(op)


def test_errors_from_the_driver_are_the_storage_errors(tmp_path: Path) -> None:
    direct, _ = _pair(tmp_path)
    with direct.unit_of_work() as uow:
        uow.repo(CUSTOMERS).add(Customer(id="c1", name="A"))
    with pytest.raises(AlreadyExists), direct.unit_of_work() as uow:
        uow.repo(CUSTOMERS).add(Customer(id="c1", name="B"))
    with pytest.raises(ConcurrencyError), direct.unit_of_work() as uow:
        uow.repo(CUSTOMERS).update(Customer(id="c1", name="C", version=7))
    with pytest.raises(NotFound), direct.unit_of_work() as uow:
        uow.repo(CUSTOMERS).remove("nobody")
    with direct.unit_of_work(readonly=True) as uow:
        assert uow.repo(CUSTOMERS).get("c1").name == "A"  # nothing half-written


def test_a_statement_expanded_at_execution_is_left_to_sqlalchemy(tmp_path: Path) -> None:
    direct, _ = _pair(tmp_path)
    table = direct.table(IDEMPOTENCY)
    dialect = direct.engine.dialect
    expanding = sa.select(table.c.key).where(table.c.key.in_(sa.bindparam("b", expanding=True)))
    assert PreparedStatement.compile(expanding, dialect) is None
    limited = sa.select(table.c.key, table.c.doc).limit(3)
    prepared = PreparedStatement.compile(limited, dialect)
    assert prepared is not None
    assert prepared.parameters({}) == (3, 0)  # LIMIT 3 OFFSET 0, carried by the statement


def test_driver_errors_are_raised_as_sqlalchemy_raises_them(tmp_path: Path) -> None:
    """Code that catches SQLAlchemy's exceptions sees the same ones on the direct path: a broken
    unique key, and a write lock that cannot be had."""
    direct, _ = _pair(tmp_path)
    table = direct.table(IDEMPOTENCY)
    insert = PreparedStatement.compile(table.insert(), direct.engine.dialect, ("key", "doc"))
    assert insert is not None
    raw = sqlite3.connect(":memory:")
    raw.execute('CREATE TABLE sk_idempotency ("key" TEXT PRIMARY KEY, doc TEXT)')
    insert.execute(raw, {"key": "k", "doc": {}})
    with pytest.raises(sa.exc.IntegrityError):
        insert.execute(raw, {"key": "k", "doc": {}})
    with pytest.raises(sa.exc.IntegrityError):
        insert.execute_many(raw, [{"key": "j", "doc": {}}, {"key": "j", "doc": {}}])

    @sa.event.listens_for(direct.engine, "connect")
    def _no_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    direct.engine.dispose()  # new connections get the listener
    holder = sqlite3.connect(direct.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"), direct.unit_of_work():
            pass
    finally:
        holder.execute("ROLLBACK")
        holder.close()
