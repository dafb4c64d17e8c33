"""a team's logins read name@team

Revision ID: 0005_team_logins
Revises: 0004_trunk_addresses
Create Date: 2026-12-02

Data only: a team user's login that does not end with ``@<team slug>`` gets it added
(``alice`` of team demo logs in as ``alice@demo`` from now on); should that login be
taken already, ``alice-<id>@demo``. Logins that already read so (the demo's
``admin@demo``) are unchanged. The unique constraint on ``users.login`` stays: a team's
logins end with its unique slug, so they are unique per team and system-wide alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_team_logins"
down_revision = "0004_trunk_addresses"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT users.id, users.login, teams.slug FROM users"
            " JOIN teams ON teams.id = users.team_id ORDER BY users.id"
        )
    ).all()
    taken = {login for (login,) in conn.execute(sa.text("SELECT login FROM users")).all()}
    for user_id, login, slug in rows:
        if login.endswith(f"@{slug}") and len(login) > len(slug) + 1:
            continue
        new = f"{login}@{slug}"
        if new in taken:
            new = f"{login}-{user_id}@{slug}"
        taken.add(new)
        conn.execute(
            sa.text("UPDATE users SET login = :login WHERE id = :id"), {"login": new, "id": user_id}
        )


def downgrade() -> None:
    pass  # the longer logins stay valid logins
