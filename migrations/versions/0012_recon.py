"""Bank reconciliation: statements, lines, matches (issue 13)

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db  # noqa: F401

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="NGN", nullable=False)
        )

    op.create_table(
        "recon_groups",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "bank_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_recon_groups_bank_account_id_bank_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_groups")),
    )
    with op.batch_alter_table("recon_groups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recon_groups_bank_account_id"), ["bank_account_id"], unique=False
        )

    op.create_table(
        "recon_imports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "bank_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("profile", sa.String(length=100), nullable=False),
        sa.Column("lines_read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_recon_imports_bank_account_id_bank_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_imports")),
        sa.UniqueConstraint(
            "bank_account_id", "sha256", name=op.f("uq_recon_imports_bank_account_id_sha256")
        ),
    )
    op.create_table(
        "recon_group_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "journal_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["recon_groups.id"],
            name=op.f("fk_recon_group_lines_group_id_recon_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_line_id"],
            ["journal_lines.id"],
            name=op.f("fk_recon_group_lines_journal_line_id_journal_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_group_lines")),
        sa.UniqueConstraint("journal_line_id", name=op.f("uq_recon_group_lines_journal_line_id")),
    )
    with op.batch_alter_table("recon_group_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recon_group_lines_group_id"), ["group_id"], unique=False
        )

    op.create_table(
        "recon_statements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "bank_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("statement_ref", sa.String(length=120), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("opening", coopctl.core.db.Money(), nullable=True),
        sa.Column("closing", coopctl.core.db.Money(), nullable=True),
        sa.Column("opening_date", sa.Date(), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.Column("gap", coopctl.core.db.Money(), nullable=True),
        sa.Column("gap_note", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_recon_statements_bank_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["recon_imports.id"],
            name=op.f("fk_recon_statements_import_id_recon_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_statements")),
    )
    with op.batch_alter_table("recon_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recon_statements_bank_account_id"), ["bank_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recon_statements_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "recon_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "bank_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("amount", coopctl.core.db.Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("bank_ref", sa.String(length=100), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("balance", coopctl.core.db.Money(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("suggest_gl", sa.String(length=20), nullable=False),
        sa.Column("suggest_member", sa.String(length=20), nullable=False),
        sa.Column("suggestion", sa.String(length=300), nullable=False),
        sa.Column("group_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["bank_account_id"],
            ["bank_accounts.id"],
            name=op.f("fk_recon_lines_bank_account_id_bank_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["recon_groups.id"], name=op.f("fk_recon_lines_group_id_recon_groups")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["recon_statements.id"],
            name=op.f("fk_recon_lines_statement_id_recon_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_lines")),
        sa.UniqueConstraint(
            "bank_account_id",
            "fingerprint",
            name=op.f("uq_recon_lines_bank_account_id_fingerprint"),
        ),
    )
    with op.batch_alter_table("recon_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recon_lines_bank_date", ["bank_account_id", "booking_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recon_lines_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recon_lines_statement_id"), ["statement_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("recon_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_lines_statement_id"))
        batch_op.drop_index(batch_op.f("ix_recon_lines_group_id"))
        batch_op.drop_index("ix_recon_lines_bank_date")

    op.drop_table("recon_lines")
    with op.batch_alter_table("recon_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_statements_import_id"))
        batch_op.drop_index(batch_op.f("ix_recon_statements_bank_account_id"))

    op.drop_table("recon_statements")
    with op.batch_alter_table("recon_group_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_group_lines_group_id"))

    op.drop_table("recon_group_lines")
    op.drop_table("recon_imports")
    with op.batch_alter_table("recon_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_groups_bank_account_id"))

    op.drop_table("recon_groups")
    with op.batch_alter_table("bank_accounts", schema=None) as batch_op:
        batch_op.drop_column("currency")
