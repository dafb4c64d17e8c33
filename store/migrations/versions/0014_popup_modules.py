"""reserved: agent groups' popup_url_template moved into business modules (issue 13)

Revision ID: 0014_popup_modules
Revises: 0013_call_history
Create Date: 2026-12-02

RESERVED: an empty step in the chain, filled by the branch it is reserved for.
"""

from __future__ import annotations

revision = "0014_popup_modules"
down_revision = "0013_call_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
