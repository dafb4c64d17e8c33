"""business modules and webhook outbox

Revision ID: 0012_business_modules
Revises: 0011_agent_settings
Create Date: 2026-12-02

Generated with Alembic autogenerate, reviewed: two new tables (business modules, the webhook
outbox) and a nullable business-module reference on agent groups, DIDs and ring groups.
Groups' ``popup_url_template`` values are moved into modules by 0014.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_business_modules"
down_revision = "0011_agent_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "business_modules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("popup_url", sa.String(length=500), nullable=False),
        sa.Column("open_in", sa.String(length=8), nullable=False),
        sa.Column("webhook_url", sa.String(length=500), nullable=False),
        sa.Column("webhook_secret_encrypted", sa.String(length=512), nullable=True),
        sa.CheckConstraint(
            "open_in IN ('frame', 'tab')", name=op.f("ck_business_modules_open_in_frame_or_tab")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_business_modules_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_modules")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_business_modules_team_id_name")),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["business_modules.id"],
            name=op.f("fk_webhook_deliveries_module_id_business_modules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_webhook_deliveries_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "module_id", "event_id", name=op.f("uq_webhook_deliveries_module_id_event_id")
        ),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            "ix_webhook_deliveries_team_created", ["team_id", "created_at"], unique=False
        )

    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_module_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_agent_groups_business_module_id_business_modules"),
            "business_modules",
            ["business_module_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("dids", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_module_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_dids_business_module_id_business_modules"),
            "business_modules",
            ["business_module_id"],
            ["id"],
            ondelete="RESTRICT",
        )

    with op.batch_alter_table("ring_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("business_module_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_ring_groups_business_module_id_business_modules"),
            "business_modules",
            ["business_module_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("ring_groups", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_ring_groups_business_module_id_business_modules"), type_="foreignkey"
        )
        batch_op.drop_column("business_module_id")

    with op.batch_alter_table("dids", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_dids_business_module_id_business_modules"), type_="foreignkey"
        )
        batch_op.drop_column("business_module_id")

    with op.batch_alter_table("agent_groups", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_agent_groups_business_module_id_business_modules"), type_="foreignkey"
        )
        batch_op.drop_column("business_module_id")

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_team_created")
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    op.drop_table("business_modules")
