"""Candidates for the matcher: open (not yet reconciled) posted ledger lines on one GL
account within a date window, with the member names and member, account and loan
numbers of their entries. General on purpose: a bank account's GL for statements,
the gateway clearing GL for payment settlements (see docs/recon.md).

``open_rows`` reads the lines cheaply (plain tuples); ``candidates`` turns the rows a
caller keeps into :class:`~coopctl.recon.matcher.Candidate` with names and numbers;
``open_ledger_lines`` does both for every line."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.ledger.models import Account, JournalLine, entry_no_of
from coopctl.members.models import Member
from coopctl.recon.matcher import Candidate

CENT = Decimal("0.01")
CHUNK = 2000  # ids per IN list (below SQLite's and PostgreSQL's parameter limits)


class OpenRow(NamedTuple):
    id: int
    day: date
    kobo: int  # signed from the bank's side: debit positive
    entry_id: int
    reference: str
    narration: str
    memo: str
    reverses_entry: int | None
    reversed: bool


_OPEN_SQL = (
    "SELECT l.id, e.business_date, l.debit, l.credit, e.id, e.reference, e.narration,"
    " l.memo, e.reverses_id, e.reversed_by_id"
    " FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id"
    " WHERE l.gl_account_id = {ph} AND e.status = 'posted'"
    " AND e.business_date >= {ph} AND e.business_date <= {ph}"
    " AND NOT EXISTS (SELECT 1 FROM recon_group_lines g WHERE g.journal_line_id = l.id)"
)


def open_rows(uow: UnitOfWork, gl_account_id: int, start: date, end: date) -> list[OpenRow]:
    """Posted lines on ``gl_account_id`` dated ``start``..``end`` in no match group.

    One raw DB-API read (hundreds of thousands of rows on a busy bank GL: no ORM or
    Core row objects); dates arrive as ``date`` (PostgreSQL) or ISO text (SQLite)
    and are parsed once per distinct day."""
    pg = uow.dialect == "postgresql"
    sql = _OPEN_SQL.format(ph="%s" if pg else "?")
    params = (gl_account_id, start, end) if pg else (gl_account_id, str(start), str(end))
    cur = uow.session.connection().exec_driver_sql(sql, params).cursor
    days: dict[object, date] = {}

    def day_of(v: object) -> date:
        d = days.get(v)
        if d is None:
            d = days[v] = v if isinstance(v, date) else date.fromisoformat(str(v)[:10])
        return d

    out: list[OpenRow] = []
    while batch := cur.fetchmany(50_000):
        out += [
            OpenRow(
                lid,
                day_of(d),
                int(dr or 0) - int(cr or 0),
                eid,
                ref or "",
                narr,
                memo,
                rev,
                by is not None,
            )
            for lid, d, dr, cr, eid, ref, narr, memo, rev, by in batch
        ]
    return out


def candidates(uow: UnitOfWork, rows: list[OpenRow], *, with_names: bool = True) -> list[Candidate]:
    """Candidates for ``rows``, with the people of their entries."""
    people = _people(uow, sorted({r.entry_id for r in rows})) if with_names and rows else {}
    line_of_entry: dict[int, int] = {}
    for r in rows:
        line_of_entry.setdefault(r.entry_id, r.id)
    out = []
    for r in rows:
        names, numbers = people.get(r.entry_id, ([], []))
        out.append(
            Candidate(
                id=r.id,
                day=r.day,
                amount=Decimal(r.kobo) * CENT,
                entry_no=entry_no_of(r.entry_id),
                reference=r.reference,
                text=f"{r.narration or ''} {r.memo or ''}".strip(),
                names=tuple(names),
                numbers=tuple(numbers),
                reverses=line_of_entry.get(r.reverses_entry) if r.reverses_entry else None,
            )
        )
    return out


def open_ledger_lines(
    uow: UnitOfWork, gl_account_id: int, start: date, end: date, *, with_names: bool = True
) -> list[Candidate]:
    """Every open line on ``gl_account_id`` in the window, as candidates."""
    return candidates(uow, open_rows(uow, gl_account_id, start, end), with_names=with_names)


def _people(uow: UnitOfWork, entry_ids: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    jl = JournalLine
    out: dict[int, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    acct_entries: dict[int, list[int]] = defaultdict(list)
    conn = uow.session.connection()
    for i in range(0, len(entry_ids), CHUNK):
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
            .where(jl.entry_id.in_(entry_ids[i : i + CHUNK]))
        )
        for eid, acct_no, member_no, first, last, acct_id in conn.execute(q):
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
            for loan_no, loan_acct in conn.execute(
                select(Loan.loan_no, Loan.account_id).where(Loan.account_id.in_(ids[i : i + 500]))
            ):
                for eid in acct_entries[int(loan_acct or 0)]:
                    out[eid][1].append(loan_no)
    return out


def window(days: list[date], pad: int) -> tuple[date, date]:
    return min(days) - timedelta(days=3 * pad), max(days) + timedelta(days=3 * pad)
