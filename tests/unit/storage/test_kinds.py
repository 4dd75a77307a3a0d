"""Record kinds refuse indexes over columns they do not have, and the SQL schema builds the
indexes they declare."""

from __future__ import annotations

import attrs
import pytest
import sqlalchemy as sa

from salonkit.adapters.sql.schema import build_table
from salonkit.errors import PluginError
from salonkit.storage.kinds import Column, Index, Kind


@attrs.frozen
class Visit:
    id: str
    store_id: str
    series_id: str | None = None
    version: int = 0


def test_an_index_must_name_query_columns() -> None:
    with pytest.raises(PluginError, match="'customer_id', which is not one of its query columns"):
        Kind("visit", Visit, columns=(Column("store_id", str),), indexes=(Index(("customer_id",)),))
    with pytest.raises(PluginError, match="at least one column"):
        Kind("visit", Visit, columns=(Column("store_id", str),), indexes=(Index(()),))
    with pytest.raises(PluginError, match="'store_id' is indexed already"):
        Kind("visit", Visit, columns=(Column("store_id", str),), indexes=(Index(("store_id",)),))


def test_declared_indexes_become_sql_indexes() -> None:
    kind = Kind(
        "visit",
        Visit,
        columns=(Column("store_id", str, indexed=False), Column("series_id", str, indexed=False)),
        indexes=(Index(("store_id", "id")), Index(("series_id",), sparse=True)),
    )
    table = build_table(kind, sa.MetaData())
    indexes = {i.name: i for i in table.indexes}
    assert set(indexes) == {"ix_sk_visit_store_id_id", "ix_sk_visit_series_id_set"}
    assert [c.name for c in indexes["ix_sk_visit_store_id_id"].columns] == ["store_id", "key"]
    sparse = indexes["ix_sk_visit_series_id_set"]
    ddl = str(sa.schema.CreateIndex(sparse).compile(dialect=sa.dialects.sqlite.dialect()))
    assert ddl.endswith("ON sk_visit (series_id) WHERE series_id IS NOT NULL")
