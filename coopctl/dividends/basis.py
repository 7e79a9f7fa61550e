"""What a run reads from the books: the year's surplus, each member's month-end share
balances and the loan interest each member paid in the fiscal year.

Amounts are read once per run in a few grouped queries and reduced in Python
(Decimal); :mod:`coopctl.dividends.allocation` does the arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.models import CoopSetting
from coopctl.core.money import ZERO
from coopctl.core.sums import exact_sum
from coopctl.dividends.allocation import MemberBasis, month_end_balances, share_base
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.ledger.periods import fiscal_year_months, month_bounds
from coopctl.members.models import Member

CHUNK = 5000  # bound parameters per IN list (SQLite and PostgreSQL both cap them)


def year_window(uow: UnitOfWork, year: int) -> tuple[date, date, list[tuple[int, int]]]:
    months = fiscal_year_months(uow, year)
    return month_bounds(*months[0])[0], month_bounds(*months[-1])[1], months


def year_closed(uow: UnitOfWork, year: int) -> bool:
    """``ledger close-year YEAR`` has run (it leaves the setting ``year-close:YEAR``)."""
    return uow.session.get(CoopSetting, f"year-close:{year}") is not None


def surplus(uow: UnitOfWork, year: int) -> Decimal:
    """The year's net surplus: what its closing entry credited to retained earnings
    (a loss is negative; a year closed without income or expense is zero)."""
    rows = uow.session.execute(
        select(JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(
            JournalEntry.idempotency_key == f"year-close:{year}",
            JournalEntry.status == "posted",
            GLAccount.code == GL.RETAINED_EARNINGS,
        )
    ).all()
    return sum((c - d for d, c in rows), ZERO)


def member_bases(uow: UnitOfWork, year: int, weighting: str) -> list[MemberBasis]:
    """Every member with shares or loan interest in the year, by member number."""
    start, end, months = year_window(uow, year)
    first = months[0][0] * 12 + months[0][1]
    opening: dict[int, Decimal] = defaultdict(lambda: ZERO)
    moves: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    posted = JournalEntry.status == "posted"
    before = (
        select(Account.member_id, exact_sum(JournalLine.credit), exact_sum(JournalLine.debit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(Account, Account.id == JournalLine.account_id)
        .where(
            Account.kind == "shares",
            Account.member_id.is_not(None),
            posted,
            JournalEntry.business_date < start,
        )
        .group_by(Account.member_id)
    )
    for member_id, cr, dr in uow.session.execute(before):
        opening[member_id or 0] += (cr or ZERO) - (dr or ZERO)
    during = (
        select(
            Account.member_id,
            JournalEntry.business_date,
            exact_sum(JournalLine.credit),
            exact_sum(JournalLine.debit),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(Account, Account.id == JournalLine.account_id)
        .where(
            Account.kind == "shares",
            Account.member_id.is_not(None),
            posted,
            JournalEntry.business_date >= start,
            JournalEntry.business_date <= end,
        )
        .group_by(Account.member_id, JournalEntry.business_date)
    )
    for member_id, day, cr, dr in uow.session.execute(during):
        idx = day.year * 12 + day.month - first
        moves[member_id or 0].append((idx, (cr or ZERO) - (dr or ZERO)))
    bases: dict[int, Decimal] = {}
    for member_id in set(opening) | set(moves):
        ends = month_end_balances(opening[member_id], moves[member_id], len(months))
        bases[member_id] = share_base(ends, weighting)
    interest = interest_paid(uow, start, end)
    ids = {m for m, b in bases.items() if b > 0} | {m for m, i in interest.items() if i > 0}
    wanted = sorted(ids)
    numbers: dict[int, str] = {}
    for i in range(0, len(wanted), CHUNK):
        rows = uow.session.execute(
            select(Member.id, Member.member_no).where(Member.id.in_(wanted[i : i + CHUNK]))
        ).all()
        numbers.update({mid: no for mid, no in rows})
    out = [MemberBasis(numbers[m], bases.get(m, ZERO), interest.get(m, ZERO)) for m in ids]
    return sorted(out, key=lambda b: b.member_no)


def interest_paid(uow: UnitOfWork, start: date, end: date) -> dict[int, Decimal]:
    """Loan interest paid per member (member id) between ``start`` and ``end``: the
    interest component of the repayment allocations that still stand."""
    from coopctl.loans.models import Loan, LoanAllocation

    rows = uow.session.execute(
        select(Loan.member_id, exact_sum(LoanAllocation.amount))
        .join(Loan, Loan.id == LoanAllocation.loan_id)
        .where(
            LoanAllocation.component == "interest",
            LoanAllocation.reversed.is_(False),
            LoanAllocation.business_date >= start,
            LoanAllocation.business_date <= end,
        )
        .group_by(Loan.member_id)
    ).all()
    return {m: amount or ZERO for m, amount in rows}


def member_ids(uow: UnitOfWork, numbers: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(numbers), CHUNK):
        part = numbers[i : i + CHUNK]
        rows = uow.session.execute(
            select(Member.member_no, Member.id).where(Member.member_no.in_(part))
        ).all()
        out.update({no: mid for no, mid in rows})
    return out
