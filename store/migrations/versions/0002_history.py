"""call records and agent activity

Revision ID: 0002_history
Revises: 0001
Create Date: 2026-11-25

Generated with Alembic autogenerate (store.migrate.alembic_config), reviewed: three new
tables, no change to existing ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_history"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=False),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("pause_reason", sa.String(length=64), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_activity")),
    )
    with op.batch_alter_table("agent_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_activity_team_agent_at", ["team", "agent", "at"], unique=False
        )

    op.create_table(
        "call_leg_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("leg_call_id", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ring_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_leg_records")),
    )
    with op.batch_alter_table("call_leg_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_leg_records_call_id"), ["call_id"], unique=False)

    op.create_table(
        "call_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("node", sa.String(length=64), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("caller", sa.String(length=64), nullable=False),
        sa.Column("dialed", sa.String(length=64), nullable=False),
        sa.Column("agent", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wait_ms", sa.Integer(), nullable=False),
        sa.Column("ring_ms", sa.Integer(), nullable=False),
        sa.Column("talk_ms", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("end_reason", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_records")),
        sa.UniqueConstraint("call_id", name=op.f("uq_call_records_call_id")),
    )
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.create_index("ix_call_records_team_started", ["team", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_records", schema=None) as batch_op:
        batch_op.drop_index("ix_call_records_team_started")

    op.drop_table("call_records")
    with op.batch_alter_table("call_leg_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_leg_records_call_id"))

    op.drop_table("call_leg_records")
    with op.batch_alter_table("agent_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_activity_team_agent_at")

    op.drop_table("agent_activity")
