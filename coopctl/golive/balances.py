"""Opening balances: member accounts created in bulk and posted as opening entries
against the opening-balance account (never as teller cash); loans in progress are in
:mod:`coopctl.golive.loans_in`.

Accounts' balances: Cr the product's control GL on each new account, Dr the
opening-balance account their total — one entry per product and run of
:data:`ACCOUNTS_PER_ENTRY` accounts (idempotency key ``golive:accounts:A…..A…``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.deposits.models import DepositAccount, DepositProduct
from coopctl.golive.models import GoliveMember
from coopctl.golive.rows import AccountRec, Lookups
from coopctl.golive.state import add_total, reserve
from coopctl.ledger.bulk import post_many
from coopctl.ledger.bulk_rows import insert_rows
from coopctl.ledger.models import Account, GLAccount
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans.models import LoanProduct
from coopctl.members.models import Member

KIND = "opening_balance"
# Accounts (or loans) per opening entry: an opening journal of many lines, not an entry
# per account — a 200,000-member go-live posts 400 entries, not 400,000 (docs/golive.md)
ACCOUNTS_PER_ENTRY = 1000


def lookups(uow: UnitOfWork, golive: Any, kind: str) -> Lookups:
    """What the rows of a ``kind`` template are checked against; each kind reads only
    what it uses (the gl template no member, the accounts template no free savings)."""
    s = uow.session
    members: dict[str, int] = {}
    if kind in ("accounts", "loans"):
        members = {no.upper(): mid for mid, no in s.execute(select(Member.id, Member.member_no))}
        members.update(
            {
                lid.upper(): mid
                for lid, mid in s.execute(select(GoliveMember.legacy_id, GoliveMember.member_id))
            }
        )
    dprods = {p.code: p for p in s.scalars(select(DepositProduct))}
    lprods = {p.code: p for p in s.scalars(select(LoanProduct))}
    open_accts: set[tuple[int, str]] = set()
    if kind == "accounts":
        open_accts = {
            (mid, code)
            for mid, code in s.execute(
                select(Account.member_id, Account.product_code).where(
                    Account.kind.in_(("savings", "shares")), Account.status != "closed"
                )
            )
            if mid is not None
        }
    free: dict[int, Decimal] = {}
    if kind == "loans":
        for mid, bal, held, flr in s.execute(
            select(Account.member_id, Account.balance, Account.held, Account.floor)
            .where(Account.kind == "savings", Account.status.in_(("active", "dormant")))
            .order_by(Account.id)
        ):
            if mid is not None and mid not in free:  # the oldest savings account takes the hold
                free[mid] = bal - held - flr
    gl = {g.code: g for g in s.scalars(select(GLAccount))}
    return Lookups(members, dprods, lprods, open_accts, free, gl, golive)


# --- accounts -------------------------------------------------------------------------
def account_totals(recs: list[AccountRec], opening: str) -> dict[str, list[Decimal]]:
    totals: dict[str, list[Decimal]] = {}
    for r in recs:
        if r.balance > 0:
            add_total(totals, r.product.control_gl.code, ZERO, r.balance)
            add_total(totals, opening, r.balance, ZERO)
    return totals


def write_accounts(
    uow: UnitOfWork, recs: list[AccountRec], opening: str, ref: str
) -> tuple[list[str], int]:
    """Open the accounts in bulk and post their opening balances; (numbers, entries)."""
    from coopctl.deposits.accounts_lookup import ACCOUNT_PREFIX, ACCOUNT_WIDTH

    numbers = reserve(uow, "account", ACCOUNT_PREFIX, ACCOUNT_WIDTH, len(recs))
    now = clock.utcnow()
    params = [
        {
            "account_no": no,
            "member_id": r.member_id,
            "kind": r.product.kind,
            "product_code": r.product.code,
            "gl_account_id": r.product.control_gl_id,
            "status": "active",
            "balance": ZERO,
            "held": ZERO,
            "floor": r.product.min_balance,
            "opened_on": r.opened_on,
            "created_at": now,
        }
        for r, no in zip(recs, numbers, strict=True)
    ]
    acct_ids = insert_rows(uow, Account.__table__, params, ids=True)
    details = []
    for r, aid in zip(recs, acct_ids, strict=True):
        fd = r.product.kind == "fixed_deposit"
        term = r.product.term_days
        if fd and r.maturity_date and r.placed_on:
            term = (r.maturity_date - r.placed_on).days
        details.append(
            {
                "account_id": aid,
                "product_id": r.product.id,
                "annual_rate": r.rate if fd and r.rate is not None else r.product.annual_rate,
                "term_days": term,
                "placed_on": r.placed_on if fd else None,
                "maturity_date": r.maturity_date if fd else None,
            }
        )
    insert_rows(uow, DepositAccount.__table__, details)
    drafts = account_drafts(
        uow_golive(uow), [(r, no) for r, no in zip(recs, numbers, strict=True)], opening, ref
    )
    res = post_many(uow, drafts)
    return numbers, res.posted


def account_drafts(
    day: Any, recs: list[tuple[AccountRec, str]], opening: str, ref: str
) -> list[EntryDraft]:
    """The opening entries of new accounts: per product, one entry for each run of up to
    :data:`ACCOUNTS_PER_ENTRY` accounts with a balance — Cr the product's control GL on
    each account, Dr the opening-balance account their total."""
    by_product: dict[str, list[tuple[AccountRec, str]]] = {}
    for r, no in recs:
        if r.balance > 0:
            by_product.setdefault(r.product.code, []).append((r, no))
    drafts = []
    for code, items in by_product.items():
        control = items[0][0].product.control_gl.code
        for chunk in _chunks(items, ACCOUNTS_PER_ENTRY):
            first, last = chunk[0][1], chunk[-1][1]
            lines = [
                LineDraft(opening, debit=sum((r.balance for r, _ in chunk), ZERO),
                          memo="opening balances"),
                *(LineDraft(control, credit=r.balance, account_no=no, memo="opening balance")
                  for r, no in chunk),
            ]  # fmt: skip
            drafts.append(
                EntryDraft(
                    business_date=day, kind=KIND, reference=ref,
                    narration=f"Opening balances at go-live: {code} {first}..{last} "
                    f"({_count(len(chunk), 'account')})",
                    idempotency_key=f"golive:accounts:{first}..{last}", lines=lines,
                )
            )  # fmt: skip
    return drafts


def uow_golive(uow: UnitOfWork) -> Any:
    from coopctl.golive.state import get_state

    st = get_state(uow)
    assert st is not None
    return st.golive_date


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _chunks(items: list[Any], n: int = 5000) -> Any:
    for i in range(0, len(items), n):
        yield items[i : i + n]
