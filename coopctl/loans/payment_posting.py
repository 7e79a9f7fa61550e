"""Posting a loan payment: allocate, book, record which installment and component each kobo
paid. The ``repay`` use case (sources, date order, backdating) is in
:mod:`coopctl.loans.repayment`, which re-exports these names.

Accounting (cash basis — interest, fees and penalties are income when paid):
one entry per repayment, Dr the source (cash 1110, a bank's GL, or the
borrower's savings account); Cr the loan account on 1210 for principal, Cr 4100
interest, Cr 4200 fees, Cr 4300 penalties; an overpayment beyond everything
owed goes to the borrower's savings account (Cr 2110), or to loan overpayments
(Cr 2250) when they have none. On a written-off loan everything received is
recovery income (Cr 4400); it is still allocated to the installments so the
recovered amounts stay visible. A loan brought in at go-live carries its overdue
interest and penalties as receivables (Dr 1220/1230 in its opening entry): what is
received of them first clears those receivables (Cr 1220/1230), not income again.

Allocation follows the product's strategy (:mod:`coopctl.loans.allocation`);
what remains after the past-due and current installments is a prepayment: it
pays the next installments' principal in order, and then the remaining principal
is re-amortised over new installments by the product's prepayment policy —
``reduce_term``: the same installment amount over fewer installments;
``reduce_installment``: the same number of installments, each smaller. Either
way the future interest is recomputed on the lower balance (the replaced rows
are kept, ``superseded``). Paying the past-due and current installments plus the
remaining principal therefore closes the loan.

Repayments are kept in date order: one dated before the last recorded repayment
is refused unless ``backdate=True`` (see :mod:`coopctl.loans.backdate`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, DuplicateError
from coopctl.core.money import ZERO
from coopctl.core.sums import exact_sum
from coopctl.ledger.coa import GL
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.posting import post
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import guarantors
from coopctl.loans.allocation import (
    Due,
    Portion,
    allocate_due,
    allocate_future_principal,
    split,
)
from coopctl.loans.common import (
    dues_of,
    installments,
    product_of,
    savings_account,
)
from coopctl.loans.models import (
    COMPONENTS,
    Loan,
    LoanAllocation,
    LoanInstallment,
    LoanProduct,
    LoanRepayment,
)
from coopctl.loans.reamortise import reamortise

INCOME_GL = {"interest": GL.INTEREST_INCOME, "fees": GL.FEE_INCOME, "penalty": GL.PENALTY_INCOME}
# Receivables a go-live opening entry may carry for a loan (memo ``loan L… opening <comp>``).
OPENING_GL = {"interest": GL.INTEREST_RECEIVABLE, "penalty": GL.FEES_RECEIVABLE}
Source = tuple[str, str | None, Decimal]  # (gl_code, account_no, amount) of a debit line


class NothingToTakeError(BusinessRuleError):
    """A repayment from the borrower's own savings takes only what the loan still owes."""


@dataclass
class Plan:
    """How a payment will be applied (pure data; nothing written yet)."""

    on: date
    amount: Decimal
    portions: list[Portion]
    prepaid: Decimal
    overpayment: Decimal
    recovery: bool
    current_no: int | None

    @property
    def applied(self) -> Decimal:
        return self.amount - self.overpayment

    def total(self, component: str) -> Decimal:
        return sum((p.amount for p in self.portions if p.component == component), ZERO)


@dataclass
class RepayResult:
    loan: Loan
    repayment: LoanRepayment
    entry: JournalEntry | None
    plan: Plan | None
    created: bool = True
    replayed: list[LoanRepayment] = field(default_factory=list)


def make_plan(
    uow: UnitOfWork,
    loan: Loan,
    rows: list[LoanInstallment],
    amount: Decimal,
    on: date,
    *,
    product: LoanProduct | None = None,
) -> Plan:
    """Allocate ``amount`` (past due and current, then future principal, then overpayment);
    ``product`` when the caller already holds the loan's product."""
    product = product or product_of(uow, loan)
    return plan_of(
        dues_of(rows),
        amount,
        on,
        strategy=product.allocation,
        written_off=loan.status == "written_off",
        written_off_on=loan.written_off_on,
    )


def plan_of(
    dues: Sequence[Due],
    amount: Decimal,
    on: date,
    *,
    strategy: str,
    written_off: bool = False,
    written_off_on: date | None = None,
) -> Plan:
    """:func:`make_plan` on the installments' unpaid amounts (pure): the one allocation
    of a payment, for booking one loan and many at once."""
    as_of = written_off_on if written_off and written_off_on else on
    parts = split(dues, as_of)
    due = allocate_due(dues, amount, as_of, strategy, parts=parts)
    ahead = allocate_future_principal(dues, due.left, as_of, parts=parts)
    current = parts[1]
    return Plan(
        on=on,
        amount=amount,
        portions=due.portions + ahead.portions,
        prepaid=ahead.applied,
        overpayment=ahead.left,
        recovery=written_off,
        current_no=current.no if current else None,
    )


def owed(uow: UnitOfWork, loan: Loan, on: date) -> Decimal:
    """What settles the loan on ``on`` (or, written off, what is still recoverable)."""
    rows = installments(uow, loan)
    big = sum((r.total_unpaid for r in rows), ZERO)
    return make_plan(uow, loan, rows, big, on).applied if big > 0 else ZERO


def overpayment_line(
    uow: UnitOfWork, loan: Loan | None, amount: Decimal, *, member_id: int = 0, loan_no: str = ""
) -> LineDraft:
    """Cr the borrower's savings (or 2250 without one); ``member_id`` and ``loan_no``
    instead of ``loan``'s when the caller holds plain values (``loan`` is then ``None``)."""
    member_id, loan_no = (member_id, loan_no) if loan is None else (loan.member_id, loan.loan_no)
    acct = savings_account(uow, member_id)
    memo = f"overpayment of loan {loan_no}"
    if acct is not None:
        return LineDraft(acct.gl_account.code, credit=amount, account_no=acct.account_no, memo=memo)
    return LineDraft(GL.LOAN_OVERPAYMENTS, credit=amount, memo=memo)


def credit_lines(
    uow: UnitOfWork, loan: Loan, plan: Plan, *, opening: dict[str, Decimal] | None = None
) -> list[LineDraft]:
    """The credit side of a repayment (sums to ``plan.amount``); ``opening``: what is left
    of the loan's go-live receivables when the caller already read it."""
    if opening is None and not plan.recovery:
        opening = _opening_receivables(uow, loan)
    return loan_credit_lines(
        loan.loan_no,
        loan.account.account_no if loan.account is not None else None,
        plan,
        opening or {},
        lambda: overpayment_line(uow, loan, plan.overpayment),
    )


def loan_credit_lines(
    loan_no: str,
    account_no: str | None,
    plan: Plan,
    opening: dict[str, Decimal],
    overpaid: Callable[[], LineDraft],
) -> list[LineDraft]:
    """:func:`credit_lines` on plain values: the loan's number and account, what is left
    of its go-live receivables, and ``overpaid()`` for the overpayment's line (asked
    only when there is one)."""
    lines: list[LineDraft] = []
    if plan.recovery:
        if plan.applied > 0:
            lines.append(
                LineDraft(
                    GL.RECOVERY_INCOME,
                    credit=plan.applied,
                    memo=f"recovery on written-off loan {loan_no}",
                )
            )
    else:
        totals = {"principal": ZERO, "interest": ZERO, "fees": ZERO, "penalty": ZERO}
        for p in plan.portions:
            totals[p.component] += p.amount
        principal = totals["principal"]
        if principal > 0:
            assert account_no is not None
            lines.append(
                LineDraft(
                    GL.LOANS,
                    credit=principal,
                    account_no=account_no,
                    memo=f"loan {loan_no} principal",
                )
            )
        for comp in ("interest", "fees", "penalty"):
            amt = totals[comp]
            taken = min(amt, opening.get(comp, ZERO))
            if taken > 0:
                lines.append(
                    LineDraft(OPENING_GL[comp], credit=taken, memo=opening_memo(loan_no, comp))
                )
            if amt - taken > 0:
                lines.append(
                    LineDraft(INCOME_GL[comp], credit=amt - taken, memo=f"loan {loan_no} {comp}")
                )
    if plan.overpayment > 0:
        lines.append(overpaid())
    return lines


def opening_memo(loan_no: str, component: str) -> str:
    return f"loan {loan_no} opening {component}"


def _opening_receivables(uow: UnitOfWork, loan: Loan) -> dict[str, Decimal]:
    """What is left of the overdue interest/penalty receivables a go-live brought in."""
    from sqlalchemy import BigInteger, type_coerce

    from coopctl.core.money import from_minor
    from coopctl.ledger.models import GLAccount, JournalLine

    golive = uow.session.scalar(
        select(LoanInstallment.id)
        .where(LoanInstallment.loan_id == loan.id, LoanInstallment.origin == "golive_arrears")
        .limit(1)
    )
    if golive is None:
        return {}
    out: dict[str, Decimal] = {}
    for comp, code in OPENING_GL.items():
        net = uow.session.scalar(
            select(
                exact_sum(type_coerce(JournalLine.debit, BigInteger))
                - exact_sum(type_coerce(JournalLine.credit, BigInteger))
            )
            .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                GLAccount.code == code,
                JournalLine.memo == opening_memo(loan.loan_no, comp),
                JournalEntry.status == "posted",
            )
        )
        out[comp] = max(from_minor(int(net or 0)), ZERO)
    return out


def record(
    uow: UnitOfWork,
    loan: Loan,
    rows: list[LoanInstallment],
    plan: Plan,
    rep: LoanRepayment,
    *,
    close_account: bool,
) -> None:
    """Apply the plan to the installments, keep the allocations, re-amortise a prepayment,
    close the loan when nothing is left, and resize the guarantors' holds."""
    apply_plan(uow, loan, rows, plan, rep)
    settle(uow, loan, rows, plan, rep, close_account=close_account)


def apply_plan(
    uow: UnitOfWork,
    loan: Loan,
    rows: list[LoanInstallment],
    plan: Plan,
    rep: LoanRepayment,
    keep: list[LoanAllocation] | None = None,
) -> None:
    """The first half of :func:`record`: installments paid, allocations added (no flush;
    into ``keep`` instead of the session when given, for a batch to insert at once)."""
    by_no = {r.no: r for r in rows}
    add = uow.session.add if keep is None else keep.append
    for p in plan.portions:
        row = by_no[p.no]
        setattr(row, f"{p.component}_paid", row.paid(p.component) + p.amount)
        add(
            LoanAllocation(
                loan_id=loan.id,
                installment_id=row.id,
                entry_id=rep.entry_id,
                repayment_id=rep.id,
                component=p.component,
                amount=p.amount,
                business_date=plan.on,
                reversed=False,
            )
        )
    for r in rows:
        if r.paid_on is None and r.total_unpaid == 0 and any(r.paid(c) > 0 for c in COMPONENTS):
            r.paid_on = plan.on


def needs_settling(rows: list[LoanInstallment], plan: Plan) -> bool:
    """Whether :func:`settle` has more to do than resize the guarantors' holds to the
    unpaid principal of ``rows``: a prepayment to re-amortise or a loan paid off."""
    if plan.recovery:
        return False
    if plan.prepaid > 0 and plan.current_no is not None:
        return True
    return all(r.total_unpaid == 0 for r in rows)


def settle(
    uow: UnitOfWork,
    loan: Loan,
    rows: list[LoanInstallment],
    plan: Plan,
    rep: LoanRepayment,
    *,
    close_account: bool,
) -> None:
    """The second half of :func:`record`: re-amortise, close or resize the holds."""
    uow.session.flush()
    if plan.recovery:
        return
    if plan.prepaid > 0 and plan.current_no is not None:
        reamortise(uow, loan, rows, plan.current_no, rep)
    live = installments(uow, loan)
    left = sum((r.unpaid("principal") for r in live), ZERO)
    if loan.status == "closed":
        return
    if all(r.total_unpaid == 0 for r in live):
        close_loan(uow, loan, plan.on, close_account=close_account)
    else:
        guarantors.adjust_holds(uow, loan, outstanding=left)


def close_loan(uow: UnitOfWork, loan: Loan, on: date, *, close_account: bool) -> None:
    loan.status = "closed"
    loan.closed_on = on
    if close_account and loan.account is not None and loan.account.balance == 0:
        loan.account.status = "closed"
        loan.account.closed_on = on
    guarantors.adjust_holds(uow, loan)
    uow.session.flush()
    audit_closed(uow, loan.loan_no, on)


def audit_closed(uow: UnitOfWork, loan_no: str, on: date) -> None:
    audit.record(
        uow,
        "loan.close",
        "loan",
        loan_no,
        before={"status": "active"},
        after={"status": "closed", "date": on},
    )


def post_payment(
    uow: UnitOfWork,
    loan: Loan,
    amount: Decimal,
    on: date,
    sources: Sequence[Source],
    *,
    channel: str,
    ref: str = "",
    client_key: str | None = None,
    entry_key: str | None = None,
    replay_of_id: int | None = None,
) -> RepayResult:
    """Plan, post one entry (debits ``sources``) and record a repayment of ``amount``.

    A replayed repayment (``replay_of_id``) that finds nothing left to pay becomes an
    overpayment; a new one is refused."""
    rows = installments(uow, loan)
    plan = make_plan(uow, loan, rows, amount, on)
    if plan.applied == 0 and replay_of_id is None:
        what = "is recoverable" if plan.recovery else "is owed"
        raise BusinessRuleError(f"nothing {what} on loan {loan.loan_no}")
    own = savings_account(uow, loan.member_id)
    if (
        plan.overpayment > 0
        and len(sources) == 1
        and own is not None
        and sources[0][1] == own.account_no
    ):
        uow.note(
            f"only {plan.applied:,.2f} of {amount:,.2f} was taken from "
            f"{own.account_no}; that is all loan {loan.loan_no} could take"
        )
        sources = [(sources[0][0], sources[0][1], plan.applied)]  # only what is owed
        plan.amount, plan.overpayment = plan.applied, ZERO
        if plan.amount == 0:
            raise NothingToTakeError(f"nothing is owed on loan {loan.loan_no}")
    lines = [
        LineDraft(gl, debit=amt, account_no=acct, memo=f"repayment of loan {loan.loan_no}")
        for gl, acct, amt in sources
        if amt > 0
    ]
    lines += credit_lines(uow, loan, plan)
    kind = "loan_recovery" if plan.recovery else "loan_repayment"
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind=kind,
            lines=lines,
            reference=ref or loan.loan_no,
            narration=f"{'Recovery on' if plan.recovery else 'Repayment of'} loan {loan.loan_no}",
            idempotency_key=entry_key,
        ),
    )
    if not result.created:
        raise DuplicateError(
            f"idempotency key {entry_key!r} already belongs to entry {result.entry_no}"
        )
    rep = LoanRepayment(
        loan_id=loan.id,
        entry_id=result.entry.id,
        business_date=on,
        amount=plan.amount,
        overpayment=plan.overpayment,
        channel=channel,
        source=_label(sources),
        sources=json.dumps([[g, a, str(x)] for g, a, x in sources]),
        shared=False,
        reference=ref,
        client_key=client_key,
        recovery=plan.recovery,
        status="posted",
        replay_of_id=replay_of_id,
        created_by=uow.username,
        created_at=clock.utcnow(),
    )
    uow.session.add(rep)
    uow.session.flush()
    record(uow, loan, rows, plan, rep, close_account=True)
    audit.record(
        uow,
        "loan.recovery" if plan.recovery else "loan.repay",
        "loan",
        loan.loan_no,
        after={
            "amount": plan.amount,
            "date": on,
            "entry": result.entry_no,
            "principal": plan.total("principal"),
            "interest": plan.total("interest"),
            "fees": plan.total("fees"),
            "penalty": plan.total("penalty"),
            "overpayment": plan.overpayment,
            "channel": channel,
            "replay_of": replay_of_id,
        },
    )
    return RepayResult(loan, rep, result.entry, plan)


def _label(sources: Sequence[Source]) -> str:
    return ",".join(a or g for g, a, _ in sources)[:40]
