"""Payments tables: the webhook inbox (raw events), payments (one per provider
reference) and settlements (a batch the gateway pays into the bank)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coopctl.core.db import Base, BigId, Money, UTCDateTime


class PaymentEvent(Base):
    """One event as received (raw body), unique per provider and event id; applied
    later by ``payments process``, never inside the request."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(160))
    event_type: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(20), default="webhook")  # webhook | import
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Payment(Base):
    """A charge at a gateway, unique per provider and reference; status ``applied``
    (on the member's account), ``suspense`` (on 2900, in the review list),
    ``assigning`` (an assignment waits for a checker), ``refunded``."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100))
    tx_id: Mapped[str] = mapped_column(String(60), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
    account_no: Mapped[str | None] = mapped_column(String(20), nullable=True)
    loan_no: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    entry_no: Mapped[str] = mapped_column(String(20), default="")
    refunded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    settlement_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_settlements.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Settlement(Base):
    """A batch paid by the gateway into the bank: gross payments − fee = net. ``open``
    until its bank line is matched; then ``settled`` with the entry that booked it."""

    __tablename__ = "payment_settlements"
    __table_args__ = (UniqueConstraint("provider", "settlement_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    settlement_ref: Mapped[str] = mapped_column(String(100))
    settled_on: Mapped[date] = mapped_column(Date)
    gross: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), default="open")
    entry_no: Mapped[str] = mapped_column(String(20), default="")
    bank_line_id: Mapped[int | None] = mapped_column(ForeignKey("recon_lines.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
