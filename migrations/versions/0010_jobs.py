"""Jobs, runs, dead letters, loan snapshots, notifications outbox (issue 11)

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daemon_heartbeat",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_daemon_heartbeat")),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("started_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_runs_job"), ["job"], unique=False)

    op.create_table(
        "job_state",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("last_success_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_state")),
    )
    op.create_table(
        "job_dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("item", sa.String(length=128), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["job_runs.id"], name=op.f("fk_job_dead_letters_run_id_job_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_dead_letters")),
    )
    with op.batch_alter_table("job_dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_dead_letters_run_id"), ["run_id"], unique=False)

    op.create_table(
        "job_step_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("started_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["job_runs.id"], name=op.f("fk_job_step_runs_run_id_job_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_step_runs")),
    )
    with op.batch_alter_table("job_step_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_step_runs_run_id"), ["run_id"], unique=False)

    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notify_outbox_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notify_outbox_dedupe_key")),
    )
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notify_outbox_status"), ["status"], unique=False)

    op.create_table(
        "notify_preferences",
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("sms", sa.Boolean(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_notify_preferences_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_notify_preferences")),
    )
    op.create_table(
        "loan_class_snapshots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_code", sa.String(length=20), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=False),
        sa.Column("outstanding", coopctl.core.db.Money(), nullable=False),
        sa.Column("arrears", coopctl.core.db.Money(), nullable=False),
        sa.Column("arrears_principal", coopctl.core.db.Money(), nullable=False),
        sa.Column("provision", coopctl.core.db.Money(), nullable=False),
        sa.Column("provision_rate_e6", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_class_snapshots_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_class_snapshots")),
        sa.UniqueConstraint(
            "business_date", "loan_id", name=op.f("uq_loan_class_snapshots_business_date_loan_id")
        ),
    )
    with op.batch_alter_table("loan_class_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_loan_class_snapshots_business_date"), ["business_date"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_loan_class_snapshots_loan_id"), ["loan_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("loan_class_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_class_snapshots_loan_id"))
        batch_op.drop_index(batch_op.f("ix_loan_class_snapshots_business_date"))

    op.drop_table("loan_class_snapshots")
    op.drop_table("notify_preferences")
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_outbox_status"))

    op.drop_table("notify_outbox")
    with op.batch_alter_table("job_step_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_step_runs_run_id"))

    op.drop_table("job_step_runs")
    with op.batch_alter_table("job_dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_dead_letters_run_id"))

    op.drop_table("job_dead_letters")
    op.drop_table("job_state")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_runs_job"))

    op.drop_table("job_runs")
    op.drop_table("daemon_heartbeat")
