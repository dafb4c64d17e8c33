"""queue announcements: position and expected wait, per agent group

Revision ID: 0003_announcements
Revises: 0002_history
Create Date: 2026-11-25

Three columns on agent_groups. Existing rows get server defaults (announcements off,
every 30 s) so the NOT NULL columns can be added to a filled table on SQLite (batch
copy) and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_announcements"
down_revision = "0002_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("announce_position", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("announce_wait", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("announce_every_s", sa.Integer(), nullable=False, server_default="30")
        )


def downgrade() -> None:
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.drop_column("announce_every_s")
        batch_op.drop_column("announce_wait")
        batch_op.drop_column("announce_position")
