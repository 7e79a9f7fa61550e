"""The ledger's checks: the whole book recomputed from its lines.

A period close runs them scoped (``coopctl.core.checks.Scope``): the entries dated in the
month, the trial balance and control totals from the balance snapshots plus the open
months' lines, and the audit rows written since the previous close."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from coopctl.core.audit import verify_chain
from coopctl.core.checks import Problem, Scope, check
from coopctl.core.money import from_minor
from coopctl.core.sums import fast_sum, native_first
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine, Period


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


def _in_scope(stmt: Any, scope: Scope | None) -> Any:
    """``stmt`` limited to the entries dated in the scope's month (all without one)."""
    if scope is None:
        return stmt
    # by id through the date index: a plain date filter made SQLite walk every entry in
    # id order for the GROUP BY
    month = select(JournalEntry.id).where(
        JournalEntry.business_date.between(scope.start, scope.end)
    )
    return stmt.where(JournalEntry.id.in_(month.scalar_subquery()))


@check("entries_balance", at_close="scoped")
@native_first
def entries_balance(s: Session, scope: Scope | None = None) -> list[Problem]:
    """Every posted entry's debits equal its credits, with one debit and one credit at least."""
    stmt = (
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
    )
    rows = s.execute(_in_scope(stmt, scope)).all()
    return [
        Problem(
            "entries_balance",
            f"entry JE{eid:08d}: debits {from_minor(dr or 0):,.2f} ≠ credits "
            f"{from_minor(cr or 0):,.2f} ({n} lines)",
        )
        for eid, dr, cr, n in rows
    ]


@check("entry_total", at_close="scoped")
@native_first
def entry_total(s: Session, scope: Scope | None = None) -> list[Problem]:
    """Each posted entry's stored total equals the sum of its debit lines."""
    stmt = (
        select(JournalEntry.id, _raw(JournalEntry.total), fast_sum(_raw(JournalLine.debit)))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalEntry.status == "posted")
        .group_by(JournalEntry.id, JournalEntry.total)
        .having(fast_sum(_raw(JournalLine.debit)) != _raw(JournalEntry.total))
    )
    rows = s.execute(_in_scope(stmt, scope)).all()
    return [
        Problem("entry_total", f"entry JE{eid:08d}: total {from_minor(t)} ≠ lines {from_minor(d)}")
        for eid, t, d in rows
    ]


@check("trial_balance_zero", at_close="scoped")
@native_first
def trial_balance_zero(s: Session, scope: Scope | None = None) -> list[Problem]:
    """Sum of all posted debits equals sum of all posted credits (at a close: the closed
    months' snapshots, proven at their closes, plus the lines of the open months)."""
    if scope is not None:
        from coopctl.ledger.period_balances import gl_sums

        sums = scope.once("gl_sums", lambda: gl_sums(s)).values()
        dr, cr = sum(d for d, _ in sums), sum(c for _, c in sums)
    else:
        dr, cr = s.execute(
            select(fast_sum(_raw(JournalLine.debit)), fast_sum(_raw(JournalLine.credit)))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.status == "posted")
        ).one()
    if (dr or 0) != (cr or 0):
        found = [
            Problem(
                "trial_balance_zero",
                f"total debits {from_minor(dr or 0):,.2f} ≠ "
                f"total credits {from_minor(cr or 0):,.2f}",
            )
        ]
        # at a close the snapshots are read: name any that no longer match their lines
        return found + (period_balances(s) if scope is not None else [])
    return []


@check("subledger_balances", at_close="skip")
@native_first
def subledger_balances(s: Session) -> list[Problem]:
    """Each member account's stored balance equals the sum of its posted lines (one
    grouped scan of the lines; only the accounts that differ come back). A period close
    leaves this recomputation of all history to the full verifications (``ledger
    verify``, the nightly job, ``doctor``) and proves the control totals instead."""
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


@check("control_accounts", at_close="scoped")
@native_first
def control_accounts(s: Session, scope: Scope | None = None) -> list[Problem]:
    """Each control GL account equals the sum of its member sub-ledger accounts, and every
    line on a control account names one of its member accounts. At a close the GL side
    comes from the snapshots plus the open months' lines, and the lines checked for a
    member account are those dated from the month's first day."""
    problems = []
    gl_rows = (
        _control_gl(s, scope)
        if scope is not None
        else s.execute(
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
    )
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
            gl = s.get(GLAccount, gid)
            problems.append(
                Problem(
                    "control_accounts",
                    f"GL {gl.code if gl else gid}: no postings but member accounts hold "
                    f"{from_minor(total):,.2f}",
                )
            )
    if scope is not None and problems:
        problems += subledger_balances(s)  # name the member accounts that disagree
    no_member: list[ColumnElement[bool]] = [
        GLAccount.is_control.is_(True),
        JournalLine.account_id.is_(None),
    ]
    if scope is not None:
        # the month's lines reached through the entries' date index (half of all lines
        # name no member account, so that index would read far more)
        since = select(JournalEntry.id).where(JournalEntry.business_date >= scope.start)
        no_member = [
            GLAccount.is_control.is_(True),
            func.coalesce(JournalLine.account_id, 0) == 0,
            JournalLine.entry_id.in_(since),
        ]
    orphans = (
        select(func.count(JournalLine.id))
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(*no_member)
    )
    orphan = s.execute(orphans).scalar_one()
    if orphan:
        problems.append(
            Problem(
                "control_accounts", f"{orphan} line(s) on control accounts name no member account"
            )
        )
    return problems


def _control_gl(s: Session, scope: Scope) -> list[tuple[int, str, str, int, int]]:
    """(id, code, normal balance, debit, credit) of each control GL account with postings,
    from the balance snapshots and the open months' lines."""
    from coopctl.ledger.period_balances import gl_sums

    sums = scope.once("gl_sums", lambda: gl_sums(s))
    rows = s.execute(
        select(GLAccount.id, GLAccount.code, GLAccount.normal_balance).where(
            GLAccount.is_control.is_(True)
        )
    ).all()
    return [(gid, code, normal, *sums[gid]) for gid, code, normal in rows if gid in sums]


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


@check("period_balances", at_close="skip")
def period_balances(s: Session) -> list[Problem]:
    """Each closed period's balance snapshot equals its posted lines (reports read the
    snapshots), and no open period keeps one. Left to the full verifications at a close:
    the closing month's snapshot is written from its lines after the checks."""
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


@check("audit_chain", at_close="scoped")
def audit_chain(s: Session, scope: Scope | None = None) -> list[Problem]:
    """The audit log's hash chain is intact (at a close: from the previous close's record,
    proven then, to the end)."""
    after = scope.audit_after if scope is not None else None
    return [Problem("audit_chain", p) for p in verify_chain(s, after_id=after)]
