"""reserved: metric settings -- team time zone, short-abandon and service-level thresholds (issue 14)

Revision ID: 0016_metric_settings
Revises: 0015_faults
Create Date: 2026-12-02

RESERVED: an empty step in the chain, filled by the branch it is reserved for.
"""

from __future__ import annotations

revision = "0016_metric_settings"
down_revision = "0015_faults"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
