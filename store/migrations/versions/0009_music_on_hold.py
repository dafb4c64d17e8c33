"""music-on-hold files uploaded per team, picked per agent group

Revision ID: 0009_music_on_hold
Revises: 0008_trunk_secrets
Create Date: 2026-12-02

Reserved in the chain so parallel work can land in any order; filled by the work it names.
"""

from __future__ import annotations

revision = "0009_music_on_hold"
down_revision = "0008_trunk_secrets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
