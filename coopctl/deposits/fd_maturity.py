"""Maturity of fixed deposits (the ``fd.mature`` step of the nightly job): one entry per
deposit per its instruction; the books are described in
:mod:`coopctl.deposits.fixed_deposits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits import fd_math
from coopctl.deposits.accounts_lookup import get_account, lock_account, member_of
from coopctl.deposits.fixed_deposits import (
    MaturityInstructionError,
    accrued,
    default_payout,
    fd_details,
    gl_code,
    has_pending,
    percent_setting,
    principal_of,
    record_interest,
)
from coopctl.deposits.models import DepositAccount, FdInterest
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account
from coopctl.ledger.posting import PostResult, post, replay
from coopctl.ledger.rules import EntryDraft, LineDraft


# --- maturity ----------------------------------------------------------------------------------
def maturing(uow: UnitOfWork, d: date) -> list[str]:
    """Deposits due to mature on ``d`` (or earlier and still open: a missed night)."""
    return list(
        uow.session.scalars(
            select(Account.account_no)
            .join(DepositAccount, DepositAccount.account_id == Account.id)
            .where(
                Account.kind == "fixed_deposit",
                Account.status == "active",
                Account.balance > ZERO,
                DepositAccount.maturity_date <= d,
                DepositAccount.matured_on.is_(None),
            )
            .order_by(DepositAccount.maturity_date, Account.id)
        )
    )


@dataclass
class Maturity:
    account_no: str
    instruction: str
    principal: Decimal
    interest: Decimal
    wht: Decimal
    net: Decimal
    entry_no: str
    payout_account: str | None
    new_deposit: str | None
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def mature(uow: UnitOfWork, account_no: str, d: date) -> Maturity | None:
    """Mature one deposit on business date ``d`` per its instruction (None when it is
    not due or a withdrawal from it waits for a checker)."""
    require(uow.operator, "deposits.interest")
    key = f"fd.mature:{account_no}"
    earlier = replay(uow, key)
    if earlier is not None:
        return _maturity_of(uow, account_no, earlier)
    fd = lock_account(uow, account_no)
    det = fd_details(uow, fd)
    if (
        det.maturity_date is None
        or det.placed_on is None
        or det.maturity_date > d
        or det.matured_on is not None
        or fd.status != "active"
        or fd.balance <= 0
        or has_pending(uow, fd)
    ):
        return None
    on = det.maturity_date
    principal = fd.balance
    product = det.product
    gross = fd_math.interest(
        principal,
        det.annual_rate,
        product.days_in_year,
        fd_math.term_days(det.placed_on, det.maturity_date),
    )
    already = accrued(uow, fd.id)
    top_up = gross - already
    wht, net = fd_math.withholding(gross, percent_setting(uow, "wht_percent"))
    instruction = det.maturity_instruction or "payout"
    expense = gl_code(uow, product.interest_gl_id)
    control = fd.gl_account.code
    lines: list[LineDraft] = []
    if top_up > 0:
        lines.append(LineDraft(expense, debit=top_up, memo="interest to maturity"))
    elif top_up < 0:  # pragma: no cover - cumulative accruals never exceed the total
        lines.append(LineDraft(expense, credit=-top_up, memo="interest over-accrued"))
    if already > 0:
        lines.append(LineDraft(GL.INTEREST_PAYABLE, debit=already, memo="accrued interest"))
    lines.append(LineDraft(control, debit=principal, account_no=fd.account_no, memo="matured"))
    if wht > 0:
        lines.append(LineDraft(GL.WHT_PAYABLE, credit=wht, memo="WHT on FD interest"))
    payout: Account | None = None
    new: Account | None = None
    if instruction in ("payout", "rollover_principal"):
        payout = default_payout(uow, fd)
    if instruction in ("rollover", "rollover_principal"):
        new = _rollover_account(uow, fd, det, on)
    to_new = principal + net if instruction == "rollover" else principal
    to_savings = principal + net if instruction == "payout" else net
    if new is not None:
        lines.append(
            LineDraft(
                new.gl_account.code,
                credit=to_new,
                account_no=new.account_no,
                memo=f"rolled over from {fd.account_no}",
            )
        )
    if payout is not None and to_savings > 0:
        lines.append(
            LineDraft(
                payout.gl_account.code,
                credit=to_savings,
                account_no=payout.account_no,
                memo=f"maturity of {fd.account_no}",
            )
        )
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind="fd_maturity",
            narration=f"Maturity of fixed deposit {fd.account_no} ({instruction})",
            reference=fd.account_no,
            idempotency_key=key,
            lines=lines,
        ),
    )
    record_interest(uow, fd, result.entry, "accrual", top_up)
    record_interest(uow, fd, result.entry, "payment", -gross)
    if new is not None:
        from coopctl.deposits import guards

        guards.place_fixed_deposit(uow, new, on)
    det.matured_on = on
    fd.status = "closed"
    fd.closed_on = on
    fd.floor = ZERO
    uow.session.flush()
    out = Maturity(
        fd.account_no,
        instruction,
        principal,
        gross,
        wht,
        net,
        result.entry_no,
        payout.account_no if payout else None,
        new.account_no if new else None,
        True,
    )
    audit.record(uow, "fd.mature", "account", fd.account_no, after=out.as_dict())
    return out


def _rollover_account(uow: UnitOfWork, fd: Account, det: DepositAccount, on: date) -> Account:
    from coopctl.deposits.accounts import create_account

    product = det.product
    if product.status != "active":
        raise MaturityInstructionError(
            f"fixed deposit {fd.account_no}: product {product.code} is {product.status}; "
            "it cannot roll over (change the instruction to payout)"
        )
    member = member_of(uow, fd)
    new = create_account(uow, member, product, on)
    nd = fd_details(uow, new)
    nd.maturity_instruction = det.maturity_instruction
    nd.payout_account_id = det.payout_account_id
    nd.rolled_from_id = fd.id
    uow.session.flush()
    return new


def _maturity_of(uow: UnitOfWork, account_no: str, earlier: PostResult) -> Maturity:
    fd = get_account(uow, account_no)
    det = fd_details(uow, fd)
    new = uow.session.scalars(
        select(Account)
        .join(DepositAccount, DepositAccount.account_id == Account.id)
        .where(DepositAccount.rolled_from_id == fd.id)
    ).first()
    rows = uow.session.scalars(
        select(FdInterest).where(
            FdInterest.entry_id == earlier.entry.id, FdInterest.kind == "payment"
        )
    ).all()
    gross = -sum((r.accrued_delta for r in rows), ZERO)
    wht = sum(
        (ln.credit for ln in earlier.entry.lines if ln.gl_account.code == GL.WHT_PAYABLE), ZERO
    )
    payout = next(
        (
            ln.account.account_no
            for ln in earlier.entry.lines
            if ln.account is not None and ln.account.kind == "savings"
        ),
        None,
    )
    return Maturity(
        fd.account_no,
        det.maturity_instruction or "payout",
        principal_of(uow, fd),
        gross,
        wht,
        gross - wht,
        earlier.entry_no,
        payout,
        new.account_no if new else None,
        False,
    )
