"""Repayments of many loans inside one shared entry, on plain rows.

A payroll check-off pays the dues of tens of thousands of loans in one entry.
:func:`coopctl.loans.shared.book` does one loan with a dozen statements and ORM objects;
:func:`book_many` does the same for a batch on the plain rows of
:class:`coopctl.loans.shared_rows.Loans`:

1. each loan's plan comes from the one pure allocation
   (:func:`coopctl.loans.payment_posting.plan_of`) on the unpaid amounts read once, its
   credit lines from :func:`~coopctl.loans.payment_posting.loan_credit_lines` and its
   repayment row from :func:`coopctl.loans.shared.repayment_row`; the repayments go in
   with one multi-row insert (ids allocated as the ORM would: in the order given);
2. then, loan by loan in that order, the plan is applied to the installments in kobo,
   the allocations are kept, and the guarantors' holds follow the same rule as
   :func:`coopctl.loans.guarantors.adjust_holds` (the hold is the guarantee ×
   outstanding ÷ principal; all of it is released when the loan is paid off, which
   closes it). The writes wait in a batch of executemany statements;
3. the rare loan that needs more — a prepayment to re-amortise, a hold to place or
   restore, a written-off loan — is finished by the single path
   (:func:`coopctl.loans.payment_posting.settle` on ORM objects) at its turn, after
   the batch so far is written, so every loan sees what the loans before it did;
4. :func:`attach_many`, once the workflow posted its entry, links the repayments and
   allocations to it and closes the account of every loan paid off.

Audit records come in the order the single path writes them. The result is the same
as booking each loan in turn; the tests compare both on random payments. A batch pays
each loan at most once (a check-off line pays each of its member's loans once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.limits import check_values
from coopctl.core.money import ZERO, from_minor, round_money
from coopctl.core.sums import exact_sum
from coopctl.deposits.holds import audit_released
from coopctl.ledger.models import Account, GLAccount, JournalEntry, JournalLine
from coopctl.ledger.rules import LineDraft
from coopctl.loans.common import get_loan, installments
from coopctl.loans.errors import LoanStateError
from coopctl.loans.models import Loan, LoanAllocation, LoanProduct, LoanRepayment
from coopctl.loans.payment_posting import (
    OPENING_GL,
    Plan,
    apply_plan,
    audit_closed,
    loan_credit_lines,
    opening_memo,
    overpayment_line,
    plan_of,
    settle,
)
from coopctl.loans.shared import audit_repaid, repayment_row
from coopctl.loans.shared_guarantees import hold_guarantees as hold_guarantees
from coopctl.loans.shared_rows import (
    COMPONENT_INDEX,
    Driver,
    LoanRow,
    Loans,
    converters,
    dec,
    execute_many,
    insert_plain,
    kobo,
    read_installments,
    read_loans,
    select_in,
)

__all__ = ["Booked", "Loans", "attach_many", "book_many", "hold_guarantees"]


# an allocation row as _apply writes it (no text but the component's name)
ALLOCATION_COLS = (
    "loan_id", "installment_id", "entry_id", "repayment_id", "component", "amount",
    "business_date", "reversed",
)  # fmt: skip


@dataclass
class Part:
    """One loan's part of the shared entry: its credit lines."""

    loan_no: str
    lines: list[LineDraft]


@dataclass
class Booked:
    """What :func:`book_many` did, for :func:`attach_many`: the parts in the order given."""

    parts: list[Part]
    repayment_ids: list[int]
    closed: dict[int, date] = field(default_factory=dict)  # loan account id → closed on
    orm_repayments: list[LoanRepayment] = field(default_factory=list)


@dataclass
class _Guarantee:
    id: int
    amount: Decimal
    hold_id: int | None
    hold: list[Any] | None  # [amount (Decimal), status, account id, account_no]; None: none


def _guarantees(uow: UnitOfWork, loan_ids: Sequence[int]) -> dict[int, list[_Guarantee]]:
    """The accepted guarantees of the loans with their holds (by guarantee id); the holds'
    accounts locked in id order on PostgreSQL, as ``release_hold`` locks them one by one."""
    out: dict[int, list[_Guarantee]] = defaultdict(list)
    rows = select_in(
        uow,
        "SELECT g.loan_id, g.id, g.amount, g.hold_id, h.amount, h.status, h.account_id, "
        "a.account_no FROM loan_guarantors g LEFT JOIN holds h ON h.id = g.hold_id "
        "LEFT JOIN accounts a ON a.id = h.account_id "
        "WHERE g.loan_id IN ({in}) AND g.status = 'accepted'",
        sorted(loan_ids),
    )
    found = []
    for loan_id, gid, amount, hold_id, h_amount, h_status, acct_id, acct_no in rows:
        hold = [dec(h_amount), h_status, acct_id, acct_no] if h_status is not None else None
        found.append((gid, loan_id, _Guarantee(gid, dec(amount), hold_id, hold)))
    for _gid, loan_id, g in sorted(found, key=lambda t: t[0]):
        out[loan_id].append(g)
    if uow.dialect == "postgresql":
        accts = sorted({g.hold[2] for gs in out.values() for g in gs if g.hold is not None})
        for _ in select_in(
            uow, "SELECT id FROM accounts WHERE id IN ({in}) ORDER BY id FOR UPDATE", accts
        ):
            pass
    return out


def _opening_left(uow: UnitOfWork, loans: Sequence[LoanRow]) -> dict[int, dict[str, Decimal]]:
    """:func:`coopctl.loans.payment_posting._opening_receivables` of many loans: what is
    left of each go-live loan's overdue interest and penalty receivables."""
    s = uow.session
    ids = sorted(loan.id for loan in loans)
    with_arrears = {
        r[0]
        for r in select_in(
            uow,
            "SELECT DISTINCT loan_id FROM loan_installments WHERE loan_id IN ({in}) "
            "AND origin = 'golive_arrears'",
            ids,
        )
    }
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


class _Writes:
    """The batch's pending writes, as executemany statements (amounts in kobo)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.drv = Driver(uow)
        self.installments: list[tuple[Any, ...]] = []
        self.holds: list[tuple[Any, ...]] = []
        self.held: dict[int, int] = defaultdict(int)  # account id → kobo released
        self.closed: list[tuple[Any, ...]] = []
        self.released: list[tuple[int]] = []

    def flush(self, uow: UnitOfWork) -> None:
        execute_many(
            uow,
            "UPDATE loan_installments SET principal_paid = ?, interest_paid = ?, fees_paid = ?, "
            "penalty_paid = ?, paid_on = ? WHERE id = ?",
            self.installments,
        )
        execute_many(
            uow, "UPDATE holds SET amount = ?, status = ?, released_at = ? WHERE id = ?", self.holds
        )
        execute_many(
            uow,
            "UPDATE accounts SET held = held - ? WHERE id = ?",
            [(k, i) for i, k in sorted(self.held.items())],
        )
        execute_many(
            uow, "UPDATE loans SET status = 'closed', closed_on = ? WHERE id = ?", self.closed
        )
        execute_many(
            uow, "UPDATE loan_guarantors SET status = 'released' WHERE id = ?", self.released
        )
        for obj in list(uow.session.identity_map.values()):  # rows held from the single path
            if isinstance(obj, Account) and obj.id in self.held:
                uow.session.expire(obj)
        self.installments, self.holds, self.closed, self.released = [], [], [], []
        self.held = defaultdict(int)


def _settled(uow: UnitOfWork, loan: LoanRow, plan: Plan, rep_id: int, w: _Writes) -> Loan:
    """The single path for one loan (after the batch so far is written): ORM rows,
    :func:`apply_plan` and :func:`settle`, exactly as :func:`coopctl.loans.shared.book`."""
    w.flush(uow)
    s = uow.session
    orm = s.scalars(
        select(Loan).where(Loan.id == loan.id).execution_options(populate_existing=True)
    ).one()
    rows = installments(uow, orm)
    rep = s.get(LoanRepayment, rep_id)
    assert rep is not None
    mine: list[LoanAllocation] = []
    apply_plan(uow, orm, rows, plan, rep, keep=mine)
    s.add_all(mine)
    s.flush()
    settle(uow, orm, rows, plan, rep, close_account=False)
    loan.rows = []
    return orm


def _apply(
    uow: UnitOfWork,
    loan: LoanRow,
    plan: Plan,
    rep_id: int,
    gs: list[_Guarantee],
    w: _Writes,
    allocations: list[tuple[Any, ...]],
) -> bool:
    """The plan on the plain rows, the holds resized or released and the loan closed when
    paid off; ``False`` (nothing changed) when the loan needs the single path."""
    if plan.recovery or loan.status != "active":
        return False
    if plan.prepaid > 0 and plan.current_no is not None:
        return False  # a prepayment to re-amortise
    by_no = {r.no: r for r in loan.rows}
    amounts = [kobo(p.amount) for p in plan.portions]
    paid: dict[int, list[int]] = {}  # installment no → paid after the plan (those it pays)
    for p, k in zip(plan.portions, amounts, strict=True):
        now_paid = paid.get(p.no)
        if now_paid is None:
            now_paid = paid[p.no] = list(by_no[p.no].paid)
        now_paid[COMPONENT_INDEX[p.component]] += k
    owing = left = 0  # kobo still owed in all, and of principal
    dated = []  # installments paid in full by now that have no date yet
    for r in loan.rows:
        after = paid.get(r.no, r.paid)
        unpaid = sum(r.due) - sum(after)  # never below zero: paid ≤ due
        owing += unpaid
        left += r.due[0] - after[0]
        if unpaid == 0 and r.paid_on is None and any(k > 0 for k in after):
            dated.append(r)
    paid_off = owing == 0
    changes = _releases(gs, None if paid_off else (dec(left), loan.principal))
    if changes is None:
        return False
    # -- nothing refused: apply
    on = plan.on
    day, no = w.drv.day(on), w.drv.flag(False)
    for p, k in zip(plan.portions, amounts, strict=True):
        allocations.append((loan.id, by_no[p.no].id, None, rep_id, p.component, k, day, no))
    for n, now_paid in paid.items():
        by_no[n].paid = now_paid
    for r in dated:
        r.paid_on = day  # as the driver returns it
    for r in loan.rows:
        if r.no in paid or r in dated:
            w.installments.append((*r.paid, r.paid_on, r.id))
    loan._dues = None
    now = clock.utcnow() if changes else None
    for g, take in changes:
        assert g.hold is not None
        before = g.hold[0]
        after = before - take
        status = "released" if after == 0 else "active"
        g.hold[0], g.hold[1] = after, status
        w.holds.append(
            (kobo(after), status, w.drv.ts(now) if status == "released" else None, g.hold_id)
        )
        w.held[g.hold[2]] += kobo(take)
        audit_released(uow, g.hold[3], g.hold_id, before, after, status)  # type: ignore[arg-type]
    if paid_off:
        loan.status = "closed"
        w.closed.append((day, loan.id))
        w.released.extend((g.id,) for g in gs)
        audit_closed(uow, loan.loan_no, on)
    return True


def _releases(
    gs: list[_Guarantee], resize: tuple[Decimal, Decimal] | None
) -> list[tuple[_Guarantee, Decimal]] | None:
    """What :func:`coopctl.loans.guarantors.adjust_holds` would release of each hold: down
    to guarantee × ``left`` ÷ ``principal`` (``resize``), or all of it (``None``: the loan
    is closed); ``None`` when a hold must be placed or restored (the single path)."""
    out = []
    for g in gs:
        if g.hold_id is not None and g.hold is None:
            return None  # a hold that is gone: the single path says so
        held = g.hold[0] if g.hold is not None and g.hold[1] == "active" else ZERO
        if resize is None:
            if held > 0:
                out.append((g, held))
            continue
        left, principal = resize
        target = round_money(g.amount * min(left, principal) / principal)
        if target == held:
            continue
        if target < held:
            out.append((g, held - target))
            continue
        return None
    return out


def book_many(
    uow: UnitOfWork,
    loaded: Loans,
    payments: Sequence[tuple[str, Decimal]],
    on: date,
    ref: str,
    *,
    channel: str,
) -> Booked:
    """:func:`coopctl.loans.shared.book` for each ``(loan_no, amount)`` in turn (see the
    module docstring); the parts come back in the order given."""
    s = uow.session
    strategy = dict(s.execute(select(LoanProduct.code, LoanProduct.allocation)).tuples().all())
    loans = _targets(uow, loaded, [n for n, _ in payments])
    opening = _opening_left(uow, loans)
    now, user = clock.utcnow(), uow.username
    plans, parts, reps = [], [], []
    for loan, (_, amount) in zip(loans, payments, strict=True):
        plan = plan_of(
            loan.dues,
            amount,
            on,
            strategy=strategy[loan.product_code],
            written_off=loan.status == "written_off",
            written_off_on=loan.written_off_on,
        )
        overpaid = partial(
            overpayment_line,
            uow,
            None,
            plan.overpayment,
            member_id=loan.member_id,
            loan_no=loan.loan_no,
        )
        lines = loan_credit_lines(loan.loan_no, loan.account_no, plan, opening[loan.id], overpaid)
        plans.append(plan)
        parts.append(Part(loan.loan_no, lines))
        reps.append(
            repayment_row(loan.id, plan, amount, on, channel, ref, created_by=user, created_at=now)
        )
    w = _Writes(uow)
    rep_ids: list[int] = []
    if reps:
        check_values(LoanRepayment, reps[0])  # the texts are the batch's: ref, channel, user
        cols = list(reps[0])
        conv = list(zip(cols, converters(LoanRepayment.__table__, cols, w.drv), strict=True))
        s.flush()
        rows = [tuple(f(r[c]) for c, f in conv) for r in reps]
        rep_ids = insert_plain(uow, "loan_repayments", cols, rows, ids=True)
    gs = _guarantees(uow, [loan.id for loan in loans])
    booked = Booked(parts, rep_ids)
    allocations: list[tuple[Any, ...]] = []
    for loan, plan, rep_id in zip(loans, plans, rep_ids, strict=True):
        if not _apply(uow, loan, plan, rep_id, gs.get(loan.id, []), w, allocations):
            orm = _settled(uow, loan, plan, rep_id, w)
            rep = s.get(LoanRepayment, rep_id)
            assert rep is not None
            booked.orm_repayments.append(rep)
            loan.status = orm.status
            if orm.status == "closed" and orm.account_id is not None and orm.closed_on:
                booked.closed[orm.account_id] = orm.closed_on
        elif loan.status == "closed" and loan.account_id is not None:
            booked.closed[loan.account_id] = on
        audit_repaid(uow, channel, loan.loan_no, plan, on, ref)
    w.flush(uow)
    insert_plain(uow, "loan_allocations", ALLOCATION_COLS, allocations, ids=False)
    return booked


def _targets(uow: UnitOfWork, loaded: Loans, numbers: list[str]) -> list[LoanRow]:
    """The loans paid, from ``loaded`` or read here (active or written off)."""
    if len(set(numbers)) != len(numbers):
        raise ValueError("a batch pays each loan at most once")
    missing = [n for n in numbers if n not in loaded.by_no]
    extra: dict[str, LoanRow] = {}
    for no in missing:
        loan = get_loan(uow, no, lock=True)  # the single path's refusals
        if loan.status not in ("active", "written_off"):
            raise LoanStateError(f"loan {loan.loan_no} is {loan.status}; it takes no repayment")
        (row,) = read_loans(uow, "l.id IN ({in})", [loan.id], lock=True)
        extra[no] = row
    read_installments(uow, list(extra.values()))
    return [loaded.by_no.get(n) or extra[n] for n in numbers]


def attach_many(uow: UnitOfWork, booked: Booked, entry_id: int) -> None:
    """:func:`coopctl.loans.shared.attach` for a batch: the repayments and their
    allocations linked to the posted entry, one statement per chunk; the account of
    every loan paid off closed when its balance is zero."""
    ids = booked.repayment_ids
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        marks = ", ".join("?" * len(chunk))
        execute_many(
            uow,
            f"UPDATE loan_repayments SET entry_id = ? WHERE id IN ({marks})",
            [(entry_id, *chunk)],
        )
        execute_many(
            uow,
            f"UPDATE loan_allocations SET entry_id = ? WHERE repayment_id IN ({marks})",
            [(entry_id, *chunk)],
        )
    for rep in booked.orm_repayments:
        uow.session.expire(rep)
    if not booked.closed:
        return
    w = _Writes(uow)
    rows = select_in(
        uow, "SELECT id, balance, status FROM accounts WHERE id IN ({in})", sorted(booked.closed)
    )
    closing = [
        ("closed", w.drv.day(booked.closed[i]), i)
        for i, bal, status in rows
        if int(bal) == 0 and status != "closed"
    ]
    execute_many(uow, "UPDATE accounts SET status = ?, closed_on = ? WHERE id = ?", closing)
    done = {i for _, _, i in closing}
    for obj in list(uow.session.identity_map.values()):
        if isinstance(obj, Account) and obj.id in done:
            uow.session.expire(obj)
