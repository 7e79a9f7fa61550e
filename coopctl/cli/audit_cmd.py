"""``coopctl audit list | verify | export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, new_app, parse_date_opt, uow

app = new_app("The hash-chained audit log.\n\nExample:\n\n    coopctl audit verify")


def _rows(u, entity, operator, since, limit=None):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from coopctl.core.models import AuditLog

    stmt = select(AuditLog).order_by(AuditLog.id)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if operator:
        stmt = stmt.where(AuditLog.operator == operator)
    if since:
        from datetime import UTC, datetime, time

        stmt = stmt.where(AuditLog.at >= datetime.combine(since, time.min, tzinfo=UTC))
    for r in u.session.scalars(stmt):
        yield {
            "id": r.id,
            "at": r.at,
            "operator": r.operator,
            "action": r.action,
            "entity": r.entity,
            "entity_id": r.entity_id,
            "before": r.before,
            "after": r.after,
            "hash": r.hash,
        }


@app.command("list")
def list_(
    entity: Annotated[str | None, typer.Option("--entity", help="e.g. journal_entry")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Login name.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """List audit rows, oldest first.

    Example:

        coopctl audit list --entity operator --since 2026-01-01
    """
    with uow("audit.view") as u:
        rows = list(_rows(u, entity, operator, parse_date_opt(since, "--since")))
        cols = None if fmt == "json" else ["id", "at", "operator", "action", "entity", "entity_id"]
        emit(rows, fmt, columns=cols)


@app.command("verify")
def verify(fmt: FormatOpt = "table") -> None:
    """Recompute the hash chain; exit 6 naming the first broken row.

    Example:

        coopctl audit verify --format json
    """
    from coopctl.core.audit import verify_chain
    from coopctl.core.errors import ReviewNeededError

    with uow("audit.view") as u:
        problems = verify_chain(u.session)
    result = {
        "ok": not problems,
        "problems": [{"check": "audit_chain", "detail": p} for p in problems],
    }
    emit(result, fmt, rows_key="problems", columns=["check", "detail"])
    if problems:
        raise ReviewNeededError(problems[0])
    message("audit chain intact")


@app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.csv or FILE.jsonl")],
) -> None:
    """Export the whole audit log as CSV or JSON lines (by the file's extension).

    Example:

        coopctl audit export -o audit-2026.jsonl
    """
    import csv
    import json

    from coopctl.cli.common import to_jsonable
    from coopctl.core.errors import ValidationError

    suffix = output.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise ValidationError(f"-o: {output} must end in .csv or .jsonl")
    with uow("audit.view") as u:
        rows = list(_rows(u, None, None, None))
    tmp = output.with_suffix(output.suffix + ".part")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        if suffix == ".csv":
            w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()) if rows else ["id"])
            w.writeheader()
            for r in rows:
                w.writerow(to_jsonable(r))
        else:
            for r in rows:
                fh.write(json.dumps(to_jsonable(r), ensure_ascii=False) + "\n")
    tmp.replace(output)
    message(f"wrote {len(rows)} rows to {output}")
