"""Throw-away databases for tests: a fresh PostgreSQL database per test, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from salonkit.adapters.sql import normalise_url


@contextmanager
def fresh_postgres_database(admin_url: str, template: str | None = None) -> Iterator[str]:
    """Create a database next to ``admin_url``'s, yield its URL, drop it at the end.

    ``admin_url`` points at any database the role can connect to and has ``CREATEDB`` rights on
    (``postgresql+psycopg://salonkit:salonkit@127.0.0.1/postgres``). With ``template``, the new
    database is a copy of that one (PostgreSQL copies files: much faster than migrating again).
    """
    from psycopg import sql

    url = sa.engine.make_url(normalise_url(admin_url))
    name = f"salonkit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")

    def run(statement: sql.Composed) -> None:
        # Database names cannot be bound parameters: psycopg quotes the identifier.
        with admin.connect() as conn:
            conn.connection.driver_connection.execute(statement)  # type: ignore[union-attr]

    try:
        if template is None:
            run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            run(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        yield url.set(database=name).render_as_string(hide_password=False)
        run(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.dispose()
