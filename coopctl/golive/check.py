"""``golive check`` and ``golive finish``: the books against the auditor's trial balance.

``check`` compares, as of the go-live date, every GL account's balance in the books
with the ``gl`` template's figure (control accounts thereby equal the auditor's
figure; ``ledger verify`` proves they equal their sub-ledgers), requires the
opening-balance account to be zero and ``ledger verify`` to be clean.
``finish`` runs the same check, refuses on any difference, closes every month
before the go-live date and locks the go-live: later imports exit 5.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce

from coopctl.core import audit, clock
from coopctl.core.checks import run as run_checks
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError
from coopctl.core.money import ZERO, from_minor
from coopctl.core.security import require
from coopctl.core.sums import exact_sum
from coopctl.golive.models import GoliveTrialBalance
from coopctl.golive.state import get_state, require_open
from coopctl.ledger.models import GLAccount, JournalEntry, JournalLine

VERIFY_GROUPS = ("ledger", "deposits", "loans")


def book_balances(uow: UnitOfWork, as_of: date) -> dict[str, Decimal]:
    """Debit-minus-credit of every GL account over posted entries up to ``as_of``."""
    dr = exact_sum(type_coerce(JournalLine.debit, BigInteger))
    cr = exact_sum(type_coerce(JournalLine.credit, BigInteger))
    stmt = (
        select(GLAccount.code, dr, cr)
        .join(JournalLine, JournalLine.gl_account_id == GLAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted", JournalEntry.business_date <= as_of)
        .group_by(GLAccount.code)
    )
    return {code: from_minor(int(d or 0) - int(c or 0)) for code, d, c in uow.session.execute(stmt)}


def check(uow: UnitOfWork) -> dict[str, Any]:
    require(uow.operator, "ledger.view")
    st = get_state(uow)
    problems: list[dict[str, str]] = []
    differences: list[dict[str, Any]] = []
    if st is None:
        return {
            "ok": False, "golive_date": None, "status": None, "differences": [],
            "problems": [{"check": "golive", "detail": "nothing imported yet"}],
        }  # fmt: skip
    books = book_balances(uow, st.golive_date)
    tb = {t.gl_code: t.debit - t.credit for t in uow.session.scalars(select(GoliveTrialBalance))}
    names = {c: n for c, n in uow.session.execute(select(GLAccount.code, GLAccount.name))}
    if not tb:
        problems.append(
            {"check": "golive.trial_balance", "detail": "the gl template is not imported"}
        )
    else:
        for code in sorted(set(books) | set(tb)):
            if code == st.opening_gl:
                continue
            b, a = books.get(code, ZERO), tb.get(code, ZERO)
            if b != a:
                differences.append(
                    {
                        "gl_code": code,
                        "name": names.get(code, ""),
                        "books": b,
                        "auditor": a,
                        "difference": b - a,
                    }
                )
    opening = books.get(st.opening_gl, ZERO)
    if opening != 0:
        problems.append(
            {
                "check": "golive.opening_balance",
                "detail": f"opening-balance account {st.opening_gl} is {abs(opening):,.2f} "
                f"{'debit' if opening > 0 else 'credit'}, not zero",
            }
        )
    problems += [p.as_dict() for p in run_checks(uow.session, groups=VERIFY_GROUPS)]
    return {
        "ok": not problems and not differences,
        "golive_date": st.golive_date,
        "status": st.status,
        "opening_balance": opening,
        "differences": differences,
        "problems": problems,
    }


def finish(uow: UnitOfWork) -> dict[str, Any]:
    """Lock the go-live and close the months before it; refused unless the check is clean."""
    from coopctl.ledger import periods

    require(uow.operator, "ledger.close")
    st = require_open(uow)
    if st is None:
        raise BusinessRuleError("nothing to finish: no go-live import yet")
    result = check(uow)
    if not result["ok"]:
        from coopctl.core.errors import ReviewNeededError

        raise ReviewNeededError(
            "golive check is not clean; finish refused",
            details=[
                f"{d['gl_code']}: books {d['books']} auditor {d['auditor']}"
                for d in result["differences"]
            ]
            + [f"{p['check']}: {p['detail']}" for p in result["problems"]],
        )
    y, m = st.golive_date.year, st.golive_date.month
    prev = (y - 1, 12) if m == 1 else (y, m - 1)
    first = periods._first_month(uow) or prev
    closed: list[str] = []
    cur = min(first, prev)
    while cur <= prev:
        p = periods.get_or_create(uow, *cur)
        if p.status != "closed":
            periods.close_period(uow, *cur)
            closed.append(f"{cur[0]}-{cur[1]:02d}")
        cur = (cur[0] + 1, 1) if cur[1] == 12 else (cur[0], cur[1] + 1)
    st.status = "finished"
    st.finished_at = clock.utcnow()
    st.finished_by = uow.operator.username
    uow.session.flush()
    audit.record(
        uow, "golive.finish", "golive", str(st.golive_date),
        after={"golive_date": st.golive_date, "closed_periods": closed},
    )  # fmt: skip
    return {"golive_date": st.golive_date, "status": st.status, "closed_periods": closed}
