"""The bank reconciliation statement, as of a date, per bank account.

- balance per statement: the latest statement closing on or before the date, plus
  the lines booked after it up to the date (or, without statement balances, the sum of
  the lines booked up to the date);
- balance per books: the bank's GL account (posted entries up to the date);
- reconciling items with their ages: ledger lines not (yet) on the statement
  (deposits in transit, outstanding cheques) and bank lines not (yet) in the books
  (charges, interest, bank-only items);
- difference = statement − book − (bank-only items) + (book-only items): what no item
  explains; zero when reconciled.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from coopctl.core.db import UnitOfWork
from coopctl.core.money import from_minor
from coopctl.core.sums import exact_sum
from coopctl.ledger.models import JournalEntry, JournalLine, entry_no_of
from coopctl.recon.models import BankAccount, BankStatement, GroupLedgerLine, StatementLine
from coopctl.reports.model import Column, Report, Row, Table

ZERO = Decimal("0.00")


def _statement_balance(uow: UnitOfWork, bank: BankAccount, as_of: date) -> Decimal:
    last = uow.session.scalars(
        select(BankStatement)
        .where(
            BankStatement.bank_account_id == bank.id,
            BankStatement.closing.is_not(None),
            BankStatement.closing_date <= as_of,
        )
        .order_by(BankStatement.closing_date.desc(), BankStatement.id.desc())
    ).first()
    q = select(func.coalesce(exact_sum(type_coerce(StatementLine.amount, BigInteger)), 0)).where(
        StatementLine.bank_account_id == bank.id, StatementLine.booking_date <= as_of
    )
    if last is not None and last.closing is not None and last.closing_date is not None:
        q = q.where(StatementLine.booking_date > last.closing_date)
        return last.closing + from_minor(int(uow.session.scalar(q) or 0))
    return from_minor(int(uow.session.scalar(q) or 0))


def _book_balance(uow: UnitOfWork, bank: BankAccount, as_of: date) -> Decimal:
    jl, je = JournalLine, JournalEntry
    dr, cr = uow.session.execute(
        select(
            func.coalesce(exact_sum(type_coerce(jl.debit, BigInteger)), 0),
            func.coalesce(exact_sum(type_coerce(jl.credit, BigInteger)), 0),
        )
        .join(je, je.id == jl.entry_id)
        .where(
            jl.gl_account_id == bank.gl_account_id, je.status == "posted", je.business_date <= as_of
        )
    ).one()
    return from_minor(int(dr) - int(cr))


def reconcile(uow: UnitOfWork, bank: BankAccount, as_of: date) -> dict[str, Any]:
    """The numbers of the statement for ``bank`` as of ``as_of`` (callers check
    ``recon.view`` or ``reports.view``)."""
    jl, je = JournalLine, JournalEntry
    # a match counts as of a date only when both its sides are dated on or before it
    matched_bank = (
        select(func.max(StatementLine.booking_date))
        .where(StatementLine.group_id == GroupLedgerLine.group_id)
        .correlate(GroupLedgerLine)
        .scalar_subquery()
    )
    book_rows = uow.session.execute(
        select(
            jl.id,
            je.id,
            je.business_date,
            jl.debit,
            jl.credit,
            je.reference,
            je.narration,
            GroupLedgerLine.group_id,
            matched_bank,
        )
        .join(je, je.id == jl.entry_id)
        .outerjoin(GroupLedgerLine, GroupLedgerLine.journal_line_id == jl.id)
        .where(
            jl.gl_account_id == bank.gl_account_id, je.status == "posted", je.business_date <= as_of
        )
    ).all()
    items: list[dict[str, Any]] = []
    for _lid, eid, day, dr, cr, ref, narr, gid, bank_day in book_rows:
        if gid is not None and (bank_day is None or bank_day <= as_of):
            continue  # reconciled (a group without bank lines is a reversal pair)
        items.append(
            {
                "side": "in books, not in bank",
                "date": day,
                "age_days": (as_of - day).days,
                "amount": dr - cr,
                "ref": entry_no_of(eid),
                "description": (ref + " " + narr).strip()[:120],
            }
        )
    ledger_day = (
        select(func.max(je.business_date))
        .join(jl, jl.entry_id == je.id)
        .join(GroupLedgerLine, GroupLedgerLine.journal_line_id == jl.id)
        .where(GroupLedgerLine.group_id == StatementLine.group_id)
        .correlate(StatementLine)
        .scalar_subquery()
    )
    bank_rows = uow.session.execute(
        select(StatementLine, ledger_day).where(
            StatementLine.bank_account_id == bank.id, StatementLine.booking_date <= as_of
        )
    ).all()
    for ln, lday in bank_rows:
        if ln.group_id is not None and (lday is None or lday <= as_of):
            continue
        items.append(
            {
                "side": "in bank, not in books",
                "date": ln.booking_date,
                "age_days": (as_of - ln.booking_date).days,
                "amount": ln.amount,
                "ref": f"line {ln.id}",
                "description": (ln.reference + " " + ln.description).strip()[:120],
            }
        )
    items.sort(key=lambda i: (i["side"], i["date"], i["ref"]))
    statement = _statement_balance(uow, bank, as_of)
    book = _book_balance(uow, bank, as_of)
    in_books = sum((i["amount"] for i in items if i["side"].startswith("in books")), ZERO)
    in_bank = sum((i["amount"] for i in items if i["side"].startswith("in bank")), ZERO)
    return {
        "bank": bank.code,
        "as_of": as_of,
        "currency": bank.currency,
        "statement_balance": statement,
        "book_balance": book,
        "in_books_not_bank": in_books,
        "in_bank_not_books": in_bank,
        "adjusted_statement": statement + in_books,
        "adjusted_book": book + in_bank,
        "difference": statement + in_books - book - in_bank,
        "items": items,
    }


def build_report(uow: UnitOfWork, banks: list[BankAccount], as_of: date) -> Report:
    """One table per bank: the summary lines, then the reconciling items."""
    tables = []
    data = [reconcile(uow, b, as_of) for b in banks]
    cols = [
        Column("label", "Item", "text"),
        Column("date", "Date", "date"),
        Column("age_days", "Age (days)", "int"),
        Column("ref", "Reference", "text"),
        Column("amount", "Amount", "money"),
    ]
    for d in data:
        rows = [
            Row({"label": "Balance per statement", "amount": d["statement_balance"]}, "subtotal")
        ]
        for side, key in (
            ("in books, not in bank", "in_books_not_bank"),
            ("in bank, not in books", "in_bank_not_books"),
        ):
            rows.append(Row({"label": f"Items {side}"}, "heading"))
            for i in d["items"]:
                if i["side"] == side:
                    rows.append(
                        Row(
                            {
                                "label": i["description"] or "-",
                                "date": i["date"],
                                "age_days": i["age_days"],
                                "ref": i["ref"],
                                "amount": i["amount"],
                            },
                            "indent1",
                        )
                    )
            rows.append(Row({"label": f"Total {side}", "amount": d[key]}, "subtotal"))
        rows.append(Row({"label": "Balance per books", "amount": d["book_balance"]}, "subtotal"))
        rows.append(Row({"label": "Difference", "amount": d["difference"]}, "total"))
        tables.append(Table(f"{d['bank']} ({d['currency']})", cols, rows, label="label"))
    payload: Any = data[0] if len(data) == 1 else {"as_of": as_of, "banks": data}
    summary = payload if len(data) == 1 else {"as_of": as_of}
    return Report(
        name="bank-reconciliation",
        title="Bank Reconciliation",
        period=f"As of {as_of.isoformat()}",
        tables=tables,
        summary={k: v for k, v in summary.items() if k != "items"},
        notes=[] if banks else ["No bank accounts are registered (`recon banks add`)."],
        json_payload=payload,
    )


def pack_builder(uow: UnitOfWork, params: Any) -> Report:
    """The month-end pack's page: every active bank account."""
    from coopctl.recon.banks import list_banks

    return build_report(uow, [b for b in list_banks(uow) if b.active], params.date(uow))
