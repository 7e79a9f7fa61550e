"""Consistency checks of the deposits context (run by ``ledger verify`` and ``doctor``)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem, check
from coopctl.core.money import ZERO, from_minor
from coopctl.core.sums import exact_sum
from coopctl.deposits.models import CheckoffImport, DepositAccount, DepositProduct, ExitRequest
from coopctl.ledger.models import Account, Hold, JournalEntry
from coopctl.members.models import Member

DEPOSIT_KINDS = ("savings", "shares", "fixed_deposit")


def _deposit_accounts(s: Session) -> list[Account]:
    return list(s.scalars(select(Account).where(Account.kind.in_(DEPOSIT_KINDS))))


@check("deposit_balances_nonnegative", group="deposits")
def balances_nonnegative(s: Session) -> list[Problem]:
    """No deposit account is overdrawn, and held never exceeds the balance."""
    out = []
    for a in _deposit_accounts(s):
        if a.balance < 0:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {a.account_no}: balance {a.balance:,.2f} is negative",
                )
            )
        elif a.held > a.balance:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {a.account_no}: held {a.held:,.2f} exceeds balance {a.balance:,.2f}",
                )
            )
    return out


@check("holds_match", group="deposits")
def holds_match(s: Session) -> list[Problem]:
    """Each account's ``held`` equals the sum of its active holds."""
    sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for aid, raw in s.execute(
        select(Hold.account_id, exact_sum(type_coerce(Hold.amount, BigInteger)))
        .where(Hold.status == "active")
        .group_by(Hold.account_id)
    ):
        sums[aid] = from_minor(raw or 0)
    out = []
    for a in s.scalars(select(Account)):
        if a.held != sums.get(a.id, ZERO):
            out.append(
                Problem(
                    "holds_match",
                    f"account {a.account_no}: held {a.held:,.2f} ≠ "
                    f"active holds {sums.get(a.id, ZERO):,.2f}",
                )
            )
    return out


@check("deposit_account_details", group="deposits")
def account_details(s: Session) -> list[Problem]:
    """Each deposit account has its details row, its product exists, and the account
    posts to its product's control GL account."""
    products = {p.id: p for p in s.scalars(select(DepositProduct))}
    details = {d.account_id: d for d in s.scalars(select(DepositAccount))}
    out = []
    for a in _deposit_accounts(s):
        d = details.get(a.id)
        if d is None:
            out.append(Problem("deposit_account_details", f"account {a.account_no}: no details"))
            continue
        p = products.get(d.product_id)
        if p is None or p.code != a.product_code or p.kind != a.kind:
            out.append(
                Problem(
                    "deposit_account_details",
                    f"account {a.account_no}: product {a.product_code} mismatch",
                )
            )
        elif p.control_gl_id != a.gl_account_id:
            out.append(
                Problem(
                    "deposit_account_details",
                    f"account {a.account_no}: not on its product's control GL",
                )
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
