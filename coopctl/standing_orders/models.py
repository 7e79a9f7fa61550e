"""Standing-order tables: the member's instruction and one row per due date.

``standing_orders`` holds the instruction (from which account, to an account or a
loan, a fixed amount or the loan's amount due, the schedule, priority, policy when
funds are short, status). ``standing_order_runs`` holds what happened to each due
date of an order: paid, paid in part, waiting for a checker, nothing due, short
(retried on the next days) or given up. Unique on (order, due date): a due date is
collected at most once, whatever the number of runs.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

import coopctl.ledger.models  # foreign keys to accounts and journal entries
import coopctl.loans.models  # noqa: F401  (foreign key to loans)
from coopctl.core.db import Base, BigId, Money, UTCDateTime
from coopctl.core.money import ZERO

ORDER_STATUSES = ("active", "paused", "cancelled", "ended")
RUN_STATUSES = ("paid", "partial", "pending", "nothing_due", "short", "given_up")
FINAL_RUN_STATUSES = ("paid", "partial", "pending", "nothing_due", "given_up")
NARRATION_MAX = 500  # the --narration limit of every command (core.limits)


class StandingOrder(Base):
    """A member's recurring instruction (see docs/standing-orders.md)."""

    __tablename__ = "standing_orders"
    __table_args__ = (
        CheckConstraint("frequency IN ('monthly','weekly')", name="frequency_known"),
        CheckConstraint("on_short IN ('skip','partial')", name="on_short_known"),
        CheckConstraint("status IN ('active','paused','cancelled','ended')", name="status_known"),
        CheckConstraint(
            "(to_account_id IS NOT NULL AND loan_id IS NULL)"
            " OR (to_account_id IS NULL AND loan_id IS NOT NULL)",
            name="one_destination",
        ),
        CheckConstraint(
            "(amount IS NOT NULL AND amount > 0 AND NOT amount_due)"
            " OR (amount IS NULL AND amount_due AND loan_id IS NOT NULL)",
            name="amount_or_due",
        ),
        CheckConstraint(
            "(frequency = 'monthly' AND day BETWEEN 1 AND 31)"
            " OR (frequency = 'weekly' AND day BETWEEN 1 AND 7)",
            name="day_range",
        ),
        CheckConstraint("priority BETWEEN 1 AND 99", name="priority_range"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="end_after_start"),
        CheckConstraint("from_account_id <> to_account_id", name="distinct_accounts"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    to_account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    amount_due: Mapped[bool] = mapped_column(Boolean, default=False)
    frequency: Mapped[str] = mapped_column(String(10))
    day: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    collect_from: Mapped[date] = mapped_column(Date)  # the start, or the last resumption
    priority: Mapped[int] = mapped_column(Integer, default=50)
    on_short: Mapped[str] = mapped_column(String(10), default="skip")
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    narration: Mapped[str] = mapped_column(String(NARRATION_MAX), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StandingOrderRun(Base):
    """What happened to one due date of an order (one row, updated by each attempt)."""

    __tablename__ = "standing_order_runs"
    __table_args__ = (
        UniqueConstraint("order_id", "due_date"),
        CheckConstraint(
            "status IN ('paid','partial','pending','nothing_due','short','given_up')",
            name="status_known",
        ),
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        CheckConstraint("attempts >= 0", name="attempts_nonneg"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("standing_orders.id"), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)  # paid (or pending)
    wanted: Mapped[Decimal] = mapped_column(Money, default=ZERO)  # asked for at the last attempt
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), nullable=True)
    last_attempt_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
