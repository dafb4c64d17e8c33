"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The team's default trunk (group) references tables created after it: those two
foreign keys are added at the end, in batch mode so SQLite gets them too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisioning_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisioning_state")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_trunk_id", sa.Integer(), nullable=True),
        sa.Column("default_trunk_group_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("slug", name=op.f("uq_teams_slug")),
    )
    op.create_table(
        "agent_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("strategy", sa.String(length=32), nullable=False),
        sa.Column("ring_timeout_s", sa.Integer(), nullable=False),
        sa.Column("max_wait_s", sa.Integer(), nullable=False),
        sa.Column("overflow_kind", sa.String(length=16), nullable=False),
        sa.Column("overflow_ref", sa.String(length=64), nullable=False),
        sa.Column("acw_mode", sa.String(length=16), nullable=False),
        sa.Column("acw_seconds", sa.Integer(), nullable=False),
        sa.Column("allowed_working_ways", sa.String(length=64), nullable=False),
        sa.Column("music_on_hold", sa.String(length=128), nullable=False),
        sa.Column("popup_url_template", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_agent_groups_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_groups")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_agent_groups_team_id_name")),
    )
    op.create_table(
        "dids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("dest_kind", sa.String(length=16), nullable=False),
        sa.Column("dest_ref", sa.String(length=64), nullable=False),
        sa.Column("failover_kind", sa.String(length=16), nullable=False),
        sa.Column("failover_ref", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_dids_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dids")),
        sa.UniqueConstraint("number", name=op.f("uq_dids_number")),
    )
    op.create_table(
        "pause_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_pause_reasons_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause_reasons")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_pause_reasons_team_id_name")),
    )
    op.create_table(
        "ring_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("strategy", sa.String(length=16), nullable=False),
        sa.Column("ring_timeout_s", sa.Integer(), nullable=False),
        sa.Column("failover_kind", sa.String(length=16), nullable=False),
        sa.Column("failover_ref", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_ring_groups_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ring_groups")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_ring_groups_team_id_number")),
    )
    op.create_table(
        "trunk_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_trunk_groups_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunk_groups")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_trunk_groups_team_id_name")),
    )
    op.create_table(
        "trunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("password", sa.String(length=128), nullable=True),
        sa.Column("codecs", sa.String(length=128), nullable=False),
        sa.Column("caller_id", sa.String(length=32), nullable=True),
        sa.Column("strip_digits", sa.Integer(), nullable=False),
        sa.Column("add_prefix", sa.String(length=16), nullable=False),
        sa.Column("max_calls", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "address IS NOT NULL OR username IS NOT NULL",
            name=op.f("ck_trunks_identified_by_address_or_login"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_trunks_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trunks")),
        sa.UniqueConstraint("address", name=op.f("uq_trunks_address")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_trunks_team_id_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "agent_group_admins",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("can_monitor", sa.Boolean(), nullable=False),
        sa.Column("can_barge", sa.Boolean(), nullable=False),
        sa.Column("can_whisper", sa.Boolean(), nullable=False),
        sa.Column("can_record", sa.Boolean(), nullable=False),
        sa.Column("can_import", sa.Boolean(), nullable=False),
        sa.Column("can_export", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["agent_groups.id"],
            name=op.f("fk_agent_group_admins_group_id_agent_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_agent_group_admins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_agent_group_admins")),
    )
    op.create_table(
        "agent_group_pause_reasons",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("pause_reason_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["agent_groups.id"],
            name=op.f("fk_agent_group_pause_reasons_group_id_agent_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pause_reason_id"],
            ["pause_reasons.id"],
            name=op.f("fk_agent_group_pause_reasons_pause_reason_id_pause_reasons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "group_id", "pause_reason_id", name=op.f("pk_agent_group_pause_reasons")
        ),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("sip_ha1", sa.String(length=32), nullable=True),
        sa.Column("phone_number", sa.String(length=32), nullable=True),
        sa.Column("agent_mode", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(kind = 'sip' AND sip_ha1 IS NOT NULL) OR (kind = 'phone' AND phone_number IS NOT NULL)",
            name=op.f("ck_extensions_sip_has_secret_phone_has_number"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_extensions_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_extensions_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_extensions_team_id_number")),
    )
    op.create_table(
        "trunk_group_members",
        sa.Column("trunk_group_id", sa.Integer(), nullable=False),
        sa.Column("trunk_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["trunk_group_id"],
            ["trunk_groups.id"],
            name=op.f("fk_trunk_group_members_trunk_group_id_trunk_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trunk_id"],
            ["trunks.id"],
            name=op.f("fk_trunk_group_members_trunk_id_trunks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("trunk_group_id", "trunk_id", name=op.f("pk_trunk_group_members")),
    )
    op.create_table(
        "user_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("trunk_id", sa.Integer(), nullable=True),
        sa.Column("trunk_group_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_user_groups_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["trunk_group_id"],
            ["trunk_groups.id"],
            name=op.f("fk_user_groups_trunk_group_id_trunk_groups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trunk_id"],
            ["trunks.id"],
            name=op.f("fk_user_groups_trunk_id_trunks"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_groups")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_user_groups_team_id_name")),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("binding", sa.String(length=16), nullable=False),
        sa.Column("working_way", sa.String(length=16), nullable=False),
        sa.Column("extension_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["extension_id"],
            ["extensions.id"],
            name=op.f("fk_agents_extension_id_extensions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_agents_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agents_user_id_users"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("extension_id", name=op.f("uq_agents_extension_id")),
        sa.UniqueConstraint("team_id", "number", name=op.f("uq_agents_team_id_number")),
    )
    op.create_table(
        "ring_group_members",
        sa.Column("ring_group_id", sa.Integer(), nullable=False),
        sa.Column("extension_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["extension_id"],
            ["extensions.id"],
            name=op.f("fk_ring_group_members_extension_id_extensions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ring_group_id"],
            ["ring_groups.id"],
            name=op.f("fk_ring_group_members_ring_group_id_ring_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "ring_group_id", "extension_id", name=op.f("pk_ring_group_members")
        ),
    )
    op.create_table(
        "user_group_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_group_id"],
            ["user_groups.id"],
            name=op.f("fk_user_group_members_user_group_id_user_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_group_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "user_group_id", name=op.f("pk_user_group_members")),
    )
    op.create_table(
        "agent_group_members",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_group_members_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["agent_groups.id"],
            name=op.f("fk_agent_group_members_group_id_agent_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "group_id", name=op.f("pk_agent_group_members")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_api_tokens_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_api_tokens_team_id_teams"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )

    with op.batch_alter_table("teams") as batch:
        batch.create_foreign_key(
            op.f("fk_teams_default_trunk_id_trunks"),
            "trunks",
            ["default_trunk_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            op.f("fk_teams_default_trunk_group_id_trunk_groups"),
            "trunk_groups",
            ["default_trunk_group_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("teams") as batch:
        batch.drop_constraint(op.f("fk_teams_default_trunk_id_trunks"), type_="foreignkey")
        batch.drop_constraint(
            op.f("fk_teams_default_trunk_group_id_trunk_groups"), type_="foreignkey"
        )
    op.drop_table("api_tokens")
    op.drop_table("agent_group_members")
    op.drop_table("user_group_members")
    op.drop_table("ring_group_members")
    op.drop_table("agents")
    op.drop_table("user_groups")
    op.drop_table("trunk_group_members")
    op.drop_table("extensions")
    op.drop_table("agent_group_pause_reasons")
    op.drop_table("agent_group_admins")
    op.drop_table("users")
    op.drop_table("trunks")
    op.drop_table("trunk_groups")
    op.drop_table("ring_groups")
    op.drop_table("pause_reasons")
    op.drop_table("dids")
    op.drop_table("agent_groups")
    op.drop_table("teams")
    op.drop_table("provisioning_state")
