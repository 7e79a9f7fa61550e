"""Go-live tables: the go-live state (date, lock), each imported file, the legacy ids of
imported members and the auditor's opening trial balance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import coopctl.members.models  # noqa: F401  (golive_members.member_id → members.id)
from coopctl.core.db import Base, BigId, Money, UTCDateTime
from coopctl.core.money import ZERO


class GoliveState(Base):
    """The one go-live of this cooperative: its date, and whether it is finished (locked)."""

    __tablename__ = "golive_state"
    __table_args__ = (CheckConstraint("status IN ('open','finished')", name="status_known"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    golive_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    opening_gl: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class GoliveImport(Base):
    """One imported template file (unique per kind by SHA-256 of its content)."""

    __tablename__ = "golive_imports"
    __table_args__ = (
        UniqueConstraint("kind", "sha256"),
        CheckConstraint("kind IN ('members','accounts','loans','gl')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    sha256: Mapped[str] = mapped_column(String(64))
    reference: Mapped[str] = mapped_column(String(100), default="")
    file_name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    golive_date: Mapped[date] = mapped_column(Date)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GoliveMember(Base):
    """The old system's id of an imported member (accounts and loans may name it)."""

    __tablename__ = "golive_members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    legacy_id: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("golive_imports.id"))


class GoliveTrialBalance(Base):
    """A row of the auditor's opening trial balance (the ``gl`` template)."""

    __tablename__ = "golive_trial_balance"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    gl_code: Mapped[str] = mapped_column(String(20), unique=True)
    debit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credit: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    import_id: Mapped[int] = mapped_column(ForeignKey("golive_imports.id"))
