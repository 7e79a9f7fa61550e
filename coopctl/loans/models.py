"""Loan tables: products, loans, installments, allocations, approvals, guarantors,
penalty charges, repayments and write-off requests.

Money columns are :class:`~coopctl.core.db.Money` (BIGINT kobo); percentages are
:class:`Percent` (BIGINT ten-thousandths of a percent), exact on both databases.
The aging/provisioning code reads ``loans``, ``loan_installments`` and
``loan_allocations`` directly: keep their names and columns stable.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import coopctl.ledger.models  # noqa: F401  (relationship("Account") must resolve)
from coopctl.core.db import RATE_PLACES, Base, BigId, Money, Rate, UTCDateTime
from coopctl.core.money import CENT, ZERO

PERCENT_PLACES = RATE_PLACES
LOAN_STATUSES = ("applied", "approved", "active", "closed", "written_off", "rejected")
OPEN_STATUSES = ("applied", "approved", "active")
COMPONENTS = ("principal", "interest", "fees", "penalty")


Percent = Rate  # the shared exact percentage type


class LoanProduct(Base):
    """A loan product: pricing, schedule shape, fees, penalties and eligibility rules."""

    __tablename__ = "loan_products"
    __table_args__ = (
        CheckConstraint(
            "method IN ('declining_equal_installment','declining_equal_principal','flat')",
            name="method_known",
        ),
        CheckConstraint("frequency IN ('monthly','fortnightly','weekly')", name="frequency_known"),
        CheckConstraint(
            "day_count IN ('periodic','actual_365','actual_360')", name="day_count_known"
        ),
        CheckConstraint("fee_mode IN ('deduct','first_installment')", name="fee_mode_known"),
        CheckConstraint("prepayment IN ('reduce_term','reduce_installment')", name="prepay_known"),
        CheckConstraint("min_term >= 1 AND max_term >= min_term", name="term_range"),
        CheckConstraint("annual_rate >= 0 AND annual_rate <= 1000000", name="rate_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(40))
    annual_rate: Mapped[Decimal] = mapped_column(Percent)  # percent per year
    frequency: Mapped[str] = mapped_column(String(12), default="monthly")
    day_count: Mapped[str] = mapped_column(String(12), default="periodic")
    min_term: Mapped[int] = mapped_column(Integer, default=1)
    max_term: Mapped[int] = mapped_column(Integer, default=36)
    min_amount: Mapped[Decimal] = mapped_column(Money, default=CENT)
    max_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)  # None: no cap
    grace_principal: Mapped[int] = mapped_column(Integer, default=0)
    grace_interest: Mapped[int] = mapped_column(Integer, default=0)
    fee_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))
    fee_fixed: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    fee_mode: Mapped[str] = mapped_column(String(20), default="deduct")
    penalty_rate: Mapped[Decimal] = mapped_column(Percent, default=Decimal(0))  # % per month
    penalty_fixed: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    penalty_grace_days: Mapped[int] = mapped_column(Integer, default=0)
    savings_multiple: Mapped[Decimal] = mapped_column(Percent, default=Decimal(3))  # 0: no rule
    min_membership_months: Mapped[int] = mapped_column(Integer, default=0)
    max_active_loans: Mapped[int] = mapped_column(Integer, default=1)  # 0: no limit
    guarantors_required: Mapped[int] = mapped_column(Integer, default=2)
    guarantee_coverage_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal(100))
    allocation: Mapped[str] = mapped_column(String(40), default="standard")
    prepayment: Mapped[str] = mapped_column(String(20), default="reduce_term")
    rounding_unit: Mapped[Decimal] = mapped_column(Money, default=CENT)
    move_off_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64), default="system")


class Loan(Base):
    """A loan from application to close. ``account.balance`` is the outstanding principal."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied','approved','active','closed','written_off','rejected')",
            name="status_known",
        ),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("term >= 1", name="term_positive"),
        Index("ix_loans_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_no: Mapped[str] = mapped_column(String(20), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(20), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), nullable=True, unique=True
    )
    officer: Mapped[str] = mapped_column(String(64))
    principal: Mapped[Decimal] = mapped_column(Money)
    annual_rate: Mapped[Decimal] = mapped_column(Percent)
    term: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(12))
    day_count: Mapped[str] = mapped_column(String(12), default="periodic")
    grace_principal: Mapped[int] = mapped_column(Integer, default=0)
    grace_interest: Mapped[int] = mapped_column(Integer, default=0)
    fee_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    fee_mode: Mapped[str] = mapped_column(String(20), default="deduct")
    status: Mapped[str] = mapped_column(String(12), default="applied", index=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    applied_on: Mapped[date] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    disbursed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    written_off_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    rejected_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    restructured: Mapped[bool] = mapped_column(Boolean, default=False)
    rescheduled_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    watch_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Due dates of installment ``no`` step from anchor_date by (no - anchor_no) periods.
    anchor_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    anchor_no: Mapped[int] = mapped_column(Integer, default=0)
    written_off_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Any] = relationship("Account")


class LoanInstallment(Base):
    """One installment. Paid columns never exceed their due columns (CHECK).

    Rescheduling and prepayment re-amortisation mark rows ``superseded`` and insert
    new ones; superseded rows keep what was paid on them (history).
    """

    __tablename__ = "loan_installments"
    __table_args__ = (
        CheckConstraint(
            "principal_paid >= 0 AND principal_paid <= principal"
            " AND interest_paid >= 0 AND interest_paid <= interest"
            " AND fees_paid >= 0 AND fees_paid <= fees"
            " AND penalty_paid >= 0 AND penalty_paid <= penalty",
            name="paid_within_due",
        ),
        CheckConstraint(
            "principal >= 0 AND interest >= 0 AND fees >= 0 AND penalty >= 0", name="due_nonneg"
        ),
        Index("ix_loan_installments_loan_due", "loan_id", "due_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    no: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    interest: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    fees: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    penalty: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    principal_paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    interest_paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    fees_paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    penalty_paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    paid_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    origin: Mapped[str] = mapped_column(String(20), default="disbursement")
    origin_repayment_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_repayments.id"), nullable=True
    )
    superseded_by_repayment_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_repayments.id"), nullable=True
    )

    def due(self, component: str) -> Decimal:
        return getattr(self, component)  # type: ignore[no-any-return]

    def paid(self, component: str) -> Decimal:
        return getattr(self, f"{component}_paid")  # type: ignore[no-any-return]

    def unpaid(self, component: str) -> Decimal:
        return self.due(component) - self.paid(component)

    @property
    def total_unpaid(self) -> Decimal:
        return sum((self.unpaid(c) for c in COMPONENTS), ZERO)


class LoanRepayment(Base):
    """One repayment event (cash, bank, savings, check-off, guarantors...).

    A backdated repayment reverses the later ones (status ``reversed``) and replays
    them as new rows whose ``replay_of_id`` points at the row they replace.
    """

    __tablename__ = "loan_repayments"
    __table_args__ = (
        CheckConstraint("status IN ('posted','reversed')", name="status_known"),
        Index("ix_loan_repayments_loan_date", "loan_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    # NULL only until the shared entry (check-off, member exit) it is part of is posted.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    business_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # received, overpayment included
    overpayment: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    channel: Mapped[str] = mapped_column(String(12))  # cash|bank|savings|checkoff|exit|guarantors
    source: Mapped[str] = mapped_column(String(40), default="")  # GL code or account_no
    # JSON [[gl_code, account_no|null, amount], ...]: the debit lines, to replay the repayment.
    sources: Mapped[str | None] = mapped_column(Text, nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # lines inside another entry
    reference: Mapped[str] = mapped_column(String(100), default="")
    client_key: Mapped[str | None] = mapped_column(String(160), nullable=True, index=True)
    recovery: Mapped[bool] = mapped_column(Boolean, default=False)  # on a written-off loan
    status: Mapped[str] = mapped_column(String(10), default="posted")
    reversal_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True
    )
    replay_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_repayments.id"), nullable=True
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoanAllocation(Base):
    """Which installment and component each kobo of a repayment paid."""

    __tablename__ = "loan_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "component IN ('principal','interest','fees','penalty')", name="component_known"
        ),
        Index("ix_loan_allocations_loan", "loan_id", "business_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    installment_id: Mapped[int] = mapped_column(ForeignKey("loan_installments.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, index=True
    )
    repayment_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_repayments.id"), nullable=True, index=True
    )
    component: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Money)
    business_date: Mapped[date] = mapped_column(Date)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)


class LoanApproval(Base):
    """A committee member's decision on an application (one per approver)."""

    __tablename__ = "loan_approvals"
    __table_args__ = (
        UniqueConstraint("loan_id", "approver"),
        CheckConstraint("decision IN ('approved','rejected')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    approver: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoanGuarantor(Base):
    """A member guaranteeing part of a loan; an accepted guarantee becomes a hold at approval."""

    __tablename__ = "loan_guarantors"
    __table_args__ = (
        UniqueConstraint("loan_id", "member_id"),
        CheckConstraint(
            "status IN ('requested','accepted','declined','released')", name="status_known"
        ),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(10), default="requested")
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"), nullable=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    recovered: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class LoanPenaltyCharge(Base):
    """A penalty charged to an installment for one period of lateness (idempotent by key)."""

    __tablename__ = "loan_penalty_charges"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    installment_id: Mapped[int] = mapped_column(ForeignKey("loan_installments.id"))
    period_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    business_date: Mapped[date] = mapped_column(Date)
    # Cash basis: penalties are income when paid, so a charge posts no entry (stays NULL).
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoanWriteoff(Base):
    """A write-off request (maker) and its decision (checker)."""

    __tablename__ = "loan_writeoffs"
    __table_args__ = (
        CheckConstraint("status IN ('pending','approved','rejected')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)  # principal written off
    from_provision: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
