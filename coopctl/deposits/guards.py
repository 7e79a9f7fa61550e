"""Guards run against the database before money comes into or leaves a deposit account
(status, KYC, minimum balance, withdrawal limits, fixed-deposit terms, pending exit).

They read the account, its product and its history, unlike the pure posting rules of
:mod:`coopctl.ledger.rules`.

Called by teller postings, the check-off import, account closing and the
approval hooks, always with the account row already locked, so the checks and
the posting see the same balance.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InsufficientFundsError
from coopctl.core.money import ZERO, round_money
from coopctl.deposits.accounts_lookup import DEPOSIT_KINDS
from coopctl.deposits.errors import (
    AccountNotActiveError,
    BelowMinimumBalanceError,
    DormantAccountError,
    FixedDepositRuleError,
    MinimumOpeningBalanceError,
    PendingExitError,
    SharesNotWithdrawableError,
    WithdrawalLimitError,
)
from coopctl.deposits.membership import MemberLike, require_kyc, require_not_exited
from coopctl.deposits.models import DepositAccount, ExitRequest
from coopctl.ledger.models import Account, JournalEntry, JournalLine
from coopctl.members.models import Member

OUTFLOW_KINDS = ("withdrawal", "transfer")


def details_of(uow: UnitOfWork, acct: Account) -> DepositAccount:
    d = uow.session.get(DepositAccount, acct.id)
    if d is None or acct.kind not in DEPOSIT_KINDS:
        raise AccountNotActiveError(f"account {acct.account_no} is not a deposit account")
    return d


def has_activity(uow: UnitOfWork, acct: Account) -> bool:
    """True once any posted or pending entry names the account."""
    return (
        uow.session.scalars(
            select(JournalLine.id)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.account_id == acct.id,
                JournalEntry.status.in_(("posted", "pending")),
            )
            .limit(1)
        ).first()
        is not None
    )


def active_accounts(uow: UnitOfWork, ids: list[int]) -> set[int]:
    """:func:`has_activity` for many accounts: one query per chunk of 5,000 ids."""
    out: set[int] = set()
    for i in range(0, len(ids), 5000):
        out.update(
            uow.session.scalars(
                select(JournalLine.account_id)
                .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
                .where(
                    JournalLine.account_id.in_(ids[i : i + 5000]),
                    JournalEntry.status.in_(("posted", "pending")),
                )
                .distinct()
            )
        )
    return out


def pending_exit(uow: UnitOfWork, member_id: int) -> ExitRequest | None:
    return uow.session.scalars(
        select(ExitRequest).where(
            ExitRequest.member_id == member_id, ExitRequest.status == "pending"
        )
    ).first()


class CreditTarget(NamedTuple):
    """A member account as :func:`check_credit_to` reads it: plain values, no ORM object
    (the check-off import reads them for a whole file, one query per chunk)."""

    id: int
    account_no: str
    kind: str
    status: str
    gl_code: str
    is_deposit: bool  # has a deposit-account row (``details_of`` finds it)
    product_code: str  # the deposit product's code ("" when not a deposit account)
    min_opening_balance: Decimal


def check_credit(
    uow: UnitOfWork,
    acct: Account,
    member: Member,
    amount: Decimal,
    *,
    active_before: bool | None = None,
) -> DepositAccount:
    """Money may be paid into ``acct``: open deposit account, member not exited, KYC when
    configured, the minimum opening balance on the first payment, one fixed-deposit
    placement. ``active_before``: :func:`has_activity` when the caller looked it up
    in bulk (:func:`active_accounts`)."""
    d = uow.session.get(DepositAccount, acct.id)
    target = CreditTarget(
        acct.id,
        acct.account_no,
        acct.kind,
        acct.status,
        "",
        d is not None,
        d.product.code if d is not None else "",
        d.product.min_opening_balance if d is not None else ZERO,
    )
    check_credit_to(
        uow,
        target,
        member,
        amount,
        active_before=(lambda: has_activity(uow, acct)) if active_before is None else active_before,
    )
    assert d is not None  # check_credit_to refused an account without details
    return d


def check_credit_to(
    uow: UnitOfWork,
    acct: CreditTarget,
    member: MemberLike,
    amount: Decimal,
    *,
    active_before: bool | Callable[[], bool],
) -> None:
    """The rules of :func:`check_credit` on plain values; ``active_before`` is asked only
    when needed, after the other checks, as :func:`check_credit` asks the database."""
    require_not_exited(member)
    if not acct.is_deposit or acct.kind not in DEPOSIT_KINDS:
        raise AccountNotActiveError(f"account {acct.account_no} is not a deposit account")
    if acct.status not in ("active", "dormant"):
        raise AccountNotActiveError(f"account {acct.account_no} is {acct.status}")
    if uow.settings["members"]["block_deposits_before_kyc"]:
        require_kyc(member)
    active = active_before() if callable(active_before) else active_before
    if acct.kind == "fixed_deposit" and active:
        raise FixedDepositRuleError(
            f"account {acct.account_no} is a fixed deposit already placed; open another"
        )
    minimum = acct.min_opening_balance
    if not active and amount < minimum:
        raise MinimumOpeningBalanceError(
            f"account {acct.account_no}: the first payment must be at least {minimum:,.2f} "
            f"(product {acct.product_code})"
        )


def needs_activity(acct: CreditTarget, amount: Decimal) -> bool:
    """Whether :func:`check_credit_to` can depend on the account's activity for a credit
    of ``amount``: only a fixed deposit, or a payment below the product's minimum
    opening balance (a bulk caller reads the activity of those accounts alone)."""
    return acct.kind == "fixed_deposit" or amount < acct.min_opening_balance


def place_fixed_deposit(uow: UnitOfWork, acct: Account, on: date) -> None:
    """Fix a fixed deposit's placement and maturity dates (at its first credit)."""
    if acct.kind != "fixed_deposit":
        return
    d = details_of(uow, acct)
    if d.placed_on is None:
        d.placed_on = on
        d.maturity_date = on + timedelta(days=d.term_days or 0)
        uow.session.flush()


def withdrawals_in_month(uow: UnitOfWork, acct: Account, on: date) -> int:
    """Posted and pending withdrawals and transfers out of ``acct`` in ``on``'s month."""
    start = on.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return int(
        uow.session.execute(
            select(func.count(func.distinct(JournalEntry.id)))
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(
                JournalLine.account_id == acct.id,
                JournalLine.debit > ZERO,
                JournalEntry.kind.in_(OUTFLOW_KINDS),
                JournalEntry.status.in_(("posted", "pending")),
                JournalEntry.business_date >= start,
                JournalEntry.business_date < end,
            )
        ).scalar_one()
    )


def check_debit(
    uow: UnitOfWork,
    acct: Account,
    member: Member,
    amount: Decimal,
    on: date,
    *,
    count_limit: bool = True,
    check_funds: bool = True,
) -> Decimal:
    """Money may leave ``acct``; returns the early-withdrawal penalty (fixed deposits).

    Refused: exited member, KYC not approved, exit pending, account not active,
    shares (while a member), an unplaced fixed deposit, the monthly withdrawal
    limit, and not enough available balance above the product minimum.
    """
    require_not_exited(member)
    require_kyc(member)
    if pending_exit(uow, member.id) is not None:
        raise PendingExitError(f"member {member.member_no} has an exit awaiting approval")
    details = details_of(uow, acct)
    if acct.status == "dormant":
        raise DormantAccountError(
            f"account {acct.account_no} is dormant: withdrawals and transfers out wait for "
            f"an approved reactivation (coopctl accounts reactivate {acct.account_no})"
        )
    if acct.status != "active":
        raise AccountNotActiveError(f"account {acct.account_no} is {acct.status}")
    if acct.kind == "shares":
        raise SharesNotWithdrawableError(
            f"account {acct.account_no} holds shares: not withdrawable while a member "
            "(refunded at exit)"
        )
    penalty = ZERO
    if acct.kind == "fixed_deposit":
        if details.maturity_date is None:
            raise FixedDepositRuleError(f"fixed deposit {acct.account_no} is not placed yet")
        if on < details.maturity_date:
            rate = details.product.early_withdrawal_penalty
            penalty = round_money(amount * rate / 100)
            if rate > 0:
                uow.note(
                    f"{acct.account_no} matures {details.maturity_date}: early withdrawal "
                    f"penalty {penalty:,.2f} ({rate}%)"
                )
    if check_funds:
        check_funds_available(acct, amount)
    limit = details.product.withdrawals_per_month
    if count_limit and limit is not None and withdrawals_in_month(uow, acct, on) >= limit:
        raise WithdrawalLimitError(
            f"account {acct.account_no}: {limit} withdrawal(s) per month already made "
            f"in {on:%Y-%m} (product {details.product.code})"
        )
    return penalty


def check_funds_available(acct: Account, amount: Decimal) -> None:
    room = acct.balance - acct.held - acct.floor
    if amount <= room:
        return
    usable = acct.balance - acct.held
    if amount <= usable:
        raise BelowMinimumBalanceError(
            f"account {acct.account_no}: {amount:,.2f} would leave it below its minimum "
            f"balance {acct.floor:,.2f} (available {max(room, ZERO):,.2f})"
        )
    raise InsufficientFundsError(
        f"account {acct.account_no}: available {max(room, ZERO):,.2f}, needs {amount:,.2f}"
    )
