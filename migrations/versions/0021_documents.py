"""Documents beyond KYC and loan agreements (issue 15)

One document store: ``documents`` holds every document, attached to a member, a
loan, a journal entry or the cooperative (``general``). The rows of
``member_documents`` move into it with their ids (audit rows name them), as
owner_type 'member' with an empty title; ``added_on`` of a moved row is the UTC
date it was uploaded. The stored files do not move (the store is content-addressed).

Downgrade moves member documents back; documents of loans, entries and the
cooperative have no place in the older schema and are dropped (their files stay
in the store).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import coopctl.core.db  # noqa: F401

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_COMMON = "kind, version, sha256, size, mime, original_name, uploaded_by, uploaded_at, address, key_id"


# A filed document's identity and content never change: a correction is a new version.
# Only the storage columns (address, key_id: `security encrypt-documents`) may be set.
_FIXED = "owner_type, owner_key, member_id, loan_id, entry_id, kind, title, version, sha256, size"
_MESSAGE = "a filed document's owner, kind, title, version and content never change"
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER documents_identity_fixed BEFORE UPDATE OF {_FIXED} ON documents
    WHEN (NEW.owner_type, NEW.owner_key, NEW.kind, NEW.title, NEW.version, NEW.sha256,
          NEW.size) IS NOT (OLD.owner_type, OLD.owner_key, OLD.kind, OLD.title, OLD.version,
          OLD.sha256, OLD.size)
      OR NEW.member_id IS NOT OLD.member_id OR NEW.loan_id IS NOT OLD.loan_id
      OR NEW.entry_id IS NOT OLD.entry_id
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE.replace("'", "''")}'); END""",
]
PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION coopctl_documents_guard() RETURNS trigger AS $$
    BEGIN
      IF (NEW.owner_type, NEW.owner_key, NEW.member_id, NEW.loan_id, NEW.entry_id, NEW.kind,
          NEW.title, NEW.version, NEW.sha256, NEW.size)
         IS DISTINCT FROM
         (OLD.owner_type, OLD.owner_key, OLD.member_id, OLD.loan_id, OLD.entry_id, OLD.kind,
          OLD.title, OLD.version, OLD.sha256, OLD.size) THEN
        RAISE EXCEPTION '{_MESSAGE.replace("'", "''")}';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER documents_identity_fixed BEFORE UPDATE ON documents
    FOR EACH ROW EXECUTE FUNCTION coopctl_documents_guard()""",
]


def _bump_sequence(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        )


def upgrade() -> None:
    # fmt: off
    op.create_table('documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('owner_type', sa.String(length=10), nullable=False),
    sa.Column('owner_key', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('key_id', sa.String(length=32), nullable=True),
    sa.CheckConstraint("(owner_type = 'member' AND member_id IS NOT NULL AND loan_id IS NULL AND entry_id IS NULL AND owner_key = 'member:' || CAST(member_id AS VARCHAR(20))) OR (owner_type = 'loan' AND loan_id IS NOT NULL AND member_id IS NULL AND entry_id IS NULL AND owner_key = 'loan:' || CAST(loan_id AS VARCHAR(20))) OR (owner_type = 'entry' AND entry_id IS NOT NULL AND member_id IS NULL AND loan_id IS NULL AND owner_key = 'entry:' || CAST(entry_id AS VARCHAR(20))) OR (owner_type = 'general' AND member_id IS NULL AND loan_id IS NULL AND entry_id IS NULL AND owner_key = 'general')", name=op.f('ck_documents_one_owner')),
    sa.CheckConstraint("owner_type IN ('member','loan','entry','general')", name=op.f('ck_documents_owner_type_known')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_documents_size_not_negative')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_documents_version_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_documents_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_documents_loan_id_loans')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_documents_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('owner_key', 'kind', 'title', 'version', name=op.f('uq_documents_owner_key_kind_title_version'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_added_on'), ['added_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_owner_key'), ['owner_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    # fmt: on
    day = (
        "CAST((uploaded_at AT TIME ZONE 'UTC') AS DATE)"
        if op.get_bind().dialect.name == "postgresql"
        else "substr(uploaded_at, 1, 10)"
    )
    op.execute(
        "INSERT INTO documents (id, owner_type, owner_key, member_id, loan_id, entry_id, "
        f"title, added_on, {_COMMON}) "
        "SELECT id, 'member', 'member:' || CAST(member_id AS VARCHAR(20)), member_id, NULL, "
        f"NULL, '', {day}, {_COMMON} FROM member_documents"
    )
    _bump_sequence("documents")
    pg = op.get_bind().dialect.name == "postgresql"
    for sql in PG_TRIGGERS if pg else SQLITE_TRIGGERS:
        op.execute(sql)
    with op.batch_alter_table("member_documents", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_member_documents_address"))
        batch_op.drop_index(batch_op.f("ix_member_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_member_documents_member_id"))
    op.drop_table("member_documents")


def downgrade() -> None:
    # fmt: off
    op.create_table('member_documents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('key_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_documents_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_documents')),
    sa.UniqueConstraint('member_id', 'kind', 'version', name=op.f('uq_member_documents_member_id_kind_version'))
    )
    with op.batch_alter_table('member_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_documents_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_documents_sha256'), ['sha256'], unique=False)
    op.create_index(op.f("ix_member_documents_address"), "member_documents", ["address"], unique=False)
    # fmt: on
    # Only untitled member documents (the KYC papers) fit the older (member, kind,
    # version) key; titled ones are dropped with the rest (their files stay).
    op.execute(
        f"INSERT INTO member_documents (id, member_id, {_COMMON}) "
        f"SELECT id, member_id, {_COMMON} FROM documents "
        "WHERE owner_type = 'member' AND title = ''"
    )
    _bump_sequence("member_documents")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS documents_identity_fixed ON documents")
        op.execute("DROP FUNCTION IF EXISTS coopctl_documents_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS documents_identity_fixed")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_sha256"))
        batch_op.drop_index(batch_op.f("ix_documents_owner_key"))
        batch_op.drop_index(batch_op.f("ix_documents_member_id"))
        batch_op.drop_index(batch_op.f("ix_documents_loan_id"))
        batch_op.drop_index(batch_op.f("ix_documents_entry_id"))
        batch_op.drop_index(batch_op.f("ix_documents_address"))
        batch_op.drop_index(batch_op.f("ix_documents_added_on"))
    op.drop_table("documents")
