"""Job runs (one row per run of a job for a business date, one per step), dead
letters, the last completed business date per job, the daemon heartbeat, and the
loan classification snapshots the nightly ``loans.age`` step keeps as history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coopctl.core.db import Base, BigId, Money, UTCDateTime


class JobRun(Base):
    """One run of a job (or of a single step) for one business date."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # running|ok|partial|failed|interrupted
    trigger: Mapped[str] = mapped_column(String(16))  # cli|daemon|retry
    operator: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobStepRun(Base):
    """One step of a run: what it saw and did."""

    __tablename__ = "job_step_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # running|ok|partial|failed|skipped
    items: Mapped[int] = mapped_column(Integer, default=0)
    posted: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class JobDeadLetter(Base):
    """An item a step could not process; ``jobs retry`` runs it again."""

    __tablename__ = "job_dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id"), index=True)
    step: Mapped[str] = mapped_column(String(64))
    business_date: Mapped[date] = mapped_column(Date)
    item: Mapped[str] = mapped_column(String(128))
    error: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open|resolved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobState(Base):
    """The last business date a job completed (close-of-business cursor)."""

    __tablename__ = "job_state"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_date: Mapped[date] = mapped_column(Date)
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DaemonHeartbeat(Base):
    """The active daemon's heartbeat (one row per daemon name)."""

    __tablename__ = "daemon_heartbeat"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # running|stopped


class LoanClassSnapshot(Base):
    """A loan's aging and CBN class on one business date, as ``loans.age`` saw it."""

    __tablename__ = "loan_class_snapshots"
    __table_args__ = (UniqueConstraint("business_date", "loan_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(20))
    days_past_due: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(20))
    outstanding: Mapped[Decimal] = mapped_column(Money)
    arrears: Mapped[Decimal] = mapped_column(Money)
    arrears_principal: Mapped[Decimal] = mapped_column(Money)
    provision: Mapped[Decimal] = mapped_column(Money)
    provision_rate_e6: Mapped[int] = mapped_column(Integer)  # fraction × 1,000,000
