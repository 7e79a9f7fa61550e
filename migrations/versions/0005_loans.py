"""Loans: products, applications, schedules, repayments, allocations, guarantors,
penalties and write-offs

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import coopctl.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Percent columns (coopctl.loans.models.Percent) are BIGINT ten-thousandths of a percent;
    # Money columns are BIGINT kobo.
    op.create_table('loan_products',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('annual_rate', sa.BigInteger(), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('day_count', sa.String(length=12), nullable=False),
    sa.Column('min_term', sa.Integer(), nullable=False),
    sa.Column('max_term', sa.Integer(), nullable=False),
    sa.Column('min_amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('max_amount', coopctl.core.db.Money(), nullable=True),
    sa.Column('grace_principal', sa.Integer(), nullable=False),
    sa.Column('grace_interest', sa.Integer(), nullable=False),
    sa.Column('fee_percent', sa.BigInteger(), nullable=False),
    sa.Column('fee_fixed', coopctl.core.db.Money(), nullable=False),
    sa.Column('fee_mode', sa.String(length=20), nullable=False),
    sa.Column('penalty_rate', sa.BigInteger(), nullable=False),
    sa.Column('penalty_fixed', coopctl.core.db.Money(), nullable=False),
    sa.Column('penalty_grace_days', sa.Integer(), nullable=False),
    sa.Column('savings_multiple', sa.BigInteger(), nullable=False),
    sa.Column('min_membership_months', sa.Integer(), nullable=False),
    sa.Column('max_active_loans', sa.Integer(), nullable=False),
    sa.Column('guarantors_required', sa.Integer(), nullable=False),
    sa.Column('guarantee_coverage_percent', sa.BigInteger(), nullable=False),
    sa.Column('allocation', sa.String(length=40), nullable=False),
    sa.Column('prepayment', sa.String(length=20), nullable=False),
    sa.Column('rounding_unit', coopctl.core.db.Money(), nullable=False),
    sa.Column('move_off_holidays', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("day_count IN ('periodic','actual_365','actual_360')", name=op.f('ck_loan_products_day_count_known')),
    sa.CheckConstraint("fee_mode IN ('deduct','first_installment')", name=op.f('ck_loan_products_fee_mode_known')),
    sa.CheckConstraint("frequency IN ('monthly','fortnightly','weekly')", name=op.f('ck_loan_products_frequency_known')),
    sa.CheckConstraint("method IN ('declining_equal_installment','declining_equal_principal','flat')", name=op.f('ck_loan_products_method_known')),
    sa.CheckConstraint("prepayment IN ('reduce_term','reduce_installment')", name=op.f('ck_loan_products_prepay_known')),
    sa.CheckConstraint('annual_rate >= 0 AND annual_rate <= 1000000', name=op.f('ck_loan_products_rate_range')),
    sa.CheckConstraint('min_term >= 1 AND max_term >= min_term', name=op.f('ck_loan_products_term_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_products')),
    sa.UniqueConstraint('code', name=op.f('uq_loan_products_code'))
    )
    op.create_table('loans',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_no', sa.String(length=20), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('product_code', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('officer', sa.String(length=64), nullable=False),
    sa.Column('principal', coopctl.core.db.Money(), nullable=False),
    sa.Column('annual_rate', sa.BigInteger(), nullable=False),
    sa.Column('term', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=40), nullable=False),
    sa.Column('frequency', sa.String(length=12), nullable=False),
    sa.Column('day_count', sa.String(length=12), nullable=False),
    sa.Column('grace_principal', sa.Integer(), nullable=False),
    sa.Column('grace_interest', sa.Integer(), nullable=False),
    sa.Column('fee_amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('fee_mode', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('disbursed_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('written_off_on', sa.Date(), nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=True),
    sa.Column('restructured', sa.Boolean(), nullable=False),
    sa.Column('rescheduled_on', sa.Date(), nullable=True),
    sa.Column('watch_until', sa.Date(), nullable=True),
    sa.Column('anchor_date', sa.Date(), nullable=True),
    sa.Column('anchor_no', sa.Integer(), nullable=False),
    sa.Column('written_off_amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('applied','approved','active','closed','written_off','rejected')", name=op.f('ck_loans_status_known')),
    sa.CheckConstraint('principal > 0', name=op.f('ck_loans_principal_positive')),
    sa.CheckConstraint('term >= 1', name=op.f('ck_loans_term_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_loans_account_id_accounts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_loans_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('account_id', name=op.f('uq_loans_account_id')),
    sa.UniqueConstraint('loan_no', name=op.f('uq_loans_loan_no'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_loans_member_status', ['member_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_product_code'), ['product_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_status'), ['status'], unique=False)
    op.create_table('loan_approvals',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('approver', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('approved','rejected')", name=op.f('ck_loan_approvals_decision_known')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_approvals_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_approvals')),
    sa.UniqueConstraint('loan_id', 'approver', name=op.f('uq_loan_approvals_loan_id_approver'))
    )
    with op.batch_alter_table('loan_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_approvals_loan_id'), ['loan_id'], unique=False)
    op.create_table('loan_guarantors',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('hold_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('account_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('recovered', coopctl.core.db.Money(), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.CheckConstraint("status IN ('requested','accepted','declined','released')", name=op.f('ck_loan_guarantors_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_loan_guarantors_amount_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_loan_guarantors_account_id_accounts')),
    sa.ForeignKeyConstraint(['hold_id'], ['holds.id'], name=op.f('fk_loan_guarantors_hold_id_holds')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_guarantors_loan_id_loans')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_loan_guarantors_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_guarantors')),
    sa.UniqueConstraint('loan_id', 'member_id', name=op.f('uq_loan_guarantors_loan_id_member_id'))
    )
    with op.batch_alter_table('loan_guarantors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_guarantors_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_guarantors_member_id'), ['member_id'], unique=False)
    op.create_table('loan_repayments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('overpayment', coopctl.core.db.Money(), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('sources', sa.Text(), nullable=True),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('client_key', sa.String(length=160), nullable=True),
    sa.Column('recovery', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reversal_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('replay_of_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('posted','reversed')", name=op.f('ck_loan_repayments_status_known')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_loan_repayments_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_repayments_loan_id_loans')),
    sa.ForeignKeyConstraint(['replay_of_id'], ['loan_repayments.id'], name=op.f('fk_loan_repayments_replay_of_id_loan_repayments')),
    sa.ForeignKeyConstraint(['reversal_entry_id'], ['journal_entries.id'], name=op.f('fk_loan_repayments_reversal_entry_id_journal_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_repayments'))
    )
    with op.batch_alter_table('loan_repayments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_repayments_client_key'), ['client_key'], unique=False)
        batch_op.create_index('ix_loan_repayments_loan_date', ['loan_id', 'business_date'], unique=False)
    op.create_table('loan_writeoffs',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_on', sa.Date(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('from_provision', coopctl.core.db.Money(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending','approved','rejected')", name=op.f('ck_loan_writeoffs_status_known')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_loan_writeoffs_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_writeoffs_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_writeoffs'))
    )
    with op.batch_alter_table('loan_writeoffs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_writeoffs_loan_id'), ['loan_id'], unique=False)
    op.create_table('loan_installments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('principal', coopctl.core.db.Money(), nullable=False),
    sa.Column('interest', coopctl.core.db.Money(), nullable=False),
    sa.Column('fees', coopctl.core.db.Money(), nullable=False),
    sa.Column('penalty', coopctl.core.db.Money(), nullable=False),
    sa.Column('principal_paid', coopctl.core.db.Money(), nullable=False),
    sa.Column('interest_paid', coopctl.core.db.Money(), nullable=False),
    sa.Column('fees_paid', coopctl.core.db.Money(), nullable=False),
    sa.Column('penalty_paid', coopctl.core.db.Money(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('superseded', sa.Boolean(), nullable=False),
    sa.Column('origin', sa.String(length=20), nullable=False),
    sa.Column('origin_repayment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('superseded_by_repayment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint('principal >= 0 AND interest >= 0 AND fees >= 0 AND penalty >= 0', name=op.f('ck_loan_installments_due_nonneg')),
    sa.CheckConstraint('principal_paid >= 0 AND principal_paid <= principal AND interest_paid >= 0 AND interest_paid <= interest AND fees_paid >= 0 AND fees_paid <= fees AND penalty_paid >= 0 AND penalty_paid <= penalty', name=op.f('ck_loan_installments_paid_within_due')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_installments_loan_id_loans')),
    sa.ForeignKeyConstraint(['origin_repayment_id'], ['loan_repayments.id'], name=op.f('fk_loan_installments_origin_repayment_id_loan_repayments')),
    sa.ForeignKeyConstraint(['superseded_by_repayment_id'], ['loan_repayments.id'], name=op.f('fk_loan_installments_superseded_by_repayment_id_loan_repayments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_installments'))
    )
    with op.batch_alter_table('loan_installments', schema=None) as batch_op:
        batch_op.create_index('ix_loan_installments_loan_due', ['loan_id', 'due_date'], unique=False)
    op.create_table('loan_allocations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('installment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('repayment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('component', sa.String(length=10), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('reversed', sa.Boolean(), nullable=False),
    sa.CheckConstraint("component IN ('principal','interest','fees','penalty')", name=op.f('ck_loan_allocations_component_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_loan_allocations_amount_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_loan_allocations_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['installment_id'], ['loan_installments.id'], name=op.f('fk_loan_allocations_installment_id_loan_installments')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_allocations_loan_id_loans')),
    sa.ForeignKeyConstraint(['repayment_id'], ['loan_repayments.id'], name=op.f('fk_loan_allocations_repayment_id_loan_repayments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_allocations'))
    )
    with op.batch_alter_table('loan_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_allocations_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_allocations_installment_id'), ['installment_id'], unique=False)
        batch_op.create_index('ix_loan_allocations_loan', ['loan_id', 'business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_allocations_repayment_id'), ['repayment_id'], unique=False)
    op.create_table('loan_penalty_charges',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('loan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('installment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period_key', sa.String(length=80), nullable=False),
    sa.Column('amount', coopctl.core.db.Money(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', coopctl.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_loan_penalty_charges_amount_positive')),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entries.id'], name=op.f('fk_loan_penalty_charges_entry_id_journal_entries')),
    sa.ForeignKeyConstraint(['installment_id'], ['loan_installments.id'], name=op.f('fk_loan_penalty_charges_installment_id_loan_installments')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_penalty_charges_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_penalty_charges')),
    sa.UniqueConstraint('period_key', name=op.f('uq_loan_penalty_charges_period_key'))
    )
    with op.batch_alter_table('loan_penalty_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_penalty_charges_loan_id'), ['loan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loan_penalty_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_penalty_charges_loan_id'))
    op.drop_table('loan_penalty_charges')
    with op.batch_alter_table('loan_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_allocations_repayment_id'))
        batch_op.drop_index('ix_loan_allocations_loan')
        batch_op.drop_index(batch_op.f('ix_loan_allocations_installment_id'))
        batch_op.drop_index(batch_op.f('ix_loan_allocations_entry_id'))
    op.drop_table('loan_allocations')
    with op.batch_alter_table('loan_installments', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_installments_loan_due')
    op.drop_table('loan_installments')
    with op.batch_alter_table('loan_writeoffs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_writeoffs_loan_id'))
    op.drop_table('loan_writeoffs')
    with op.batch_alter_table('loan_repayments', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_repayments_loan_date')
        batch_op.drop_index(batch_op.f('ix_loan_repayments_client_key'))
    op.drop_table('loan_repayments')
    with op.batch_alter_table('loan_guarantors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_guarantors_member_id'))
        batch_op.drop_index(batch_op.f('ix_loan_guarantors_loan_id'))
    op.drop_table('loan_guarantors')
    with op.batch_alter_table('loan_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_approvals_loan_id'))
    op.drop_table('loan_approvals')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_status'))
        batch_op.drop_index(batch_op.f('ix_loans_product_code'))
        batch_op.drop_index('ix_loans_member_status')
        batch_op.drop_index(batch_op.f('ix_loans_member_id'))
    op.drop_table('loans')
    op.drop_table('loan_products')
