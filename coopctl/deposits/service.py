"""Shared use-case helpers of the deposits context: look-ups with check digits, the
members context's functions, bank GL resolution, the business date.

The members context owns members (``coopctl.members.service``: ``get_member``,
``require_kyc``, ``set_status``); deposits only calls those three functions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from coopctl.core import ids
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.deposits.errors import AccountNumberError, MemberExitedError
from coopctl.deposits.models import DepositAccount
from coopctl.ledger.coa import GL
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


# --- the members context ---------------------------------------------------------------
def _members_service() -> Any:
    from coopctl.members import service

    return service


def get_member(uow: UnitOfWork, member_no: str) -> Member:
    """The member ``member_no`` (check digit verified by the members context)."""
    member: Member = _members_service().get_member(uow, member_no)
    return member


def require_kyc(member: Member) -> None:
    """Raise the members context's KycRequiredError unless KYC is approved."""
    _members_service().require_kyc(member)


def set_exited(uow: UnitOfWork, member: Member) -> None:
    _members_service().set_status(uow, member, "exited")


def member_of(uow: UnitOfWork, account: Account) -> Member:
    if account.member_id is None:
        raise NotFoundError(f"account {account.account_no} has no member")
    member = uow.session.get(Member, account.member_id)
    assert member is not None
    return member


def require_not_exited(member: Member) -> None:
    if member.status == "exited":
        raise MemberExitedError(f"member {member.member_no} has exited")


# --- cash and banks -------------------------------------------------------------------
def channel_gl(uow: UnitOfWork, bank_code: str | None) -> str:
    """The GL code money moves through: cash on hand, or the named bank account's GL."""
    if not bank_code:
        return GL.CASH
    from coopctl.recon.banks import get_bank

    return get_bank(uow, bank_code).gl_account.code
