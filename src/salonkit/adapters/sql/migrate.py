"""Schema migrations (Alembic), shipped inside the package.

``SqlBackend.migrate()`` calls :func:`upgrade`. Developers adding a record kind create the next
revision with ``python -m salonkit.adapters.sql.migrate revision "what changed"``, which compares
the kinds' tables with a database at the newest revision and writes the difference.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration pointing at the shipped migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind ``connection`` to ``revision`` (inside its transaction)."""
    command.upgrade(alembic_config(connection), revision)


def new_revision(message: str) -> None:
    """Autogenerate the next migration from the current record kinds (a developer tool)."""
    from salonkit.adapters.sql.backend import SqlBackend

    with tempfile.TemporaryDirectory() as tmp:
        backend = SqlBackend(str(Path(tmp) / "head.db"))
        with backend.engine.begin() as conn:
            upgrade(conn)
            number = len(list((MIGRATIONS / "versions").glob("[0-9]*.py"))) + 1
            command.revision(
                alembic_config(conn), message=message, autogenerate=True, rev_id=f"{number:04d}"
            )
        backend.close()


if __name__ == "__main__":  # pragma: no cover - developer tool
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit("usage: python -m salonkit.adapters.sql.migrate revision MESSAGE")
    new_revision(sys.argv[2])
