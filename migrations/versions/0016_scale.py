"""Scale: period balances (issue 16)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import coopctl.core.db  # noqa: F401

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


# Closed periods that exist before this revision get their snapshots here, from
# their posted lines, so reports read snapshots from the first run on.
BUILD_EXISTING = """
INSERT INTO period_balances
    (period_id, gl_account_id, debit, credit, closing_debit, closing_credit)
SELECT p.id, l.gl_account_id, SUM(l.debit), SUM(l.credit),
       SUM(CASE WHEN e.kind = 'year_close' THEN l.debit ELSE 0 END),
       SUM(CASE WHEN e.kind = 'year_close' THEN l.credit ELSE 0 END)
FROM periods p
JOIN journal_entries e ON e.business_date BETWEEN p.start_date AND p.end_date
JOIN journal_lines l ON l.entry_id = e.id
WHERE p.status = 'closed' AND e.status = 'posted'
GROUP BY p.id, l.gl_account_id
"""


def upgrade() -> None:
    op.create_table(
        "period_balances",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "period_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "gl_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("debit", coopctl.core.db.Money(), nullable=False),
        sa.Column("credit", coopctl.core.db.Money(), nullable=False),
        sa.Column("closing_debit", coopctl.core.db.Money(), nullable=False),
        sa.Column("closing_credit", coopctl.core.db.Money(), nullable=False),
        sa.CheckConstraint(
            "closing_debit <= debit AND closing_credit <= credit",
            name=op.f("ck_period_balances_closing_within"),
        ),
        sa.CheckConstraint(
            "debit >= 0 AND credit >= 0 AND closing_debit >= 0 AND closing_credit >= 0",
            name=op.f("ck_period_balances_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["gl_account_id"],
            ["gl_accounts.id"],
            name=op.f("fk_period_balances_gl_account_id_gl_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["period_id"], ["periods.id"], name=op.f("fk_period_balances_period_id_periods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_balances")),
        sa.UniqueConstraint(
            "period_id", "gl_account_id", name=op.f("uq_period_balances_period_id_gl_account_id")
        ),
    )
    op.execute(BUILD_EXISTING)


def downgrade() -> None:
    op.drop_table("period_balances")
