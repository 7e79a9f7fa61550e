"""Go-live: imports and state (issue 17)

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import coopctl.core.db  # noqa: F401

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "golive_imports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("total", coopctl.core.db.Money(), nullable=False),
        sa.Column("golive_date", sa.Date(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('members','accounts','loans','gl')", name=op.f("ck_golive_imports_kind_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_imports")),
        sa.UniqueConstraint("kind", "sha256", name=op.f("uq_golive_imports_kind_sha256")),
    )
    op.create_table(
        "golive_state",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("golive_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opening_gl", sa.String(length=20), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("finished_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('open','finished')", name=op.f("ck_golive_state_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_state")),
    )
    op.create_table(
        "golive_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("legacy_id", sa.String(length=64), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["golive_imports.id"],
            name=op.f("fk_golive_members_import_id_golive_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_golive_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_members")),
        sa.UniqueConstraint("legacy_id", name=op.f("uq_golive_members_legacy_id")),
        sa.UniqueConstraint("member_id", name=op.f("uq_golive_members_member_id")),
    )
    op.create_table(
        "golive_trial_balance",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gl_code", sa.String(length=20), nullable=False),
        sa.Column("debit", coopctl.core.db.Money(), nullable=False),
        sa.Column("credit", coopctl.core.db.Money(), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["golive_imports.id"],
            name=op.f("fk_golive_trial_balance_import_id_golive_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golive_trial_balance")),
        sa.UniqueConstraint("gl_code", name=op.f("uq_golive_trial_balance_gl_code")),
    )


def downgrade() -> None:
    op.drop_table("golive_trial_balance")
    op.drop_table("golive_members")
    op.drop_table("golive_state")
    op.drop_table("golive_imports")
