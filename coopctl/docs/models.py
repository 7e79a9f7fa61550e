"""The one document store: every document row, whatever it is attached to.

A document belongs to exactly one owner: a member (KYC scans and other member
papers), a loan (application, signed agreement, collateral), a journal entry
(receipts, invoices) or the cooperative (``general``: board minutes, by-laws).
``owner_key`` spells the owner out (``member:12``, ``loan:7``, ``entry:90``,
``general``) so that one unique constraint numbers the versions of a kind and
title per owner on both databases (NULLs would never collide in a UNIQUE).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

import coopctl.loans.models  # noqa: F401  (loans.id, journal_entries.id, members.id resolve)
from coopctl.core.db import Base, BigId, UTCDateTime

OWNER_TYPES = ("member", "loan", "entry", "general")

_ONE_OWNER = (
    "(owner_type = 'member' AND member_id IS NOT NULL AND loan_id IS NULL AND entry_id IS NULL"
    " AND owner_key = 'member:' || CAST(member_id AS VARCHAR(20)))"
    " OR (owner_type = 'loan' AND loan_id IS NOT NULL AND member_id IS NULL AND entry_id IS NULL"
    " AND owner_key = 'loan:' || CAST(loan_id AS VARCHAR(20)))"
    " OR (owner_type = 'entry' AND entry_id IS NOT NULL AND member_id IS NULL AND loan_id IS NULL"
    " AND owner_key = 'entry:' || CAST(entry_id AS VARCHAR(20)))"
    " OR (owner_type = 'general' AND member_id IS NULL AND loan_id IS NULL AND entry_id IS NULL"
    " AND owner_key = 'general')"
)


class Document(Base):
    """A stored document (encrypted, content-addressed file under the data folder)."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("owner_key", "kind", "title", "version"),
        CheckConstraint(
            "owner_type IN ('member','loan','entry','general')", name="owner_type_known"
        ),
        CheckConstraint(_ONE_OWNER, name="one_owner"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(10))
    owner_key: Mapped[str] = mapped_column(String(40), index=True)
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id"), nullable=True, index=True
    )
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), nullable=True, index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), nullable=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The business date it was filed on (what `docs search --from/--to` reads).
    added_on: Mapped[date] = mapped_column(Date, index=True)
    # The keyed address (HMAC of the plaintext; the stored file's name) and the document
    # key id. Both NULL: a plain file stored under its SHA-256 (a store from before
    # encryption; `security encrypt-documents` converts it).
    address: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
