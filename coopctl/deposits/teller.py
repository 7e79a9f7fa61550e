"""Teller postings: deposits, withdrawals and transfers on member deposit accounts.

Money comes in or goes out through cash on hand (GL 1110) or a bank account's GL
(``--bank CODE``). Withdrawals and transfers from the configured thresholds are
stored pending (maker-checker) and move nothing until a different manager
approves them; the approval hooks registered here re-check the member's KYC and
the accounts' status at that moment (the posting engine re-checks the funds).

Fixed deposits withdrawn before maturity pay out the amount less the
early-withdrawal penalty, which is credited to fee income (GL 4200), plus the interest
earned at the reduced rate net of WHT, releasing the accrued interest
(:func:`coopctl.deposits.fixed_deposits.early_break`). A withdrawal from a
product with ``notice_days`` uses up a matured notice (:mod:`coopctl.deposits.notices`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.approvals.models import PendingAction
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.core.money import ZERO, is_exact
from coopctl.core.security import needs_checker, require
from coopctl.deposits import guards, notices
from coopctl.deposits.accounts_lookup import check_account_no, member_of
from coopctl.deposits.channels import channel_gl
from coopctl.deposits.errors import AccountNotActiveError, AccountNotEmptyError
from coopctl.deposits.membership import require_not_exited
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, JournalEntry
from coopctl.ledger.posting import PostResult, lock_accounts, post, replay
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.notify import events as notify_events

PENALTY_GL = GL.FEE_INCOME


def _check_amount(amount: Decimal) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or not is_exact(amount):
        raise ValidationError(f"AMOUNT: {amount!r} is not an amount with at most two decimals")
    if amount <= 0:
        raise ValidationError("AMOUNT: must be more than zero")


def _lock(uow: UnitOfWork, *named: tuple[str, str]) -> list[Account]:
    """Lock the accounts given as (number, field name) in id order, like the engine,
    and return them in the order asked."""
    wanted = [check_account_no(n, field=f) for n, f in named]
    rows = uow.session.scalars(select(Account).where(Account.account_no.in_(wanted))).all()
    by_no = {a.account_no: a for a in rows}
    for n in wanted:
        if n not in by_no:
            raise NotFoundError(f"account {n} not found")
    locked = lock_accounts(uow, [a.id for a in rows])
    return [locked[by_no[n].id] for n in wanted]


def deposit(
    uow: UnitOfWork,
    account_no: str,
    amount: Decimal,
    *,
    on: date | None = None,
    ref: str = "",
    narration: str = "",
    key: str | None = None,
    bank: str | None = None,
) -> PostResult:
    """Pay ``amount`` into a member's deposit account (cash, or through ``bank``)."""
    require(uow.operator, "teller.post")
    _check_amount(amount)
    earlier = replay(uow, key)
    if earlier:
        return earlier
    on = on or uow.today()
    channel = channel_gl(uow, bank)
    (acct,) = _lock(uow, (account_no, "ACCOUNT_NO"))
    member = member_of(uow, acct)
    guards.check_credit(uow, acct, member, amount)
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind="deposit",
            narration=narration
            or (f"Deposit through bank {bank.upper()}" if bank else "Cash deposit"),
            reference=ref,
            idempotency_key=key,
            lines=[
                LineDraft(channel, debit=amount, memo=f"deposit to {acct.account_no}"),
                LineDraft(
                    acct.gl_account.code, credit=amount, account_no=acct.account_no, memo="deposit"
                ),
            ],
        ),
    )
    guards.place_fixed_deposit(uow, acct, on)
    if result.entry.status == "posted":
        notify_events.deposit_received(uow, member, acct.account_no, amount, result.entry.id, on)
    return result


def withdraw(
    uow: UnitOfWork,
    account_no: str,
    amount: Decimal,
    *,
    on: date | None = None,
    ref: str = "",
    narration: str = "",
    key: str | None = None,
    bank: str | None = None,
) -> PostResult:
    """Pay ``amount`` out of a member's account (pending from the approval threshold)."""
    require(uow.operator, "teller.post")
    _check_amount(amount)
    earlier = replay(uow, key)
    if earlier:
        return earlier
    on = on or uow.today()
    channel = channel_gl(uow, bank)
    (acct,) = _lock(uow, (account_no, "ACCOUNT_NO"))
    member = member_of(uow, acct)
    penalty = guards.check_debit(uow, acct, member, amount, on)
    notice = notices.notice_for(uow, acct, guards.details_of(uow, acct).product, amount, on)
    brk = _early_break(uow, acct, amount, on)
    lines = [
        LineDraft(
            acct.gl_account.code, debit=amount, account_no=acct.account_no, memo="withdrawal"
        ),
        *(brk.lines if brk else []),
    ]
    paid = amount - penalty + (brk.net_interest if brk else ZERO)
    if paid > 0:
        lines.append(LineDraft(channel, credit=paid, memo=f"withdrawal from {acct.account_no}"))
    if penalty > 0:
        lines.append(LineDraft(PENALTY_GL, credit=penalty, memo="early withdrawal penalty"))
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind="withdrawal",
            narration=narration
            or (f"Withdrawal through bank {bank.upper()}" if bank else "Cash withdrawal"),
            reference=ref,
            idempotency_key=key,
            approval_kind="withdrawal",
            approval_amount=amount,
            lines=lines,
        ),
    )
    if notice is not None:
        notices.use_notice(uow, notice, result.entry)
    if brk is not None and result.created:
        from coopctl.deposits.fixed_deposits import record_break

        record_break(uow, acct, result.entry, brk)
    return result


def _early_break(uow: UnitOfWork, acct: Account, amount: Decimal, on: date) -> Any:
    """The interest side of a fixed deposit withdrawn before maturity, else None."""
    if acct.kind != "fixed_deposit":
        return None
    details = guards.details_of(uow, acct)
    if details.maturity_date is None or on >= details.maturity_date:
        return None
    from coopctl.deposits.fixed_deposits import early_break

    return early_break(uow, acct, details, amount, on)


def transfer(
    uow: UnitOfWork,
    from_no: str,
    to_no: str,
    amount: Decimal,
    *,
    on: date | None = None,
    ref: str = "",
    narration: str = "",
    key: str | None = None,
    closing: bool = False,
) -> PostResult:
    """Move ``amount`` between two deposit accounts (pending from the approval threshold).

    ``closing=True`` is used by ``accounts close --transfer-to``: the source's floor
    is lifted, the monthly limit does not count, and a transfer that would need a
    checker is refused instead of left pending.
    """
    require(uow.operator, "teller.post")
    _check_amount(amount)
    earlier = replay(uow, key)
    if earlier:
        return earlier
    if check_account_no(from_no, field="FROM_ACCOUNT") == check_account_no(
        to_no, field="TO_ACCOUNT"
    ):
        raise ValidationError("TO_ACCOUNT: must differ from FROM_ACCOUNT")
    on = on or uow.today()
    src, dst = _lock(uow, (from_no, "FROM_ACCOUNT"), (to_no, "TO_ACCOUNT"))
    src_member, dst_member = member_of(uow, src), member_of(uow, dst)
    if closing:
        src.floor = ZERO
    penalty = guards.check_debit(uow, src, src_member, amount, on, count_limit=not closing)
    brk = _early_break(uow, src, amount, on)
    received = amount - penalty + (brk.net_interest if brk else ZERO)
    guards.check_credit(uow, dst, dst_member, received)
    lines = [
        LineDraft(
            src.gl_account.code,
            debit=amount,
            account_no=src.account_no,
            memo=f"transfer to {dst.account_no}",
        ),
        *(brk.lines if brk else []),
        LineDraft(
            dst.gl_account.code,
            credit=received,
            account_no=dst.account_no,
            memo=f"transfer from {src.account_no}",
        ),
    ]
    if penalty > 0:
        lines.append(LineDraft(PENALTY_GL, credit=penalty, memo="early withdrawal penalty"))
    draft = EntryDraft(
        business_date=on,
        kind="transfer",
        narration=narration or f"Transfer {src.account_no} → {dst.account_no}",
        reference=ref,
        idempotency_key=key,
        approval_kind="transfer",
        approval_amount=amount,
        lines=lines,
    )
    if closing and needs_checker(uow, "transfer", amount):
        raise AccountNotEmptyError(
            f"moving {amount:,.2f} out of {src.account_no} needs a checker: run "
            "`postings transfer`, have it approved, then close the account"
        )
    result = post(uow, draft)
    if not result.pending:
        guards.place_fixed_deposit(uow, dst, on)
    if brk is not None and result.created:
        from coopctl.deposits.fixed_deposits import record_break

        record_break(uow, src, result.entry, brk)
    return result


# --- approval hooks: re-check at approval time ----------------------------------------
def _member_lines(entry: JournalEntry) -> tuple[Account | None, Account | None]:
    """(account debited, account credited) among the entry's member-account lines."""
    debited = credited = None
    for ln in entry.lines:
        if ln.account is None:
            continue
        if ln.debit > 0:
            debited = ln.account
        else:
            credited = ln.account
    return debited, credited


def _on_approve_outflow(uow: UnitOfWork, entry: JournalEntry) -> None:
    src, dst = _member_lines(entry)
    ids = [a.id for a in (src, dst) if a is not None]
    locked = lock_accounts(uow, ids)
    if src is not None:
        acct = locked[src.id]
        amount = sum((ln.debit for ln in entry.lines if ln.account_id == acct.id), ZERO)
        # Funds are re-checked by the engine when it applies the entry.
        guards.check_debit(
            uow,
            acct,
            member_of(uow, acct),
            amount,
            entry.business_date,
            count_limit=False,
            check_funds=False,
        )
    if dst is not None:
        acct = locked[dst.id]
        require_not_exited(member_of(uow, acct))
        if acct.status not in ("active", "dormant"):
            raise AccountNotActiveError(f"account {acct.account_no} is {acct.status}")
        guards.place_fixed_deposit(uow, acct, entry.business_date)


def check_outflow(uow: UnitOfWork, action: PendingAction) -> None:
    """Before each approval of a withdrawal or transfer: the member's KYC and the
    accounts' status must allow it now (else the approval is refused and the action
    stays pending; the posting engine re-checks the funds when it applies)."""
    from coopctl.ledger.approvals import get_entry

    _on_approve_outflow(uow, get_entry(uow, action.subject, lock=True))


def register_kinds() -> None:
    """Withdrawals and transfers go through the approvals engine (``approvals.<kind>``)."""
    from coopctl.approvals.registry import register
    from coopctl.ledger.approvals import apply_entry, end_entry

    for kind in ("withdrawal", "transfer"):
        register(
            kind,
            apply=apply_entry,
            check=check_outflow,
            end=end_entry,
            permission="postings.approve",
        )
