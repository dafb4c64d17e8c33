"""trunk credentials, codecs and passwords encrypted at rest

Revision ID: 0008_trunk_secrets
Revises: 0007_recordings
Create Date: 2026-12-02

Reserved in the chain so parallel work can land in any order; filled by the work it names.
"""

from __future__ import annotations

revision = "0008_trunk_secrets"
down_revision = "0007_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
