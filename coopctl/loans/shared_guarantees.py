"""Guarantee holds of many new loans at once (go-live), with one flush.

:func:`hold_guarantees` is :func:`coopctl.loans.guarantors.adjust_holds` for a batch:
each accepted guarantee becomes a hold of guarantee × outstanding ÷ principal on the
guarantor's oldest open savings account, placed under the same rules
(:func:`coopctl.deposits.holds.new_hold`); a loan whose guarantees already hold
something goes through the single path. The tests compare both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.deposits.holds import audit_placed, new_hold
from coopctl.ledger.models import Account, Hold
from coopctl.loans.common import SAVINGS_KIND
from coopctl.loans.guarantors import HOLD_REASON, adjust_holds, target_hold
from coopctl.loans.models import Loan, LoanGuarantor

CHUNK = 5000


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class _Guarantees:
    accepted: dict[int, list[LoanGuarantor]]
    holds: dict[int, Hold]
    accounts: dict[int, Account]


def _guarantees(uow: UnitOfWork, loan_ids: list[int]) -> _Guarantees:
    s = uow.session
    accepted: dict[int, list[LoanGuarantor]] = defaultdict(list)
    for chunk in _chunks(sorted(loan_ids)):
        for g in s.scalars(
            select(LoanGuarantor)
            .where(LoanGuarantor.loan_id.in_(chunk), LoanGuarantor.status == "accepted")
            .order_by(LoanGuarantor.id)
        ):
            accepted[g.loan_id].append(g)
    hold_ids = sorted({g.hold_id for gs in accepted.values() for g in gs if g.hold_id})
    holds: dict[int, Hold] = {}
    for chunk in _chunks(hold_ids):
        holds.update(
            (h.id, h)
            for h in s.scalars(
                select(Hold).where(Hold.id.in_(chunk)).execution_options(populate_existing=True)
            )
        )
    acct_ids = sorted({h.account_id for h in holds.values()})
    accounts: dict[int, Account] = {}
    for chunk in _chunks(acct_ids):  # the rows release_hold locks one by one
        stmt = select(Account).where(Account.id.in_(chunk)).order_by(Account.id)
        if uow.dialect == "postgresql":
            stmt = stmt.with_for_update()
        accounts.update(
            (a.id, a) for a in s.scalars(stmt.execution_options(populate_existing=True))
        )
    return _Guarantees(dict(accepted), holds, accounts)


def hold_guarantees(uow: UnitOfWork, loans: Sequence[Loan]) -> None:
    """:func:`coopctl.loans.guarantors.adjust_holds` for many new loans (go-live): each
    accepted guarantee becomes a hold of guarantee × outstanding ÷ principal on the
    guarantor's savings account, placed under the same rules, with one flush. A loan
    whose guarantees already hold something goes through the single path."""
    s = uow.session
    accepted = _guarantees(uow, [loan.id for loan in loans]).accepted
    s.flush()
    fresh = sorted({loan.account_id for loan in loans if loan.account_id})
    for chunk in _chunks(fresh):  # the balances post_many just wrote
        list(s.scalars(select(Account).where(Account.id.in_(chunk)).execution_options(
            populate_existing=True)))  # fmt: skip
    members = sorted({g.member_id for gs in accepted.values() for g in gs})
    savings: dict[int, Account] = {}
    for chunk in _chunks(members):  # each guarantor's oldest open savings account, locked
        stmt = (
            select(Account)
            .where(
                Account.member_id.in_(chunk),
                Account.kind == SAVINGS_KIND,
                Account.status.in_(("active", "dormant")),
            )
            .order_by(Account.id)
        )
        if uow.dialect == "postgresql":
            stmt = stmt.with_for_update()
        for a in s.scalars(stmt.execution_options(populate_existing=True)):
            savings.setdefault(a.member_id or 0, a)
    placed = []
    for loan in loans:
        gs = accepted.get(loan.id, [])
        if any(g.hold_id is not None or g.account_id is not None for g in gs):
            s.flush()
            adjust_holds(uow, loan)
            continue
        for g in gs:
            target = target_hold(g, loan)
            acct = savings.get(g.member_id)
            if target == 0 or acct is None:
                continue
            hold = new_hold(uow, acct, target, HOLD_REASON, loan.loan_no)
            placed.append((g, acct, hold, loan.loan_no))
    s.flush()  # the holds in one batch: their ids
    for g, acct, hold, ref in placed:
        g.hold_id, g.account_id = hold.id, acct.id
        audit_placed(uow, acct, hold, ref)
    s.flush()
