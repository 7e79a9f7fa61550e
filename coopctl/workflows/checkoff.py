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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import and_, insert, select

from coopctl.core import audit, clock, ids, imports
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import CoopError, ValidationError
from coopctl.core.gc_pause import gc_paused
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits import checkoff, guards
from coopctl.deposits.errors import CheckoffFileError
from coopctl.deposits.guards import CreditTarget
from coopctl.deposits.models import CheckoffImport, CheckoffLine, DepositAccount, DepositProduct
from coopctl.ledger.bulk import post_many
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, JournalEntry, entry_no_of
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import shared_bulk
from coopctl.members.models import Member

MEMBER_PREFIX = "M"


class MemberRow(NamedTuple):
    """A member as the import reads it (plain values, no ORM object)."""

    id: int
    member_no: str
    status: str
    kyc_status: str


@dataclass
class PlannedLine:
    line_no: int
    member: MemberRow
    amount: Decimal
    split: checkoff.Split
    savings_account: CreditTarget
    shares_account: CreditTarget | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line_no,
            "member_no": self.member.member_no,
            "amount": self.amount,
            "loans": [{"loan_no": n, "amount": a} for n, a in self.split.loans],
            "to_loans": self.split.to_loans,
            "shares": self.split.shares,
            "shares_account": self.shares_account.account_no if self.shares_account else None,
            "savings": self.split.savings,
            "savings_account": self.savings_account.account_no,
        }


def _plan(
    uow: UnitOfWork, parsed: checkoff.ParsedFile, name: str, on: date
) -> tuple[list[PlannedLine], list[str], shared_bulk.Loans]:
    """Resolve members and accounts and split each line; collect every problem."""
    settings = uow.settings
    sav_code = settings["checkoff"]["savings_product"] if settings else "SAV"
    shr_code = settings["checkoff"]["shares_product"] if settings else "SHR"
    priority = list(settings["checkoff"]["priority"]) if settings else list(checkoff.PRIORITY_ITEMS)
    monthly = settings["checkoff"]["monthly_savings"] if settings else ZERO
    try:
        checkoff.check_priority(priority)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    errors: list[str] = []
    numbers: dict[int, str] = {}
    for ln in parsed.lines:
        try:
            numbers[ln.line_no] = ids.check(ln.member_no, MEMBER_PREFIX, field="member_no")
        except ValidationError as exc:
            errors.append(f"{name}:{ln.line_no}:{exc.message}")
    # members with their accounts and deposit details: one query per chunk of plain rows;
    # then the accounts' activity and the members' loans
    members, accounts, active = _resolve(uow, sorted(set(numbers.values())), (sav_code, shr_code))
    # the members' active loans and their installments, read once for the dues and the
    # booking (locked on PostgreSQL, as ``loans repay`` locks its loan)
    loans = shared_bulk.Loans.load(uow, [m.id for m in members.values()])
    borrowers = set(loans.by_member)
    first_line: dict[str, int] = {}
    planned: list[PlannedLine] = []
    for ln in parsed.lines:
        if ln.line_no not in numbers:
            continue
        where = f"{name}:{ln.line_no}"
        no = numbers[ln.line_no]
        member = members.get(no)
        if member is None:
            errors.append(f"{where}:member_no: member {no} not found")
            continue
        if no in first_line:
            errors.append(f"{where}:member_no: {no} is already on line {first_line[no]}")
            continue
        first_line[no] = ln.line_no
        if member.status == "exited":
            errors.append(f"{where}:member_no: member {no} has exited")
            continue
        sav = accounts.get((member.id, sav_code))
        if sav is None:
            errors.append(f"{where}:member_no: member {no} has no open {sav_code} account")
            continue
        shr = accounts.get((member.id, shr_code))
        try:
            dues = (
                loans.dues(member.id, on)
                if member.id in borrowers
                and ("loan_due" in priority or (ln.explicit and ln.explicit["loan"] > 0))
                else []
            )
            if ln.explicit is not None:
                if ln.explicit["shares"] > 0 and shr is None:
                    raise ValueError(f"shares: member {no} has no open {shr_code} account")
                split = checkoff.split_explicit(
                    ln.amount,
                    savings=ln.explicit["savings"],
                    shares=ln.explicit["shares"],
                    loan=ln.explicit["loan"],
                    loan_dues=dues,
                )
            else:
                split = checkoff.split_by_priority(
                    ln.amount,
                    priority=priority,
                    loan_dues=dues,
                    monthly_savings=monthly,
                    has_shares=shr is not None and shr.status in ("active", "dormant"),
                )
            if split.savings > 0:
                guards.check_credit_to(
                    uow, sav, member, split.savings, active_before=sav.id in active
                )
            if split.shares > 0 and shr is not None:
                guards.check_credit_to(
                    uow, shr, member, split.shares, active_before=shr.id in active
                )
        except ValueError as exc:
            errors.append(f"{where}:{exc}")
            continue
        except CoopError as exc:
            errors.append(f"{where}:member_no: {exc.message}")
            continue
        planned.append(PlannedLine(ln.line_no, member, ln.amount, split, sav, shr))
    return planned, errors, loans


def _resolve(
    uow: UnitOfWork, numbers: list[str], codes: tuple[str, ...]
) -> tuple[dict[str, MemberRow], dict[tuple[int, str], CreditTarget], set[int]]:
    """The members numbered ``numbers`` (by number); their accounts that are not closed,
    of the products ``codes``, by (member id, product code), with GL code and deposit
    details (the last by id when a member has several of one product); and which of
    those accounts a posted or pending entry names (``guards.has_activity``). One query
    per chunk of 5,000 numbers returning plain tuples, then the activity by chunks of
    account ids (a correlated EXISTS in the same query is much slower on PostgreSQL)."""
    members: dict[str, MemberRow] = {}
    accounts: dict[tuple[int, str], CreditTarget] = {}
    for chunk in _chunks(numbers):
        stmt = (
            select(
                Member.id,
                Member.member_no,
                Member.status,
                Member.kyc_status,
                Account.product_code,
                Account.id,
                Account.account_no,
                Account.kind,
                Account.status,
                GLAccount.code,
                DepositAccount.account_id,
                DepositProduct.code,
                DepositProduct.min_opening_balance,
            )
            .select_from(Member)
            .outerjoin(
                Account,
                and_(
                    Account.member_id == Member.id,
                    Account.product_code.in_(codes),
                    Account.status != "closed",
                ),
            )
            .outerjoin(GLAccount, GLAccount.id == Account.gl_account_id)
            .outerjoin(DepositAccount, DepositAccount.account_id == Account.id)
            .outerjoin(DepositProduct, DepositProduct.id == DepositAccount.product_id)
            .where(Member.member_no.in_(chunk))
            .order_by(Member.id, Account.id)
        )
        for (
            member_id,
            member_no,
            member_status,
            kyc_status,
            product,
            acct_id,
            acct_no,
            kind,
            status,
            gl,
            dep,
            dep_code,
            minimum,
        ) in uow.session.execute(stmt).tuples():
            if member_no not in members:
                members[member_no] = MemberRow(member_id, member_no, member_status, kyc_status)
            if acct_id is None:
                continue
            accounts[(member_id, product)] = CreditTarget(
                acct_id,
                acct_no,
                kind,
                status,
                gl or "",
                dep is not None,
                dep_code or "",
                minimum if minimum is not None else ZERO,
            )
    active = guards.active_accounts(uow, sorted(a.id for a in accounts.values()))
    return members, accounts, active


def _chunks(items: list[Any], n: int = 5000) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


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
    planned, errors, loans = _plan(uow, parsed, path.name, on)
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
    for p in planned:
        for _ in p.split.loans:
            entry_lines.extend(next(parts).lines)
        for acct, amount in (
            (p.shares_account, p.split.shares),
            (p.savings_account, p.split.savings),
        ):
            if acct is not None and amount > 0:
                entry_lines.append(
                    LineDraft(
                        acct.gl_code,
                        credit=amount,
                        account_no=acct.account_no,
                        memo=f"check-off {ref} line {p.line_no}"[:200],
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
    uow.session.execute(  # one executemany (no text columns: nothing for the limits)
        insert(CheckoffLine.__table__),  # type: ignore[arg-type]
        [
            {
                "import_id": batch.id,
                "line_no": p.line_no,
                "member_id": p.member.id,
                "amount": p.amount,
                "to_loans": p.split.to_loans,
                "to_shares": p.split.shares,
                "to_savings": p.split.savings,
            }
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
