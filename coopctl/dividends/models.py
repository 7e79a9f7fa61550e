"""Dividend runs, their per-member lines, and each member's payment preference.

A run is declared for one fiscal year and waits for a checker (kind ``dividend``
of the approvals engine); its lines are what the checker approves, stored at
declaration. Applied, the run posts the appropriation and one payment entry per
member. At most one run of a year is pending or applied (enforced by the
service and, for applied runs, by the idempotency keys of their entries).
"""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

import coopctl.ledger.models
import coopctl.members.models  # noqa: F401
from coopctl.core.db import Base, BigId, Money, Rate, UTCDateTime
from coopctl.core.money import ZERO

PAY_TO = ("savings", "shares", "payable")


class DividendRun(Base):
    """One declaration for a fiscal year: rates, totals, and where it stands."""

    __tablename__ = "dividend_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','applied','rejected','expired','failed')", name="status_known"
        ),
        CheckConstraint("weighting IN ('monthly','none')", name="weighting_known"),
        CheckConstraint(
            "reserve >= 0 AND total_dividend >= 0 AND total_rebate >= 0 AND total_wht >= 0",
            name="totals_nonneg",
        ),
        CheckConstraint(
            "reserve + total_dividend + total_rebate <= surplus", name="within_surplus"
        ),
        Index("ix_dividend_runs_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    dividend_rate: Mapped[Decimal] = mapped_column(Rate)
    rebate_rate: Mapped[Decimal] = mapped_column(Rate)
    reserve_percent: Mapped[Decimal] = mapped_column(Rate)
    wht_percent: Mapped[Decimal] = mapped_column(Rate)
    weighting: Mapped[str] = mapped_column(String(8))
    offset_arrears: Mapped[bool] = mapped_column(Boolean, default=False)
    surplus: Mapped[Decimal] = mapped_column(Money)
    reserve: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    total_dividend: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    total_rebate: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    total_wht: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    declared_by: Mapped[str] = mapped_column(String(64))
    declared_on: Mapped[date] = mapped_column(Date)
    approval_no: Mapped[str | None] = mapped_column(String(20), nullable=True)
    applied_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    appropriation_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True
    )
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    lines: Mapped[list[DividendLine]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="DividendLine.id"
    )

    @property
    def run_no(self) -> str:
        return f"DV{self.id:08d}"


class DividendLine(Base):
    """One member's part of a run: bases, dividend, rebate, tax, and where it was paid."""

    __tablename__ = "dividend_lines"
    __table_args__ = (
        UniqueConstraint("run_id", "member_id"),
        CheckConstraint(
            "dividend >= 0 AND rebate >= 0 AND wht >= 0 AND wht <= dividend", name="amounts_valid"
        ),
        CheckConstraint(
            "arrears_paid >= 0 AND arrears_paid <= dividend + rebate - wht", name="arrears_valid"
        ),
        CheckConstraint("pay_to IN ('savings','shares','payable')", name="pay_to_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dividend_runs.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    member_no: Mapped[str] = mapped_column(String(20))
    share_base: Mapped[Decimal] = mapped_column(Money)  # month-end sum, or year-end balance
    interest_paid: Mapped[Decimal] = mapped_column(Money)
    dividend: Mapped[Decimal] = mapped_column(Money)
    rebate: Mapped[Decimal] = mapped_column(Money)
    wht: Mapped[Decimal] = mapped_column(Money)
    arrears_paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)  # loan arrears, first
    pay_to: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)

    run: Mapped[DividendRun] = relationship(back_populates="lines")

    @property
    def net(self) -> Decimal:
        return self.dividend + self.rebate - self.wht


class DividendPreference(Base):
    """Where a member's dividends go: ``savings`` (default), ``shares`` or ``payable``."""

    __tablename__ = "dividend_preferences"
    __table_args__ = (
        CheckConstraint("pay_to IN ('savings','shares','payable')", name="pay_to_known"),
    )

    member_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("members.id"), primary_key=True, autoincrement=False
    )
    pay_to: Mapped[str] = mapped_column(String(10))
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
