"""The SQLAlchemy 2 storage backend: SQLite (embedded default) and PostgreSQL (psycopg 3)."""

from salonkit.adapters.sql.backend import SqlBackend, normalise_url

__all__ = ["SqlBackend", "normalise_url"]
