"""Applying an approved run: the appropriation entry, then one payment entry per member.

Appropriation (one entry, dated the business date of the approval)::

    Dr 3300 Retained earnings     reserve + dividends + rebates
        Cr 3200 Statutory reserve     reserve
        Cr 2240 Dividends payable     dividends + rebates

Each member (bulk, ``post_many``; idempotency key ``dividends:YEAR:MEMBER_NO``)::

    Dr 2240 Dividends payable     dividend + rebate (less what stays payable)
        Cr 2220 WHT payable           tax on the dividend
        Cr 2110 savings account       arrears offset, when asked (then repaid from it)
        Cr 2110 / 3100 account        the rest, per the member's preference

A member who chose ``payable`` (or has no open account of the chosen kind) keeps
the net in 2240 until paid out; the tax is still moved to 2220.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, InvalidStateError
from coopctl.core.money import ZERO
from coopctl.dividends import basis
from coopctl.dividends.models import DividendLine, DividendPreference, DividendRun
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, entry_no_of
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.members.models import Member

if TYPE_CHECKING:
    from coopctl.dividends.allocation import Declaration

CONTROL = {"savings": GL.SAVINGS, "shares": GL.SHARE_CAPITAL}


@dataclass(frozen=True)
class Target:
    pay_to: str  # savings | shares | payable
    account_id: int | None
    account_no: str | None
    savings_no: str | None  # the member's savings account (for an arrears offset)


def entry_no(entry_id: int | None) -> str | None:
    return entry_no_of(entry_id) if entry_id else None


def resolve_targets(uow: UnitOfWork, member_nos: list[str]) -> dict[str, Target]:
    """Where each member's dividend goes: their preference (else ``[dividends]
    default_pay_to``) and their first open account of that kind; ``payable`` when
    they have none."""
    from coopctl.dividends.service import default_pay_to

    default = default_pay_to(uow)
    ids = basis.member_ids(uow, member_nos)
    prefs: dict[int, str] = {}
    accounts: dict[tuple[int, str], tuple[int, str]] = {}
    wanted = sorted(ids.values())
    for i in range(0, len(wanted), basis.CHUNK):
        part = wanted[i : i + basis.CHUNK]
        prefs.update(
            {
                mid: pay_to
                for mid, pay_to in uow.session.execute(
                    select(DividendPreference.member_id, DividendPreference.pay_to).where(
                        DividendPreference.member_id.in_(part)
                    )
                )
            }
        )
        rows = uow.session.execute(
            select(Account.member_id, Account.kind, Account.id, Account.account_no)
            .where(
                Account.member_id.in_(part),
                Account.kind.in_(("savings", "shares")),
                Account.status == "active",
            )
            .order_by(Account.id.desc())
        ).all()
        for member_id, kind, acct_id, acct_no in rows:  # the lowest id wins
            accounts[(member_id or 0, kind)] = (acct_id, acct_no)
    out: dict[str, Target] = {}
    for no in member_nos:
        mid = ids[no]
        pay_to = prefs.get(mid, default)
        savings = accounts.get((mid, "savings"))
        acct = accounts.get((mid, pay_to)) if pay_to != "payable" else None
        if acct is None:
            pay_to = "payable"
        out[no] = Target(
            pay_to,
            acct[0] if acct else None,
            acct[1] if acct else None,
            savings[1] if savings else None,
        )
    return out


def appropriation_lines(reserve: Decimal, dividends: Decimal, rebates: Decimal) -> list[LineDraft]:
    payable = dividends + rebates
    lines = [
        LineDraft(GL.RETAINED_EARNINGS, debit=reserve + payable, memo="appropriation of surplus")
    ]
    if reserve > 0:
        lines.append(LineDraft(GL.STATUTORY_RESERVE, credit=reserve, memo="statutory reserve"))
    if payable > 0:
        lines.append(LineDraft(GL.DIVIDENDS_PAYABLE, credit=payable, memo="dividends and rebates"))
    return lines


def member_lines(
    dividend: Decimal,
    rebate: Decimal,
    wht: Decimal,
    target: Target,
    arrears: Decimal = ZERO,
) -> list[LineDraft]:
    """One member's payment lines (empty when nothing moves out of 2240)."""
    net = dividend + rebate - wht
    credits: list[LineDraft] = []
    if wht > 0:
        credits.append(LineDraft(GL.WHT_PAYABLE, credit=wht, memo="withholding tax on dividend"))
    if arrears > 0:
        assert target.savings_no is not None
        credits.append(
            LineDraft(GL.SAVINGS, credit=arrears, account_no=target.savings_no, memo="for arrears")
        )
    rest = net - arrears
    if rest > 0 and target.pay_to != "payable":
        assert target.account_no is not None
        credits.append(
            LineDraft(
                CONTROL[target.pay_to], credit=rest, account_no=target.account_no, memo="dividend"
            )
        )
    out = sum((c.credit for c in credits), ZERO)
    if out == 0:
        return []
    return [LineDraft(GL.DIVIDENDS_PAYABLE, debit=out, memo="dividend and rebate"), *credits]


def _as_rows(lines: list[LineDraft]) -> list[dict[str, Any]]:
    return [
        {
            "gl_code": ln.gl_code,
            "account_no": ln.account_no,
            "debit": ln.debit,
            "credit": ln.credit,
            "memo": ln.memo,
        }
        for ln in lines
    ]


def preview_entries(decl: Declaration, targets: dict[str, Target]) -> list[dict[str, Any]]:
    """The entries a run would post: the appropriation, and the member payments summed by
    GL account (one entry per member; the member lines are listed under ``members``)."""
    out: list[dict[str, Any]] = []
    appr = appropriation_lines(decl.reserve, decl.total_dividend, decl.total_rebate)
    if sum((ln.debit for ln in appr), ZERO) > 0:
        out.append({"entry": "appropriation", "lines": _as_rows(appr)})
    totals: dict[tuple[str, str], Decimal] = {}
    count = 0
    for m in decl.members:
        lines = member_lines(m.dividend, m.rebate, m.wht, targets[m.member_no])
        count += bool(lines)
        for ln in lines:
            side = "debit" if ln.debit > 0 else "credit"
            totals[(ln.gl_code, side)] = totals.get((ln.gl_code, side), ZERO) + ln.debit + ln.credit
    if count:
        rows = [
            {
                "gl_code": gl,
                "account_no": None,
                "debit": amt if side == "debit" else ZERO,
                "credit": amt if side == "credit" else ZERO,
                "memo": f"{count} member entries",
            }
            for (gl, side), amt in sorted(totals.items())
        ]
        out.append({"entry": "member payments", "lines": rows})
    return out


def _arrears(uow: UnitOfWork, member_id: int) -> list[tuple[str, Decimal]]:
    """(loan_no, overdue amount) of the member's active loans, oldest loan first."""
    from coopctl.loans.models import Loan
    from coopctl.loans.repayment import due_now

    before = uow.today() - timedelta(days=1)
    loans = uow.session.scalars(
        select(Loan).where(Loan.member_id == member_id, Loan.status == "active").order_by(Loan.id)
    ).all()
    out = []
    for loan in loans:
        due = due_now(uow, loan, before)
        if due > 0:
            out.append((loan.loan_no, due))
    return out


def apply_run(uow: UnitOfWork, run: DividendRun) -> None:
    """Post the run; re-checks that the year is closed, the surplus unchanged and no other
    run of the year applied (``BusinessRuleError``: the approval ends ``failed``)."""
    from coopctl.ledger.bulk import post_many
    from coopctl.ledger.posting import post

    if run.status != "pending":
        raise InvalidStateError(f"dividend run {run.run_no} is {run.status}, not pending")
    if not basis.year_closed(uow, run.year):
        raise BusinessRuleError(f"fiscal year {run.year} is no longer closed")
    now = basis.surplus(uow, run.year)
    if now != run.surplus:
        raise BusinessRuleError(
            f"the surplus of {run.year} is now {now:,.2f}, not {run.surplus:,.2f} as declared; "
            "declare again"
        )
    other = uow.session.scalars(
        select(DividendRun).where(
            DividendRun.year == run.year, DividendRun.status == "applied", DividendRun.id != run.id
        )
    ).first()
    if other is not None:
        raise InvalidStateError(f"dividends for {run.year} were already paid as {other.run_no}")
    today = uow.today()
    appr = appropriation_lines(run.reserve, run.total_dividend, run.total_rebate)
    if appr[0].debit > 0:
        result = post(
            uow,
            EntryDraft(
                business_date=today,
                kind="dividend_appropriation",
                lines=appr,
                narration=f"Appropriation of the {run.year} surplus ({run.run_no})",
                reference=run.run_no,
                idempotency_key=f"dividends:{run.year}:appropriation",
            ),
            force_pending=False,
        )
        run.appropriation_entry_id = result.entry.id
    lines: list[DividendLine] = list(run.lines)
    targets = resolve_targets(uow, [ln.member_no for ln in lines])
    member_no_of = {ln.member_id: ln.member_no for ln in lines}
    drafts: list[EntryDraft] = []
    owners: list[DividendLine] = []
    offsets: list[tuple[DividendLine, Target, list[tuple[str, Decimal]]]] = []
    stored = _open_accounts(uow, [ln.account_id for ln in lines if ln.account_id])
    for ln in lines:
        t = _stored_target(ln, targets[ln.member_no], stored)
        if ln.pay_to != "payable" and t.pay_to == "payable":
            uow.note(
                f"{ln.member_no}: the {ln.pay_to} account is closed; the dividend stays payable"
            )
        ln.pay_to, ln.account_id = t.pay_to, t.account_id
        offset = ZERO
        if run.offset_arrears and t.savings_no is not None and ln.net > 0:
            due = _arrears(uow, ln.member_id)
            offset = min(ln.net, sum((d for _, d in due), ZERO))
            if offset > 0:
                offsets.append((ln, t, due))
        ln.arrears_paid = offset
        mlines = member_lines(ln.dividend, ln.rebate, ln.wht, t, offset)
        if not mlines:
            continue
        drafts.append(
            EntryDraft(
                business_date=today,
                kind="dividend_payment",
                lines=mlines,
                narration=f"Dividend and rebate {run.year} for {member_no_of[ln.member_id]}",
                reference=run.run_no,
                idempotency_key=f"dividends:{run.year}:{ln.member_no}",
            )
        )
        owners.append(ln)
    if drafts:
        res = post_many(uow, drafts)
        for ln, eid in zip(owners, res.entry_ids, strict=True):
            ln.entry_id = eid
    for ln, t, due in offsets:
        _repay_arrears(uow, run, ln, t, due)
    run.status = "applied"
    run.applied_on = today
    uow.session.flush()
    audit.record(
        uow,
        "dividend.applied",
        "dividend_run",
        run.run_no,
        after={
            "year": run.year,
            "appropriation": entry_no(run.appropriation_entry_id),
            "member_entries": len(drafts),
            "total_dividend": run.total_dividend,
            "total_rebate": run.total_rebate,
        },
    )


def _open_accounts(uow: UnitOfWork, ids: list[int]) -> dict[int, str]:
    """{account id: account_no} of the still open accounts among ``ids``."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), basis.CHUNK):
        rows = uow.session.execute(
            select(Account.id, Account.account_no).where(
                Account.id.in_(ids[i : i + basis.CHUNK]), Account.status == "active"
            )
        ).all()
        out.update({aid: no for aid, no in rows})
    return out


def _stored_target(ln: DividendLine, now: Target, open_accounts: dict[int, str]) -> Target:
    """The destination approved with the run (the line's pay_to and account), kept unless
    that account has closed since; then the net stays payable."""
    if ln.pay_to != "payable" and ln.account_id in open_accounts:
        return Target(ln.pay_to, ln.account_id, open_accounts[ln.account_id], now.savings_no)
    return Target("payable", None, None, now.savings_no)


def _repay_arrears(
    uow: UnitOfWork, run: DividendRun, ln: DividendLine, t: Target, due: list[tuple[str, Decimal]]
) -> None:
    from coopctl.loans.repayment import repay

    left = ln.arrears_paid
    for loan_no, amount in due:
        pay = min(left, amount)
        if pay <= 0:
            break
        repay(
            uow,
            loan_no,
            pay,
            from_account=t.savings_no,
            ref=run.run_no,
            key=f"dividend:{run.year}:{ln.member_no}",
        )
        left -= pay


def member_name(uow: UnitOfWork, member_id: int) -> str:
    m = uow.session.get(Member, member_id)
    return f"{m.first_name} {m.last_name}" if m else ""
