"""Candidates for the matcher: open (not yet reconciled) posted ledger lines on one GL
account within a date window, with the member names and member, account and loan
numbers of their entries. General on purpose: a bank account's GL for statements,
the gateway clearing GL for payment settlements."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, exists, select, type_coerce

from coopctl.core.db import UnitOfWork
from coopctl.ledger.models import Account, JournalEntry, JournalLine, entry_no_of
from coopctl.members.models import Member
from coopctl.recon.matcher import Candidate
from coopctl.recon.models import GroupLedgerLine

CENT = Decimal("0.01")


def open_ledger_lines(
    uow: UnitOfWork, gl_account_id: int, start: date, end: date, *, with_names: bool = True
) -> list[Candidate]:
    """Posted lines on ``gl_account_id`` dated ``start``..``end`` not in any match group,
    signed from the bank's side (debit positive)."""
    jl, je = JournalLine, JournalEntry
    rows = uow.session.execute(
        select(
            jl.id,
            je.business_date,
            type_coerce(jl.debit, BigInteger),
            type_coerce(jl.credit, BigInteger),
            je.id,
            je.reference,
            je.narration,
            jl.memo,
            je.reverses_id,
        )
        .join(je, je.id == jl.entry_id)
        .where(
            jl.gl_account_id == gl_account_id,
            je.status == "posted",
            je.business_date >= start,
            je.business_date <= end,
            ~exists().where(GroupLedgerLine.journal_line_id == jl.id),
        )
    ).all()
    people: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    if with_names and rows:
        people = _people(uow, gl_account_id, start, end)
    line_of_entry: dict[int, int] = {}
    for r in rows:
        line_of_entry.setdefault(r[4], r[0])
    out = []
    for lid, day, dr, cr, eid, ref, narr, memo, rev in rows:
        names, numbers = people.get(eid, ([], [])) if people else ([], [])
        out.append(
            Candidate(
                id=lid,
                day=day,
                amount=(Decimal(int(dr or 0) - int(cr or 0)) * CENT),
                entry_no=entry_no_of(eid),
                reference=ref or "",
                text=f"{narr or ''} {memo or ''}".strip(),
                names=tuple(names),
                numbers=tuple(numbers),
                reverses=line_of_entry.get(rev) if rev else None,
            )
        )
    return out


def _people(
    uow: UnitOfWork, gl_id: int, start: date, end: date
) -> dict[int, tuple[list[str], list[str]]]:
    jl, je = JournalLine, JournalEntry
    bank_entries = (
        select(jl.entry_id)
        .join(je, je.id == jl.entry_id)
        .where(jl.gl_account_id == gl_id, je.business_date >= start, je.business_date <= end)
    )
    q = (
        select(
            jl.entry_id,
            Account.account_no,
            Member.member_no,
            Member.first_name,
            Member.last_name,
            Account.id,
        )
        .join(Account, Account.id == jl.account_id)
        .outerjoin(Member, Member.id == Account.member_id)
        .where(jl.entry_id.in_(bank_entries))
    )
    out: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    acct_entries: dict[int, list[int]] = defaultdict(list)
    for eid, acct_no, member_no, first, last, acct_id in uow.session.execute(q):
        names, numbers = out[eid]
        numbers.append(acct_no)
        if member_no:
            numbers.append(member_no)
            names.append(f"{first} {last}")
        acct_entries[acct_id].append(eid)
    if acct_entries:
        try:
            from coopctl.loans.models import Loan
        except ImportError:  # the loans context is optional
            return out
        ids = list(acct_entries)
        for i in range(0, len(ids), 500):
            for loan_no, loan_acct in uow.session.execute(
                select(Loan.loan_no, Loan.account_id).where(Loan.account_id.in_(ids[i : i + 500]))
            ):
                for eid in acct_entries[int(loan_acct or 0)]:
                    out[eid][1].append(loan_no)
    return out


def window(days: list[date], pad: int) -> tuple[date, date]:
    return min(days) - timedelta(days=3 * pad), max(days) + timedelta(days=3 * pad)
