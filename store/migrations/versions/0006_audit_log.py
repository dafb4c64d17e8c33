"""audit log of administrators' changes

Revision ID: 0006_audit_log
Revises: 0005_team_logins
Create Date: 2026-12-02

A new table, no change to existing ones.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_log"
down_revision = "0005_team_logins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column("principal", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("object", sa.String(length=300), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_team_id", "audit_log", ["team", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_team_id", table_name="audit_log")
    op.drop_table("audit_log")
