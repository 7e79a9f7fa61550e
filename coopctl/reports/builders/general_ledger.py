"""General ledger: every posted line of every account in a window, with opening,
running and closing balances (in each account's normal direction)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.ledger.models import Account, JournalEntry, JournalLine, entry_no_of
from coopctl.reports.builders.common import Chart, Node, Window, _raw, gl_sums, money, side_amount
from coopctl.reports.model import Column, Report, Row, Table

COLUMNS = [
    Column("date", "Date", "date"),
    Column("entry_no", "Entry", "text", width=11),
    Column("narration", "Narration", "text"),
    Column("account_no", "Member account", "text"),
    Column("debit", "Debit", "money"),
    Column("credit", "Credit", "money"),
    Column("balance", "Balance", "money"),
]


def _lines(uow: UnitOfWork, gl_ids: list[int], window: Window) -> dict[int, list[tuple[Any, ...]]]:
    stmt = (
        select(
            JournalLine.gl_account_id,
            JournalEntry.business_date,
            JournalEntry.id,
            JournalEntry.narration,
            JournalLine.memo,
            Account.account_no,
            _raw(JournalLine.debit),
            _raw(JournalLine.credit),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .outerjoin(Account, Account.id == JournalLine.account_id)
        .where(
            JournalEntry.status == "posted",
            JournalEntry.business_date >= window.start,
            JournalEntry.business_date <= window.end,
            JournalLine.gl_account_id.in_(gl_ids),
        )
        .order_by(JournalEntry.business_date, JournalEntry.id, JournalLine.line_no)
    )
    out: dict[int, list[tuple[Any, ...]]] = {}
    for row in uow.session.execute(stmt):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def build_general_ledger(uow: UnitOfWork, window: Window, account: str | None = None) -> Report:
    """Detail per GL account for ``window`` (``account``: one code; a header takes its children)."""
    require(uow.operator, "reports.view")
    chart = Chart(uow)
    if account:
        code = account.strip()
        if code not in chart.by_code:
            raise NotFoundError(f"GL account {code} not found (--account)")
        nodes: list[Node] = chart.descendants(code)
    else:
        nodes = [n for r in chart.roots for n in r.leaves()]
    ids = [n.gl.id for n in nodes]
    opening_sums = gl_sums(uow, end=window.start - timedelta(days=1))
    lines = _lines(uow, ids, window)

    tables: list[Table] = []
    accounts: list[dict[str, Any]] = []
    grand_dr = grand_cr = 0
    for n in nodes:
        side = n.gl.normal_balance
        opening = side_amount(opening_sums, n.gl.id, side)
        rows_in = lines.get(n.gl.id, [])
        if opening == 0 and not rows_in:
            continue
        bal = opening
        tot_dr = tot_cr = 0
        rows = [
            Row(
                {"date": window.start, "narration": "Opening balance", "balance": money(opening)},
                "indent1",
            )
        ]
        jlines = []
        for d, eid, narration, memo, acct_no, dr, cr in rows_in:
            dr, cr = int(dr), int(cr)
            bal += (dr - cr) if side == "debit" else (cr - dr)
            tot_dr += dr
            tot_cr += cr
            text = narration or memo
            if memo and narration and memo != narration:
                text = f"{narration} — {memo}"
            cells = {
                "date": d,
                "entry_no": entry_no_of(eid),
                "narration": text,
                "account_no": acct_no,
                "debit": money(dr) if dr else None,
                "credit": money(cr) if cr else None,
                "balance": money(bal),
            }
            rows.append(Row(cells))
            jlines.append({**cells, "debit": money(dr), "credit": money(cr)})
        rows.append(
            Row(
                {
                    "narration": "Totals and closing balance",
                    "debit": money(tot_dr),
                    "credit": money(tot_cr),
                    "balance": money(bal),
                },
                "total",
            )
        )
        grand_dr += tot_dr
        grand_cr += tot_cr
        title = f"{n.code} {n.gl.name} ({side} balance)"
        tables.append(Table(title, COLUMNS, rows, label="narration"))
        accounts.append(
            {
                "gl_code": n.code,
                "name": n.gl.name,
                "normal_balance": side,
                "opening": money(opening),
                "total_debit": money(tot_dr),
                "total_credit": money(tot_cr),
                "closing": money(bal),
                "lines": jlines,
            }
        )
    if not tables:
        tables.append(
            Table(
                None, COLUMNS, [Row({"narration": "No postings in the period."})], label="narration"
            )
        )
    payload = {
        "from": window.start,
        "to": window.end,
        "account": account,
        "total_debit": money(grand_dr),
        "total_credit": money(grand_cr),
        "accounts": accounts,
    }
    return Report(
        name="general-ledger",
        title="General Ledger",
        period=window.label() + (f" — account {account}" if account else ""),
        tables=tables,
        summary={k: v for k, v in payload.items() if k != "accounts"},
        notes=["Balances are in each account's normal direction (debit or credit)."],
        json_payload=payload,
    )
