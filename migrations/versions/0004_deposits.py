"""Deposit products, deposit accounts, bank accounts, check-off imports, member exits,
withdrawal notices

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rate columns (coopctl.deposits.models.Rate) are BIGINT ten-thousandths of a percent.
    op.create_table('bank_accounts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('gl_account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['gl_account_id'], ['gl_accounts.id'], name=op.f('fk_bank_accounts_gl_account_id_gl_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_accounts')),
    sa.UniqueConstraint('code', name=op.f('uq_bank_accounts_code')),
    sa.UniqueConstraint('gl_account_id', name=op.f('uq_bank_accounts_gl_account_id'))
    )
    op.create_table('checkoff_imports',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('declared_total', coopctl.core.db.Money(), nullable=False),
    sa.Column('file_total', coopctl.core.db.Money(), nullable=False),
    sa.Column('lines_count', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_checkoff_imports_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkoff_imports')),
    sa.UniqueConstraint('file_sha256', name=op.f('uq_checkoff_imports_file_sha256'))
    )
    op.create_table('deposit_products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('annual_rate', sa.BigInteger(), nullable=False),
    sa.Column('interest_method', sa.String(length=30), nullable=False),
    sa.Column('days_in_year', sa.Integer(), nullable=False),
    sa.Column('posting_frequency', sa.String(length=10), nullable=False),
    sa.Column('min_interest_balance', coopctl.core.db.Money(), nullable=False),
    sa.Column('min_opening_balance', coopctl.core.db.Money(), nullable=False),
    sa.Column('min_balance', coopctl.core.db.Money(), nullable=False),
    sa.Column('withdrawals_per_month', sa.Integer(), nullable=True),
    sa.Column('notice_days', sa.Integer(), nullable=False),
    sa.Column('price_per_share', coopctl.core.db.Money(), nullable=True),
    sa.Column('min_shares', sa.Integer(), nullable=False),
    sa.Column('term_days', sa.Integer(), nullable=True),
    sa.Column('early_withdrawal_penalty', sa.BigInteger(), nullable=False),
    sa.Column('control_gl_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('interest_gl_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("interest_method IN ('daily_balance','average_daily_balance','minimum_monthly_balance')", name=op.f('ck_deposit_products_method_known')),
    sa.CheckConstraint("kind IN ('savings','shares','fixed_deposit')", name=op.f('ck_deposit_products_kind_known')),
    sa.CheckConstraint("posting_frequency IN ('monthly','quarterly','annually')", name=op.f('ck_deposit_products_frequency_known')),
    sa.CheckConstraint("status IN ('active','retired')", name=op.f('ck_deposit_products_status_known')),
    sa.CheckConstraint('annual_rate >= 0 AND annual_rate <= 1000000', name=op.f('ck_deposit_products_rate_range')),
    sa.CheckConstraint('days_in_year IN (360, 365)', name=op.f('ck_deposit_products_days_known')),
    sa.CheckConstraint('min_balance >= 0', name=op.f('ck_deposit_products_min_balance_nonneg')),
    sa.ForeignKeyConstraint(['control_gl_id'], ['gl_accounts.id'], name=op.f('fk_deposit_products_control_gl_id_gl_accounts')),
    sa.ForeignKeyConstraint(['interest_gl_id'], ['gl_accounts.id'], name=op.f('fk_deposit_products_interest_gl_id_gl_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit_products')),
    sa.UniqueConstraint('code', name=op.f('uq_deposit_products_code'))
    )
    op.create_table('member_exits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('request_no', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('bank_code', sa.String(length=20), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('settlement', sa.Text(), nullable=False),
    sa.Column('refund', coopctl.core.db.Money(), nullable=False),
    sa.Column('loans_offset', coopctl.core.db.Money(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('maker', sa.String(length=64), nullable=False),
    sa.Column('checker', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('cash','bank','payable')", name=op.f('ck_member_exits_channel_known')),
    sa.CheckConstraint("status IN ('pending','executed','rejected')", name=op.f('ck_member_exits_status_known')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_member_exits_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_exits_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_exits')),
    sa.UniqueConstraint('request_no', name=op.f('uq_member_exits_request_no'))
    )
    with op.batch_alter_table('member_exits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_exits_member_id'), ['member_id'], unique=False)

    op.create_table('checkoff_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('import_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('to_loans', coopctl.core.db.Money(), nullable=False),
    sa.Column('to_shares', coopctl.core.db.Money(), nullable=False),
    sa.Column('to_savings', coopctl.core.db.Money(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['checkoff_imports.id'], name=op.f('fk_checkoff_lines_import_id_checkoff_imports')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_checkoff_lines_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkoff_lines')),
    sa.UniqueConstraint('import_id', 'line_no', name=op.f('uq_checkoff_lines_import_id_line_no'))
    )
    with op.batch_alter_table('checkoff_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkoff_lines_member_id'), ['member_id'], unique=False)

    op.create_table('deposit_accounts',
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('annual_rate', sa.BigInteger(), nullable=False),
    sa.Column('term_days', sa.Integer(), nullable=True),
    sa.Column('placed_on', sa.Date(), nullable=True),
    sa.Column('maturity_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_deposit_accounts_account_id_accounts')),
    sa.ForeignKeyConstraint(['product_id'], ['deposit_products.id'], name=op.f('fk_deposit_accounts_product_id_deposit_products')),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_deposit_accounts'))
    )
    with op.batch_alter_table('deposit_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposit_accounts_product_id'), ['product_id'], unique=False)

    op.create_table('withdrawal_notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('used_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("status IN ('open','used','expired')", name=op.f('ck_withdrawal_notices_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_withdrawal_notices_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_withdrawal_notices_account_id_accounts')),
    sa.ForeignKeyConstraint(['used_entry_id'], ['journal_entries.id'], name=op.f('fk_withdrawal_notices_used_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal_notices'))
    )
    with op.batch_alter_table('withdrawal_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_withdrawal_notices_account_id'), ['account_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('withdrawal_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_withdrawal_notices_account_id'))

    op.drop_table('withdrawal_notices')
    with op.batch_alter_table('deposit_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposit_accounts_product_id'))

    op.drop_table('deposit_accounts')
    with op.batch_alter_table('checkoff_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkoff_lines_member_id'))

    op.drop_table('checkoff_lines')
    with op.batch_alter_table('member_exits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_exits_member_id'))

    op.drop_table('member_exits')
    op.drop_table('deposit_products')
    op.drop_table('checkoff_imports')
    op.drop_table('bank_accounts')
    # ### end Alembic commands ###
