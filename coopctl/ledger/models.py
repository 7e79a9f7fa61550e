"""Ledger tables. The database itself enforces the rules (see migration 0003):
CHECK constraints on lines, triggers on the flip to ``posted``, and triggers
that make posted entries and their lines immutable."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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

import coopctl.members.models  # noqa: F401  (accounts.member_id → members.id must resolve)
from coopctl.core.db import Base, BigId, Money, UTCDateTime
from coopctl.core.money import ZERO

GL_TYPES = ("asset", "liability", "equity", "income", "expense")
CASH_FLOW = ("operating", "investing", "financing", "cash", "none")


class GLAccount(Base):
    """An account of the general ledger (chart of accounts)."""

    __tablename__ = "gl_accounts"
    __table_args__ = (
        CheckConstraint(
            "type IN ('asset','liability','equity','income','expense')", name="type_known"
        ),
        CheckConstraint("normal_balance IN ('debit','credit')", name="normal_known"),
        CheckConstraint(
            "cash_flow IN ('operating','investing','financing','cash','none')", name="cf_known"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("gl_accounts.id"), nullable=True)
    normal_balance: Mapped[str] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    manual_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    is_header: Mapped[bool] = mapped_column(Boolean, default=False)  # groups, no postings
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)  # has member sub-ledger
    contra: Mapped[bool] = mapped_column(Boolean, default=False)  # e.g. loan-loss provision
    cash_flow: Mapped[str] = mapped_column(String(10), default="operating")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    parent: Mapped[GLAccount | None] = relationship(remote_side="GLAccount.id")


class Period(Base):
    """A monthly fiscal period; closed periods refuse postings (trigger + engine)."""

    __tablename__ = "periods"
    __table_args__ = (
        UniqueConstraint("year", "month"),
        CheckConstraint("status IN ('open','closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Account(Base):
    """A member sub-ledger account (savings, shares, fixed deposit, loan...).

    ``balance`` is kept in the control GL account's normal direction (credit-
    positive for liabilities, debit-positive for assets) and updated in the same
    transaction as the lines; ``ledger verify`` proves it equals the lines.
    ``held`` is the sum of active holds; available = balance − held, which may
    never fall below ``floor`` when a posting reduces the account.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("status IN ('pending','active','dormant','closed')", name="status_known"),
        CheckConstraint("held >= 0", name="held_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_no: Mapped[str] = mapped_column(String(20), unique=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # savings|shares|fixed_deposit|loan|...
    product_code: Mapped[str] = mapped_column(String(20))
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    balance: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    held: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    floor: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    gl_account: Mapped[GLAccount] = relationship()


class Hold(Base):
    """A lien on a member account (guarantee, fixed-deposit lock, court order...)."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("status IN ('active','released')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JournalEntry(Base):
    """A journal entry. Inserted as draft (or pending), flipped to posted; immutable after."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        CheckConstraint("status IN ('draft','pending','posted','rejected')", name="status_known"),
        Index("ix_journal_entries_business_date", "business_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    business_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(100), default="")
    narration: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    maker: Mapped[str] = mapped_column(String(64))
    checker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    approval_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True
    )
    reversed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, unique=True
    )
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # reject/reversal reason
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.line_no", foreign_keys="JournalLine.entry_id"
    )

    @property
    def entry_no(self) -> str:
        return entry_no_of(self.id)

    @property
    def display_status(self) -> str:
        return "reversed" if self.status == "posted" and self.reversed_by_id else self.status


def entry_no_of(entry_id: int) -> str:
    return f"JE{entry_id:08d}"


class JournalLine(Base):
    """One side of an entry: exactly one of debit/credit is positive (CHECK)."""

    __tablename__ = "journal_lines"
    __table_args__ = (
        CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_side"
        ),
        UniqueConstraint("entry_id", "line_no"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id"), nullable=True, index=True
    )
    debit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    memo: Mapped[str] = mapped_column(String(200), default="")

    entry: Mapped[JournalEntry] = relationship(back_populates="lines", foreign_keys=[entry_id])
    gl_account: Mapped[GLAccount] = relationship()
    account: Mapped[Account | None] = relationship()


class PeriodBalance(Base):
    """Posted debit and credit totals of one GL account in one closed period (kobo).

    Written once when the period closes (``ledger.period_balances``) and deleted
    when it reopens, so reports add up a few thousand snapshot rows instead of
    every line; ``closing_*`` is the part from year-end closing entries, which
    income statements and cash-flow statements leave out. ``ledger verify``
    proves each row equals the lines.
    """

    __tablename__ = "period_balances"
    __table_args__ = (
        UniqueConstraint("period_id", "gl_account_id"),
        CheckConstraint(
            "debit >= 0 AND credit >= 0 AND closing_debit >= 0 AND closing_credit >= 0",
            name="nonneg",
        ),
        CheckConstraint(
            "closing_debit <= debit AND closing_credit <= credit", name="closing_within"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"))
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"))
    debit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    closing_debit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    closing_credit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
