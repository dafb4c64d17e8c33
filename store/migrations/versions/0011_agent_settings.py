"""stable pause-reason codes (keyed after *65); agent groups announce the agent number
and may ask agents to press 1 to take a call

Revision ID: 0011_agent_settings
Revises: 0010_skills
Create Date: 2026-12-02

Each pause reason gets a code unique in its team. Existing reasons get the codes *65 used
for them until now -- their position in the team's list by name -- so no agent's habit
changes with the upgrade; from then on a code never moves when reasons are added.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_agent_settings"
down_revision = "0010_skills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pause_reasons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.Integer(), nullable=True))
    reasons = sa.table(
        "pause_reasons",
        sa.column("id", sa.Integer),
        sa.column("team_id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("code", sa.Integer),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(reasons.c.id, reasons.c.team_id).order_by(reasons.c.team_id, reasons.c.name)
    ).all()
    position: dict[int, int] = {}
    for reason_id, team_id in rows:
        position[team_id] = position.get(team_id, 0) + 1
        connection.execute(
            reasons.update().where(reasons.c.id == reason_id).values(code=position[team_id])
        )
    with op.batch_alter_table("pause_reasons", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_pause_reasons_team_id_code", ["team_id", "code"])
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        for column in ("announce_agent", "confirm_answer"):  # off for existing groups
            batch_op.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )


def downgrade() -> None:
    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.drop_column("confirm_answer")
        batch_op.drop_column("announce_agent")
    with op.batch_alter_table("pause_reasons", schema=None) as batch_op:
        batch_op.drop_constraint("uq_pause_reasons_team_id_code", type_="unique")
        batch_op.drop_column("code")
