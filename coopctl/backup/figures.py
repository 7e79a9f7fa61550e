"""The figures a manifest records and a verify recomputes: counts, ledger checksum, audit head.

All are read through one connection so that, inside a snapshot transaction,
they describe exactly the rows that the dump holds. They are written in a
dialect-neutral form (integers, ISO dates, money as two-decimal strings) so a
backup of SQLite restored into PostgreSQL gives the same figures.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import inspect, text

from coopctl.core.money import fmt, from_minor

_POSTED_LINES = text(
    "SELECT e.id, e.business_date, l.id, g.code, l.account_id, l.debit, l.credit"
    " FROM journal_entries e"
    " JOIN journal_lines l ON l.entry_id = e.id"
    " JOIN gl_accounts g ON g.id = l.gl_account_id"
    " WHERE e.status = 'posted' ORDER BY e.id, l.id"
)


def table_names(conn: Any) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def row_counts(conn: Any) -> dict[str, int]:
    return {
        t: int(conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one())
        for t in table_names(conn)
    }


def schema_revision(conn: Any) -> str | None:
    if "alembic_version" not in table_names(conn):
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def ledger_checksum(conn: Any) -> dict[str, Any]:
    """The trial balance (net debit or credit per GL code) and a SHA-256 over every line
    of every posted entry, in id order."""
    h = hashlib.sha256()
    sums: dict[str, list[int]] = {}
    entries = 0
    last = None
    rows = conn.execution_options(yield_per=20000).execute(_POSTED_LINES)  # streamed
    for eid, bdate, lid, code, acct, dr, cr in rows:
        if eid != last:
            entries += 1
            last = eid
        dr, cr = int(dr or 0), int(cr or 0)
        h.update(f"{eid}|{str(bdate)[:10]}|{lid}|{code}|{acct}|{dr}|{cr}\n".encode())
        s = sums.setdefault(str(code), [0, 0])
        s[0] += dr
        s[1] += cr
    rows = []
    total_dr = total_cr = 0
    for code in sorted(sums):
        net = sums[code][0] - sums[code][1]
        if net == 0:
            continue
        dr, cr = (net, 0) if net > 0 else (0, -net)
        total_dr += dr
        total_cr += cr
        rows.append({"gl_code": code, "debit": fmt(from_minor(dr)), "credit": fmt(from_minor(cr))})
    return {
        "posted_entries": entries,
        "entries_sha256": h.hexdigest(),
        "trial_balance": rows,
        "total_debit": fmt(from_minor(total_dr)),
        "total_credit": fmt(from_minor(total_cr)),
    }


def audit_head(conn: Any) -> dict[str, Any]:
    """The newest audit row (its id and chain hash) and the number of rows."""
    n = int(conn.execute(text("SELECT COUNT(*) FROM audit_log")).scalar_one())
    row = conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")).first()
    return {"rows": n, "id": int(row[0]) if row else None, "hash": str(row[1]) if row else None}


def collect(conn: Any) -> dict[str, Any]:
    return {
        "schema_revision": schema_revision(conn),
        "counts": row_counts(conn),
        "ledger_checksum": ledger_checksum(conn),
        "audit_head": audit_head(conn),
    }


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences between the manifest's figures and a restored database's."""
    problems = []
    if expected.get("schema_revision") != actual.get("schema_revision"):
        problems.append(
            f"schema revision {actual.get('schema_revision')} ≠ manifest "
            f"{expected.get('schema_revision')}"
        )
    exp_c, act_c = expected.get("counts", {}), actual.get("counts", {})
    for t in sorted(set(exp_c) | set(act_c)):
        if exp_c.get(t) != act_c.get(t):
            problems.append(f"table {t}: {act_c.get(t)} rows ≠ manifest {exp_c.get(t)}")
    exp_l, act_l = expected.get("ledger_checksum", {}), actual.get("ledger_checksum", {})
    for k in ("posted_entries", "entries_sha256", "total_debit", "total_credit"):
        if exp_l.get(k) != act_l.get(k):
            problems.append(f"ledger {k}: {act_l.get(k)} ≠ manifest {exp_l.get(k)}")
    if exp_l.get("trial_balance") != act_l.get("trial_balance"):
        problems.append("ledger trial balance differs from the manifest")
    if expected.get("audit_head") != actual.get("audit_head"):
        problems.append(f"audit head {actual.get('audit_head')} ≠ {expected.get('audit_head')}")
    return problems
