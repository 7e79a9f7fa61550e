"""The ledger's checks: the whole book recomputed from its lines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from coopctl.core.audit import verify_chain
from coopctl.core.checks import Problem, check
from coopctl.core.money import from_minor
from coopctl.core.sums import fast_sum, native_first
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine, Period


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


@check("entries_balance")
@native_first
def entries_balance(s: Session) -> list[Problem]:
    """Every posted entry's debits equal its credits, with one debit and one credit at least."""
    rows = s.execute(
        select(
            JournalEntry.id,
            fast_sum(_raw(JournalLine.debit)),
            fast_sum(_raw(JournalLine.credit)),
            func.count(JournalLine.id),
        )
        .outerjoin(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalEntry.id)
        .having(
            (
                func.coalesce(fast_sum(_raw(JournalLine.debit)), 0)
                != func.coalesce(fast_sum(_raw(JournalLine.credit)), 0)
            )
            | (func.count(JournalLine.id) < 2)
        )
    ).all()
    return [
        Problem(
            "entries_balance",
            f"entry JE{eid:08d}: debits {from_minor(dr or 0):,.2f} ≠ credits "
            f"{from_minor(cr or 0):,.2f} ({n} lines)",
        )
        for eid, dr, cr, n in rows
    ]


@check("entry_total")
@native_first
def entry_total(s: Session) -> list[Problem]:
    """Each posted entry's stored total equals the sum of its debit lines."""
    rows = s.execute(
        select(JournalEntry.id, _raw(JournalEntry.total), fast_sum(_raw(JournalLine.debit)))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalEntry.id, JournalEntry.total)
        .having(fast_sum(_raw(JournalLine.debit)) != _raw(JournalEntry.total))
    ).all()
    return [
        Problem("entry_total", f"entry JE{eid:08d}: total {from_minor(t)} ≠ lines {from_minor(d)}")
        for eid, t, d in rows
    ]


@check("trial_balance_zero")
@native_first
def trial_balance_zero(s: Session) -> list[Problem]:
    """Sum of all posted debits equals sum of all posted credits."""
    dr, cr = s.execute(
        select(fast_sum(_raw(JournalLine.debit)), fast_sum(_raw(JournalLine.credit)))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted")
    ).one()
    if (dr or 0) != (cr or 0):
        return [
            Problem(
                "trial_balance_zero",
                f"total debits {from_minor(dr or 0):,.2f} ≠ "
                f"total credits {from_minor(cr or 0):,.2f}",
            )
        ]
    return []


@check("subledger_balances")
@native_first
def subledger_balances(s: Session) -> list[Problem]:
    """Each member account's stored balance equals the sum of its posted lines (one
    grouped scan of the lines; only the accounts that differ come back)."""
    signed = case(
        (GLAccount.normal_balance == "debit", _raw(JournalLine.debit) - _raw(JournalLine.credit)),
        else_=_raw(JournalLine.credit) - _raw(JournalLine.debit),
    )
    sums = (
        select(JournalLine.account_id.label("account_id"), fast_sum(signed).label("net"))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(JournalEntry.status == "posted", JournalLine.account_id.is_not(None))
        .group_by(JournalLine.account_id)
        .subquery()
    )
    rows = s.execute(
        select(Account.account_no, Account.balance, sums.c.net)
        .outerjoin(sums, sums.c.account_id == Account.id)
        .where(_raw(Account.balance) != func.coalesce(sums.c.net, 0))
        .order_by(Account.id)
    ).all()
    return [
        Problem(
            "subledger_balances",
            f"account {no}: stored balance {balance:,.2f} ≠ lines {from_minor(net or 0):,.2f}",
        )
        for no, balance, net in rows
    ]


@check("control_accounts")
@native_first
def control_accounts(s: Session) -> list[Problem]:
    """Each control GL account equals the sum of its member sub-ledger accounts, and every
    line on a control account names one of its member accounts."""
    problems = []
    gl_rows = s.execute(
        select(
            GLAccount.id,
            GLAccount.code,
            GLAccount.normal_balance,
            fast_sum(_raw(JournalLine.debit)),
            fast_sum(_raw(JournalLine.credit)),
        )
        .join(JournalLine, JournalLine.gl_account_id == GLAccount.id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.status == "posted", GLAccount.is_control.is_(True))
        .group_by(GLAccount.id, GLAccount.code, GLAccount.normal_balance)
    ).all()
    sub: dict[int, int] = dict(
        s.execute(  # type: ignore[arg-type]
            select(Account.gl_account_id, fast_sum(_raw(Account.balance))).group_by(
                Account.gl_account_id
            )
        ).all()
    )
    seen = set()
    for gid, code, normal, dr, cr in gl_rows:
        seen.add(gid)
        d, c = from_minor(dr or 0), from_minor(cr or 0)
        gl_bal = (d - c) if normal == "debit" else (c - d)
        sub_bal = from_minor(sub.get(gid) or 0)
        if gl_bal != sub_bal:
            problems.append(
                Problem(
                    "control_accounts",
                    f"GL {code}: balance {gl_bal:,.2f} ≠ member accounts {sub_bal:,.2f}",
                )
            )
    for gid, total in sub.items():
        if gid not in seen and (total or 0) != 0:
            code = s.get(GLAccount, gid)
            problems.append(
                Problem(
                    "control_accounts",
                    f"GL {code.code if code else gid}: no postings but member accounts hold "
                    f"{from_minor(total):,.2f}",
                )
            )
    orphan = s.execute(
        select(func.count(JournalLine.id))
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(GLAccount.is_control.is_(True), JournalLine.account_id.is_(None))
    ).scalar_one()
    if orphan:
        problems.append(
            Problem(
                "control_accounts", f"{orphan} line(s) on control accounts name no member account"
            )
        )
    return problems


@check("closed_periods")
def closed_periods(s: Session) -> list[Problem]:
    """No entry was posted into a period after that period was closed."""
    problems = []
    for p in s.scalars(select(Period).where(Period.status == "closed")):
        late = s.scalars(
            select(JournalEntry).where(
                JournalEntry.status == "posted",
                JournalEntry.business_date >= p.start_date,
                JournalEntry.business_date <= p.end_date,
                JournalEntry.posted_at > p.closed_at,
            )
        ).all()
        for e in late:
            problems.append(
                Problem(
                    "closed_periods",
                    f"entry {e.entry_no} posted into {p.year}-{p.month:02d} after it closed",
                )
            )
    return problems


@check("period_balances")
def period_balances(s: Session) -> list[Problem]:
    """Each closed period's balance snapshot equals its posted lines (reports read the
    snapshots), and no open period keeps one."""
    from coopctl.ledger.period_balances import differences

    return [Problem("period_balances", d) for d in differences(s)]


@check("reversal_links")
def reversal_links(s: Session) -> list[Problem]:
    """Reversal links are symmetric: A reversed by B ⇔ B reverses A."""
    problems = []
    other = aliased(JournalEntry)
    for e, o in s.execute(
        select(JournalEntry, other)
        .outerjoin(other, other.id == JournalEntry.reversed_by_id)
        .where(JournalEntry.reversed_by_id.is_not(None))
    ):
        if o is None or o.reverses_id != e.id or o.status != "posted":
            problems.append(Problem("reversal_links", f"entry {e.entry_no}: reversal link broken"))
    for e, o in s.execute(
        select(JournalEntry, other)
        .outerjoin(other, other.id == JournalEntry.reverses_id)
        .where(JournalEntry.reverses_id.is_not(None), JournalEntry.status == "posted")
    ):
        if o is None or o.reversed_by_id != e.id:
            problems.append(Problem("reversal_links", f"entry {e.entry_no}: reversal link broken"))
    return problems


@check("audit_chain")
def audit_chain(s: Session) -> list[Problem]:
    """The audit log's hash chain is intact."""
    return [Problem("audit_chain", p) for p in verify_chain(s)]
