"""Payment gateways: events, payments, settlements (issue 14)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=160), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("received_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_payment_events_provider_event_id")
        ),
    )
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_events_status"), ["status"], unique=False)
    op.create_table(
        "payment_settlements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("settlement_ref", sa.String(length=100), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("gross", coopctl.core.db.Money(), nullable=False),
        sa.Column("fee", coopctl.core.db.Money(), nullable=False),
        sa.Column("net", coopctl.core.db.Money(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("entry_no", sa.String(length=20), nullable=False),
        sa.Column(
            "bank_line_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_line_id"],
            ["recon_lines.id"],
            name=op.f("fk_payment_settlements_bank_line_id_recon_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_settlements")),
        sa.UniqueConstraint(
            "provider",
            "settlement_ref",
            name=op.f("uq_payment_settlements_provider_settlement_ref"),
        ),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("tx_id", sa.String(length=60), nullable=False),
        sa.Column("amount", coopctl.core.db.Money(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("account_no", sa.String(length=20), nullable=True),
        sa.Column("loan_no", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("entry_no", sa.String(length=20), nullable=False),
        sa.Column("refunded", coopctl.core.db.Money(), nullable=False),
        sa.Column("fee", coopctl.core.db.Money(), nullable=False),
        sa.Column(
            "settlement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["settlement_id"],
            ["payment_settlements.id"],
            name=op.f("fk_payments_settlement_id_payment_settlements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("provider", "reference", name=op.f("uq_payments_provider_reference")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payments_settlement_id"), ["settlement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_payments_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_status"))
        batch_op.drop_index(batch_op.f("ix_payments_settlement_id"))
    op.drop_table("payments")
    op.drop_table("payment_settlements")
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_events_status"))
    op.drop_table("payment_events")
