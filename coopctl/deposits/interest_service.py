"""Savings interest run for one calendar month: read once, compute in bulk, post in bulk.

For every active savings product with a rate above zero whose posting frequency
closes in the month (monthly: every month; quarterly: Mar/Jun/Sep/Dec; annually:
Dec), the active accounts' opening balances (SUM of posted lines before the
window) and the window's posted movements (grouped by account and day) are read
with two queries, the interest computed by :mod:`coopctl.deposits.interest_bulk`
(each month rounded, the window's months summed), and one entry per account
posted through :func:`coopctl.ledger.bulk.post_many` in the caller's transaction:

    Dr product interest GL (5100)   gross
    Cr member account (control GL)  net = gross − WHT
    Cr WHT payable 2220             WHT = round_money(gross × deposits.wht_percent / 100)

dated the month's last day, idempotency key ``interest:{product}:{YYYY-MM}:{account_no}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO, from_minor, to_minor
from coopctl.core.security import require
from coopctl.deposits.interest import (
    InterestMonthNotEndedError,
    last_day,
    window_months,
    withholding,
)
from coopctl.deposits.models import DepositAccount, DepositProduct
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine, entry_no_of
from coopctl.ledger.rules import EntryDraft, LineDraft

COLUMNS = ["account_no", "product", "method", "months", "gross", "wht", "net", "entry_no", "status"]


def _kobo(col: Any) -> Any:
    return type_coerce(col, BigInteger)


def run_interest(uow: UnitOfWork, month_text: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Compute (and unless ``dry_run`` post) the month's savings interest."""
    require(uow.operator, "deposits.interest")
    year, month = clock.parse_month(month_text, field="--month")
    label = f"{year:04d}-{month:02d}"
    end = last_day(year, month)
    today = uow.today()
    if today <= end:
        raise InterestMonthNotEndedError(
            f"--month: {label} has not ended (business date {today}); "
            f"interest is run from {end + timedelta(days=1)}"
        )
    wht_pct = Decimal(str(uow.settings["deposits"]["wht_percent"]))
    products = uow.session.scalars(
        select(DepositProduct)
        .where(
            DepositProduct.kind == "savings",
            DepositProduct.status == "active",
            DepositProduct.annual_rate > Decimal("0"),
        )
        .order_by(DepositProduct.code)
    ).all()
    rows: list[dict[str, Any]] = []
    drafts: list[EntryDraft] = []
    for product in products:
        months = window_months(product.posting_frequency, year, month)
        if not months:
            uow.note(f"{product.code}: posts {product.posting_frequency}; nothing due for {label}")
            continue
        start = date(*months[0], 1)
        gross_of = _compute(uow, product, start, end)
        control = uow.session.get(GLAccount, product.control_gl_id)
        expense = uow.session.get(GLAccount, product.interest_gl_id)
        assert control is not None and expense is not None
        for account_no, gross in gross_of:
            wht, net = withholding(gross, wht_pct)
            rows.append(
                {
                    "account_no": account_no,
                    "product": product.code,
                    "method": product.interest_method,
                    "months": f"{months[0][0]:04d}-{months[0][1]:02d}..{label}",
                    "gross": gross,
                    "wht": wht,
                    "net": net,
                    "entry_no": None,
                    "status": "preview" if dry_run else "nil",
                }
            )
            if gross > ZERO and not dry_run:
                codes = (expense.code, control.code)
                drafts.append(_draft(product.code, label, end, account_no, gross, wht, net, codes))
    posted = skipped = 0
    if drafts:
        from coopctl.ledger.bulk import post_many

        result = post_many(uow, drafts)
        posted, skipped = result.posted, result.skipped_existing
        fresh = _fresh_ids(result.entry_ids, posted)
        id_of = {d.idempotency_key: eid for d, eid in zip(drafts, result.entry_ids, strict=True)}
        for row in rows:
            eid = id_of.get(_key(row["product"], label, row["account_no"]))
            if eid is not None:
                row["entry_no"] = entry_no_of(eid)
                row["status"] = "posted" if eid in fresh else "already_posted"
    total = sum((r["gross"] for r in rows), ZERO)
    return {
        "month": label,
        "date": end,
        "dry_run": dry_run,
        "wht_percent": wht_pct,
        "accounts": rows,
        "total_gross": total,
        "total_wht": sum((r["wht"] for r in rows), ZERO),
        "total_net": sum((r["net"] for r in rows), ZERO),
        "posted": posted,
        "skipped_existing": skipped,
    }


def _fresh_ids(entry_ids: Sequence[int], posted: int) -> set[int]:
    """Entry ids created by this call: new ids are above every existing one, and each
    draft has its own key, so they are the ``posted`` highest."""
    return set(sorted(entry_ids)[len(entry_ids) - posted :]) if posted else set()


def _key(product: str, label: str, account_no: str) -> str:
    return f"interest:{product}:{label}:{account_no}"


def _draft(
    product: str,
    label: str,
    end: date,
    account_no: str,
    gross: Decimal,
    wht: Decimal,
    net: Decimal,
    codes: tuple[str, str],
) -> EntryDraft:
    expense_gl, control_gl = codes
    lines = [LineDraft(expense_gl, debit=gross, memo=f"interest {label}")]
    if net > ZERO:
        lines.append(LineDraft(control_gl, credit=net, account_no=account_no, memo="net interest"))
    if wht > ZERO:
        lines.append(LineDraft(GL.WHT_PAYABLE, credit=wht, memo="WHT on interest"))
    return EntryDraft(
        business_date=end,
        kind="interest",
        lines=lines,
        narration=f"Savings interest {label} ({product})",
        reference=f"INT-{label}",
        idempotency_key=_key(product, label, account_no),
    )


def _compute(
    uow: UnitOfWork, product: DepositProduct, start: date, end: date
) -> list[tuple[str, Decimal]]:
    """(account_no, gross interest) of the product's active accounts over start..end."""
    import polars as pl

    from coopctl.deposits import interest_bulk

    s = uow.session
    accts = s.execute(
        select(Account.id, Account.account_no)
        .join(DepositAccount, DepositAccount.account_id == Account.id)
        .where(DepositAccount.product_id == product.id, Account.status == "active")
        .order_by(Account.id)
    ).all()
    if not accts:
        return []
    control = s.get(GLAccount, product.control_gl_id)
    sign = -1 if control is not None and control.normal_balance == "debit" else 1
    in_product = select(DepositAccount.account_id).where(DepositAccount.product_id == product.id)
    signed = sign * (func.sum(_kobo(JournalLine.credit)) - func.sum(_kobo(JournalLine.debit)))
    base = (
        select(JournalLine.account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted", JournalLine.account_id.in_(in_product))
    )
    opening: dict[int, int] = dict(
        s.execute(
            base.add_columns(signed)
            .where(JournalEntry.business_date < start)
            .group_by(JournalLine.account_id)
        ).all()
    )
    moves = s.execute(
        base.add_columns(JournalEntry.business_date, signed)
        .where(JournalEntry.business_date.between(start, end))
        .group_by(JournalLine.account_id, JournalEntry.business_date)
    ).all()
    accounts = pl.DataFrame(
        {
            "account_id": [a.id for a in accts],
            "opening": [int(opening.get(a.id) or 0) for a in accts],
            "rate_e4": [int(product.annual_rate * 10_000)] * len(accts),
            "days_in_year": [product.days_in_year] * len(accts),
            "method": [product.interest_method] * len(accts),
            "min_balance": [to_minor(product.min_interest_balance)] * len(accts),
        },
        schema=interest_bulk.ACCOUNT_SCHEMA,
    )
    move_frame = pl.DataFrame(
        {
            "account_id": [m[0] for m in moves],
            "day": [m[1] for m in moves],
            "delta": [int(m[2] or 0) for m in moves],
        },
        schema=interest_bulk.MOVE_SCHEMA,
    )
    per_month = interest_bulk.compute(accounts, move_frame, start, end)
    gross = dict(interest_bulk.totals(per_month).iter_rows())
    return [(a.account_no, from_minor(int(gross.get(a.id, 0)))) for a in accts]
