"""The audit log: append-only and hash-chained.

Services call :func:`record`; the rows are written when the unit of work
commits, in the same transaction, after taking the chain lock (so the chain
stays linear under concurrent writers on PostgreSQL; SQLite writers are
already serialised). Each row's hash covers its content and the previous
row's hash, so an edited, deleted or hand-inserted row breaks the chain at
that row, which :func:`verify_chain` names.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from coopctl.core.clock import utcnow

GENESIS = "0" * 64
PII_KEYS = {"bvn", "nin", "phone", "dob", "date_of_birth", "totp_secret", "secret", "password"}
_PG_AUDIT_LOCK = 0x434F4F50  # "COOP"


@dataclass
class PendingAudit:
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _jsonable(v: Any) -> Any:
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def redact(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Replace PII values by a marker; never write a BVN/NIN/phone to the log."""
    if data is None:
        return None
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k.lower() in PII_KEYS or k.lower().endswith(("_enc", "_hash")):
            out[k] = "[redacted]" if v is not None else None
        elif isinstance(v, dict):
            out[k] = redact(v)
        else:
            out[k] = _jsonable(v)
    return out


def record(
    uow: Any,
    action: str,
    entity: str,
    entity_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Queue an audit row; it is written when (and only if) the unit of work commits."""
    pending = uow.__dict__.setdefault("_audit", [])
    pending.append(PendingAudit(action, entity, str(entity_id), redact(before), redact(after)))


def row_hash(
    prev_hash: str,
    at: str,
    operator: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str | None,
    after: str | None,
) -> str:
    payload = json.dumps(
        [prev_hash, at, operator, action, entity, entity_id, before, after],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _canonical_at(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def flush(uow: Any) -> None:
    """Write queued audit rows (called by UnitOfWork.commit)."""
    from coopctl.core.models import AuditLog

    pending: list[PendingAudit] = uow.__dict__.pop("_audit", [])
    if not pending:
        return
    s = uow.session
    if uow.dialect == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    last = s.scalars(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)).first()
    prev = last or GENESIS
    op = uow.username
    for p in pending:
        at = utcnow()
        before = json.dumps(p.before, sort_keys=True) if p.before is not None else None
        after = json.dumps(p.after, sort_keys=True) if p.after is not None else None
        h = row_hash(prev, _canonical_at(at), op, p.action, p.entity, p.entity_id, before, after)
        s.add(
            AuditLog(
                at=at,
                operator=op,
                action=p.action,
                entity=p.entity,
                entity_id=p.entity_id,
                before=before,
                after=after,
                prev_hash=prev,
                hash=h,
            )
        )
        prev = h
    s.flush()


def verify_chain(session: Any) -> list[str]:
    """Recompute the chain; return problems, the first broken row named first."""
    from coopctl.core.models import AuditLog

    problems: list[str] = []
    prev = GENESIS
    for row in session.scalars(select(AuditLog).order_by(AuditLog.id)):
        if row.prev_hash != prev:
            problems.append(
                f"audit row {row.id}: previous-hash link broken (row deleted or inserted)"
            )
            return problems
        h = row_hash(
            row.prev_hash,
            _canonical_at(row.at),
            row.operator,
            row.action,
            row.entity,
            row.entity_id,
            row.before,
            row.after,
        )
        if h != row.hash:
            problems.append(f"audit row {row.id}: content does not match its hash (edited)")
            return problems
        prev = row.hash
    return problems
