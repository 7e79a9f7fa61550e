"""Fixed deposits after placement: maturity instructions, month-end accruals, maturity
and early withdrawal (the arithmetic is in :mod:`coopctl.deposits.fd_math`).

Books (GL codes of the default chart; the product's own interest GL is used):

- month end, for each placed deposit not yet mature:
  Dr interest expense 5100 / Cr interest payable 2210, the cumulative interest to
  date less what is already accrued (key ``fd.accrue:{account}:{YYYY-MM}``);
- maturity (``fd.mature`` step of the nightly job, key ``fd.mature:{account}``), one
  entry: Dr 5100 the interest not yet accrued, Dr 2210 the accrued interest,
  Dr 2120 the principal (the deposit), Cr 2220 WHT, and per the instruction
  ``payout``: Cr savings principal + net interest; ``rollover``: Cr a new deposit
  (same product, the product's rate on the day) principal + net interest;
  ``rollover_principal``: Cr a new deposit the principal, Cr savings the net interest.
  The matured deposit is closed;
- early withdrawal (teller withdrawal or transfer before maturity): the penalty as
  before, and the interest earned by the amount recomputed at the reduced rate; its
  share of the accrued interest is released (Dr 2210), the
  difference from what was earned goes back to (Cr) or comes from (Dr) interest
  expense, and the earned interest is paid net of WHT with the principal.

Each change of a deposit's interest payable is recorded in :class:`FdInterest`
beside its entry; what a deposit has accrued is the sum over posted entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, ValidationError
from coopctl.core.money import ZERO, round_money
from coopctl.core.security import require
from coopctl.deposits import fd_math
from coopctl.deposits.accounts_lookup import get_account, lock_account
from coopctl.deposits.errors import FixedDepositRuleError
from coopctl.deposits.models import MATURITY_INSTRUCTIONS, DepositAccount, FdInterest
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, JournalEntry
from coopctl.ledger.posting import PostResult, post, replay
from coopctl.ledger.rules import EntryDraft, LineDraft


class MaturityInstructionError(BusinessRuleError):
    """A maturity instruction is one of payout, rollover, rollover_principal; it may be
    changed only until the deposit matures, and pays out to an active savings account
    of the same member."""


# --- reading ---------------------------------------------------------------------------
def fd_details(uow: UnitOfWork, acct: Account) -> DepositAccount:
    d = uow.session.get(DepositAccount, acct.id)
    if d is None or acct.kind != "fixed_deposit":
        raise FixedDepositRuleError(f"account {acct.account_no} is not a fixed deposit")
    return d


def accrued(uow: UnitOfWork, account_id: int) -> Decimal:
    """Interest payable on the deposit now: its rows whose entry is posted."""
    deltas = uow.session.scalars(
        select(FdInterest.accrued_delta)
        .join(JournalEntry, JournalEntry.id == FdInterest.entry_id)
        .where(FdInterest.account_id == account_id, JournalEntry.status == "posted")
    ).all()
    return sum(deltas, ZERO)


def record_interest(
    uow: UnitOfWork, acct: Account, entry: JournalEntry, kind: str, delta: Decimal
) -> None:
    if delta == 0:
        return
    uow.session.add(
        FdInterest(
            account_id=acct.id,
            entry_id=entry.id,
            business_date=entry.business_date,
            kind=kind,
            accrued_delta=delta,
            created_at=clock.utcnow(),
        )
    )
    uow.session.flush()


def percent_setting(uow: UnitOfWork, key: str) -> Decimal:
    return Decimal(str(uow.settings["fixed_deposits"][key]))


def gl_code(uow: UnitOfWork, gl_id: int) -> str:
    gl = uow.session.get(GLAccount, gl_id)
    assert gl is not None
    return gl.code


# --- maturity instruction -----------------------------------------------------------------
def check_instruction(instruction: str) -> str:
    i = instruction.strip().lower()
    if i not in MATURITY_INSTRUCTIONS:
        raise ValidationError(
            f"--maturity: {instruction!r} is not one of {', '.join(MATURITY_INSTRUCTIONS)}"
        )
    return i


def payout_account_for(uow: UnitOfWork, fd: Account, account_no: str | None) -> Account | None:
    """The named payout account (an active savings account of the deposit's member), or
    None when not named."""
    if account_no is None:
        return None
    target = get_account(uow, account_no, field="--payout-account")
    if target.kind != "savings" or target.member_id != fd.member_id:
        raise MaturityInstructionError(
            f"--payout-account: {target.account_no} is not a savings account of the "
            "deposit's member"
        )
    if target.status != "active":
        raise MaturityInstructionError(f"--payout-account: {target.account_no} is {target.status}")
    return target


def default_payout(uow: UnitOfWork, fd: Account) -> Account:
    """The payout account: the deposit's own, else the member's open account of
    ``[fixed_deposits] payout_product``."""
    d = fd_details(uow, fd)
    if d.payout_account_id is not None:
        acct = uow.session.get(Account, d.payout_account_id)
        assert acct is not None
        if acct.status == "active":
            return acct
    code = str(uow.settings["fixed_deposits"]["payout_product"]).upper()
    acct2 = uow.session.scalars(
        select(Account)
        .where(
            Account.member_id == fd.member_id,
            Account.product_code == code,
            Account.status == "active",
        )
        .order_by(Account.id)
    ).first()
    if acct2 is None:
        raise MaturityInstructionError(
            f"fixed deposit {fd.account_no}: the member has no active {code} account to "
            "pay out to; open one or set --payout-account"
        )
    return acct2


def set_instruction(
    uow: UnitOfWork, account_no: str, instruction: str, payout_account: str | None = None
) -> Account:
    """Change a fixed deposit's maturity instruction (until it matures)."""
    require(uow.operator, "accounts.manage")
    fd = lock_account(uow, account_no)
    d = fd_details(uow, fd)
    new = check_instruction(instruction)
    if fd.status != "active" or d.matured_on is not None:
        raise MaturityInstructionError(f"fixed deposit {fd.account_no} is {fd.status}")
    if d.maturity_date is not None and uow.today() >= d.maturity_date:
        raise MaturityInstructionError(
            f"fixed deposit {fd.account_no} matured on {d.maturity_date}; its instruction "
            "can no longer change"
        )
    target = payout_account_for(uow, fd, payout_account)
    before = {"instruction": d.maturity_instruction, "payout_account_id": d.payout_account_id}
    d.maturity_instruction = new
    if target is not None:
        d.payout_account_id = target.id
    uow.session.flush()
    audit.record(
        uow,
        "fd.instruction",
        "account",
        fd.account_no,
        before=before,
        after={"instruction": new, "payout_account_id": d.payout_account_id},
    )
    return fd


def fd_as_dict(uow: UnitOfWork, fd: Account) -> dict[str, Any]:
    """The fixed-deposit part of ``accounts show``."""
    d = fd_details(uow, fd)
    payout = uow.session.get(Account, d.payout_account_id) if d.payout_account_id else None
    rolled = uow.session.get(Account, d.rolled_from_id) if d.rolled_from_id else None
    out: dict[str, Any] = {
        "maturity_instruction": d.maturity_instruction,
        "payout_account": payout.account_no if payout else None,
        "rolled_from": rolled.account_no if rolled else None,
        "matured_on": d.matured_on,
        "interest_accrued": accrued(uow, fd.id),
    }
    if d.placed_on and d.maturity_date:
        principal = fd.balance if d.matured_on is None else principal_of(uow, fd)
        gross = fd_math.interest(
            principal,
            d.annual_rate,
            d.product.days_in_year,
            fd_math.term_days(d.placed_on, d.maturity_date),
        )
        wht, net = fd_math.withholding(gross, percent_setting(uow, "wht_percent"))
        out.update(
            principal=principal,
            interest_at_maturity=gross,
            wht_at_maturity=wht,
            net_at_maturity=net,
            amount_at_maturity=principal + net,
        )
    return out


def principal_of(uow: UnitOfWork, fd: Account) -> Decimal:
    """The amount placed (the deposit's first credit), also after it was paid out."""
    from coopctl.ledger.models import JournalLine

    first = uow.session.execute(
        select(JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.account_id == fd.id,
            JournalLine.credit > ZERO,
            JournalEntry.status == "posted",
        )
        .order_by(JournalEntry.business_date, JournalEntry.id)
        .limit(1)
    ).scalar()
    return first if first is not None else fd.balance


# --- month-end accruals ----------------------------------------------------------------------
def has_pending(uow: UnitOfWork, fd: Account) -> bool:
    from coopctl.deposits.accounts import pending_entries

    return bool(pending_entries(uow, fd))


def accruing(uow: UnitOfWork, d: date) -> list[str]:
    """Deposits that accrue at the end of ``d``: placed on or before it, maturing after it,
    with money in them."""
    return list(
        uow.session.scalars(
            select(Account.account_no)
            .join(DepositAccount, DepositAccount.account_id == Account.id)
            .where(
                Account.kind == "fixed_deposit",
                Account.status == "active",
                Account.balance > ZERO,
                DepositAccount.placed_on <= d,
                DepositAccount.maturity_date > d,
                DepositAccount.matured_on.is_(None),
            )
            .order_by(Account.id)
        )
    )


def accrue(uow: UnitOfWork, account_no: str, d: date) -> PostResult | None:
    """Accrue one deposit's interest to the end of ``d`` (a month end); None if nothing
    is due (already accrued, or a withdrawal waits for a checker)."""
    require(uow.operator, "deposits.interest")
    key = f"fd.accrue:{account_no}:{d:%Y-%m}"
    earlier = replay(uow, key)
    if earlier is not None:
        return earlier
    fd = lock_account(uow, account_no)
    det = fd_details(uow, fd)
    if det.placed_on is None or det.maturity_date is None or has_pending(uow, fd):
        return None
    amount = fd_math.accrual_due(
        fd.balance,
        det.annual_rate,
        det.product.days_in_year,
        det.placed_on,
        det.maturity_date,
        d,
        accrued(uow, fd.id),
    )
    if amount <= 0:
        return None
    result = post(
        uow,
        EntryDraft(
            business_date=d,
            kind="interest_accrual",
            narration=f"Interest accrued on fixed deposit {fd.account_no} to {d}",
            reference=fd.account_no,
            idempotency_key=key,
            lines=[
                LineDraft(
                    gl_code(uow, det.product.interest_gl_id),
                    debit=amount,
                    memo=f"accrual {fd.account_no}",
                ),
                LineDraft(GL.INTEREST_PAYABLE, credit=amount, memo=f"accrual {fd.account_no}"),
            ],
        ),
    )
    record_interest(uow, fd, result.entry, "accrual", amount)
    return result


# --- early withdrawal ------------------------------------------------------------------------
@dataclass
class EarlyBreak:
    """The interest side of an early withdrawal: extra lines, the net interest added to
    what the member receives, and the change of the deposit's interest payable."""

    lines: list[LineDraft]
    net_interest: Decimal
    accrued_delta: Decimal


def early_break(
    uow: UnitOfWork, fd: Account, det: DepositAccount, amount: Decimal, on: date
) -> EarlyBreak:
    """Interest on ``amount`` withdrawn on ``on`` before maturity: it earns the reduced
    rate for the days held, and releases its share of the accrued interest
    (``round_money(accrued × amount / balance)``; all of it when the whole deposit
    goes). The rest of a partly withdrawn deposit keeps accruing at its own rate."""
    assert det.placed_on is not None
    rate = percent_setting(uow, "early_withdrawal_rate")
    earned = fd_math.early_interest(amount, rate, det.product.days_in_year, det.placed_on, on)
    already = accrued(uow, fd.id)
    if amount >= fd.balance or fd.balance <= 0:
        released = already
    else:
        released = round_money(already * amount / fd.balance)
    wht, net = fd_math.withholding(earned, percent_setting(uow, "wht_percent"))
    expense = gl_code(uow, det.product.interest_gl_id)
    lines: list[LineDraft] = []
    if released > 0:
        lines.append(LineDraft(GL.INTEREST_PAYABLE, debit=released, memo="accrual released"))
    if released > earned:
        lines.append(
            LineDraft(expense, credit=released - earned, memo="interest not earned (early)")
        )
    elif earned > released:
        lines.append(LineDraft(expense, debit=earned - released, memo="interest earned (early)"))
    if wht > 0:
        lines.append(LineDraft(GL.WHT_PAYABLE, credit=wht, memo="WHT on FD interest"))
    if earned:
        uow.note(
            f"{fd.account_no}: interest earned before maturity {earned:,.2f} at {rate}% "
            f"(net {net:,.2f})"
        )
    elif released:
        uow.note(f"{fd.account_no}: accrued interest {released:,.2f} released (not earned)")
    return EarlyBreak(lines, net, -released)


def record_break(uow: UnitOfWork, fd: Account, entry: JournalEntry, brk: EarlyBreak) -> None:
    record_interest(uow, fd, entry, "adjustment", brk.accrued_delta)


def release_lines(uow: UnitOfWork, fd: Account) -> tuple[list[LineDraft], Decimal]:
    """Lines releasing a deposit's whole accrued interest back to interest expense (a
    deposit paid out by a member's exit earns no interest), and the amount released."""
    if fd.kind != "fixed_deposit":
        return [], ZERO
    already = accrued(uow, fd.id)
    if already <= 0:
        return [], ZERO
    det = fd_details(uow, fd)
    expense = gl_code(uow, det.product.interest_gl_id)
    memo = f"accrual released {fd.account_no}"
    return [
        LineDraft(GL.INTEREST_PAYABLE, debit=already, memo=memo),
        LineDraft(expense, credit=already, memo=memo),
    ], already
