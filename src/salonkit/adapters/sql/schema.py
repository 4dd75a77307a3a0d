"""Tables built from the record kinds: one table per kind, a JSON document plus query columns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pendulum
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from salonkit.storage.codec import utc_wall
from salonkit.storage.kinds import Column, Kind

TABLE_PREFIX = "sk_"


class UtcDateTime(sa.TypeDecorator[dt.datetime]):
    """Aware datetimes stored as UTC: ``timestamptz`` on PostgreSQL, ISO text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        """To the database: UTC, and naive on SQLite (which has no zone type)."""
        if value is None:
            return None
        utc = utc_wall(value)  # plain arithmetic: pendulum's conversion costs more than the insert
        if dialect.name == "sqlite":
            return utc
        return utc.replace(tzinfo=dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: sa.Dialect
    ) -> dt.datetime | None:
        """From the database: an aware UTC :class:`pendulum.DateTime`."""
        if value is None:
            return None
        if value.tzinfo is None:
            return pendulum.instance(value.replace(tzinfo=dt.UTC))
        return pendulum.instance(value).in_timezone("UTC")


DOCUMENT = sa.JSON().with_variant(JSONB(), "postgresql")

_TYPES: dict[type, Any] = {
    str: sa.String(255),
    int: sa.BigInteger(),
    bool: sa.Boolean(),
    dt.datetime: UtcDateTime(),
    dt.date: sa.Date(),
}


def table_name(kind: Kind[Any]) -> str:
    """The SQL table of ``kind``."""
    return TABLE_PREFIX + kind.name


def _column(col: Column) -> sa.Column[Any]:
    return sa.Column(
        col.name,
        _TYPES[col.type],
        nullable=True,
        index=col.indexed and not col.unique,
        unique=col.unique or None,
    )


def build_table(kind: Kind[Any], metadata: sa.MetaData) -> sa.Table:
    """The table for ``kind`` on ``metadata``: key, version (if versioned), document, columns,
    and the kind's indexes over several columns (a sparse one only where its first column is
    set)."""
    columns: list[sa.Column[Any]] = [sa.Column("key", sa.String(255), primary_key=True)]
    if kind.versioned:
        columns.append(sa.Column("version", sa.Integer(), nullable=False))
    columns.append(sa.Column("doc", DOCUMENT, nullable=False))
    columns.extend(_column(c) for c in kind.columns)
    table = sa.Table(table_name(kind), metadata, *columns)
    for index in kind.indexes:
        cols = [table.c[name if name != kind.key else "key"] for name in index.columns]
        where = cols[0].is_not(None) if index.sparse else None
        sa.Index(
            f"ix_{table.name}_{'_'.join(index.columns)}" + ("_set" if index.sparse else ""),
            *cols,
            sqlite_where=where,
            postgresql_where=where,
        )
    return table


def build_metadata(kinds: Iterable[Kind[Any]]) -> sa.MetaData:
    """A fresh MetaData holding one table per kind."""
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    for kind in kinds:
        build_table(kind, metadata)
    return metadata
