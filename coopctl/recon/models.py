"""Reconciliation tables: the cooperative's bank accounts (each on one GL account), the
imported statement files, statements and lines, and match groups joining bank lines
to ledger lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopctl.core.db import Base, BigId, Money, UTCDateTime
from coopctl.ledger.models import GLAccount


class BankAccount(Base):
    """A bank account of the cooperative; its money is booked on ``gl_account``."""

    __tablename__ = "bank_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(40), default="")
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    currency: Mapped[str] = mapped_column(String(3), default="NGN", server_default="NGN")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))

    gl_account: Mapped[GLAccount] = relationship()


class StatementImport(Base):
    """One imported statement file; its SHA-256 is unique per bank account."""

    __tablename__ = "recon_imports"
    __table_args__ = (UniqueConstraint("bank_account_id", "sha256"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))
    profile: Mapped[str] = mapped_column(String(100), default="")
    lines_read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class BankStatement(Base):
    """A statement of one import: balances as the bank gave them, and any recorded gap
    (closing − (opening + lines), or the break with the previous closing)."""

    __tablename__ = "recon_statements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("recon_imports.id"), index=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    statement_ref: Mapped[str] = mapped_column(String(120), default="")
    currency: Mapped[str] = mapped_column(String(3))
    opening: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    closing: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    opening_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    closing_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    gap: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    gap_note: Mapped[str] = mapped_column(String(300), default="")


class MatchGroup(Base):
    """Bank lines and ledger lines reconciled together (1↔1, 1↔many, many↔1)."""

    __tablename__ = "recon_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # auto | manual | posted
    score: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class StatementLine(Base):
    """One bank line, unique per bank account by the bank's id or its fingerprint."""

    __tablename__ = "recon_lines"
    __table_args__ = (
        UniqueConstraint("bank_account_id", "fingerprint"),
        Index("ix_recon_lines_bank_date", "bank_account_id", "booking_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("recon_statements.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(200))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    bank_ref: Mapped[str] = mapped_column(String(100), default="")
    counterparty: Mapped[str] = mapped_column(String(200), default="")
    balance: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    raw: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    suggest_gl: Mapped[str] = mapped_column(String(20), default="")
    suggest_member: Mapped[str] = mapped_column(String(20), default="")
    suggestion: Mapped[str] = mapped_column(String(300), default="")  # entry numbers, score
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("recon_groups.id"), nullable=True, index=True
    )


class GroupLedgerLine(Base):
    """A ledger line in a match group; a ledger line is reconciled at most once."""

    __tablename__ = "recon_group_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("recon_groups.id"), index=True)
    journal_line_id: Mapped[int] = mapped_column(ForeignKey("journal_lines.id"), unique=True)
