"""agent skills, group required skills, penalty steps, call priorities

Revision ID: 0010_skills
Revises: 0009_music_on_hold
Create Date: 2026-12-02

Skills routing in the store: an agent's skills with levels, a membership's penalty, a
group's required skills, max penalty and relaxation steps; a DID's priority and a
team's caller priorities (number prefixes). Existing rows get no skills, penalty 0,
priority 0: calls are routed as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_skills"
down_revision = "0009_music_on_hold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skills", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("agent_group_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("penalty", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("required_skills", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.add_column(
            sa.Column("max_penalty", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("penalty_steps", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("dids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "caller_priorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_caller_priorities_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_caller_priorities")),
        sa.UniqueConstraint("team_id", "prefix", name=op.f("uq_caller_priorities_team_id_prefix")),
    )


def downgrade() -> None:
    op.drop_table("caller_priorities")
    with op.batch_alter_table("dids", schema=None) as batch_op:
        batch_op.drop_column("priority")
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.drop_column("penalty_steps")
        batch_op.drop_column("max_penalty")
        batch_op.drop_column("required_skills")
    with op.batch_alter_table("agent_group_members", schema=None) as batch_op:
        batch_op.drop_column("penalty")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("skills")
