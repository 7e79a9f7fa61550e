"""Standing orders (issue 15)

Revision ID: 0018
Revises: 0017

Two tables (the instruction and one row per due date) and one trigger on each
database: a cancelled standing order stays cancelled (a new instruction is a new order).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_SQLITE_TRIGGER = """
CREATE TRIGGER trg_standing_orders_cancelled_final
BEFORE UPDATE OF status ON standing_orders
FOR EACH ROW WHEN OLD.status = 'cancelled' AND NEW.status <> 'cancelled'
BEGIN
    SELECT RAISE(ABORT, 'standing order cancelled: it cannot be reactivated');
END
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION standing_orders_cancelled_final() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'standing order cancelled: it cannot be reactivated';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""

_PG_TRIGGER = """
CREATE TRIGGER trg_standing_orders_cancelled_final
BEFORE UPDATE OF status ON standing_orders
FOR EACH ROW EXECUTE FUNCTION standing_orders_cancelled_final()
"""


def upgrade() -> None:
    op.create_table(
        "standing_orders",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "from_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "to_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("amount", coopctl.core.db.Money(), nullable=True),
        sa.Column("amount_due", sa.Boolean(), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("collect_from", sa.Date(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("on_short", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("narration", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(frequency = 'monthly' AND day BETWEEN 1 AND 31)"
            " OR (frequency = 'weekly' AND day BETWEEN 1 AND 7)",
            name=op.f("ck_standing_orders_day_range"),
        ),
        sa.CheckConstraint(
            "frequency IN ('monthly','weekly')", name=op.f("ck_standing_orders_frequency_known")
        ),
        sa.CheckConstraint(
            "on_short IN ('skip','partial')", name=op.f("ck_standing_orders_on_short_known")
        ),
        sa.CheckConstraint(
            "status IN ('active','paused','cancelled','ended')",
            name=op.f("ck_standing_orders_status_known"),
        ),
        sa.CheckConstraint(
            "(amount IS NOT NULL AND amount > 0 AND NOT amount_due)"
            " OR (amount IS NULL AND amount_due AND loan_id IS NOT NULL)",
            name=op.f("ck_standing_orders_amount_or_due"),
        ),
        sa.CheckConstraint(
            "(to_account_id IS NOT NULL AND loan_id IS NULL)"
            " OR (to_account_id IS NULL AND loan_id IS NOT NULL)",
            name=op.f("ck_standing_orders_one_destination"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date",
            name=op.f("ck_standing_orders_end_after_start"),
        ),
        sa.CheckConstraint(
            "from_account_id <> to_account_id", name=op.f("ck_standing_orders_distinct_accounts")
        ),
        sa.CheckConstraint(
            "priority BETWEEN 1 AND 99", name=op.f("ck_standing_orders_priority_range")
        ),
        sa.ForeignKeyConstraint(
            ["from_account_id"],
            ["accounts.id"],
            name=op.f("fk_standing_orders_from_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_standing_orders_loan_id_loans")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_standing_orders_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["to_account_id"],
            ["accounts.id"],
            name=op.f("fk_standing_orders_to_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_orders")),
    )
    with op.batch_alter_table("standing_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standing_orders_from_account_id"), ["from_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_standing_orders_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_standing_orders_status"), ["status"], unique=False)

    op.create_table(
        "standing_order_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("amount", coopctl.core.db.Money(), nullable=False),
        sa.Column("wanted", coopctl.core.db.Money(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("last_attempt_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("updated_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('paid','partial','pending','nothing_due','short','given_up')",
            name=op.f("ck_standing_order_runs_status_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_standing_order_runs_amount_nonneg")),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_standing_order_runs_attempts_nonneg")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_standing_order_runs_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["standing_orders.id"],
            name=op.f("fk_standing_order_runs_order_id_standing_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standing_order_runs")),
        sa.UniqueConstraint(
            "order_id", "due_date", name=op.f("uq_standing_order_runs_order_id_due_date")
        ),
    )
    with op.batch_alter_table("standing_order_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standing_order_runs_order_id"), ["order_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        op.execute(_SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_standing_orders_cancelled_final ON standing_orders")
        op.execute("DROP FUNCTION IF EXISTS standing_orders_cancelled_final()")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_standing_orders_cancelled_final")
    with op.batch_alter_table("standing_order_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standing_order_runs_order_id"))

    op.drop_table("standing_order_runs")
    with op.batch_alter_table("standing_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standing_orders_status"))
        batch_op.drop_index(batch_op.f("ix_standing_orders_member_id"))
        batch_op.drop_index(batch_op.f("ix_standing_orders_from_account_id"))

    op.drop_table("standing_orders")
