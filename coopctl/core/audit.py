"""The audit log: append-only, chained under a keyed MAC, anchored outside the database.

Services call :func:`record`; the rows are written when the unit of work
commits, in the same transaction, after taking the chain lock (so the chain
stays linear under concurrent writers on PostgreSQL; SQLite writers are
already serialised). Each row's MAC (HMAC-SHA256 under the *audit key*, kept
outside the database: ``<data dir>/audit.key`` or ``$COOPCTL_AUDIT_KEY``)
covers its content, its position and the previous row's MAC, so an edited,
deleted or hand-inserted row breaks the chain at that row, and someone holding
only the database cannot recompute it.

After each commit that wrote audit rows the new head (row id, count, MAC) is
appended to the *anchor log* (``[security] audit_anchor_path``, default
``<data dir>/audit-anchors.log``; optionally also syslog), so deleting the tail
of the log is noticed too: :func:`verify_chain` checks the chain and then the
latest anchor. Rows written before the keyed chain (``alg = 'sha256'``) are
verified with the plain hash; the first keyed row after them seals them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text

from coopctl.core.clock import utcnow

GENESIS = "0" * 64
KEYED = "hmac1"
LEGACY = "sha256"
# Members' personal data never enters the log (the log is append-only and chained, so
# nothing in it could be erased later: docs/members.md, "Retention and erasure").
PII_KEYS = {
    "bvn", "nin", "phone", "dob", "date_of_birth", "totp_secret", "secret", "password",
    "first_name", "last_name", "other_names", "search_name", "member_name", "email",
    "address", "staff_no", "kyc_note",
}  # fmt: skip
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


def _payload(
    prev_hash: str,
    at: str,
    operator: str,
    action: str,
    entity: str,
    entity_id: str,
    before: str | None,
    after: str | None,
) -> bytes:
    return _ENCODE([prev_hash, at, operator, action, entity, entity_id, before, after]).encode()


# ``json.dumps`` with these options, without building an encoder for every row
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


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
    """The legacy (unkeyed) row hash: anyone can recompute it, hence the keyed MAC."""
    payload = _payload(prev_hash, at, operator, action, entity, entity_id, before, after)
    return hashlib.sha256(payload).hexdigest()


def row_mac(key: bytes, seq: int, *fields: Any, keyed: Any = None) -> str:
    """HMAC-SHA256 of a row (its position ``seq`` included) under the audit key;
    ``keyed``: ``hmac.new(key, digestmod=sha256)`` made once for many rows (copied)."""
    msg = f"{KEYED}|{seq}|".encode() + _payload(*fields)
    if keyed is None:
        return hmac.new(key, msg, hashlib.sha256).hexdigest()
    h = keyed.copy()
    h.update(msg)
    return str(h.hexdigest())


def _canonical_at(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_text(at: str) -> str:
    """:func:`_canonical_at` of SQLite's stored text (``YYYY-MM-DD HH:MM:SS.ffffff``);
    any other shape goes through the datetime."""
    if len(at) == 26 and at[10] == " " and at[19] == ".":
        return f"{at[:10]}T{at[11:]}Z"
    return _canonical_at(datetime.fromisoformat(at))


# --- the audit key and the anchor log -------------------------------------------------
def audit_key_path(settings: Any) -> Path:
    configured = settings["security"]["audit_key_file"]
    return Path(configured) if configured else settings.data_dir / "audit.key"


def anchor_path(settings: Any) -> Path:
    configured = settings["security"]["audit_anchor_path"]
    return Path(configured) if configured else settings.data_dir / "audit-anchors.log"


def audit_key_source(settings: Any) -> str:
    return (
        "COOPCTL_AUDIT_KEY"
        if os.environ.get("COOPCTL_AUDIT_KEY")
        else str(audit_key_path(settings))
    )


def load_audit_key(settings: Any) -> bytes | None:
    """The audit key from ``$COOPCTL_AUDIT_KEY`` (base64) or its file; None if neither."""
    from coopctl.core import crypto

    env = os.environ.get("COOPCTL_AUDIT_KEY")
    if env:
        return crypto.decode_key(env, "COOPCTL_AUDIT_KEY")
    path = audit_key_path(settings)
    return crypto.read_key(path) if path.is_file() else None


def checked_audit_key(uow: Any) -> bytes | None:
    """The audit key when the cooperative's log is keyed (None: a legacy log not yet
    upgraded). A keyed log with the key missing or another key refuses the commit."""
    from coopctl.core import crypto
    from coopctl.core.security import key_check_row, wrong_key

    row = key_check_row(uow, "audit")
    if row is None:
        return None
    if uow.settings is None:
        raise crypto.KeyFileError("the audit log is keyed but no settings name the audit key")
    key = load_audit_key(uow.settings)
    if key is None:
        raise crypto.KeyFileError(
            f"{audit_key_path(uow.settings)}: audit key missing; this cooperative's audit log is "
            f"keyed (key id {row.key_id}): restore the key file or set COOPCTL_AUDIT_KEY"
        )
    if crypto.check_value(key) != row.check_value:
        raise wrong_key(audit_key_source(uow.settings), crypto.key_id(key), row.key_id, "audit key")
    return key


@dataclass(frozen=True)
class Anchor:
    at: str
    row_id: int
    count: int
    head: str
    key_id: str
    mac: str
    line: int = 0

    def message(self) -> str:
        return f"anchor|{self.at}|{self.row_id}|{self.count}|{self.head}|{self.key_id}"


def make_anchor(key: bytes, row_id: int, count: int, head: str) -> Anchor:
    from coopctl.core import crypto

    a = Anchor(_canonical_at(utcnow()), row_id, count, head, crypto.key_id(key), "")
    mac = hmac.new(key, a.message().encode(), hashlib.sha256).hexdigest()
    return Anchor(a.at, row_id, count, head, a.key_id, mac)


def append_anchor(settings: Any, anchor: Anchor) -> Path:
    """Append one line to the anchor log (O_APPEND, locked, fsync'd); copy to syslog."""
    import fcntl

    path = anchor_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "at": anchor.at,
            "row_id": anchor.row_id,
            "count": anchor.count,
            "head": anchor.head,
            "key_id": anchor.key_id,
            "mac": anchor.mac,
        },
        separators=(",", ":"),
    )
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    if settings["security"]["audit_anchor_syslog"]:
        import syslog

        syslog.openlog("coopctl", 0, syslog.LOG_AUTHPRIV)
        syslog.syslog(syslog.LOG_NOTICE, f"audit anchor {line}")
    return path


ANCHOR_TAIL_BYTES = 1 << 20  # verify reads the newest anchors only (about 4,000 lines)


def read_anchors(path: Path, tail: int = ANCHOR_TAIL_BYTES) -> tuple[list[Anchor], list[str]]:
    """The anchors in the last ``tail`` bytes of the log (the latest one is among them:
    lines are appended in commit order, give or take concurrent writers), and problems
    with lines that do not parse. ``line`` counts from the end of the file (1 = last)."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    if not path.is_file():
        return anchors, problems
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - tail))
        raw = fh.read()
    lines = raw.split(b"\n")
    if size > tail:
        lines = lines[1:]  # the first line may be cut
    lines = [ln for ln in lines if ln.strip()]
    for back, line in enumerate(reversed(lines), 1):
        try:
            d = json.loads(line)
            anchors.append(
                Anchor(
                    str(d["at"]),
                    int(d["row_id"]),
                    int(d["count"]),
                    str(d["head"]),
                    str(d["key_id"]),
                    str(d["mac"]),
                    back,
                )
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"{path}: line {back} from the end is not an anchor line")
    return anchors, problems


def _anchor_after_commit(uow: Any, key: bytes, row_id: int, count: int, head: str) -> None:
    settings = uow.settings

    def write(_session: Any) -> None:
        try:
            append_anchor(settings, make_anchor(key, row_id, count, head))
        except OSError as exc:  # the rows are committed; the next anchor covers them
            print(
                f"warning: could not append the audit anchor to {anchor_path(settings)}: {exc}; "
                "the next command's anchor will cover these rows",
                file=sys.stderr,
            )

    event.listen(uow.session, "after_commit", write, once=True)


def flush(uow: Any) -> None:
    """Write queued audit rows (called by UnitOfWork.commit); anchor them after commit."""
    from coopctl.core.limits import check_values
    from coopctl.core.models import AuditLog

    pending: list[PendingAudit] = uow.__dict__.pop("_audit", [])
    if not pending:
        return
    s = uow.session
    if uow.dialect == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    key = checked_audit_key(uow)
    last = s.execute(
        select(AuditLog.hash, AuditLog.seq).order_by(AuditLog.id.desc()).limit(1)
    ).first()
    prev = last[0] if last else GENESIS
    seq = 0
    if key is not None:
        seq = last[1] if last is not None and last[1] is not None else 0
        if last is not None and last[1] is None:  # first keyed row after legacy rows
            seq = int(s.scalar(select(func.count()).select_from(AuditLog)) or 0)
    op = uow.username
    rows: list[dict[str, Any]] = []
    for p in pending:
        at = utcnow()
        before = json.dumps(p.before, sort_keys=True) if p.before is not None else None
        after = json.dumps(p.after, sort_keys=True) if p.after is not None else None
        fields = (prev, _canonical_at(at), op, p.action, p.entity, p.entity_id, before, after)
        if key is not None:
            seq += 1
            h = row_mac(key, seq, *fields)
        else:
            h = row_hash(*fields)
        row = {
            "at": at,
            "operator": op,
            "action": p.action,
            "entity": p.entity,
            "entity_id": p.entity_id,
            "before": before,
            "after": after,
            "prev_hash": prev,
            "hash": h,
            "alg": KEYED if key is not None else LEGACY,
            "seq": seq if key is not None else None,
        }
        check_values(AuditLog, row)
        rows.append(row)
        prev = h
    s.flush()
    # one executemany (a bulk import queues tens of thousands of rows); the chain lock
    # (or SQLite's write lock) is held, and the head's id is read back by its unique MAC
    s.execute(insert(AuditLog.__table__), rows)  # type: ignore[arg-type]
    if key is not None and rows:
        head_id = s.execute(select(AuditLog.id).where(AuditLog.hash == prev)).scalar_one()
        _anchor_after_commit(uow, key, int(head_id), seq, prev)


def verify_chain(session: Any, settings: Any = None, *, after_id: int | None = None) -> list[str]:
    """The chain recomputed and checked against the latest anchor (see
    :mod:`coopctl.core.audit_verify`)."""
    from coopctl.core.audit_verify import verify_chain as verify

    return verify(session, settings, after_id=after_id)
