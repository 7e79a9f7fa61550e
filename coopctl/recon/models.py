"""Reconciliation tables. For now: the cooperative's bank accounts, each mapped to
one GL account (statement tables are added by the reconciliation context)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coopctl.core.db import Base, BigId, UTCDateTime
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))

    gl_account: Mapped[GLAccount] = relationship()
