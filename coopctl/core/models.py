"""Foundation tables: cooperative settings, operators, audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coopctl.core.db import Base, BigId, UTCDateTime

ROLES = ("admin", "manager", "accountant", "teller", "loan_officer", "auditor", "system")


class CoopSetting(Base):
    """Key/value settings fixed at ``init`` (name, currency, time zone, fiscal year start)."""

    __tablename__ = "coop_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Operator(Base):
    """A person (or the system) acting on the books, mapped from the OS login name."""

    __tablename__ = "operators"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin','manager','accountant','teller','loan_officer','auditor','system')",
            name="role_known",
        ),
        CheckConstraint("status IN ('active','disabled')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)  # encrypted
    otp_failures: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("operators.id"), nullable=True)


class AuditLog(Base):
    """Append-only, hash-chained record of every mutation (triggers forbid UPDATE/DELETE)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "hmac1": HMAC-SHA256 under the audit key; "sha256": rows written before the
    # keyed chain (legacy, sealed by the first keyed row after them).
    alg: Mapped[str] = mapped_column(String(8), server_default="sha256")
    # keyed rows: position in the log (1-based), covered by the MAC; NULL on legacy rows
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class KeyCheck(Base):
    """The key each kind of protected data is under: its public id and check value.

    ``field``: the key file (PII, TOTP secrets, the wrapped document key);
    ``audit``: the audit MAC key (kept outside the database); ``documents``: the
    document key, stored here wrapped (encrypted) under the field key.
    """

    __tablename__ = "key_checks"

    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32))
    check_value: Mapped[str] = mapped_column(String(64))
    wrapped: Mapped[str | None] = mapped_column(Text, nullable=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
