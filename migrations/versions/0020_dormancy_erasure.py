"""Dormancy and retention/erasure (issue 15)

Revision ID: 0020
Revises: 0019

- ``dormancy_events``: when an account became dormant or was reactivated;
- ``deposit_products.dormant_after_months`` / ``dormant_interest``: per-product
  overrides of the ``[deposits]`` settings (NULL = the setting);
- ``members.erased_on`` / ``erased_by``: when a member's personal data was destroyed.

Triggers (SQLite and PostgreSQL alike):

- a withdrawal or transfer entry may not be posted with a debit on a dormant account
  (reactivation, an approval, comes first);
- erasing a member needs an exited member and destroys every encrypted field and blind
  index in the same update; an erased member's row is frozen afterwards (no update can
  put personal data back).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ERASED_EMPTY = (
    "NEW.status = 'exited' AND NEW.bvn_enc IS NULL AND NEW.bvn_hash IS NULL "
    "AND NEW.nin_enc IS NULL AND NEW.nin_hash IS NULL AND NEW.dob_enc IS NULL "
    "AND NEW.phone_enc = '' AND NEW.phone_hash = '' AND NEW.email IS NULL "
    "AND NEW.first_name = '' AND NEW.last_name = '' AND NEW.address = ''"
)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER je_dormant_no_outflow BEFORE UPDATE OF status ON journal_entries
    WHEN NEW.status = 'posted' AND OLD.status <> 'posted'
     AND NEW.kind IN ('withdrawal', 'transfer')
     AND EXISTS (SELECT 1 FROM journal_lines l JOIN accounts a ON a.id = l.account_id
                 WHERE l.entry_id = NEW.id AND l.debit > 0 AND a.status = 'dormant')
    BEGIN SELECT RAISE(ABORT, 'dormant account: reactivate it before a withdrawal'); END""",
    f"""CREATE TRIGGER members_erase_complete BEFORE UPDATE ON members
    WHEN OLD.erased_on IS NULL AND NEW.erased_on IS NOT NULL AND NOT ({_ERASED_EMPTY})
    BEGIN SELECT RAISE(ABORT, 'erasure must destroy the personal data of an exited member');
    END""",
    """CREATE TRIGGER members_erased_frozen BEFORE UPDATE ON members
    WHEN OLD.erased_on IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'an erased member cannot be changed'); END""",
]

PG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION coopctl_je_dormant_check() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                   JOIN journal_lines l ON l.entry_id = n.id
                   JOIN accounts a ON a.id = l.account_id
                  WHERE n.status = 'posted' AND o.status <> 'posted'
                    AND n.kind IN ('withdrawal', 'transfer')
                    AND l.debit > 0 AND a.status = 'dormant') THEN
        RAISE EXCEPTION 'dormant account: reactivate it before a withdrawal';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER je_dormant_check AFTER UPDATE ON journal_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coopctl_je_dormant_check()""",
    f"""CREATE OR REPLACE FUNCTION coopctl_members_erasure() RETURNS trigger AS $$
    BEGIN
      IF OLD.erased_on IS NOT NULL THEN
        RAISE EXCEPTION 'an erased member cannot be changed';
      END IF;
      IF NEW.erased_on IS NOT NULL AND NOT ({_ERASED_EMPTY}) THEN
        RAISE EXCEPTION 'erasure must destroy the personal data of an exited member';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER members_erasure BEFORE UPDATE ON members
    FOR EACH ROW EXECUTE FUNCTION coopctl_members_erasure()""",
]


def upgrade() -> None:
    op.create_table(
        "dormancy_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("event", sa.String(length=12), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("last_activity", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("created_at", coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "event IN ('dormant','reactivated')", name=op.f("ck_dormancy_events_event_known")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_dormancy_events_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dormancy_events")),
        sa.UniqueConstraint(
            "account_id",
            "event",
            "on_date",
            name=op.f("uq_dormancy_events_account_id_event_on_date"),
        ),
    )
    with op.batch_alter_table("dormancy_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dormancy_events_account_id"), ["account_id"], unique=False
        )
    with op.batch_alter_table("deposit_products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dormant_after_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dormant_interest", sa.String(length=4), nullable=True))
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("erased_by", sa.String(length=64), nullable=True))
    pg = op.get_bind().dialect.name == "postgresql"
    for sql in PG_TRIGGERS if pg else SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS members_erasure ON members")
        op.execute("DROP TRIGGER IF EXISTS je_dormant_check ON journal_entries")
        op.execute("DROP FUNCTION IF EXISTS coopctl_members_erasure()")
        op.execute("DROP FUNCTION IF EXISTS coopctl_je_dormant_check()")
    else:
        for t in ("members_erased_frozen", "members_erase_complete", "je_dormant_no_outflow"):
            op.execute(f"DROP TRIGGER IF EXISTS {t}")
    # Plain ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch "move and copy"
    # would drop and recreate tables that other tables' rows reference.
    for table, column in (
        ("members", "erased_by"),
        ("members", "erased_on"),
        ("deposit_products", "dormant_interest"),
        ("deposit_products", "dormant_after_months"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    with op.batch_alter_table("dormancy_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dormancy_events_account_id"))
    op.drop_table("dormancy_events")
