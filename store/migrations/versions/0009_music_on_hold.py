"""music-on-hold files uploaded per team, picked per agent group

Revision ID: 0009_music_on_hold
Revises: 0008_trunk_secrets
Create Date: 2026-12-02

A new table of the teams' music files (the audio is a WAV under the music directory).
Agent groups keep their ``music_on_hold`` name: ``default`` stays call control's own
music; a name no file has yet (set before this revision, when it was ignored) plays the
default until a file of that name is uploaded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_music_on_hold"
down_revision = "0008_trunk_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "music_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("file", sa.String(length=300), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("source_bytes", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_music_files_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_music_files")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_music_files_team_id_name")),
    )


def downgrade() -> None:
    op.drop_table("music_files")
