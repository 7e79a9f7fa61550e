"""Repayments of many loans inside one shared entry, loaded in chunks.

A payroll check-off pays the dues of tens of thousands of loans in one entry.
:func:`coopctl.loans.shared.book` does one loan with a dozen statements (the loan,
its installments, its product, its go-live receivables, its guarantors, each hold and
account, a flush after each change). :class:`Loans` reads all of that for every loan
of a file in a few chunked statements (locking the loans and the guarantors' accounts
on PostgreSQL, as the single path does one by one), and :func:`book_many` then applies
exactly the same allocation (:func:`make_plan`, :func:`credit_lines`, :func:`apply_plan`)
and the same guarantee rule (the hold is the guarantee × outstanding ÷ principal), with
one flush for the batch. The rare loan that needs more — a prepayment to re-amortise,
a loan paid off, a hold to restore — is finished by the single path
(:func:`settle`, after a flush), so the result is the same as booking each loan in
turn; the tests compare both on random payments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, insert, select, type_coerce

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.limits import check_values
from coopctl.core.money import ZERO, from_minor, round_money
from coopctl.core.sums import exact_sum
from coopctl.deposits.holds import audit_placed, new_hold, release_locked
from coopctl.ledger.models import Account, GLAccount, Hold, JournalEntry, JournalLine
from coopctl.loans.allocation import due_up_to
from coopctl.loans.common import SAVINGS_KIND, dues_of, get_loan, installments
from coopctl.loans.errors import LoanStateError
from coopctl.loans.guarantors import HOLD_REASON, adjust_holds, target_hold
from coopctl.loans.models import (
    Loan,
    LoanAllocation,
    LoanGuarantor,
    LoanInstallment,
    LoanProduct,
)
from coopctl.loans.payment_posting import (
    OPENING_GL,
    apply_plan,
    credit_lines,
    make_plan,
    needs_settling,
    opening_memo,
    settle,
)
from coopctl.loans.shared import SharedRepayment, shared_repayment

CHUNK = 5000


def _chunks(items: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


@dataclass
class Loans:
    """The active loans of a set of members, with what booking their repayments reads."""

    by_member: dict[int, list[Loan]] = field(default_factory=dict)
    by_no: dict[str, Loan] = field(default_factory=dict)
    rows: dict[int, list[LoanInstallment]] = field(default_factory=dict)
    _keep: list[Any] = field(default_factory=list)  # strong refs: the identity map is weak

    @classmethod
    def load(cls, uow: UnitOfWork, member_ids: Sequence[int]) -> Loans:
        s, out = uow.session, cls()
        lock = uow.dialect == "postgresql"
        for chunk in _chunks(sorted(set(member_ids))):
            stmt = select(Loan).where(Loan.member_id.in_(chunk), Loan.status == "active")
            if lock:
                stmt = stmt.with_for_update()
            for loan in s.scalars(
                stmt.order_by(Loan.member_id, Loan.disbursed_on, Loan.id).execution_options(
                    populate_existing=True
                )
            ):
                out.by_member.setdefault(loan.member_id, []).append(loan)
                out.by_no[loan.loan_no] = loan
        loan_ids = sorted(loan.id for loan in out.by_no.values())
        rows: dict[int, list[LoanInstallment]] = defaultdict(list)
        for chunk in _chunks(loan_ids):
            for r in s.scalars(
                select(LoanInstallment)
                .where(LoanInstallment.loan_id.in_(chunk), LoanInstallment.superseded.is_(False))
                .order_by(LoanInstallment.loan_id, LoanInstallment.no, LoanInstallment.id)
            ):
                rows[r.loan_id].append(r)
        out.rows = {i: rows.get(i, []) for i in loan_ids}
        acct_ids = sorted({loan.account_id for loan in out.by_no.values() if loan.account_id})
        for chunk in _chunks(acct_ids):  # ``loan.account`` then comes from the identity map
            out._keep.extend(s.scalars(select(Account).where(Account.id.in_(chunk))))
        return out

    def dues(self, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
        """:func:`coopctl.loans.shared.member_dues` from what is loaded."""
        return [
            (loan.loan_no, due_up_to(dues_of(self.rows[loan.id]), as_of))
            for loan in self.by_member.get(member_id, [])
        ]


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


def _opening_left(uow: UnitOfWork, loans: list[Loan]) -> dict[int, dict[str, Decimal]]:
    """:func:`coopctl.loans.payment_posting._opening_receivables` of many loans: what is
    left of each go-live loan's overdue interest and penalty receivables."""
    s = uow.session
    with_arrears: set[int] = set()
    ids = sorted(loan.id for loan in loans)
    for chunk in _chunks(ids):
        with_arrears.update(
            s.scalars(
                select(LoanInstallment.loan_id)
                .where(
                    LoanInstallment.loan_id.in_(chunk), LoanInstallment.origin == "golive_arrears"
                )
                .distinct()
            )
        )
    out: dict[int, dict[str, Decimal]] = {i: {} for i in ids}
    memo_of: dict[tuple[str, str], tuple[int, str]] = {}
    for loan in loans:
        if loan.id in with_arrears:
            out[loan.id] = {comp: ZERO for comp in OPENING_GL}
            for comp, code in OPENING_GL.items():
                memo_of[(code, opening_memo(loan.loan_no, comp))] = (loan.id, comp)
    if not memo_of:
        return out
    net = exact_sum(type_coerce(JournalLine.debit, BigInteger)) - exact_sum(
        type_coerce(JournalLine.credit, BigInteger)
    )
    for code, memo, value in s.execute(
        select(GLAccount.code, JournalLine.memo, net)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(GLAccount.code.in_(sorted(set(OPENING_GL.values()))))
        .where(JournalEntry.status == "posted")
        .group_by(GLAccount.code, JournalLine.memo)
    ):
        key = memo_of.get((code, memo))
        if key is not None:
            out[key[0]][key[1]] = max(from_minor(int(value or 0)), ZERO)
    return out


def book_many(
    uow: UnitOfWork,
    loaded: Loans,
    payments: Sequence[tuple[str, Decimal]],
    on: date,
    ref: str,
    *,
    channel: str,
) -> list[SharedRepayment]:
    """:func:`coopctl.loans.shared.book` for each ``(loan_no, amount)`` in turn, with the
    reads done in chunks and one flush; the parts come back in the order given."""
    s = uow.session
    products = {p.code: p for p in s.scalars(select(LoanProduct))}
    loans = []
    for loan_no, _ in payments:
        loan = loaded.by_no.get(loan_no) or get_loan(uow, loan_no, lock=True)
        if loan.status not in ("active", "written_off"):
            raise LoanStateError(f"loan {loan.loan_no} is {loan.status}; it takes no repayment")
        loans.append(loan)
    opening = _opening_left(uow, loans)
    staged = []
    for loan, (_, amount) in zip(loans, payments, strict=True):
        rows = loaded.rows.get(loan.id)
        if rows is None:
            rows = loaded.rows[loan.id] = installments(uow, loan)
        plan = make_plan(uow, loan, rows, amount, on, product=products.get(loan.product_code))
        lines = credit_lines(uow, loan, plan, opening=opening[loan.id])
        rep = shared_repayment(uow, loan, plan, amount, on, channel, ref)
        s.add(rep)
        staged.append((loan, rows, plan, rep, lines))
    s.flush()  # the repayments in one batch: their ids for the allocations
    held = _guarantees(uow, [loan.id for loan in loans])
    parts = []
    allocations: list[LoanAllocation] = []  # inserted in one executemany below
    for loan, rows, plan, rep, lines in staged:
        mine: list[LoanAllocation] = []
        apply_plan(uow, loan, rows, plan, rep, keep=mine)
        if needs_settling(rows, plan) or not _resize(uow, loan, rows, plan, held):
            s.add_all(mine)  # the single path reads them back
            s.flush()
            settle(uow, loan, rows, plan, rep, close_account=False)
            loaded.rows[loan.id] = installments(uow, loan)
        else:
            allocations.extend(mine)
        audit.record(
            uow,
            f"loan.repay_{channel}",
            "loan",
            loan.loan_no,
            after={
                "amount": plan.amount,
                "date": on,
                "reference": ref,
                "principal": plan.total("principal"),
                "interest": plan.total("interest"),
                "overpayment": plan.overpayment,
            },
        )
        parts.append(SharedRepayment(loan, rep, lines))
    s.flush()
    _insert_allocations(uow, allocations)
    return parts


def _insert_allocations(uow: UnitOfWork, allocations: list[LoanAllocation]) -> None:
    """The allocations as one executemany: nothing reads their ids (the ORM would insert
    them one statement each on SQLite, to read each id back)."""
    cols = [(a.key, a.columns[0].name) for a in LoanAllocation.__mapper__.column_attrs]
    rows = [{col: a.__dict__[key] for key, col in cols if key in a.__dict__} for a in allocations]
    for row in rows:
        check_values(LoanAllocation, row)
    if rows:
        uow.session.execute(insert(LoanAllocation.__table__), rows)  # type: ignore[arg-type]


def _resize(uow: UnitOfWork, loan: Loan, rows: list[LoanInstallment], plan: Any, g: Any) -> bool:
    """:func:`coopctl.loans.guarantors.adjust_holds` with ``outstanding`` = the unpaid
    principal, when every change is a partial release of a loaded hold; ``False`` (and
    nothing changed) when one needs the single path (a hold to place or restore)."""
    if plan.recovery:
        return True
    left = sum((r.unpaid("principal") for r in rows), ZERO)
    changes = []
    for gr in g.accepted.get(loan.id, []):
        target = round_money(gr.amount * min(left, loan.principal) / loan.principal)
        hold = g.holds.get(gr.hold_id) if gr.hold_id is not None else None
        if gr.hold_id is not None and hold is None:
            return False
        current = hold.amount if hold is not None and hold.status == "active" else ZERO
        if target == current:
            continue
        if target < current and hold is not None and hold.account_id in g.accounts:
            changes.append((hold, current - target))
            continue
        return False
    for hold, take in changes:
        release_locked(uow, g.accounts[hold.account_id], hold, take, flush=False)
    return True


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
