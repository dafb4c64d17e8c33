"""reserved: fault tolerance (issue 15)

Revision ID: 0015_faults
Revises: 0014_popup_modules
Create Date: 2026-12-02

RESERVED: an empty step in the chain, filled by the branch it is reserved for.
"""

from __future__ import annotations

revision = "0015_faults"
down_revision = "0014_popup_modules"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
