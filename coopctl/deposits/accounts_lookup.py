"""Finding deposit accounts: account numbers with their check digit, look-ups (plain or
under the row lock), the per-member lock and the account's member.

The members context's functions deposits uses are in :mod:`coopctl.deposits.membership`;
the channel (cash or bank GL) money moves through is in :mod:`coopctl.deposits.channels`.
"""

from __future__ import annotations

from sqlalchemy import select

from coopctl.core import ids
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.deposits.errors import AccountNumberError
from coopctl.deposits.models import DepositAccount
from coopctl.ledger.models import Account
from coopctl.ledger.posting import lock_accounts
from coopctl.members.models import Member

ACCOUNT_PREFIX = "A"
ACCOUNT_WIDTH = 9
DEPOSIT_KINDS = ("savings", "shares", "fixed_deposit")


def check_account_no(number: str, *, field: str = "ACCOUNT_NO") -> str:
    """Normalise an account number and verify its check digit (exit 2 when wrong)."""
    n = number.strip().upper()
    if not n.startswith(ACCOUNT_PREFIX) or len(n) != len(ACCOUNT_PREFIX) + ACCOUNT_WIDTH + 1:
        raise AccountNumberError(
            f"{field}: {number!r} is not an account number (A + 10 digits, e.g. A0000000013)"
        )
    return ids.check(n, ACCOUNT_PREFIX, field=field)


def get_account(uow: UnitOfWork, account_no: str, *, field: str = "ACCOUNT_NO") -> Account:
    """The member account ``account_no`` (check digit verified first)."""
    n = check_account_no(account_no, field=field)
    acct = uow.session.scalars(select(Account).where(Account.account_no == n)).first()
    if acct is None:
        raise NotFoundError(f"account {n} not found")
    return acct


def lock_account(uow: UnitOfWork, account_no: str, *, field: str = "ACCOUNT_NO") -> Account:
    """Like :func:`get_account` but under the row lock, with fresh values."""
    n = check_account_no(account_no, field=field)
    acct = uow.session.scalars(select(Account).where(Account.account_no == n)).first()
    if acct is None:
        raise NotFoundError(f"account {n} not found")
    return lock_accounts(uow, [acct.id])[acct.id]


def lock_member(uow: UnitOfWork, member: Member) -> None:
    """Serialise per-member changes (opening accounts, exit). PostgreSQL: ``FOR NO KEY
    UPDATE``, which does not conflict with the KEY SHARE locks that other
    transactions' foreign keys to the member hold (like the posting engine's locks)."""
    stmt = select(Member.id).where(Member.id == member.id)
    if uow.dialect == "postgresql":
        stmt = stmt.with_for_update(key_share=True)
    uow.session.execute(stmt).first()


def deposit_details(uow: UnitOfWork, account: Account) -> DepositAccount | None:
    return uow.session.get(DepositAccount, account.id)


def member_of(uow: UnitOfWork, account: Account) -> Member:
    if account.member_id is None:
        raise NotFoundError(f"account {account.account_no} has no member")
    member = uow.session.get(Member, account.member_id)
    assert member is not None
    return member
