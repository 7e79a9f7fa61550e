"""Withdrawal notices for products with ``notice_days`` > 0.

A member gives notice (``accounts notice ACCOUNT_NO AMOUNT``); from ``given_on +
notice_days`` (the notice *matures*) one withdrawal of at most the amount may be
made, which uses the notice up (decision: no partial use; the rest of a larger
notice lapses with it). A notice not used by ``given_on + notice_days + 30`` days is
expired: treated so whenever it is checked, and marked so when the next notice is
given on the account. Products with ``notice_days`` = 0 need no notice.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import is_exact
from coopctl.core.security import require
from coopctl.deposits import guards
from coopctl.deposits.accounts_lookup import get_account, member_of
from coopctl.deposits.errors import AccountNotActiveError, WithdrawalNoticeError
from coopctl.deposits.membership import require_not_exited
from coopctl.deposits.models import DepositProduct, WithdrawalNotice
from coopctl.ledger.models import Account, JournalEntry

GRACE_DAYS = 30  # a matured notice stays usable this many days


def matures_on(notice: WithdrawalNotice, notice_days: int) -> date:
    return notice.given_on + timedelta(days=notice_days)


def expires_after(notice: WithdrawalNotice, notice_days: int) -> date:
    """The last day the notice may be used."""
    return notice.given_on + timedelta(days=notice_days + GRACE_DAYS)


def status_on(notice: WithdrawalNotice, notice_days: int, on: date) -> str:
    if notice.status == "open" and on > expires_after(notice, notice_days):
        return "expired"
    return notice.status


def notice_as_dict(
    notice: WithdrawalNotice, account_no: str, notice_days: int, on: date
) -> dict[str, Any]:
    return {
        "notice_id": notice.id,
        "account_no": account_no,
        "amount": notice.amount,
        "given_on": notice.given_on,
        "matures_on": matures_on(notice, notice_days),
        "expires_after": expires_after(notice, notice_days),
        "status": status_on(notice, notice_days, on),
        "created_by": notice.created_by,
    }


def _open_notices(uow: UnitOfWork, acct: Account) -> list[WithdrawalNotice]:
    return list(
        uow.session.scalars(
            select(WithdrawalNotice)
            .where(WithdrawalNotice.account_id == acct.id, WithdrawalNotice.status == "open")
            .order_by(WithdrawalNotice.given_on, WithdrawalNotice.id)
        )
    )


def give_notice(
    uow: UnitOfWork, account_no: str, amount: Decimal, *, on: date | None = None
) -> dict[str, Any]:
    """Record a member's notice to withdraw ``amount`` from ``account_no``, given ``on``."""
    require(uow.operator, "teller.post")
    if not isinstance(amount, Decimal) or not amount.is_finite() or not is_exact(amount):
        raise ValidationError(f"AMOUNT: {amount!r} is not an amount with at most two decimals")
    if amount <= 0:
        raise ValidationError("AMOUNT: must be more than zero")
    today = uow.today()
    on = on or today
    if on > today:
        raise ValidationError(f"--date: {on} is after the business date {today}")
    acct = get_account(uow, account_no)
    require_not_exited(member_of(uow, acct))
    product: DepositProduct = guards.details_of(uow, acct).product
    if acct.status != "active":
        raise AccountNotActiveError(f"account {acct.account_no} is {acct.status}")
    days = product.notice_days
    if days <= 0:
        raise WithdrawalNoticeError(
            f"account {acct.account_no}: product {product.code} needs no notice of withdrawal"
        )
    for old in _open_notices(uow, acct):
        if status_on(old, days, today) == "expired":
            old.status = "expired"
    notice = WithdrawalNotice(
        account_id=acct.id,
        amount=amount,
        given_on=on,
        status="open",
        created_at=clock.utcnow(),
        created_by=uow.username,
    )
    uow.session.add(notice)
    uow.session.flush()
    data = notice_as_dict(notice, acct.account_no, days, today)
    audit.record(uow, "notice.give", "withdrawal_notice", notice.id, after=data)
    return data


def notice_for(
    uow: UnitOfWork, acct: Account, product: DepositProduct, amount: Decimal, on: date
) -> WithdrawalNotice | None:
    """The notice a withdrawal of ``amount`` on ``on`` uses (None when the product needs
    none); raises :class:`WithdrawalNoticeError` when no open, matured, unexpired
    notice covers the amount. Call with the account row locked."""
    days = product.notice_days
    if days <= 0:
        return None
    live = [
        n for n in _open_notices(uow, acct) if n.given_on <= on and status_on(n, days, on) == "open"
    ]
    for n in live:
        if matures_on(n, days) <= on and n.amount >= amount:
            return n
    head = (
        f"account {acct.account_no}: product {product.code} needs {days} days' notice "
        f"of withdrawal for {amount:,.2f}"
    )
    waiting = [n for n in live if n.amount >= amount]
    if waiting:
        n = waiting[0]
        raise WithdrawalNoticeError(
            f"{head}; the notice of {n.given_on} for {n.amount:,.2f} matures on "
            f"{matures_on(n, days)}"
        )
    raise WithdrawalNoticeError(
        f"{head}; no open notice covers it: give one with `coopctl accounts notice "
        f"{acct.account_no} {amount}` (given on {on}, it matures on {on + timedelta(days=days)})"
    )


def use_notice(uow: UnitOfWork, notice: WithdrawalNotice, entry: JournalEntry) -> None:
    """Mark ``notice`` used by the withdrawal ``entry`` (audited)."""
    before = {"status": notice.status}
    notice.status = "used"
    notice.used_entry_id = entry.id
    uow.session.flush()
    audit.record(
        uow,
        "notice.use",
        "withdrawal_notice",
        notice.id,
        before=before,
        after={"status": "used", "entry_no": entry.entry_no},
    )
