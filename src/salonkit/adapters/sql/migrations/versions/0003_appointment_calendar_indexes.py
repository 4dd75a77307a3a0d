"""appointment indexes for the calendar queries

Every booking wrote eleven single-column indexes of the appointment table; the calendar queries
need four composite ones and two over the few appointments of a visit or a series. Idempotency
keys lose the index on their result kind, which nothing queries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 21:26:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "sk_appointment"
SINGLE = (
    "customer_id",
    "ends_at",
    "held_from",
    "held_until",
    "series_id",
    "service_id",
    "staff_id",
    "starts_at",
    "status",
    "store_id",
    "visit_id",
)
COMPOSITE = (
    ("customer_id", "starts_at"),
    ("staff_id", "starts_at"),
    ("store_id", "held_until"),
    ("store_id", "starts_at"),
)
SPARSE = ("series_id", "visit_id")


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch_op:
        for column in SINGLE:
            batch_op.drop_index(f"ix_{TABLE}_{column}")
        for columns in COMPOSITE:
            batch_op.create_index(f"ix_{TABLE}_{'_'.join(columns)}", list(columns))
        for column in SPARSE:
            where = sa.text(f"{column} IS NOT NULL")
            batch_op.create_index(
                f"ix_{TABLE}_{column}_set", [column], sqlite_where=where, postgresql_where=where
            )
    with op.batch_alter_table("sk_idempotency") as batch_op:
        batch_op.drop_index("ix_sk_idempotency_result_kind")


def downgrade() -> None:
    with op.batch_alter_table("sk_idempotency") as batch_op:
        batch_op.create_index("ix_sk_idempotency_result_kind", ["result_kind"])
    with op.batch_alter_table(TABLE) as batch_op:
        for column in SPARSE:
            batch_op.drop_index(f"ix_{TABLE}_{column}_set")
        for columns in COMPOSITE:
            batch_op.drop_index(f"ix_{TABLE}_{'_'.join(columns)}")
        for column in SINGLE:
            batch_op.create_index(f"ix_{TABLE}_{column}", [column])
