"""Deposit tables: products, deposit-account details, check-off imports, member exits,
withdrawal notices.

Member accounts themselves are rows of the ledger's ``accounts`` table
(:class:`coopctl.ledger.models.Account`); :class:`DepositAccount` holds what only
deposits need (the product, the rate and, for fixed deposits, the placement and
maturity dates), keyed by the account id.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
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

from coopctl.core.db import Base, BigId, Money, Rate, UTCDateTime
from coopctl.core.money import ZERO
from coopctl.ledger.models import Account, GLAccount

# Importing the bank-accounts table here keeps it known wherever deposits are.
from coopctl.recon.models import BankAccount  # noqa: F401

PRODUCT_KINDS = ("savings", "shares", "fixed_deposit")
INTEREST_METHODS = ("daily_balance", "average_daily_balance", "minimum_monthly_balance")
POSTING_FREQUENCIES = ("monthly", "quarterly", "annually")
MATURITY_INSTRUCTIONS = ("payout", "rollover", "rollover_principal")
FD_INTEREST_KINDS = ("accrual", "payment", "adjustment")


class DepositProduct(Base):
    """A savings, shares or fixed-deposit product and the GL accounts it posts to."""

    __tablename__ = "deposit_products"
    __table_args__ = (
        CheckConstraint("kind IN ('savings','shares','fixed_deposit')", name="kind_known"),
        CheckConstraint(
            "interest_method IN ('daily_balance','average_daily_balance',"
            "'minimum_monthly_balance')",
            name="method_known",
        ),
        CheckConstraint("days_in_year IN (360, 365)", name="days_known"),
        CheckConstraint(
            "posting_frequency IN ('monthly','quarterly','annually')", name="frequency_known"
        ),
        CheckConstraint("status IN ('active','retired')", name="status_known"),
        CheckConstraint("annual_rate >= 0 AND annual_rate <= 1000000", name="rate_range"),
        CheckConstraint("min_balance >= 0", name="min_balance_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    annual_rate: Mapped[Decimal] = mapped_column(Rate)  # percent per year
    interest_method: Mapped[str] = mapped_column(String(30), default="daily_balance")
    days_in_year: Mapped[int] = mapped_column(Integer, default=365)
    posting_frequency: Mapped[str] = mapped_column(String(10), default="monthly")
    min_interest_balance: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    min_opening_balance: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    min_balance: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    withdrawals_per_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notice_days: Mapped[int] = mapped_column(Integer, default=0)
    price_per_share: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    min_shares: Mapped[int] = mapped_column(Integer, default=0)
    # Dormancy (docs/deposits.md): NULL = the [deposits] setting of the same name.
    dormant_after_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dormant_interest: Mapped[str | None] = mapped_column(String(4), nullable=True)
    term_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    early_withdrawal_penalty: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    control_gl_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"))
    interest_gl_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))

    control_gl: Mapped[GLAccount] = relationship(foreign_keys=[control_gl_id])
    interest_gl: Mapped[GLAccount] = relationship(foreign_keys=[interest_gl_id])


class DepositAccount(Base):
    """Deposit-specific details of a member account (one row per deposit account).

    Fixed deposits also carry their maturity instruction (``payout``: principal and
    interest to the payout account; ``rollover``: both into a new deposit;
    ``rollover_principal``: the principal into a new deposit, the interest paid out),
    the savings account that receives payouts (None: the member's account of
    ``[fixed_deposits] payout_product``), the deposit they were rolled over from and
    the day they matured or were broken.
    """

    __tablename__ = "deposit_accounts"
    __table_args__ = (
        CheckConstraint(
            "maturity_instruction IS NULL OR maturity_instruction IN "
            "('payout','rollover','rollover_principal')",
            name="instruction_known",
        ),
    )

    account_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("accounts.id"), primary_key=True, autoincrement=False
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("deposit_products.id"), index=True)
    annual_rate: Mapped[Decimal] = mapped_column(Rate)  # the product rate when opened
    term_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    placed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # fixed deposits
    maturity_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    maturity_instruction: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payout_account_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id"), nullable=True
    )
    rolled_from_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("accounts.id"), nullable=True
    )
    matured_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    product: Mapped[DepositProduct] = relationship()


DORMANCY_EVENTS = ("dormant", "reactivated")


class DormancyEvent(Base):
    """An account became dormant (the nightly ``deposits.dormancy`` step) or was
    reactivated (an approved ``account_reactivation``). The account's current state is
    ``accounts.status``; these rows are its history and the dates dormancy counts from."""

    __tablename__ = "dormancy_events"
    __table_args__ = (
        CheckConstraint("event IN ('dormant','reactivated')", name="event_known"),
        UniqueConstraint("account_id", "event", "on_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"), index=True)
    event: Mapped[str] = mapped_column(String(12))
    on_date: Mapped[date] = mapped_column(Date)
    last_activity: Mapped[date | None] = mapped_column(Date, nullable=True)
    reference: Mapped[str] = mapped_column(String(20), default="")  # AP… of a reactivation
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class CheckoffImport(Base):
    """One imported payroll check-off file, posted as one entry. Unique by SHA-256 and by
    (bank, reference); ``content_sha256`` fingerprints the parsed lines, and
    ``warning`` records that an earlier import had equal lines (it posted anyway; see
    :mod:`coopctl.core.imports`)."""

    __tablename__ = "checkoff_imports"
    __table_args__ = (
        Index("ux_checkoff_imports_bank_reference", "bank_code", "reference_key", unique=True),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    bank_code: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100))
    reference_key: Mapped[str] = mapped_column(String(100))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    business_date: Mapped[date] = mapped_column(Date)
    declared_total: Mapped[Decimal] = mapped_column(Money)
    file_total: Mapped[Decimal] = mapped_column(Money)
    lines_count: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))

    lines: Mapped[list[CheckoffLine]] = relationship(
        back_populates="batch", order_by="CheckoffLine.line_no"
    )


class CheckoffLine(Base):
    """How one line of a check-off file was applied."""

    __tablename__ = "checkoff_lines"
    __table_args__ = (UniqueConstraint("import_id", "line_no"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("checkoff_imports.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    to_loans: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    to_shares: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    to_savings: Mapped[Decimal] = mapped_column(Money, default=ZERO)

    batch: Mapped[CheckoffImport] = relationship(back_populates="lines")


class ExitRequest(Base):
    """A member's exit: requested (pending a checker), then executed, or rejected."""

    __tablename__ = "member_exits"
    __table_args__ = (
        CheckConstraint("status IN ('pending','executed','rejected')", name="status_known"),
        CheckConstraint("channel IN ('cash','bank','payable')", name="channel_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    request_no: Mapped[str] = mapped_column(String(20), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    channel: Mapped[str] = mapped_column(String(10))
    bank_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    business_date: Mapped[date] = mapped_column(Date)
    settlement: Mapped[str] = mapped_column(Text)  # JSON snapshot shown to the checker
    refund: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    loans_offset: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    maker: Mapped[str] = mapped_column(String(64))
    checker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


NOTICE_STATUSES = ("open", "used", "expired")


class WithdrawalNotice(Base):
    """A member's notice of withdrawal on an account whose product needs ``notice_days``.

    Open until one withdrawal uses it up (``used``, with that entry) or it lapses
    ``notice_days + 30`` days after it was given (``expired``).
    """

    __tablename__ = "withdrawal_notices"
    __table_args__ = (
        CheckConstraint("status IN ('open','used','expired')", name="status_known"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    given_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    used_entry_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("journal_entries.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class FdInterest(Base):
    """One change of a fixed deposit's interest payable (GL 2210), beside the entry that
    made it: a month-end ``accrual`` (+), the ``payment`` at maturity (−, the whole
    accrued interest), or the ``adjustment`` of an early withdrawal (the accrued
    interest brought to what was earned at the reduced rate, then paid). What a deposit
    has accrued is the sum of its rows whose entry is posted, so an early withdrawal
    waiting for a checker counts only once approved."""

    __tablename__ = "fd_interest"
    __table_args__ = (
        CheckConstraint("kind IN ('accrual','payment','adjustment')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("accounts.id"), index=True)
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entries.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    accrued_delta: Mapped[Decimal] = mapped_column(Money)  # change of interest payable
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
