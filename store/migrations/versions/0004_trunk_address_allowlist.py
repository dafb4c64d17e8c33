"""per-team allowed trunk source addresses

Revision ID: 0004_trunk_addresses
Revises: 0003_announcements
Create Date: 2026-12-02

A new table ``team_trunk_addresses`` (team, address or CIDR network). Existing trunks'
addresses are allowed for their teams, so an upgrade changes no working configuration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_trunk_addresses"
down_revision = "0003_announcements"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_trunk_addresses",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_trunk_addresses_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "network", name=op.f("pk_team_trunk_addresses")),
    )
    op.execute(
        "INSERT INTO team_trunk_addresses (team_id, network) "
        "SELECT DISTINCT team_id, address FROM trunks WHERE address IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table("team_trunk_addresses")
