"""trunk passwords encrypted at rest; a trunk's carrier host and registration contact

Revision ID: 0008_trunk_secrets
Revises: 0007_recordings
Create Date: 2026-12-02

``trunks.password`` (plain text) becomes ``trunks.password_encrypted``, a Fernet token
made with the store's secret key (``store.encryption``: created on first use if none is
configured); downgrade decrypts it back. New columns: ``host`` (the carrier's SIP server
for calls and registration, for trunks without an address) and ``contact_user`` (the
random Contact user a registering trunk, one with username and password, registers).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008_trunk_secrets"
down_revision = "0007_recordings"
branch_labels = None
depends_on = None

_trunks = sa.table(
    "trunks",
    sa.column("id", sa.Integer()),
    sa.column("username", sa.String()),
    sa.column("password", sa.String()),
    sa.column("password_encrypted", sa.String()),
    sa.column("contact_user", sa.String()),
)


def upgrade() -> None:
    from store import encryption

    with op.batch_alter_table("trunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("password_encrypted", sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column("contact_user", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_trunks_contact_user"), ["contact_user"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_trunks.c.id, _trunks.c.username, _trunks.c.password).where(
            _trunks.c.password.is_not(None)
        )
    ).all()
    for trunk_id, username, password in rows:
        bind.execute(
            _trunks.update()
            .where(_trunks.c.id == trunk_id)
            .values(
                password_encrypted=encryption.encrypt(password),
                contact_user=("sbt" + secrets.token_hex(12)) if username else None,
            )
        )
    with op.batch_alter_table("trunks", schema=None) as batch_op:
        batch_op.drop_column("password")


def downgrade() -> None:
    from store import encryption

    with op.batch_alter_table("trunks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password", sa.String(length=128), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_trunks.c.id, _trunks.c.password_encrypted).where(
            _trunks.c.password_encrypted.is_not(None)
        )
    ).all()
    for trunk_id, token in rows:
        bind.execute(
            _trunks.update()
            .where(_trunks.c.id == trunk_id)
            .values(password=encryption.decrypt(token))
        )
    with op.batch_alter_table("trunks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_trunks_contact_user"), type_="unique")
        batch_op.drop_column("contact_user")
        batch_op.drop_column("password_encrypted")
        batch_op.drop_column("host")
