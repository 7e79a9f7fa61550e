"""Consistency checks of the deposits context (run by ``ledger verify`` and ``doctor``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem, check
from coopctl.core.money import from_minor
from coopctl.core.sums import exact_sum
from coopctl.deposits.models import CheckoffImport, DepositAccount, DepositProduct, ExitRequest
from coopctl.ledger.models import Account, Hold, JournalEntry
from coopctl.members.models import Member

DEPOSIT_KINDS = ("savings", "shares", "fixed_deposit")


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


# Set-based: each check asks the database for the offending rows only, so a book of a
# million accounts costs one scan per check, not a million objects.


@check("deposit_balances_nonnegative", group="deposits")
def balances_nonnegative(s: Session) -> list[Problem]:
    """No deposit account is overdrawn, and held never exceeds the balance."""
    out = []
    for no, balance, held in s.execute(
        select(Account.account_no, Account.balance, Account.held)
        .where(
            Account.kind.in_(DEPOSIT_KINDS),
            (_raw(Account.balance) < 0) | (_raw(Account.held) > _raw(Account.balance)),
        )
        .order_by(Account.id)
    ):
        if balance < 0:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {no}: balance {balance:,.2f} is negative",
                )
            )
        else:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {no}: held {held:,.2f} exceeds balance {balance:,.2f}",
                )
            )
    return out


@check("holds_match", group="deposits")
def holds_match(s: Session) -> list[Problem]:
    """Each account's ``held`` equals the sum of its active holds."""
    sums = (
        select(Hold.account_id.label("account_id"), exact_sum(_raw(Hold.amount)).label("held"))
        .where(Hold.status == "active")
        .group_by(Hold.account_id)
        .subquery()
    )
    active = func.coalesce(sums.c.held, 0)
    return [
        Problem(
            "holds_match",
            f"account {no}: held {held:,.2f} ≠ active holds {from_minor(raw or 0):,.2f}",
        )
        for no, held, raw in s.execute(
            select(Account.account_no, Account.held, sums.c.held)
            .outerjoin(sums, sums.c.account_id == Account.id)
            .where(_raw(Account.held) != active)
            .order_by(Account.id)
        )
    ]


@check("deposit_account_details", group="deposits")
def account_details(s: Session) -> list[Problem]:
    """Each deposit account has its details row, its product exists, and the account
    posts to its product's control GL account."""
    rows = s.execute(
        select(
            Account.account_no,
            Account.product_code,
            Account.kind,
            Account.gl_account_id,
            DepositAccount.account_id,
            DepositProduct.code,
            DepositProduct.kind,
            DepositProduct.control_gl_id,
        )
        .outerjoin(DepositAccount, DepositAccount.account_id == Account.id)
        .outerjoin(DepositProduct, DepositProduct.id == DepositAccount.product_id)
        .where(
            Account.kind.in_(DEPOSIT_KINDS),
            DepositAccount.account_id.is_(None)
            | DepositProduct.id.is_(None)
            | (DepositProduct.code != Account.product_code)
            | (DepositProduct.kind != Account.kind)
            | (DepositProduct.control_gl_id != Account.gl_account_id),
        )
        .order_by(Account.id)
    ).all()
    out = []
    for no, code, kind, gl_id, details, p_code, p_kind, p_gl in rows:
        if details is None:
            out.append(Problem("deposit_account_details", f"account {no}: no details"))
        elif p_code != code or p_kind != kind:
            out.append(Problem("deposit_account_details", f"account {no}: product {code} mismatch"))
        elif p_gl != gl_id:
            out.append(
                Problem("deposit_account_details", f"account {no}: not on its product's control GL")
            )
    return out


@check("closed_accounts_empty", group="deposits")
def closed_accounts_empty(s: Session) -> list[Problem]:
    """Closed accounts hold nothing and have a closing date."""
    return [
        Problem(
            "closed_accounts_empty",
            f"account {a.account_no}: closed with balance {a.balance:,.2f}, held {a.held:,.2f}",
        )
        for a in s.scalars(select(Account).where(Account.status == "closed"))
        if a.balance != 0 or a.held != 0 or a.closed_on is None
    ]


@check("exited_members_closed", group="deposits")
def exited_members_closed(s: Session) -> list[Problem]:
    """An exited member has no open account."""
    rows = s.execute(
        select(Member.member_no, Account.account_no)
        .join(Account, Account.member_id == Member.id)
        .where(Member.status == "exited", Account.status != "closed")
    ).all()
    return [
        Problem("exited_members_closed", f"member {m} has exited but {a} is open") for m, a in rows
    ]


@check("checkoff_entries_posted", group="deposits")
def checkoff_entries_posted(s: Session) -> list[Problem]:
    """Every imported check-off file is backed by a posted journal entry."""
    rows = s.execute(
        select(CheckoffImport.file_name, CheckoffImport.reference, JournalEntry.status)
        .join(JournalEntry, JournalEntry.id == CheckoffImport.entry_id)
        .where(JournalEntry.status != "posted")
    ).all()
    return [
        Problem("checkoff_entries_posted", f"check-off {f} ({r}): entry is {st}")
        for f, r, st in rows
    ]


@check("executed_exits_posted", group="deposits")
def executed_exits(s: Session) -> list[Problem]:
    """Every executed exit belongs to an exited member."""
    rows = s.execute(
        select(ExitRequest.request_no, Member.member_no, Member.status)
        .join(Member, Member.id == ExitRequest.member_id)
        .where(ExitRequest.status == "executed", Member.status != "exited")
    ).all()
    return [
        Problem("executed_exits_posted", f"exit {r}: member {m} is {st}, not exited")
        for r, m, st in rows
    ]
