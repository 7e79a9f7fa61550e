"""Payroll check-off import: one bank receipt, one balanced journal entry.

The entry debits the bank's GL with the declared total (what the bank received)
and credits each member's accounts: loans (booked by :mod:`coopctl.loans.shared`
and linked to the entry once it is posted), shares, savings. A file total different
from the declared total is booked to suspense (GL 2900) with a warning. The import
is all-or-nothing: every bad line is reported (exit 2) and nothing is written.

Duplicates (:mod:`coopctl.core.imports`): the same file (SHA-256) or the same bank
and reference is refused (exit 5, naming the first import); equal lines under
another reference post, with a warning printed and recorded on the import.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core import audit, clock, imports
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.gc_pause import gc_paused
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits import checkoff
from coopctl.deposits.errors import CheckoffFileError
from coopctl.deposits.models import CheckoffImport
from coopctl.ledger.bulk import post_many
from coopctl.ledger.coa import GL
from coopctl.ledger.models import JournalEntry, entry_no_of
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import shared_bulk
from coopctl.loans.shared_rows import execute_many, kobo
from coopctl.workflows.checkoff_plan import plan


def import_file(
    uow: UnitOfWork,
    path: Path,
    *,
    bank: str,
    ref: str,
    total: Decimal,
    on: date | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import a payroll check-off file (see the module docstring)."""
    require(uow.operator, "checkoff.import")
    with gc_paused():
        return _import(uow, path, bank=bank, ref=ref, total=total, on=on, dry_run=dry_run)


def _import(
    uow: UnitOfWork,
    path: Path,
    *,
    bank: str,
    ref: str,
    total: Decimal,
    on: date | None,
    dry_run: bool,
) -> dict[str, Any]:
    from coopctl.recon.banks import get_bank

    if not ref.strip():
        raise ValidationError("--ref: must not be empty (the bank's reference of the receipt)")
    if total <= 0:
        raise ValidationError("--total: must be more than zero")
    from coopctl.core.import_files import read_text

    read = read_text(path)  # bounded: size, file type, encoding (core.imports)
    data = read.raw
    sha = hashlib.sha256(data).hexdigest()
    imports.refuse_repeat(
        uow,
        CheckoffImport,
        what=path.name,
        sha256=sha,
        bank=bank,
        reference=ref,
        describe=_describe,
    )
    bank_gl = get_bank(uow, bank).gl_account.code
    on = on or uow.today()
    text = read.text
    parsed = checkoff.parse_file(text, path.name)
    planned, errors, loans = plan(uow, parsed, path.name, on)
    errors = sorted(parsed.errors + errors, key=_line_order)
    if errors:
        raise CheckoffFileError(
            f"{path.name}: {len(errors)} problem(s); nothing imported", details=errors
        )
    fingerprint = imports.content_fingerprint((p.member.member_no, p.amount) for p in planned)
    repeat = imports.same_content(
        uow,
        CheckoffImport,
        what=path.name,
        fingerprint=fingerprint,
        reference=ref,
        describe=_describe,
    )
    if repeat.warning:
        uow.note(repeat.warning)
    file_total = parsed.total
    difference = total - file_total
    if difference != 0:
        uow.note(
            f"warning: file total {file_total:,.2f} ≠ --total {total:,.2f}; the difference "
            f"{difference:,.2f} goes to suspense (GL {GL.SUSPENSE})"
        )
    summary: dict[str, Any] = {
        "file": path.name,
        "file_sha256": sha,
        "content_sha256": fingerprint,
        "warning": repeat.warning,
        "bank": bank.strip().upper(),
        "reference": ref,
        "date": on,
        "declared_total": total,
        "file_total": file_total,
        "difference": difference,
        "members": len(planned),
        "to_loans": sum((p.split.to_loans for p in planned), ZERO),
        "to_shares": sum((p.split.shares for p in planned), ZERO),
        "to_savings": sum((p.split.savings for p in planned), ZERO),
        "lines": [p.as_dict() for p in planned],
    }
    if dry_run:
        summary.update(status="dry-run", entry_no=None)
        return summary
    entry_lines = [LineDraft(bank_gl, debit=total, memo=f"check-off {ref}"[:200])]
    # every loan's repayment booked as ``loans repay`` would, in file order, in one batch
    booked = shared_bulk.book_many(
        uow,
        loans,
        [(loan_no, amount) for p in planned for loan_no, amount in p.split.loans],
        on,
        ref,
        channel="checkoff",
    )
    parts = iter(booked.parts)
    memo = f"check-off {ref} line "
    add = entry_lines.append
    for p in planned:
        split = p.split
        for _ in split.loans:
            entry_lines.extend(next(parts).lines)
        line_memo = (memo + str(p.line_no))[:200]
        shr, sav = p.shares_account, p.savings_account
        if shr is not None and split.shares > 0:
            add(
                LineDraft(
                    shr.gl_code, credit=split.shares, account_no=shr.account_no, memo=line_memo
                )
            )
        if split.savings > 0:
            add(
                LineDraft(
                    sav.gl_code, credit=split.savings, account_no=sav.account_no, memo=line_memo
                )
            )
    if difference > 0:
        entry_lines.append(LineDraft(GL.SUSPENSE, credit=difference, memo="check-off difference"))
    elif difference < 0:
        entry_lines.append(LineDraft(GL.SUSPENSE, debit=-difference, memo="check-off difference"))
    # one entry of many lines, through the bulk path (set-based checks, multi-row
    # inserts / COPY, balances in one statement); the same rules as ``post``
    posted = post_many(
        uow,
        [
            EntryDraft(
                business_date=on,
                kind="checkoff",
                narration=f"Payroll check-off {ref} ({len(planned)} members)",
                reference=ref,
                idempotency_key=f"checkoff:{sha}",
                lines=entry_lines,
            )
        ],
    )
    entry = uow.session.get(JournalEntry, posted.entry_ids[0])
    assert entry is not None
    shared_bulk.attach_many(uow, booked, entry.id)
    batch = CheckoffImport(
        file_sha256=sha,
        file_name=path.name[:255],
        bank_code=imports.bank_key(bank),
        reference=ref,
        reference_key=imports.reference_key(ref),
        content_sha256=fingerprint,
        warning=repeat.warning,
        business_date=on,
        declared_total=total,
        file_total=file_total,
        lines_count=len(planned),
        entry_id=entry.id,
        created_at=clock.utcnow(),
        created_by=uow.username,
    )
    uow.session.add(batch)
    uow.session.flush()
    # one executemany of integer kobo (no text columns: nothing for the limits)
    execute_many(
        uow,
        "INSERT INTO checkoff_lines (import_id, line_no, member_id, amount, to_loans, "
        "to_shares, to_savings) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (
                batch.id,
                p.line_no,
                p.member.id,
                kobo(p.amount),
                kobo(p.split.to_loans) if p.split.loans else 0,
                kobo(p.split.shares) if p.split.shares else 0,
                kobo(p.split.savings) if p.split.savings else 0,
            )
            for p in planned
        ],
    )
    audit.record(
        uow,
        "checkoff.import",
        "checkoff_import",
        sha[:16],
        after={
            "file": path.name,
            "reference": ref,
            "total": total,
            "entry": entry.entry_no,
            "same_content_as": repeat.same_content_id,
        },
    )
    summary.update(status="posted", entry_no=entry.entry_no)
    return summary


def _describe(done: CheckoffImport) -> str:
    entry = entry_no_of(done.entry_id)
    return (
        f"import {done.id} of {done.business_date} (bank {done.bank_code}, ref "
        f"{done.reference!r}, file {done.file_name}, entry {entry})"
    )


def _line_order(err: str) -> tuple[int, str]:
    parts = err.split(":")
    for p in parts[1:3]:
        if p.isdigit():
            return int(p), err
    return 0, err
