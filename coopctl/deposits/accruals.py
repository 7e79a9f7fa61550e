"""Savings interest accruals between postings (products posting quarterly or annually).

A savings product that posts interest monthly has nothing to accrue: the month's
interest is posted at its end. One that posts quarterly (Mar/Jun/Sep/Dec) or annually
(Dec) still earns interest every month, so each month end that is not a posting
month accrues it, as one entry per product and month::

    Dr product interest GL (5100) / Cr interest payable 2210
    the sum over the product's active accounts of the month's interest (the same
    per-account, per-month figure the posting will pay), key accrue:{product}:{YYYY-MM}

and the posting month reverses each accrual of its window (a contra entry linked to
the accrual, dated the posting month's last day, key
``accrue-reverse:{product}:{YYYY-MM}``) while the posting itself (``interest_service``)
charges the whole window's interest. Across the window the expense is exactly the
interest posted; at each month end in between the income statement carries the
month's interest and 2210 what is owed to savers. Run by the ``deposits.accrue`` step
of the month-end job and by ``deposits interest``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO, from_minor
from coopctl.core.security import require
from coopctl.deposits.interest import CLOSING_MONTHS, last_day, window_months
from coopctl.deposits.models import DepositProduct
from coopctl.ledger.coa import GL
from coopctl.ledger.models import GLAccount, JournalEntry
from coopctl.ledger.posting import find_by_key, post
from coopctl.ledger.rules import EntryDraft, LineDraft

COLUMNS = ["product", "month", "action", "amount", "entry_no", "status"]


def accrual_key(product: str, year: int, month: int) -> str:
    return f"accrue:{product}:{year:04d}-{month:02d}"


def _reverse_key(product: str, year: int, month: int) -> str:
    return f"accrue-reverse:{product}:{year:04d}-{month:02d}"


def _window_start(frequency: str, year: int, month: int) -> tuple[int, int]:
    """First month of the posting window that contains (year, month)."""
    closing = next(m for m in CLOSING_MONTHS[frequency] if m >= month)
    return window_months(frequency, year, closing)[0]


def savings_accruals(
    uow: UnitOfWork, year: int, month: int, *, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Accrue (or, in a posting month, reverse the window's accruals of) every active
    savings product that does not post monthly; one row per entry made or planned."""
    require(uow.operator, "deposits.interest")
    end = last_day(year, month)
    products = uow.session.scalars(
        select(DepositProduct)
        .where(
            DepositProduct.kind == "savings",
            DepositProduct.status == "active",
            DepositProduct.posting_frequency != "monthly",
        )
        .order_by(DepositProduct.code)
    ).all()
    rows: list[dict[str, Any]] = []
    for product in products:
        window = window_months(product.posting_frequency, year, month)
        if window:
            for y, m in window[:-1]:
                row = _reverse(uow, product, y, m, end, dry_run)
                if row is not None:
                    rows.append(row)
        elif product.annual_rate > 0:
            rows.append(_accrue(uow, product, year, month, end, dry_run))
    return rows


def _accrue(
    uow: UnitOfWork, product: DepositProduct, year: int, month: int, end: date, dry_run: bool
) -> dict[str, Any]:
    label = f"{year:04d}-{month:02d}"
    key = accrual_key(product.code, year, month)
    row: dict[str, Any] = {
        "product": product.code,
        "month": label,
        "action": "accrue",
        "amount": ZERO,
        "entry_no": None,
        "status": "nil",
    }
    existing = find_by_key(uow, key)
    if existing is not None:
        row.update(amount=existing.total, entry_no=existing.entry_no, status="already_posted")
        return row
    from coopctl.deposits.interest_service import _compute

    amount = from_minor(sum(_compute(uow, product, date(year, month, 1), end)[1]))
    row["amount"] = amount
    if amount <= 0:
        return row
    if dry_run:
        row["status"] = "preview"
        return row
    expense = uow.session.get(GLAccount, product.interest_gl_id)
    assert expense is not None
    result = post(
        uow,
        EntryDraft(
            business_date=end,
            kind="interest_accrual",
            narration=f"Savings interest accrued {label} ({product.code}, posts "
            f"{product.posting_frequency})",
            reference=f"ACR-{label}",
            idempotency_key=key,
            lines=[
                LineDraft(expense.code, debit=amount, memo=f"interest accrued {label}"),
                LineDraft(GL.INTEREST_PAYABLE, credit=amount, memo=f"{product.code} {label}"),
            ],
        ),
    )
    row.update(entry_no=result.entry_no, status="posted")
    return row


def _reverse(
    uow: UnitOfWork, product: DepositProduct, y: int, m: int, end: date, dry_run: bool
) -> dict[str, Any] | None:
    accrual = find_by_key(uow, accrual_key(product.code, y, m))
    if accrual is None or accrual.status != "posted":
        return None
    row: dict[str, Any] = {
        "product": product.code,
        "month": f"{y:04d}-{m:02d}",
        "action": "reverse",
        "amount": accrual.total,
        "entry_no": None,
        "status": "preview" if dry_run else "posted",
    }
    if accrual.reversed_by_id is not None:
        rev = uow.session.get(JournalEntry, accrual.reversed_by_id)
        row.update(entry_no=rev.entry_no if rev else None, status="already_posted")
        return row
    if dry_run:
        return row
    result = post(
        uow,
        EntryDraft(
            business_date=end,
            kind="interest_accrual",
            narration=f"Reversal of {accrual.entry_no}: savings interest {y:04d}-{m:02d} "
            f"posted with the {product.posting_frequency} interest",
            reference=accrual.entry_no,
            idempotency_key=_reverse_key(product.code, y, m),
            reverses_id=accrual.id,
            reason="interest posted",
            lines=[
                LineDraft(
                    ln.gl_account.code,
                    debit=ln.credit,
                    credit=ln.debit,
                    memo=f"reversal: {ln.memo}"[:200],
                )
                for ln in accrual.lines
            ],
        ),
    )
    accrual.reversed_by_id = result.entry.id
    uow.session.flush()
    audit.record(
        uow, "entry.reversed", "journal_entry", accrual.entry_no, after={"by": result.entry_no}
    )
    row["entry_no"] = result.entry_no
    return row


def accrued_to_date(uow: UnitOfWork, product_code: str, year: int, month: int) -> Decimal:
    """Savings interest of ``product_code`` accrued and not yet reversed, for the months
    of the current posting window up to (year, month)."""
    product = uow.session.scalars(
        select(DepositProduct).where(DepositProduct.code == product_code)
    ).first()
    if product is None or product.posting_frequency == "monthly":
        return ZERO
    y0, m0 = _window_start(product.posting_frequency, year, month)
    total = ZERO
    for m in range(m0, month + 1):
        e = find_by_key(uow, accrual_key(product.code, y0, m))
        if e is not None and e.status == "posted" and e.reversed_by_id is None:
            total += e.total
    return total
