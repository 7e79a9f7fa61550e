"""Verifying the audit log's hash chain, whole or from a verified row on.

``verify_chain`` recomputes every row's MAC (or legacy hash) and link, then checks the
chain against the latest anchor. With ``after_id`` it starts from that row, taking its
hash and sequence number as proven: a period close checks the rows written since the
previous close this way (docs/ledger.md, "Closing a period"), while ``ledger verify``,
``audit verify`` and the nightly job always recompute the whole chain.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import String, select, type_coerce

from coopctl.core.audit import (
    GENESIS,
    KEYED,
    LEGACY,
    _canonical_at,
    _canonical_text,
    anchor_path,
    load_audit_key,
    read_anchors,
    row_hash,
    row_mac,
)


def verify_chain(session: Any, settings: Any = None, *, after_id: int | None = None) -> list[str]:
    """Recompute the chain, then check it against the latest anchor; return problems,
    the first broken row named first. Settings come from ``session.info`` if not given.

    ``after_id``: start after that row, taking its hash and sequence number as proven
    (a keyed row verified before); a legacy or missing row means the whole chain."""
    from coopctl.core import crypto
    from coopctl.core.models import AuditLog, KeyCheck

    settings = settings if settings is not None else session.info.get("settings")
    kc = session.get(KeyCheck, "audit")
    key: bytes | None = None
    if settings is not None:
        try:
            key = load_audit_key(settings)
        except crypto.KeyFileError as exc:
            return [str(exc)]
    if kc is not None:
        if key is None:
            return [
                "the audit log is keyed (key id "
                f"{kc.key_id}) but the audit key is not available: keyed rows cannot be verified"
            ]
        if crypto.check_value(key) != kc.check_value:
            return [
                f"the audit key in use has key id {crypto.key_id(key)}, the log is keyed "
                f"under {kc.key_id}"
            ]
    problems: list[str] = []
    keyed = hmac.new(key, digestmod=hashlib.sha256) if key is not None else None
    prev = GENESIS
    count, last_id, keyed_seen = 0, 0, False
    heads: dict[int, tuple[str, int]] = {}
    # SQLite keeps ``at`` as text (``YYYY-MM-DD HH:MM:SS.ffffff``): read as text, its
    # canonical form is a rewrite, not a datetime parsed and formatted back per row
    raw_at = session.get_bind().dialect.name == "sqlite"
    at_col = type_coerce(AuditLog.at, String) if raw_at else AuditLog.at
    cols = (AuditLog.id, AuditLog.prev_hash, at_col, AuditLog.operator, AuditLog.action,
            AuditLog.entity, AuditLog.entity_id, AuditLog.before, AuditLog.after, AuditLog.alg,
            AuditLog.seq, AuditLog.hash)  # fmt: skip
    # plain rows streamed in batches, not objects: the log grows by a row per repayment
    start = _start_row(session, after_id) if key is not None else None
    query = select(*cols).order_by(AuditLog.id)
    if start is not None:
        last_id, prev, count = start
        keyed_seen = True
        query = query.where(AuditLog.id > last_id)
    rows = session.execute(query.execution_options(yield_per=20_000))
    for row in rows:
        count += 1
        if row.prev_hash != prev:
            problems.append(
                f"audit row {row.id}: previous-hash link broken (row deleted or inserted)"
            )
            return problems
        fields = (
            row.prev_hash,
            _canonical_text(row[2]) if raw_at else _canonical_at(row[2]),
            row.operator,
            row.action,
            row.entity,
            row.entity_id,
            row.before,
            row.after,
        )
        if row.alg == KEYED:
            keyed_seen = True
            if key is None:
                problems.append(f"audit row {row.id}: keyed, but no audit key to verify it")
                return problems
            if row.seq != count or row_mac(key, count, *fields, keyed=keyed) != row.hash:
                problems.append(
                    f"audit row {row.id}: content does not match its MAC "
                    "(edited, or the chain was recomputed without the audit key)"
                )
                return problems
        elif row.alg == LEGACY and not keyed_seen:
            if row_hash(*fields) != row.hash:
                problems.append(f"audit row {row.id}: content does not match its hash (edited)")
                return problems
        else:
            problems.append(
                f"audit row {row.id}: not keyed ({row.alg}) where the log is keyed "
                "(hand-inserted, edited, or the chain was recomputed with a plain hash)"
            )
            return problems
        heads[row.id] = (row.hash, count)
        last_id = row.id
        prev = row.hash
    if key is None or settings is None:
        return problems
    return problems + _check_anchor(
        settings, key, heads, last_id, count, keyed_seen or kc is not None,
        after=(start[0], start[2]) if start is not None else (0, 0),
    )  # fmt: skip


def _start_row(session: Any, after_id: int | None) -> tuple[int, str, int] | None:
    """(id, hash, seq) of the keyed row to start after, or None for the whole chain."""
    from coopctl.core.models import AuditLog

    if after_id is None:
        return None
    row = session.execute(
        select(AuditLog.id, AuditLog.hash, AuditLog.seq, AuditLog.alg).where(
            AuditLog.id == after_id
        )
    ).first()
    if row is None or row.alg != KEYED or row.seq is None:
        return None
    return int(row.id), str(row.hash), int(row.seq)


def _check_anchor(
    settings: Any,
    key: bytes,
    heads: dict[int, tuple[str, int]],
    last_id: int,
    count: int,
    keyed_seen: bool,
    *,
    after: tuple[int, int] = (0, 0),
) -> list[str]:
    """``after``: (id, seq) of the row the verification started after (0, 0: the first)."""
    after_id, base = after
    path = anchor_path(settings)
    anchors, problems = read_anchors(path)
    good = []
    for a in anchors:
        mac = hmac.new(key, a.message().encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(mac, a.mac):
            good.append(a)
        else:
            problems.append(
                f"{path}: line {a.line} from the end: anchor MAC does not verify (forged or edited)"
            )
    if not good:
        if keyed_seen:
            problems.append(
                f"{path}: no audit anchor (the anchor log is missing or empty), so a deleted "
                "tail cannot be ruled out"
            )
        return problems
    latest = max(good, key=lambda a: a.row_id)
    if latest.row_id <= after_id:
        return problems  # the anchor names a row before the start, proven with it
    where = f"the anchor of {latest.at} ({path}, line {latest.line} from the end)"
    if latest.row_id not in heads:
        missing = latest.count - base - sum(1 for i in heads if i <= latest.row_id)
        problems.append(
            f"audit rows missing: {where} names row {latest.row_id} (row count "
            f"{latest.count}), but the log ends at row {last_id or 'none'} with {count} "
            f"row(s): {missing} row(s) up to row {latest.row_id} were deleted"
        )
    elif heads[latest.row_id] != (latest.head, latest.count):
        problems.append(
            f"audit row {latest.row_id}: does not match {where} "
            f"(count {heads[latest.row_id][1]} vs {latest.count}; the chain was rewritten)"
        )
    return problems
