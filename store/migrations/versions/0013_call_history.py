"""reserved: a record of every call, metrics history, team time zone (issue 14)

Revision ID: 0013_call_history
Revises: 0012_business_modules
Create Date: 2026-12-02

RESERVED: an empty step in the chain, filled by the branch it is reserved for.
"""

from __future__ import annotations

revision = "0013_call_history"
down_revision = "0012_business_modules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
