"""stable pause-reason codes, per-group settings for agents

Revision ID: 0011_agent_settings
Revises: 0010_skills
Create Date: 2026-12-02

Reserved in the chain so parallel work can land in any order; filled by the work it names.
"""

from __future__ import annotations

revision = "0011_agent_settings"
down_revision = "0010_skills"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
