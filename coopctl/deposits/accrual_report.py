"""The ``interest-accruals`` report (in the month-end pack): the interest payable
(GL 2210) as of a date, explained — each fixed deposit's accrued interest and each
savings accrual not yet reversed by its posting — beside the GL balance, which it
must equal when 2210 is used only for interest accruals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits.models import DepositAccount, FdInterest
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.members.models import Member
from coopctl.reports.model import Column, Report, Row, Table


def _fd_rows(uow: UnitOfWork, as_of: date) -> list[dict[str, Any]]:
    rows = uow.session.execute(
        select(FdInterest.account_id, FdInterest.accrued_delta)
        .join(JournalEntry, JournalEntry.id == FdInterest.entry_id)
        .where(JournalEntry.status == "posted", JournalEntry.business_date <= as_of)
    ).all()
    by_account: dict[int, Decimal] = {}
    for account_id, delta in rows:
        by_account[account_id] = by_account.get(account_id, ZERO) + delta
    out = []
    for account_id in sorted(k for k, v in by_account.items() if v):
        acct = uow.session.get(Account, account_id)
        det = uow.session.get(DepositAccount, account_id)
        assert acct is not None and det is not None
        member = uow.session.get(Member, acct.member_id) if acct.member_id else None
        out.append(
            {
                "account_no": acct.account_no,
                "member_no": member.member_no if member else None,
                "placed_on": det.placed_on,
                "maturity_date": det.maturity_date,
                "accrued": by_account[account_id],
            }
        )
    return out


def _savings_rows(uow: UnitOfWork, as_of: date) -> list[dict[str, Any]]:
    rev = aliased(JournalEntry)
    rows = uow.session.execute(
        select(JournalEntry.idempotency_key, JournalEntry.business_date, JournalEntry.total)
        .outerjoin(rev, rev.id == JournalEntry.reversed_by_id)
        .where(
            JournalEntry.idempotency_key.like("accrue:%"),
            JournalEntry.status == "posted",
            JournalEntry.business_date <= as_of,
            (rev.id.is_(None)) | (rev.business_date > as_of),
        )
        .order_by(JournalEntry.business_date, JournalEntry.id)
    ).all()
    out = []
    for key, day, total in rows:
        _, product, month = str(key).split(":")
        out.append({"product": product, "month": month, "date": day, "accrued": total})
    return out


def _gl_2210(uow: UnitOfWork, as_of: date) -> Decimal:
    amounts = uow.session.execute(
        select(JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(
            GLAccount.code == GL.INTEREST_PAYABLE,
            JournalEntry.status == "posted",
            JournalEntry.business_date <= as_of,
        )
    ).all()
    return sum((cr - dr for dr, cr in amounts), ZERO)


def build_interest_accruals(uow: UnitOfWork, as_of: date) -> Report:
    """Interest payable as of ``as_of``: fixed deposits and savings accruals."""
    require(uow.operator, "reports.view")
    fds = _fd_rows(uow, as_of)
    savings = _savings_rows(uow, as_of)
    fd_total = sum((r["accrued"] for r in fds), ZERO)
    sav_total = sum((r["accrued"] for r in savings), ZERO)
    gl = _gl_2210(uow, as_of)
    fd_table = Table(
        "Fixed deposits",
        [
            Column("account_no", "Deposit", "text"),
            Column("member_no", "Member", "text"),
            Column("placed_on", "Placed", "date"),
            Column("maturity_date", "Matures", "date"),
            Column("accrued", "Accrued interest", "money"),
        ],
        [Row(dict(r)) for r in fds] + [Row({"account_no": "Total", "accrued": fd_total}, "total")],
    )
    sav_table = Table(
        "Savings (posting quarterly or annually)",
        [
            Column("product", "Product", "text"),
            Column("month", "Month", "text"),
            Column("accrued", "Accrued interest", "money"),
        ],
        [Row({k: r[k] for k in ("product", "month", "accrued")}) for r in savings]
        + [Row({"product": "Total", "accrued": sav_total}, "total")],
    )
    summary = {
        "as_of": as_of,
        "fixed_deposits": fd_total,
        "savings": sav_total,
        "total": fd_total + sav_total,
        "gl_2210": gl,
    }
    notes = [f"Interest payable (GL {GL.INTEREST_PAYABLE}) as of {as_of}: {gl:,.2f}."]
    if gl != fd_total + sav_total:
        notes.append(
            f"GL {GL.INTEREST_PAYABLE} differs from the accruals by "
            f"{gl - fd_total - sav_total:,.2f} (postings other than interest accruals)."
        )
    return Report(
        name="interest-accruals",
        title="Interest Accruals",
        period=f"As of {as_of.isoformat()}",
        tables=[fd_table, sav_table],
        summary=summary,
        notes=notes,
        json_payload={
            **summary,
            "deposits": fds,
            "savings_accruals": [
                {k: r[k] for k in ("product", "month", "date", "accrued")} for r in savings
            ],
        },
    )
