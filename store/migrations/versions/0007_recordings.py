"""call recordings, and the agent group's always-on recording

Revision ID: 0007_recordings
Revises: 0006_audit_log
Create Date: 2026-12-02

A new table and a new group column (off for existing groups).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_recordings"
down_revision = "0006_audit_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_calls", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("paused_ms", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
        sa.UniqueConstraint("call_id", "number", name=op.f("uq_recordings_call_id_number")),
    )
    op.create_index(
        "ix_recordings_team_started", "recordings", ["team", "started_at"], unique=False
    )
    op.create_index("ix_recordings_state", "recordings", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recordings_state", table_name="recordings")
    op.drop_index("ix_recordings_team_started", table_name="recordings")
    op.drop_table("recordings")
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.drop_column("record_calls")
