"""Dividends and interest rebates (issue 15): runs, member lines, member preferences.

The chart already holds the accounts a run posts to (2220 WHT payable, 2240
Dividends payable, 3200 Statutory reserve, 3300 Retained earnings).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dividend_preferences",
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("pay_to", sa.String(length=10), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pay_to IN ('savings','shares','payable')",
            name=op.f("ck_dividend_preferences_pay_to_known"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dividend_preferences_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_dividend_preferences")),
    )
    op.create_table(
        "dividend_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("dividend_rate", coopctl.core.db.Rate(), nullable=False),
        sa.Column("rebate_rate", coopctl.core.db.Rate(), nullable=False),
        sa.Column("reserve_percent", coopctl.core.db.Rate(), nullable=False),
        sa.Column("wht_percent", coopctl.core.db.Rate(), nullable=False),
        sa.Column("weighting", sa.String(length=8), nullable=False),
        sa.Column("offset_arrears", sa.Boolean(), nullable=False),
        sa.Column("surplus", coopctl.core.db.Money(), nullable=False),
        sa.Column("reserve", coopctl.core.db.Money(), nullable=False),
        sa.Column("total_dividend", coopctl.core.db.Money(), nullable=False),
        sa.Column("total_rebate", coopctl.core.db.Money(), nullable=False),
        sa.Column("total_wht", coopctl.core.db.Money(), nullable=False),
        sa.Column("declared_by", sa.String(length=64), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("approval_no", sa.String(length=20), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column(
            "appropriation_entry_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending','applied','rejected','expired','failed')",
            name=op.f("ck_dividend_runs_status_known"),
        ),
        sa.CheckConstraint(
            "weighting IN ('monthly','none')", name=op.f("ck_dividend_runs_weighting_known")
        ),
        sa.CheckConstraint(
            "reserve + total_dividend + total_rebate <= surplus",
            name=op.f("ck_dividend_runs_within_surplus"),
        ),
        sa.CheckConstraint(
            "reserve >= 0 AND total_dividend >= 0 AND total_rebate >= 0 AND total_wht >= 0",
            name=op.f("ck_dividend_runs_totals_nonneg"),
        ),
        sa.ForeignKeyConstraint(
            ["appropriation_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_dividend_runs_appropriation_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dividend_runs")),
    )
    with op.batch_alter_table("dividend_runs", schema=None) as batch_op:
        batch_op.create_index("ix_dividend_runs_year_status", ["year", "status"], unique=False)

    op.create_table(
        "dividend_lines",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("member_no", sa.String(length=20), nullable=False),
        sa.Column("share_base", coopctl.core.db.Money(), nullable=False),
        sa.Column("interest_paid", coopctl.core.db.Money(), nullable=False),
        sa.Column("dividend", coopctl.core.db.Money(), nullable=False),
        sa.Column("rebate", coopctl.core.db.Money(), nullable=False),
        sa.Column("wht", coopctl.core.db.Money(), nullable=False),
        sa.Column("arrears_paid", coopctl.core.db.Money(), nullable=False),
        sa.Column("pay_to", sa.String(length=10), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.CheckConstraint(
            "pay_to IN ('savings','shares','payable')", name=op.f("ck_dividend_lines_pay_to_known")
        ),
        sa.CheckConstraint(
            "arrears_paid >= 0 AND arrears_paid <= dividend + rebate - wht",
            name=op.f("ck_dividend_lines_arrears_valid"),
        ),
        sa.CheckConstraint(
            "dividend >= 0 AND rebate >= 0 AND wht >= 0 AND wht <= dividend",
            name=op.f("ck_dividend_lines_amounts_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_dividend_lines_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_dividend_lines_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_dividend_lines_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["dividend_runs.id"], name=op.f("fk_dividend_lines_run_id_dividend_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dividend_lines")),
        sa.UniqueConstraint("run_id", "member_id", name=op.f("uq_dividend_lines_run_id_member_id")),
    )
    with op.batch_alter_table("dividend_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dividend_lines_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dividend_lines_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dividend_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dividend_lines_run_id"))
        batch_op.drop_index(batch_op.f("ix_dividend_lines_member_id"))

    op.drop_table("dividend_lines")
    with op.batch_alter_table("dividend_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_dividend_runs_year_status")

    op.drop_table("dividend_runs")
    op.drop_table("dividend_preferences")
