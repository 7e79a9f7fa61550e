"""Security: key check, key ids, audit anchors, encrypted documents (issue 9)

- ``key_checks``: the key id and check value of the field key, the audit key and
  the (wrapped) document key; filled by ``init`` or, for a cooperative initialised
  before this revision, by the one-time ``coopctl security upgrade``.
- ``audit_log.alg``: how a row's hash was made; existing rows are ``sha256``
  (legacy, plain hash), new rows ``hmac1`` (keyed).
- ``member_documents.address`` / ``key_id``: the keyed content address and the
  document key id of an encrypted stored file (NULL: a legacy plain file, until
  ``coopctl security encrypt-documents`` converts it).

Adding columns fires no trigger, so the audit log's append-only triggers stay.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("check_value", sa.String(length=64), nullable=False),
        sa.Column("wrapped", sa.Text(), nullable=True),
        sa.Column("set_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_key_checks")),
    )
    # plain ADD COLUMN (no table rebuild on SQLite: the audit rows are never copied)
    op.add_column(
        "audit_log",
        sa.Column("alg", sa.String(length=8), server_default="sha256", nullable=False),
    )
    op.add_column("audit_log", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.add_column("member_documents", sa.Column("address", sa.String(length=64), nullable=True))
    op.add_column("member_documents", sa.Column("key_id", sa.String(length=32), nullable=True))
    op.create_index(
        op.f("ix_member_documents_address"), "member_documents", ["address"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_member_documents_address"), table_name="member_documents")
    with op.batch_alter_table("member_documents", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("address")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite >= 3.35 drops a column in place (no rebuild, so no row is rewritten)
        op.execute("ALTER TABLE audit_log DROP COLUMN seq")
        op.execute("ALTER TABLE audit_log DROP COLUMN alg")
    else:
        op.drop_column("audit_log", "seq")
        op.drop_column("audit_log", "alg")
    op.drop_table("key_checks")
