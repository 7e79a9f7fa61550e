"""Member tables. PII columns hold AES-GCM ciphertexts (``*_enc``) and, for BVN,
NIN and phone, an HMAC blind index (``*_hash``) for uniqueness and look-up."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from coopctl.core.db import Base, BigId, UTCDateTime

# Member documents live in the one document store: coopctl.docs.models.Document
# (table ``documents``, owner_type 'member'; docs/documents.md).

MEMBER_STATUSES = ("pending_kyc", "active", "suspended", "exited")
KYC_STATUSES = ("pending", "approved", "rejected")


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_kyc','active','suspended','exited')", name="status_known"
        ),
        CheckConstraint("kyc_status IN ('pending','approved','rejected')", name="kyc_known"),
        Index("ix_members_staff_no", "staff_no"),  # check-off files name staff numbers
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_no: Mapped[str] = mapped_column(String(20), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    other_names: Mapped[str] = mapped_column(String(100), default="")
    search_name: Mapped[str] = mapped_column(String(300), index=True)  # lower-cased names
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_last4: Mapped[str] = mapped_column(String(4))
    dob_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    bvn_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    bvn_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    bvn_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    nin_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    nin_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    nin_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    employer: Mapped[str] = mapped_column(String(200), default="")
    staff_no: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending_kyc")
    kyc_status: Mapped[str] = mapped_column(String(10), default="pending")
    kyc_note: Mapped[str] = mapped_column(Text, default="")
    kyc_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # who decided KYC
    kyc_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    joined_on: Mapped[date] = mapped_column(Date)
    exited_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Retention (docs/members.md): set when the personal data was destroyed.
    erased_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    erased_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class MemberImport(Base):
    """A members CSV file imported once (by SHA-256): a second run changes nothing."""

    __tablename__ = "member_imports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer)
    first_member_no: Mapped[str] = mapped_column(String(20))
    last_member_no: Mapped[str] = mapped_column(String(20))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
