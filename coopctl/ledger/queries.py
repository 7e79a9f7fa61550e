"""Read-side queries over the journal."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.ledger.models import Account, JournalEntry, JournalLine


def list_entries(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    account_no: str | None = None,
    start: date | None = None,
    end: date | None = None,
    kind: str | None = None,
    limit: int | None = 200,
) -> list[dict[str, Any]]:
    stmt = select(JournalEntry).order_by(JournalEntry.id.desc()).limit(limit)
    if status:
        if status not in ("posted", "pending", "rejected", "reversed", "draft"):
            raise ValidationError(f"--status: {status!r} is not posted|pending|rejected|reversed")
        if status == "reversed":
            stmt = stmt.where(JournalEntry.reversed_by_id.is_not(None))
        elif status == "posted":
            stmt = stmt.where(
                JournalEntry.status == "posted", JournalEntry.reversed_by_id.is_(None)
            )
        else:
            stmt = stmt.where(JournalEntry.status == status)
    if account_no:
        sub = (
            select(JournalLine.entry_id)
            .join(Account, Account.id == JournalLine.account_id)
            .where(Account.account_no == account_no.strip().upper())
        )
        stmt = stmt.where(JournalEntry.id.in_(sub))
    if start:
        stmt = stmt.where(JournalEntry.business_date >= start)
    if end:
        stmt = stmt.where(JournalEntry.business_date <= end)
    if kind:
        stmt = stmt.where(JournalEntry.kind == kind)
    return [
        {
            "entry_no": e.entry_no,
            "date": e.business_date,
            "status": e.display_status,
            "kind": e.kind,
            "total": e.total,
            "reference": e.reference,
            "narration": e.narration,
            "maker": e.maker,
            "checker": e.checker,
        }
        for e in uow.session.scalars(stmt)
    ]
