"""agent skills, group required skills, penalty steps, call priorities

Revision ID: 0010_skills
Revises: 0009_music_on_hold
Create Date: 2026-12-02

Reserved in the chain so parallel work can land in any order; filled by the work it names.
"""

from __future__ import annotations

revision = "0010_skills"
down_revision = "0009_music_on_hold"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
