"""Approvals tables: one row per pending action, one per decision on it."""

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

from coopctl.core.db import Base, BigId, Money, UTCDateTime

STATES = ("pending", "approved", "applied", "rejected", "expired", "failed")
ID_PREFIX = "AP"


class PendingAction(Base):
    """An action waiting for (or past) its checkers: ``pending → approved → applied``,
    or ``rejected``, ``expired``, ``failed`` (with ``reason``)."""

    __tablename__ = "pending_actions"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending','approved','applied','rejected','expired','failed')",
            name="state_known",
        ),
        CheckConstraint("level >= 0 AND level <= levels", name="level_range"),
        Index("ix_pending_actions_state_kind", "state", "kind"),
        Index("ix_pending_actions_kind_subject", "kind", "subject"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))  # JE…, M…, L…, EX…, budget year
    payload: Mapped[str] = mapped_column(Text, default="{}")  # JSON the kind's apply reads
    amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    maker: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[date] = mapped_column(Date)  # the maker's business date
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # last day to approve
    levels: Mapped[int] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer, default=0)  # levels approved so far
    rule: Mapped[str] = mapped_column(Text, default="{}")  # JSON: roles per level, otp
    state: Mapped[str] = mapped_column(String(10), default="pending")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(String(100), nullable=True)  # e.g. JE… posted
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    decisions: Mapped[list[ApprovalDecision]] = relationship(
        back_populates="action", order_by="ApprovalDecision.id"
    )

    @property
    def action_no(self) -> str:
        return f"{ID_PREFIX}{self.id:08d}"


class ApprovalDecision(Base):
    """One checker's decision on one level. An operator decides at most once per action."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        UniqueConstraint("action_id", "operator"),
        CheckConstraint("decision IN ('approved','rejected')", name="decision_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("pending_actions.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(10))
    operator: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    otp_used: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)

    action: Mapped[PendingAction] = relationship(back_populates="decisions")
