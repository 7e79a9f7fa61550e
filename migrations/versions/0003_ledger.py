"""Ledger: chart of accounts, periods, member accounts, holds, journal

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0003"
down_revision = '0002'
branch_labels = None
depends_on = None


# --- the database enforces double entry (on SQLite and PostgreSQL alike) ---------------
_IMMUTABLE_COLS = (
    "id", "business_date", "kind", "reference", "narration", "status", "maker", "checker",
    "idempotency_key", "approval_kind", "total", "reverses_id", "reason", "created_at",
    "posted_at",
)
_changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _IMMUTABLE_COLS)
_pg_changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _IMMUTABLE_COLS)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER je_insert_not_posted BEFORE INSERT ON journal_entries
    WHEN NEW.status = 'posted'
    BEGIN SELECT RAISE(ABORT, 'journal entries are inserted as draft or pending'); END""",
    """CREATE TRIGGER je_post_must_balance BEFORE UPDATE OF status ON journal_entries
    WHEN NEW.status = 'posted' AND OLD.status <> 'posted'
    BEGIN
      SELECT RAISE(ABORT, 'unbalanced journal entry')
      WHERE (SELECT COALESCE(SUM(debit), 0) FROM journal_lines WHERE entry_id = NEW.id)
         <> (SELECT COALESCE(SUM(credit), 0) FROM journal_lines WHERE entry_id = NEW.id)
         OR NOT EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id AND debit > 0)
         OR NOT EXISTS (SELECT 1 FROM journal_lines WHERE entry_id = NEW.id AND credit > 0);
      SELECT RAISE(ABORT, 'posting dated in a closed period')
      WHERE EXISTS (SELECT 1 FROM periods WHERE status = 'closed'
                    AND NEW.business_date BETWEEN start_date AND end_date);
    END""",
    f"""CREATE TRIGGER je_posted_immutable BEFORE UPDATE ON journal_entries
    WHEN OLD.status = 'posted' AND ({_changed}
         OR (OLD.reversed_by_id IS NOT NULL AND NEW.reversed_by_id IS NOT OLD.reversed_by_id))
    BEGIN SELECT RAISE(ABORT, 'posted journal entries are immutable'); END""",
    """CREATE TRIGGER je_posted_no_delete BEFORE DELETE ON journal_entries
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, 'posted journal entries cannot be deleted'); END""",
    """CREATE TRIGGER jl_no_insert_posted BEFORE INSERT ON journal_lines
    WHEN (SELECT status FROM journal_entries WHERE id = NEW.entry_id) = 'posted'
    BEGIN SELECT RAISE(ABORT, 'lines of a posted entry are immutable'); END""",
    """CREATE TRIGGER jl_no_update_posted BEFORE UPDATE ON journal_lines
    WHEN (SELECT status FROM journal_entries WHERE id = OLD.entry_id) = 'posted'
      OR (SELECT status FROM journal_entries WHERE id = NEW.entry_id) = 'posted'
    BEGIN SELECT RAISE(ABORT, 'lines of a posted entry are immutable'); END""",
    """CREATE TRIGGER jl_no_delete_posted BEFORE DELETE ON journal_lines
    WHEN (SELECT status FROM journal_entries WHERE id = OLD.entry_id) = 'posted'
    BEGIN SELECT RAISE(ABORT, 'lines of a posted entry are immutable'); END""",
    """CREATE TRIGGER jl_subledger_gl BEFORE INSERT ON journal_lines
    WHEN NEW.account_id IS NOT NULL
     AND NEW.gl_account_id <> (SELECT gl_account_id FROM accounts WHERE id = NEW.account_id)
    BEGIN SELECT RAISE(ABORT, 'member-account line must use its control GL account'); END""",
]

# PostgreSQL: cheap per-row guards for immutability, and statement-level checks
# (transition tables) for balance, closed periods and sub-ledger GLs, so a bulk
# flip of many entries or a COPY of many lines is checked in one query.
PG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION coopctl_je_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'posted' THEN
          RAISE EXCEPTION 'journal entries are inserted as draft or pending';
        END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'posted' THEN
          RAISE EXCEPTION 'posted journal entries cannot be deleted';
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.status = 'posted' THEN
        IF """ + _pg_changed + """
           OR (OLD.reversed_by_id IS NOT NULL
               AND NEW.reversed_by_id IS DISTINCT FROM OLD.reversed_by_id) THEN
          RAISE EXCEPTION 'posted journal entries are immutable';
        END IF;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER je_guard BEFORE INSERT OR UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION coopctl_je_guard()""",
    # Small statements (a teller's posting) check each flipped entry through the
    # index on journal_lines(entry_id); large ones (bulk flips) in one hash join.
    """CREATE OR REPLACE FUNCTION coopctl_je_post_check() RETURNS trigger AS $$
    DECLARE bad BIGINT; flipped BIGINT;
    BEGIN
      SELECT COUNT(*) INTO flipped FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE n.status = 'posted' AND o.status <> 'posted';
      IF flipped = 0 THEN
        RETURN NULL;
      END IF;
      IF flipped < 500 THEN
        SELECT n.id INTO bad
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          CROSS JOIN LATERAL (
            SELECT COALESCE(SUM(l.debit), 0) AS dr, COALESCE(SUM(l.credit), 0) AS cr,
                   COUNT(*) FILTER (WHERE l.debit > 0) AS nd,
                   COUNT(*) FILTER (WHERE l.credit > 0) AS nc
              FROM journal_lines l WHERE l.entry_id = n.id) t
         WHERE n.status = 'posted' AND o.status <> 'posted'
           AND (t.dr <> t.cr OR t.nd = 0 OR t.nc = 0)
         LIMIT 1;
      ELSE
        SELECT n.id INTO bad
          FROM new_rows n JOIN old_rows o ON o.id = n.id
          LEFT JOIN journal_lines l ON l.entry_id = n.id
         WHERE n.status = 'posted' AND o.status <> 'posted'
         GROUP BY n.id
        HAVING COALESCE(SUM(l.debit), 0) <> COALESCE(SUM(l.credit), 0)
            OR COUNT(*) FILTER (WHERE l.debit > 0) = 0
            OR COUNT(*) FILTER (WHERE l.credit > 0) = 0
         LIMIT 1;
      END IF;
      IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'unbalanced journal entry %', bad;
      END IF;
      IF EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                   JOIN periods p ON p.status = 'closed'
                    AND n.business_date BETWEEN p.start_date AND p.end_date
                  WHERE n.status = 'posted' AND o.status <> 'posted') THEN
        RAISE EXCEPTION 'posting dated in a closed period';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER je_post_check AFTER UPDATE ON journal_entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coopctl_je_post_check()""",
    """CREATE OR REPLACE FUNCTION coopctl_jl_guard() RETURNS trigger AS $$
    BEGIN
      IF (SELECT status FROM journal_entries WHERE id = OLD.entry_id) = 'posted' THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      IF TG_OP = 'UPDATE' THEN
        IF (SELECT status FROM journal_entries WHERE id = NEW.entry_id) = 'posted' THEN
          RAISE EXCEPTION 'lines of a posted entry are immutable';
        END IF;
        IF NEW.account_id IS NOT NULL AND NEW.gl_account_id <>
           (SELECT gl_account_id FROM accounts WHERE id = NEW.account_id) THEN
          RAISE EXCEPTION 'member-account line must use its control GL account';
        END IF;
        RETURN NEW;
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER jl_guard BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION coopctl_jl_guard()""",
    """CREATE OR REPLACE FUNCTION coopctl_jl_insert_check() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM new_rows l
                  WHERE (SELECT e.status FROM journal_entries e WHERE e.id = l.entry_id)
                        = 'posted') THEN
        RAISE EXCEPTION 'lines of a posted entry are immutable';
      END IF;
      IF EXISTS (SELECT 1 FROM new_rows l
                  WHERE l.account_id IS NOT NULL AND l.gl_account_id <>
                        (SELECT a.gl_account_id FROM accounts a WHERE a.id = l.account_id)) THEN
        RAISE EXCEPTION 'member-account line must use its control GL account';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER jl_insert_check AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coopctl_jl_insert_check()""",
    """CREATE OR REPLACE FUNCTION coopctl_no_truncate() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the journal cannot be truncated'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER je_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION coopctl_no_truncate()""",
    """CREATE TRIGGER jl_no_truncate BEFORE TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION coopctl_no_truncate()""",
]

_SQLITE_NAMES = [
    "je_insert_not_posted", "je_post_must_balance", "je_posted_immutable",
    "je_posted_no_delete", "jl_no_insert_posted", "jl_no_update_posted",
    "jl_no_delete_posted", "jl_subledger_gl",
]


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for sql in PG_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(sql)


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for t, table in (("je_guard", "journal_entries"), ("je_post_check", "journal_entries"),
                         ("jl_guard", "journal_lines"), ("jl_insert_check", "journal_lines"),
                         ("je_no_truncate", "journal_entries"),
                         ("jl_no_truncate", "journal_lines")):
            op.execute(f"DROP TRIGGER IF EXISTS {t} ON {table}")
        for f in ("coopctl_je_guard", "coopctl_je_post_check", "coopctl_jl_guard",
                  "coopctl_jl_insert_check", "coopctl_no_truncate"):
            op.execute(f"DROP FUNCTION IF EXISTS {f}()")
    else:
        for t in _SQLITE_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {t}")


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('gl_accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=10), nullable=False),
    sa.Column('parent_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('normal_balance', sa.String(length=6), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('manual_allowed', sa.Boolean(), nullable=False),
    sa.Column('is_header', sa.Boolean(), nullable=False),
    sa.Column('is_control', sa.Boolean(), nullable=False),
    sa.Column('contra', sa.Boolean(), nullable=False),
    sa.Column('cash_flow', sa.String(length=10), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("cash_flow IN ('operating','investing','financing','cash','none')", name=op.f('ck_gl_accounts_cf_known')),
    sa.CheckConstraint("normal_balance IN ('debit','credit')", name=op.f('ck_gl_accounts_normal_known')),
    sa.CheckConstraint("type IN ('asset','liability','equity','income','expense')", name=op.f('ck_gl_accounts_type_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['gl_accounts.id'], name=op.f('fk_gl_accounts_parent_id_gl_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gl_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_gl_accounts_code'))
    )
    op.create_table('journal_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('narration', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('maker', sa.String(length=64), nullable=False),
    sa.Column('checker', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('approval_kind', sa.String(length=32), nullable=True),
    sa.Column('total', coopctl.core.db.Money(), nullable=False),
    sa.Column('reverses_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reversed_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('draft','pending','posted','rejected')", name=op.f('ck_journal_entries_status_known')),
    sa.ForeignKeyConstraint(['reversed_by_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reversed_by_id_journal_entries')),
    sa.ForeignKeyConstraint(['reverses_id'], ['journal_entries.id'], name=op.f('fk_journal_entries_reverses_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_entries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_journal_entries_idempotency_key')),
    sa.UniqueConstraint('reversed_by_id', name=op.f('uq_journal_entries_reversed_by_id')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_journal_entries_reverses_id'))
    )
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.create_index('ix_journal_entries_business_date', ['business_date'], unique=False)

    op.create_table('periods',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('closed_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('open','closed')", name=op.f('ck_periods_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_periods')),
    sa.UniqueConstraint('year', 'month', name=op.f('uq_periods_year_month'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('product_code', sa.String(length=20), nullable=False),
    sa.Column('gl_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('balance', coopctl.core.db.Money(), nullable=False),
    sa.Column('held', coopctl.core.db.Money(), nullable=False),
    sa.Column('floor', coopctl.core.db.Money(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','active','dormant','closed')", name=op.f('ck_accounts_status_known')),
    sa.CheckConstraint('held >= 0', name=op.f('ck_accounts_held_nonneg')),
    sa.ForeignKeyConstraint(['gl_account_id'], ['gl_accounts.id'], name=op.f('fk_accounts_gl_account_id_gl_accounts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_accounts_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('account_no', name=op.f('uq_accounts_account_no'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_gl_account_id'), ['gl_account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_member_id'), ['member_id'], unique=False)

    op.create_table('holds',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active','released')", name=op.f('ck_holds_status_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_holds_amount_nonneg')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_holds_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_holds'))
    )
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holds_account_id'), ['account_id'], unique=False)

    op.create_table('journal_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('gl_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('debit', coopctl.core.db.Money(), nullable=False),
    sa.Column('credit', coopctl.core.db.Money(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)', name=op.f('ck_journal_lines_one_side')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_journal_lines_account_id_accounts')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_journal_lines_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['gl_account_id'], ['gl_accounts.id'], name=op.f('fk_journal_lines_gl_account_id_gl_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_lines')),
    sa.UniqueConstraint('entry_id', 'line_no', name=op.f('uq_journal_lines_entry_id_line_no'))
    )
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_lines_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_journal_lines_gl_account_id'), ['gl_account_id'], unique=False)

    # ### end Alembic commands ###
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('journal_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_lines_gl_account_id'))
        batch_op.drop_index(batch_op.f('ix_journal_lines_account_id'))

    op.drop_table('journal_lines')
    with op.batch_alter_table('holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holds_account_id'))

    op.drop_table('holds')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_member_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_gl_account_id'))

    op.drop_table('accounts')
    op.drop_table('periods')
    with op.batch_alter_table('journal_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entries_business_date')

    op.drop_table('journal_entries')
    op.drop_table('gl_accounts')
    # ### end Alembic commands ###

