"""Budget tables: one budget per fiscal year, 12 monthly amounts per GL account.

A budget is imported as ``draft`` and becomes ``approved`` when a checker (a
different operator holding ``budgets.approve``) approves it, unless config
``[approvals.budget]`` says no checker is needed. Each line holds one GL
account's amount for one calendar month of the fiscal year.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopctl.core.db import Base, BigId, Money, UTCDateTime
from coopctl.core.money import ZERO


class Budget(Base):
    """The budget of one fiscal year (named by the calendar year it starts in)."""

    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("year"),
        CheckConstraint("status IN ('draft','approved')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="BudgetLine.id"
    )


class BudgetLine(Base):
    """One GL account's budgeted amount for one month (in the account's normal direction)."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint(
            "budget_id", "gl_account_id", "period_year", "period_month", name="uq_budget_lines_cell"
        ),
        CheckConstraint("period_month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"), index=True)
    gl_account_id: Mapped[int] = mapped_column(ForeignKey("gl_accounts.id"), index=True)
    period_year: Mapped[int] = mapped_column(Integer)
    period_month: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)

    budget: Mapped[Budget] = relationship(back_populates="lines")
