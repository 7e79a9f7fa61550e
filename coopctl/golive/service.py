"""``golive import KIND FILE``: read, check every row, then write all or nothing.

1. A finished go-live refuses (exit 5); a file already imported for this kind
   (same SHA-256) changes nothing and says so.
2. The go-live date is fixed by the first import (``--as-of``, else the business
   date); later imports must agree. It must be open and not in the future.
3. Every row is checked and every problem reported at once as
   ``file:sheet:row:column: reason`` (exit 2, nothing written).
4. ``--dry-run`` stops here and tells what would be created and the totals per GL.
5. Otherwise the rows are written and posted in the caller's transaction, the file
   is recorded (kind, SHA-256, reference) and the import audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.core.gc_pause import gc_paused
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.golive import balances, loans_in, members_in, rows, state
from coopctl.golive.columns import KINDS
from coopctl.golive.models import GoliveImport, GoliveTrialBalance
from coopctl.golive.reader import Report, read_table
from coopctl.ledger.bulk import post_many
from coopctl.ledger.coa import GL
from coopctl.ledger.posting import check_date
from coopctl.ledger.rules import EntryDraft, LineDraft

PERMISSION = "ledger.close"  # who may close the books may open them
# Accounts the gl template does not post: sub-ledgers and the loans template bring them.
FROM_OTHER_TEMPLATES = (GL.INTEREST_RECEIVABLE, GL.FEES_RECEIVABLE)


@dataclass
class ImportResult:
    kind: str
    file: str
    sha256: str
    reference: str
    golive_date: date
    rows: int
    dry_run: bool = False
    already_imported: bool = False
    entries: int = 0
    created: list[str] = field(default_factory=list)
    totals: dict[str, list[Decimal]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file": self.file,
            "sha256": self.sha256,
            "reference": self.reference,
            "golive_date": self.golive_date,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "already_imported": self.already_imported,
            "entries": self.entries,
            "created": len(self.created),
            "first": self.created[0] if self.created else None,
            "last": self.created[-1] if self.created else None,
            "totals": [
                {"gl_code": c, "debit": t[0], "credit": t[1]}
                for c, t in sorted(self.totals.items())
            ],
        }


def import_file(
    uow: UnitOfWork,
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    as_of: date | None = None,
    reference: str = "",
) -> ImportResult:
    require(uow.operator, PERMISSION)
    if kind not in KINDS:
        raise ValidationError(f"KIND: {kind!r} is not one of {', '.join(KINDS)}")
    with gc_paused():  # hundreds of thousands of rows held at once (core/gc_pause.py)
        return _import_file(uow, kind, path, dry_run=dry_run, as_of=as_of, reference=reference)


def _import_file(
    uow: UnitOfWork, kind: str, path: Path, *, dry_run: bool, as_of: date | None, reference: str
) -> ImportResult:
    st = state.require_open(uow)
    if not path.is_file():
        raise NotFoundError(f"FILE: {path} not found")
    max_bytes = int(uow.settings["golive"]["max_file_mb"]) * 1024 * 1024
    if path.stat().st_size > max_bytes:
        raise ValidationError(f"{path}: larger than {max_bytes // (1024 * 1024)} MiB")
    raw = path.read_bytes()
    sha = state.sha256(raw)
    ref = (reference or path.name)[:100]
    day = state.golive_date_for(uow, st, as_of)
    prior = uow.session.scalars(
        select(GoliveImport).where(GoliveImport.kind == kind, GoliveImport.sha256 == sha)
    ).first()
    if prior is not None:
        uow.note(
            f"{path.name}: this {kind} file was already imported on {prior.imported_at:%Y-%m-%d} "
            f"by {prior.imported_by} (reference {prior.reference!r}); nothing to do"
        )
        return ImportResult(kind, str(path), sha, prior.reference, day, prior.rows, dry_run, True)
    check_date(uow, day)
    table, rep = read_table(str(path), raw, kind, max_bytes=max_bytes)
    if not table.rows and not rep.items:
        rep.add(2, "row", "no rows in the file")
    result = ImportResult(kind, str(path), sha, ref, day, len(table.rows), dry_run)
    opening = st.opening_gl if st else state.opening_code(uow)
    checked = _check(uow, kind, table.rows, day, rep, opening)
    rep.raise_if_any()
    result.totals = _totals(kind, checked, opening)
    if dry_run:
        return result
    st = state.start(uow, st, day)
    imp = GoliveImport(
        kind=kind, sha256=sha, reference=ref, file_name=path.name[:255], rows=len(table.rows),
        golive_date=day, imported_by=uow.operator.username, imported_at=clock.utcnow(),
    )  # fmt: skip
    uow.session.add(imp)
    uow.session.flush()
    created, entries = _write(uow, kind, checked, sha, imp.id, opening, ref)
    imp.entries = entries
    imp.total = sum((t[0] for c, t in result.totals.items()), ZERO)
    result.created, result.entries = created, entries
    uow.session.flush()
    audit.record(
        uow,
        f"golive.import_{kind}",
        "golive_import",
        sha,
        after={
            "file": path.name, "reference": ref, "rows": len(table.rows), "entries": entries,
            "golive_date": day, "first": created[0] if created else None,
            "last": created[-1] if created else None,
        },
    )  # fmt: skip
    return result


def _check(
    uow: UnitOfWork, kind: str, data: list[tuple[int, dict[str, str]]], day: date, rep: Report,
    opening: str,
) -> Any:  # fmt: skip
    if kind == "members":
        return members_in.check(uow, data, rep)
    lk = balances.lookups(uow, day, kind)
    if kind == "accounts":
        return rows.check_accounts(data, lk, rep)
    if kind == "loans":
        recs = rows.check_loans(data, lk, rep)
        rows.check_guarantees(recs, lk, rep)
        plans = loans_in.plan_all(recs, lk, rep)
        return recs, plans
    recs_gl = rows.check_gl(data, lk, rep)
    for r in recs_gl:
        if r.code == opening:
            rep.add(r.row, "gl_code", f"{opening} is the opening-balance account; leave it out")
    return recs_gl, lk.gl


def _totals(kind: str, checked: Any, opening: str) -> dict[str, list[Decimal]]:
    if kind == "members":
        return {}
    if kind == "accounts":
        return balances.account_totals(checked, opening)
    if kind == "loans":
        return loans_in.loan_totals(checked[0], opening)
    totals: dict[str, list[Decimal]] = {}
    for ln in gl_lines(checked[0], checked[1], opening):
        state.add_total(totals, ln.gl_code, ln.debit, ln.credit)
    return totals


def gl_lines(recs: list[rows.GLRec], gls: dict[str, Any], opening: str) -> list[LineDraft]:
    """The gl template's opening entry: every account but the control accounts (their
    sub-ledgers bring them) and the loan receivables (the loans template brings them)."""
    lines: list[LineDraft] = []
    net = ZERO
    for r in recs:
        gl = gls.get(r.code)
        if (gl is not None and gl.is_control) or r.code in FROM_OTHER_TEMPLATES:
            continue
        if r.debit > 0:
            lines.append(LineDraft(r.code, debit=r.debit, memo="opening trial balance"))
            net += r.debit
        if r.credit > 0:
            lines.append(LineDraft(r.code, credit=r.credit, memo="opening trial balance"))
            net -= r.credit
    if net > 0:
        lines.append(LineDraft(opening, credit=net, memo="opening trial balance"))
    elif net < 0:
        lines.append(LineDraft(opening, debit=-net, memo="opening trial balance"))
    return lines


def _write(
    uow: UnitOfWork, kind: str, checked: Any, sha: str, import_id: int, opening: str, ref: str
) -> tuple[list[str], int]:
    if kind == "members":
        return members_in.write(uow, checked, sha, import_id), 0
    if kind == "accounts":
        return balances.write_accounts(uow, checked, opening, ref)
    if kind == "loans":
        recs, plans = checked
        return loans_in.write_loans(uow, recs, plans, opening, ref)
    return _write_gl(uow, checked[0], import_id, opening, ref)


def _write_gl(
    uow: UnitOfWork, recs: list[rows.GLRec], import_id: int, opening: str, ref: str
) -> tuple[list[str], int]:
    from coopctl.ledger.models import GLAccount

    have = uow.session.scalars(select(GoliveTrialBalance.gl_code)).all()
    if have:
        raise_dup = ", ".join(sorted(set(have) & {r.code for r in recs})[:5])
        if raise_dup:
            from coopctl.core.errors import DuplicateError

            raise DuplicateError(f"the opening trial balance already has {raise_dup}")
    uow.session.execute(
        insert(GoliveTrialBalance),
        [
            {"gl_code": r.code, "debit": r.debit, "credit": r.credit, "import_id": import_id}
            for r in recs
        ],
    )
    gls = {g.code: g for g in uow.session.scalars(select(GLAccount))}
    lines = gl_lines(recs, gls, opening)
    if not lines:
        return [], 0
    day = balances.uow_golive(uow)
    res = post_many(
        uow,
        [
            EntryDraft(
                business_date=day, kind=balances.KIND, reference=ref,
                narration="Opening trial balance at go-live", lines=lines,
                idempotency_key=f"golive:gl:{import_id}",
            )
        ],
    )  # fmt: skip
    return res.entry_nos, res.posted
