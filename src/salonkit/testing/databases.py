"""Throw-away databases for tests: a fresh PostgreSQL database per test, dropped afterwards."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa

from salonkit.adapters.sql import normalise_url

if TYPE_CHECKING:
    from psycopg.sql import Composed


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

    def run(statement: Composed) -> None:
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
        drop_database(run, name)
    finally:
        admin.dispose()


#: How many times a database still in use is tried again, and the pause between tries (s).
DROP_ATTEMPTS = 50
DROP_PAUSE_S = 0.2


def drop_database(run: Callable[[Composed], None], name: str) -> None:
    """Drop database ``name`` through ``run`` (which executes one statement), ending the
    sessions still connected to it.

    ``WITH (FORCE)`` ends the other sessions, but only those a role may signal: an autovacuum
    worker that has just started on the database belongs to the bootstrap superuser, and the
    test role is refused (``InsufficientPrivilege``). A plain ``DROP DATABASE`` asks autovacuum
    workers to stop and waits for them, so it is tried next, again while the database is still
    in use.
    """
    from psycopg import errors, sql

    force = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    plain = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
    for attempt in range(DROP_ATTEMPTS):
        try:
            try:
                run(force)
            except errors.InsufficientPrivilege:
                run(plain)
            return
        except errors.ObjectInUse:
            if attempt == DROP_ATTEMPTS - 1:
                raise
            time.sleep(DROP_PAUSE_S)
