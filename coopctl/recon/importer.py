"""``recon import``: a statement file into a bank account, all or nothing.

A file's SHA-256 is unique per bank account; each line is unique by the bank's id or
its fingerprint (see :func:`coopctl.recon.lines.fingerprints`). Statements with
balances must tie and continue the previous statement; ``allow_gap`` records the gap.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.recon.banks import get_bank
from coopctl.recon.errors import (
    CurrencyMismatchError,
    StatementFormatError,
    StatementMismatchError,
)
from coopctl.recon.lines import Statement, clean_text, fingerprints
from coopctl.recon.models import BankAccount, BankStatement, StatementImport, StatementLine
from coopctl.recon.parsers import FORMATS, detect, parse


def resolve_profile(uow: UnitOfWork, name: str | None) -> dict[str, Any]:
    from coopctl.recon.parsers.csvrules import load_profile

    name = name or "generic"
    extra = uow.settings["recon"]["profiles_dir"] if uow.settings is not None else ""
    if extra and (Path(extra) / f"{name}.toml").is_file():
        return load_profile(str(Path(extra) / f"{name}.toml"))
    return load_profile(name)


def _pick_account(
    stmts: list[Statement], account: str | None, bank: BankAccount, name: str
) -> list[Statement]:
    accounts = sorted({s.account for s in stmts if s.account})
    if account:
        chosen = [s for s in stmts if s.account == account.strip()]
        if not chosen:
            raise NotFoundError(
                f"--account: {account!r} is not in {name} "
                f"(accounts: {', '.join(accounts) or 'none'})"
            )
        return chosen
    if len(accounts) > 1:
        if bank.number and bank.number in accounts:
            return [s for s in stmts if s.account == bank.number]
        raise StatementFormatError(
            f"{name}: several accounts ({', '.join(accounts)}); choose one with --account"
        )
    return stmts


def _previous_closing(uow: UnitOfWork, bank: BankAccount) -> BankStatement | None:
    return uow.session.scalars(
        select(BankStatement)
        .where(BankStatement.bank_account_id == bank.id, BankStatement.closing.is_not(None))
        .order_by(BankStatement.closing_date.desc(), BankStatement.id.desc())
    ).first()


def import_statement(
    uow: UnitOfWork,
    data: bytes,
    name: str,
    *,
    bank: str,
    profile: str | None = None,
    file_format: str | None = None,
    account: str | None = None,
    dry_run: bool = False,
    allow_gap: bool = False,
) -> dict[str, Any]:
    """Import ``data`` (the file's bytes; ``name`` for messages) into bank ``bank``."""
    require(uow.operator, "recon.view" if dry_run else "recon.manage")
    b = get_bank(uow, bank)
    if file_format and file_format not in FORMATS:
        raise StatementFormatError(
            f"--file-format: {file_format!r} is not one of {', '.join(FORMATS)}"
        )
    fmt = file_format or detect(data, name)
    if profile and fmt not in ("csv", "xlsx"):
        raise StatementFormatError(f"--profile: {name} is {fmt}, profiles are for CSV and XLSX")
    prof = resolve_profile(uow, profile) if fmt in ("csv", "xlsx") else None
    fmt, stmts = parse(data, name, fmt, prof)
    stmts = _pick_account(stmts, account, b, name)
    sha = hashlib.sha256(data).hexdigest()
    lines = [ln for s in stmts for ln in s.lines]
    currency = next((s.currency for s in stmts if s.currency), "") or b.currency
    out: dict[str, Any] = {
        "file_sha256": sha,
        "bank": b.code,
        "file_format": fmt,
        "profile": (prof or {}).get("name", ""),
        "currency": currency,
        "lines_read": len(lines),
        "imported": 0,
        "duplicates": 0,
        "errors": [],
        "gaps": [],
        "dry_run": dry_run,
        "statements": [],
    }
    errors: list[str] = out["errors"]
    for s in stmts:
        seen_cur = [(s.currency, f"{name}: statement {s.statement_id}")]
        for cur, where in seen_cur + [(ln.currency, ln.source) for ln in s.lines]:
            if cur and cur != b.currency:
                errors.append(f"{where}: currency {cur} is not the bank account's {b.currency}")
                break
    seen = uow.session.scalars(
        select(StatementImport).where(
            StatementImport.bank_account_id == b.id, StatementImport.sha256 == sha
        )
    ).first()
    if seen is not None:
        out["duplicates"] = len(lines)
        out["duplicate_file"] = True
        uow.note(f"{name}: this file was imported on {seen.created_at:%Y-%m-%d}; nothing imported")
        return out
    if errors and not dry_run:
        raise CurrencyMismatchError(errors[0])
    # identity: the bank's id unless it repeats inside the file, then the fingerprint
    ids = [ln.bank_id for ln in lines if ln.bank_id]
    repeated = {i for i in ids if ids.count(i) > 1} if len(ids) != len(set(ids)) else set()
    for ln in lines:
        if ln.bank_id in repeated:
            ln.bank_id = ""
    fps = fingerprints(lines)
    existing: set[str] = set()
    for i in range(0, len(fps), 500):
        existing |= set(
            uow.session.scalars(
                select(StatementLine.fingerprint).where(
                    StatementLine.bank_account_id == b.id,
                    StatementLine.fingerprint.in_(fps[i : i + 500]),
                )
            )
        )
    prev = _previous_closing(uow, b)
    prev_closing = prev.closing if prev is not None else None
    gaps: list[tuple[Statement, Decimal, str]] = []
    for s in stmts:
        diff = s.difference()
        label = s.statement_id or s.account or name
        if diff:
            gaps.append(
                (
                    s,
                    diff,
                    f"statement {label} does not tie: closing {s.closing} − "
                    f"(opening {s.opening} + lines {s.total}) = {diff}",
                )
            )
        if s.opening is not None and prev_closing is not None and s.opening != prev_closing:
            gap = s.opening - prev_closing
            gaps.append(
                (
                    s,
                    gap,
                    f"statement {label} opens at {s.opening}, "
                    f"the previous statement closed at {prev_closing} (gap {gap})",
                )
            )
        if s.closing is not None:
            prev_closing = s.closing
    out["gaps"] = [g[2] for g in gaps]
    if gaps and not allow_gap and not dry_run:
        raise StatementMismatchError(f"{name}: {gaps[0][2]}; import with --allow-gap to record it")
    for s in stmts:
        out["statements"].append(
            {
                "statement": s.statement_id,
                "account": s.account,
                "currency": s.currency or currency,
                "opening": s.opening,
                "closing": s.closing,
                "lines": len(s.lines),
                "difference": s.difference(),
            }
        )
    new = [(ln, fp) for ln, fp in zip(lines, fps, strict=True) if fp not in existing]
    out["duplicates"] = len(lines) - len(new)
    out["imported"] = len(new)
    if dry_run:
        out["imported"] = 0
        out["would_import"] = len(new)
        out["lines"] = [
            {
                "date": ln.booking_date,
                "amount": ln.amount,
                "description": ln.description,
                "reference": ln.reference,
                "source": ln.source,
            }
            for ln, _ in new[:200]
        ]
        return out
    who = uow.username
    imp = StatementImport(
        bank_account_id=b.id,
        sha256=sha,
        file_name=clean_text(Path(name).name, 255),
        file_format=fmt,
        profile=out["profile"][:100],
        lines_read=len(lines),
        imported=len(new),
        duplicates=out["duplicates"],
        created_at=clock.utcnow(),
        created_by=who,
    )
    uow.session.add(imp)
    uow.session.flush()
    fresh = {fp for _, fp in new}
    fp_of = dict(zip(map(id, lines), fps, strict=True))
    for s in stmts:
        gap = sum((g[1] for g in gaps if g[0] is s), Decimal("0"))
        row = BankStatement(
            import_id=imp.id,
            bank_account_id=b.id,
            statement_ref=s.statement_id[:120],
            currency=(s.currency or currency)[:3],
            opening=s.opening,
            closing=s.closing,
            opening_date=s.opening_date,
            closing_date=s.closing_date,
            gap=gap if any(g[0] is s for g in gaps) else None,
            gap_note="; ".join(g[2] for g in gaps if g[0] is s)[:300],
        )
        uow.session.add(row)
        uow.session.flush()
        rows = [
            {
                "bank_account_id": b.id,
                "statement_id": row.id,
                "fingerprint": fp_of[id(ln)],
                "booking_date": ln.booking_date,
                "value_date": ln.value_date,
                "amount": ln.amount,
                "currency": (ln.currency or currency)[:3],
                "description": ln.description[:500],
                "reference": ln.reference[:100],
                "bank_ref": ln.bank_id[:100],
                "counterparty": ln.counterparty[:200],
                "balance": ln.balance,
                "raw": ln.raw,
                "source": ln.source[:300],
                "suggest_gl": ln.suggest_gl[:20],
                "suggest_member": ln.suggest_member[:20],
                "suggestion": "",
                "group_id": None,
            }
            for ln in s.lines
            if fp_of[id(ln)] in fresh
        ]
        if rows:
            table: Any = StatementLine.__table__
            uow.session.connection().execute(insert(table), rows)
    uow.session.flush()
    audit.record(
        uow,
        "recon.import",
        "bank_account",
        b.code,
        after={
            "file": imp.file_name,
            "sha256": sha,
            "imported": len(new),
            "duplicates": out["duplicates"],
            "gaps": out["gaps"],
        },
    )
    if gaps:
        uow.note(f"{name}: gap recorded: {out['gaps'][0]}")
    return out
