"""Monthly fiscal periods, period close, year-end close.

A period is a calendar month; the fiscal year starts in the month stored at
``init`` (``fiscal_year_start``, default January) and is named by the calendar
year in which it starts. Closing a period needs every earlier period closed,
no pending entries dated in it and a clean ``ledger verify``. Closing a year
posts the closing entry (income and expense to retained earnings) dated the
year's last day, then closes its last period.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from coopctl.core import audit, clock
from coopctl.core.checks import Scope
from coopctl.core.checks import run as run_checks
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, InvalidStateError, ValidationError
from coopctl.core.models import CoopSetting
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.ledger import period_balances
from coopctl.ledger.coa import GL
from coopctl.ledger.models import JournalEntry, Period
from coopctl.ledger.posting import PostResult, post
from coopctl.ledger.rules import EntryDraft, LineDraft

# the same checks as ``ledger verify``: a period closes only on books it would pass
VERIFY_GROUPS = ("ledger", "deposits", "loans")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def fiscal_start_month(uow: UnitOfWork) -> int:
    row = uow.session.get(CoopSetting, "fiscal_year_start")
    return int(row.value) if row else 1


def fiscal_year_months(uow: UnitOfWork, year: int) -> list[tuple[int, int]]:
    m0 = fiscal_start_month(uow)
    out = []
    for i in range(12):
        m = m0 - 1 + i
        out.append((year + m // 12, m % 12 + 1))
    return out


def get_or_create(uow: UnitOfWork, year: int, month: int) -> Period:
    p = uow.session.scalars(
        select(Period).where(Period.year == year, Period.month == month)
    ).first()
    if p is None:
        start, end = month_bounds(year, month)
        p = Period(year=year, month=month, start_date=start, end_date=end, status="open")
        uow.session.add(p)
        uow.session.flush()
    return p


def _first_month(uow: UnitOfWork) -> tuple[int, int] | None:
    first = uow.session.execute(select(func.min(JournalEntry.business_date))).scalar_one()
    earliest_period = uow.session.scalars(
        select(Period).order_by(Period.year, Period.month).limit(1)
    ).first()
    cands = []
    if first:
        cands.append((first.year, first.month))
    if earliest_period:
        cands.append((earliest_period.year, earliest_period.month))
    return min(cands) if cands else None


def close_period(uow: UnitOfWork, year: int, month: int) -> Period:
    require(uow.operator, "ledger.close")
    start, end = month_bounds(year, month)
    today = clock.today(uow.settings["cooperative"]["timezone"])
    if end >= today:
        raise BusinessRuleError(f"{year}-{month:02d} has not ended yet (business date {today})")
    first = _first_month(uow) or (year, month)
    y, m = first
    while (y, m) < (year, month):
        p = get_or_create(uow, y, m)
        if p.status != "closed":
            raise BusinessRuleError(f"earlier period {y}-{m:02d} is still open; close it first")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    period = get_or_create(uow, year, month)
    if period.status == "closed":
        raise InvalidStateError(f"period {year}-{month:02d} is already closed")
    pending = uow.session.scalars(
        select(JournalEntry).where(
            JournalEntry.status == "pending",
            JournalEntry.business_date >= start,
            JournalEntry.business_date <= end,
        )
    ).all()
    if pending:
        nos = ", ".join(e.entry_no for e in pending[:5])
        raise BusinessRuleError(
            f"{len(pending)} pending entries dated in {year}-{month:02d}: {nos}"
        )
    problems = run_checks(uow.session, groups=VERIFY_GROUPS, scope=close_scope(uow, start, end))
    if problems:
        raise BusinessRuleError(
            "ledger verify found problems; fix them before closing",
            details=[f"{p.check}: {p.detail}" for p in problems[:10]],
        )
    period.status = "closed"
    period.closed_at = clock.utcnow()
    period.closed_by = uow.operator.username
    uow.session.flush()
    rows = period_balances.build(uow.session, period)
    audit.record(uow, "period.close", "period", f"{year}-{month:02d}", after={"balances": rows})
    return period


def close_scope(uow: UnitOfWork, start: date, end: date) -> Scope:
    """What closing [start, end] checks: its entries, and the audit rows after the
    previous close's record (every earlier row was proven by the closes before)."""
    from coopctl.core.models import AuditLog

    last = uow.session.execute(
        select(func.max(AuditLog.id)).where(AuditLog.action == "period.close")
    ).scalar_one()
    return Scope(start=start, end=end, audit_after=int(last) if last is not None else None)


def reopen_period(uow: UnitOfWork, year: int, month: int, reason: str) -> Period:
    require(uow.operator, "ledger.reopen")
    if not reason.strip():
        raise ValidationError("--reason is required")
    period = uow.session.scalars(
        select(Period).where(Period.year == year, Period.month == month)
    ).first()
    if period is None or period.status != "closed":
        raise InvalidStateError(f"period {year}-{month:02d} is not closed")
    later = uow.session.scalars(
        select(Period).where(
            Period.status == "closed", (Period.year * 12 + Period.month) > year * 12 + month
        )
    ).first()
    if later is not None:
        raise BusinessRuleError(
            f"later period {later.year}-{later.month:02d} is closed; reopen it first"
        )
    period.status = "open"
    period.closed_at = None
    period.closed_by = None
    period_balances.drop(uow.session, period)
    audit.record(uow, "period.reopen", "period", f"{year}-{month:02d}", after={"reason": reason})
    return period


def closing_lines(uow: UnitOfWork, start: date, end: date) -> tuple[list[LineDraft], Decimal]:
    """Lines zeroing every income and expense account for the window into retained earnings."""
    from coopctl.ledger.service import ledger_rows

    lines: list[LineDraft] = []
    net = ZERO  # profit (credit to retained earnings when positive)
    for r in ledger_rows(uow, as_of=end, start=start):
        if r.gl.type not in ("income", "expense") or r.gl.is_header:
            continue
        diff = r.debit - r.credit
        if diff == 0:
            continue
        if diff > 0:  # debit balance: credit it away
            lines.append(LineDraft(r.gl.code, credit=diff, memo="year-end close"))
        else:
            lines.append(LineDraft(r.gl.code, debit=-diff, memo="year-end close"))
        net -= diff
    if net > 0:
        lines.append(LineDraft(GL.RETAINED_EARNINGS, credit=net, memo="net profit for the year"))
    elif net < 0:
        lines.append(LineDraft(GL.RETAINED_EARNINGS, debit=-net, memo="net loss for the year"))
    return lines, net


def close_year(uow: UnitOfWork, year: int) -> tuple[PostResult | None, Decimal]:
    require(uow.operator, "ledger.close")
    months = fiscal_year_months(uow, year)
    key = f"year-close:{year}"
    if uow.session.get(CoopSetting, key):
        raise InvalidStateError(f"fiscal year {year} is already closed")
    (ly, lm) = months[-1]
    start = month_bounds(*months[0])[0]
    end = month_bounds(ly, lm)[1]
    for y, m in months[:-1]:
        p = uow.session.scalars(select(Period).where(Period.year == y, Period.month == m)).first()
        if p is None or p.status != "closed":
            # close earlier months on the way (each with its own checks)
            close_period(uow, y, m)
    lines, net = closing_lines(uow, start, end)
    result = None
    if lines and len(lines) >= 2:
        result = post(
            uow,
            EntryDraft(
                business_date=end,
                kind="year_close",
                narration=f"Year-end close {year}: income and expense to retained earnings",
                reference=f"FY{year}",
                idempotency_key=key,
                lines=lines,
            ),
        )
    close_period(uow, ly, lm)
    uow.session.add(CoopSetting(key=key, value=str(end)))
    audit.record(uow, "year.close", "fiscal_year", str(year), after={"net": net})
    return result, net


def rebuild_balances(uow: UnitOfWork) -> dict[str, int]:
    """Rebuild every closed period's balance snapshot from its lines (a repair: the
    snapshots are written at close and by migration 0016; ``ledger verify`` says when
    one differs from its lines)."""
    require(uow.operator, "ledger.close")
    result = period_balances.rebuild_all(uow.session)
    audit.record(uow, "period.rebuild_balances", "period", "*", after=dict(result))
    return result
