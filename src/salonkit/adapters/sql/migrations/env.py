"""Alembic environment: runs on the connection salonkit hands over (never opens its own)."""

from __future__ import annotations

from alembic import context

from salonkit.adapters.sql.schema import build_metadata
from salonkit.storage.catalog import all_kinds

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover
    raise RuntimeError("salonkit migrations run through salonkit.adapters.sql.migrate")

context.configure(
    connection=connection,
    target_metadata=build_metadata(all_kinds()),
    render_as_batch=True,
    compare_type=True,
    user_module_prefix="salonkit_types.",
)
with context.begin_transaction():
    context.run_migrations()
