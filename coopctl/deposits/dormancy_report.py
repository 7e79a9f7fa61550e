"""``reports dormant``: dormant accounts and unclaimed balances as of a date.

An account is listed when its latest dormancy event on or before the date is
``dormant`` (not reactivated since) and it was not closed by then. Its balance is the
sum of its posted lines up to the date, in the control account's direction. It is
*unclaimed* when it has been dormant for ``[deposits] unclaimed_after_years`` or more.
Members are named by number only: the report carries no personal data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.core.sums import exact_sum
from coopctl.deposits import dormancy_rules as rules
from coopctl.deposits.models import DormancyEvent
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.members.models import Member
from coopctl.reports.model import Column, Report, Row, Table

COLUMNS = [
    Column("account_no", "Account", "text"),
    Column("member_no", "Member", "text"),
    Column("product", "Product", "text"),
    Column("dormant_since", "Dormant since", "date"),
    Column("last_activity", "Last member activity", "date"),
    Column("balance", "Balance", "money"),
    Column("unclaimed", "Unclaimed", "text"),
    Column("unclaimed_from", "Unclaimed from", "date"),
]


def dormant_rows(uow: UnitOfWork, as_of: date) -> list[dict[str, Any]]:
    years = int(uow.settings["deposits"]["unclaimed_after_years"])
    events = uow.session.execute(
        select(DormancyEvent.account_id, DormancyEvent.event, DormancyEvent.on_date,
               DormancyEvent.last_activity)
        .where(DormancyEvent.on_date <= as_of)
        .order_by(DormancyEvent.account_id, DormancyEvent.on_date, DormancyEvent.id)
    ).all()  # fmt: skip
    latest: dict[int, Any] = {}
    for ev in events:
        latest[ev.account_id] = ev
    ids = [a for a, ev in latest.items() if ev.event == "dormant"]
    if not ids:
        return []
    accts = uow.session.execute(
        select(Account, Member.member_no, GLAccount.normal_balance)
        .join(Member, Member.id == Account.member_id)
        .join(GLAccount, GLAccount.id == Account.gl_account_id)
        .where(Account.id.in_(ids))
        .order_by(Account.account_no)
    ).all()
    sums = {
        int(a): (d or ZERO, c or ZERO)
        for a, d, c in uow.session.execute(
            select(
                JournalLine.account_id, exact_sum(JournalLine.debit), exact_sum(JournalLine.credit)
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.account_id.in_(ids),
                JournalEntry.status == "posted",
                JournalEntry.business_date <= as_of,
            )
            .group_by(JournalLine.account_id)
        ).all()
        if a is not None
    }
    out: list[dict[str, Any]] = []
    for acct, member_no, normal in accts:
        if acct.closed_on is not None and acct.closed_on <= as_of:
            continue
        ev = latest[acct.id]
        debit, credit = sums.get(acct.id, (ZERO, ZERO))
        balance = Decimal(debit - credit) if normal == "debit" else Decimal(credit - debit)
        unclaimed = rules.is_unclaimed(ev.on_date, years, as_of)
        out.append(
            {
                "account_no": acct.account_no,
                "member_no": member_no,
                "product": acct.product_code,
                "dormant_since": ev.on_date,
                "last_activity": ev.last_activity,
                "balance": balance,
                "unclaimed": unclaimed,
                "unclaimed_from": rules.unclaimed_from(ev.on_date, years),
            }
        )
    return out


def build_dormant_report(uow: UnitOfWork, as_of: date) -> Report:
    require(uow.operator, "reports.view")
    years = int(uow.settings["deposits"]["unclaimed_after_years"])
    rows = dormant_rows(uow, as_of)
    unclaimed = [r for r in rows if r["unclaimed"]]
    total = sum((r["balance"] for r in rows), ZERO)
    total_unclaimed = sum((r["balance"] for r in unclaimed), ZERO)
    table_rows = [Row({**r, "unclaimed": "yes" if r["unclaimed"] else ""}) for r in rows]
    table_rows.append(Row({"account_no": "Total dormant", "balance": total}, style="total"))
    table_rows.append(
        Row({"account_no": "of which unclaimed", "balance": total_unclaimed}, style="subtotal")
    )
    summary = {
        "as_of": as_of,
        "unclaimed_after_years": years,
        "dormant_accounts": len(rows),
        "dormant_balance": total,
        "unclaimed_accounts": len(unclaimed),
        "unclaimed_balance": total_unclaimed,
    }
    return Report(
        name="dormant",
        title="Dormant Accounts and Unclaimed Balances",
        period=f"As of {as_of.isoformat()}",
        tables=[Table("Dormant accounts", COLUMNS, table_rows, label="account_no")],
        summary=summary,
        notes=[f"Unclaimed: dormant for {years} years or more ([deposits] unclaimed_after_years)."],
        json_payload={**summary, "accounts": rows},
    )
