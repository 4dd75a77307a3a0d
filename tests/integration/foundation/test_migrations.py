"""The shipped Alembic migrations build exactly the schema the record kinds describe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from salonkit.adapters.sql import SqlBackend
from salonkit.adapters.sql.migrate import alembic_config, upgrade
from salonkit.adapters.sql.schema import build_metadata
from salonkit.storage.catalog import all_kinds


def _differences(url: str) -> list[object]:
    backend = SqlBackend(url)
    backend.migrate()
    try:
        with backend.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, build_metadata(all_kinds())))
    finally:
        backend.close()


def test_migrations_match_the_record_kinds_on_sqlite(sqlite_url: str) -> None:
    assert _differences(sqlite_url) == []


def test_migrations_match_the_record_kinds_on_postgresql(postgres_url: str) -> None:
    assert _differences(postgres_url) == []


def test_migrating_twice_is_harmless_and_records_the_head(sqlite_url: str) -> None:
    backend = SqlBackend(sqlite_url)
    backend.migrate()
    backend.migrate()
    with backend.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    backend.close()
    assert version.isdigit()


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_appointment_indexes_migrate_down_and_up_again(
    database: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(f"{database}_url")
    backend = SqlBackend(url)
    backend.migrate()

    def appointment_indexes() -> set[str]:
        with backend.engine.connect() as conn:
            return {i["name"] for i in sa.inspect(conn).get_indexes("sk_appointment")}

    head = appointment_indexes()
    assert "ix_sk_appointment_store_id_held_until" in head
    assert "ix_sk_appointment_status" not in head
    with backend.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
    before = appointment_indexes()
    assert "ix_sk_appointment_status" in before and len(before) == 11
    assert not before & head
    with backend.engine.begin() as conn:
        upgrade(conn)
    assert appointment_indexes() == head
    backend.close()
    assert _differences(url) == []
