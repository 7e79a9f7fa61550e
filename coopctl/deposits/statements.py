"""Account statements: opening balance, each posted line with its running balance,
closing balance, for any date range. Built as a :class:`~coopctl.reports.model.Report`
so every output format (table, json, csv, xlsx, pdf) comes from one builder.

Amounts are on the account's own side: for savings, shares and fixed deposits a
credit pays in and a debit pays out; the balance runs in the control account's
normal direction (the stored ``Account.balance``). Pending and rejected entries
are not on statements; a reversal appears as its own line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import ZERO, from_minor
from coopctl.core.security import require
from coopctl.core.sums import exact_sum
from coopctl.deposits.accounts_lookup import get_account
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.members.models import Member
from coopctl.reports.model import Column, Report, Row, Table

COLUMNS = [
    Column("date", "Date", "date", 11),
    Column("entry_no", "Entry", "text", 12),
    Column("narration", "Narration", "text", 40),
    Column("debit", "Debit", "money", 14),
    Column("credit", "Credit", "money", 14),
    Column("balance", "Balance", "money", 16),
]


def _signed(normal: str, debit: Decimal, credit: Decimal) -> Decimal:
    return debit - credit if normal == "debit" else credit - debit


def opening_balance(uow: UnitOfWork, acct: Account, before: date) -> Decimal:
    raw = lambda col: type_coerce(col, BigInteger)  # noqa: E731 - exact kobo sums
    dr, cr = uow.session.execute(
        select(exact_sum(raw(JournalLine.debit)), exact_sum(raw(JournalLine.credit)))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account_id == acct.id,
            JournalEntry.status == "posted",
            JournalEntry.business_date < before,
        )
    ).one()
    gl = uow.session.get(GLAccount, acct.gl_account_id)
    assert gl is not None
    return _signed(gl.normal_balance, from_minor(dr or 0), from_minor(cr or 0))


def statement_lines(
    uow: UnitOfWork, acct: Account, start: date, end: date, opening: Decimal
) -> list[dict[str, Any]]:
    gl = uow.session.get(GLAccount, acct.gl_account_id)
    assert gl is not None
    rows = uow.session.execute(
        select(
            JournalEntry.business_date,
            JournalEntry.id,
            JournalEntry.narration,
            JournalLine.memo,
            JournalLine.debit,
            JournalLine.credit,
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account_id == acct.id,
            JournalEntry.status == "posted",
            JournalEntry.business_date >= start,
            JournalEntry.business_date <= end,
        )
        .order_by(JournalEntry.business_date, JournalEntry.id, JournalLine.line_no)
    ).all()
    balance = opening
    out = []
    for d, entry_id, narration, memo, debit, credit in rows:
        balance += _signed(gl.normal_balance, debit, credit)
        out.append(
            {
                "date": d,
                "entry_no": f"JE{entry_id:08d}",
                "narration": narration or memo,
                "debit": debit,
                "credit": credit,
                "balance": balance,
            }
        )
    return out


def build_statement(
    uow: UnitOfWork, account_no: str, *, start: date | None = None, end: date | None = None
) -> Report:
    """The statement of ``account_no`` from ``start`` (default: opening date) to ``end``
    (default: the business date)."""
    require(uow.operator, "accounts.view")
    acct = get_account(uow, account_no)
    start = start or acct.opened_on
    end = end or uow.today()
    if start > end:
        raise ValidationError(f"--from: {start} is after --to {end}")
    opening = opening_balance(uow, acct, start)
    lines = statement_lines(uow, acct, start, end, opening)
    closing = lines[-1]["balance"] if lines else opening
    total_dr = sum((ln["debit"] for ln in lines), ZERO)
    total_cr = sum((ln["credit"] for ln in lines), ZERO)
    member = uow.session.get(Member, acct.member_id) if acct.member_id else None
    member_no = member.member_no if member else None
    member_name = f"{member.first_name} {member.last_name}" if member else ""
    rows = [Row({"date": start, "narration": "Opening balance", "balance": opening}, "subtotal")]
    rows += [
        Row({k: (None if k in ("debit", "credit") and v == 0 else v) for k, v in ln.items()})
        for ln in lines
    ]
    rows.append(
        Row(
            {
                "date": end,
                "narration": "Closing balance",
                "debit": total_dr,
                "credit": total_cr,
                "balance": closing,
            },
            "total",
        )
    )
    summary = {
        "account_no": acct.account_no,
        "member_no": member_no,
        "member_name": member_name,
        "product": acct.product_code,
        "from": start,
        "to": end,
        "opening_balance": opening,
        "closing_balance": closing,
        "total_debits": total_dr,
        "total_credits": total_cr,
    }
    payload = dict(summary, lines=lines)
    return Report(
        name="account-statement",
        title=f"Statement of account {acct.account_no}"
        + (f" — {member_name} ({member_no})" if member else ""),
        period=f"{start.isoformat()} to {end.isoformat()}",
        tables=[
            Table(
                title=f"{acct.product_code} account {acct.account_no}",
                columns=COLUMNS,
                rows=rows,
                label="narration",
            )
        ],
        summary=summary,
        notes=[f"Opening balance {opening:,.2f}; closing balance {closing:,.2f}."],
        json_payload=payload,
    )
