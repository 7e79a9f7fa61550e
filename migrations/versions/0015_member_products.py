"""Member products: fixed deposits and interest accruals (issue 15)

Fixed deposits get their maturity instruction, payout account, the deposit they were
rolled over from and the day they matured; ``fd_interest`` records each change of a
deposit's interest payable beside the entry that made it. Existing fixed deposits
take the ``payout`` instruction.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fd_interest",
        sa.Column("id", _BIG, nullable=False),
        sa.Column("account_id", _BIG, nullable=False),
        sa.Column("entry_id", _BIG, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("accrued_delta", coopctl.core.db.Money(), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('accrual','payment','adjustment')", name=op.f("ck_fd_interest_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_fd_interest_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_fd_interest_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fd_interest")),
    )
    with op.batch_alter_table("fd_interest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fd_interest_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fd_interest_entry_id"), ["entry_id"], unique=False)

    with op.batch_alter_table("deposit_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("maturity_instruction", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("payout_account_id", _BIG, nullable=True))
        batch_op.add_column(sa.Column("rolled_from_id", _BIG, nullable=True))
        batch_op.add_column(sa.Column("matured_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deposit_accounts_payout_account_id_accounts"),
            "accounts",
            ["payout_account_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_deposit_accounts_rolled_from_id_accounts"),
            "accounts",
            ["rolled_from_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_deposit_accounts_instruction_known"),
            "maturity_instruction IS NULL OR maturity_instruction IN "
            "('payout','rollover','rollover_principal')",
        )
    op.execute(
        "UPDATE deposit_accounts SET maturity_instruction = 'payout' WHERE account_id IN "
        "(SELECT id FROM accounts WHERE kind = 'fixed_deposit')"
    )


def downgrade() -> None:
    with op.batch_alter_table("deposit_accounts", schema=None) as batch_op:
        batch_op.drop_constraint("instruction_known", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_deposit_accounts_rolled_from_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_deposit_accounts_payout_account_id_accounts"), type_="foreignkey"
        )
        batch_op.drop_column("matured_on")
        batch_op.drop_column("rolled_from_id")
        batch_op.drop_column("payout_account_id")
        batch_op.drop_column("maturity_instruction")

    with op.batch_alter_table("fd_interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fd_interest_entry_id"))
        batch_op.drop_index(batch_op.f("ix_fd_interest_account_id"))

    op.drop_table("fd_interest")
