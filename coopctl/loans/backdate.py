"""Backdated repayments: reverse the later repayments, then replay them in date order.

``loans repay … --backdate`` with a date before the last recorded repayment
first *unwinds* every repayment dated after it, newest first: a contra entry
(dated like the original, linked both ways with ``reverses_id`` /
``reversed_by_id``) is posted directly by this system action — it is not a
discretionary reversal, so it does not wait for the reversal checker — its
allocations are marked ``reversed`` and taken off the installments, and any
re-amortisation it caused is undone. Then the new repayment is booked, and the
unwound ones are booked again (``replay_of_id``) on their own dates, so the final
allocation is exactly as if they had come in date order. A repayment that was
part of a shared entry (payroll check-off, member exit) is unwound and replayed
through the suspense GL (2900), which nets to zero within the command.

Refused (exit 5): on written-off loans, across a reschedule dated after the new
repayment, and across a recovery from guarantors.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.ledger.coa import GL
from coopctl.ledger.models import JournalEntry
from coopctl.ledger.posting import post
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans.errors import BackdateError
from coopctl.loans.models import Loan, LoanAllocation, LoanGuarantor, LoanInstallment, LoanRepayment
from coopctl.loans.payment_posting import (
    INCOME_GL,
    NothingToTakeError,
    overpayment_line,
    post_payment,
)

TRANSIT_GL = GL.SUSPENSE


def _later(uow: UnitOfWork, loan: Loan, on: date) -> list[LoanRepayment]:
    return list(
        uow.session.scalars(
            select(LoanRepayment)
            .where(
                LoanRepayment.loan_id == loan.id,
                LoanRepayment.status == "posted",
                LoanRepayment.business_date > on,
            )
            .order_by(LoanRepayment.business_date, LoanRepayment.id)
        )
    )


def unwind(uow: UnitOfWork, loan: Loan, on: date) -> list[LoanRepayment]:
    """Reverse every repayment dated after ``on`` (newest first); return them oldest first."""
    if loan.status == "written_off":
        raise BackdateError(f"loan {loan.loan_no} is written off; recoveries are not backdated")
    if loan.rescheduled_on and loan.rescheduled_on > on:
        raise BackdateError(
            f"loan {loan.loan_no} was rescheduled on {loan.rescheduled_on}; "
            "a repayment cannot be backdated across a reschedule"
        )
    later = _later(uow, loan, on)
    if any(r.channel == "guarantors" for r in later):
        raise BackdateError(
            f"loan {loan.loan_no}: a recovery from guarantors came later; "
            "it cannot be replayed automatically"
        )
    for rep in reversed(later):
        _undo(uow, loan, rep)
    uow.note(
        f"backdated: {len(later)} later repayment(s) of loan {loan.loan_no} reversed "
        "and replayed in date order"
    )
    return later


def _reopen(uow: UnitOfWork, loan: Loan) -> None:
    if loan.status != "closed":
        return
    loan.status, loan.closed_on = "active", None
    if loan.account is not None and loan.account.status == "closed":
        loan.account.status, loan.account.closed_on = "active", None
    for g in uow.session.scalars(
        select(LoanGuarantor).where(
            LoanGuarantor.loan_id == loan.id,
            LoanGuarantor.status == "released",
            LoanGuarantor.recovered == 0,
        )
    ):
        g.status = "accepted"  # holds come back in proportion when the replay is done
    uow.session.flush()


def _loan_side(
    uow: UnitOfWork, loan: Loan, rep: LoanRepayment, allocs: list[LoanAllocation]
) -> list[LineDraft]:
    """The credit lines a repayment booked, rebuilt from its allocations."""
    totals: dict[str, Decimal] = {}
    for a in allocs:
        totals[a.component] = totals.get(a.component, ZERO) + a.amount
    lines = []
    if rep.recovery:
        lines.append(LineDraft(GL.RECOVERY_INCOME, credit=sum(totals.values(), ZERO)))
    else:
        if totals.get("principal", ZERO) > 0:
            assert loan.account is not None
            lines.append(
                LineDraft(GL.LOANS, credit=totals["principal"], account_no=loan.account.account_no)
            )
        lines += [
            LineDraft(INCOME_GL[c], credit=totals[c])
            for c in ("interest", "fees", "penalty")
            if totals.get(c, ZERO) > 0
        ]
    if rep.overpayment > 0:
        lines.append(overpayment_line(uow, loan, rep.overpayment))
    return lines


def _undo(uow: UnitOfWork, loan: Loan, rep: LoanRepayment) -> None:
    _reopen(uow, loan)
    allocs = list(
        uow.session.scalars(
            select(LoanAllocation).where(
                LoanAllocation.repayment_id == rep.id, LoanAllocation.reversed.is_(False)
            )
        )
    )
    original = uow.session.get(JournalEntry, rep.entry_id) if rep.entry_id else None
    if rep.shared or original is None:
        credits = _loan_side(uow, loan, rep, allocs)
        lines = [
            LineDraft(
                ln.gl_code,
                debit=ln.credit,
                account_no=ln.account_no,
                memo=f"unwind repayment of {loan.loan_no}",
            )
            for ln in credits
        ]
        lines.append(
            LineDraft(
                TRANSIT_GL,
                credit=rep.amount,
                memo=f"unwind {rep.channel} repayment of {loan.loan_no}",
            )
        )
        reverses = None
    else:
        lines = [
            LineDraft(
                ln.gl_account.code,
                debit=ln.credit,
                credit=ln.debit,
                account_no=ln.account.account_no if ln.account else None,
                memo=f"reversal: {ln.memo}"[:200],
            )
            for ln in original.lines
        ]
        reverses = original.id
    result = post(
        uow,
        EntryDraft(
            business_date=rep.business_date,
            kind="loan_repayment_reversal",
            lines=lines,
            reference=original.entry_no if original else loan.loan_no,
            reverses_id=reverses,
            reason="backdated repayment: replayed in date order",
            narration=f"Reversal of repayment of loan {loan.loan_no} for a backdated repayment",
            idempotency_key=f"loan:{loan.loan_no}:unwind:{rep.id}",
        ),
    )
    if reverses is not None and original is not None:
        original.reversed_by_id = result.entry.id
    for a in allocs:
        row = uow.session.get(LoanInstallment, a.installment_id)
        assert row is not None
        setattr(row, f"{a.component}_paid", row.paid(a.component) - a.amount)
        if row.total_unpaid > 0:
            row.paid_on = None
        a.reversed = True
    for row in uow.session.scalars(
        select(LoanInstallment).where(LoanInstallment.origin_repayment_id == rep.id)
    ):
        row.superseded = True  # void: made by the repayment being unwound
    for row in uow.session.scalars(
        select(LoanInstallment).where(LoanInstallment.superseded_by_repayment_id == rep.id)
    ):
        row.superseded, row.superseded_by_repayment_id = False, None
    rep.status = "reversed"
    rep.reversal_entry_id = result.entry.id
    uow.session.flush()
    audit.record(
        uow,
        "loan.repay_unwind",
        "loan",
        loan.loan_no,
        after={
            "repayment_date": rep.business_date,
            "amount": rep.amount,
            "reversal": result.entry_no,
        },
    )


def replay(uow: UnitOfWork, loan: Loan, later: list[LoanRepayment]) -> list[LoanRepayment]:
    """Book the unwound repayments again, oldest first."""
    out = []
    for old in later:
        if old.shared or not old.sources:
            sources = [(TRANSIT_GL, None, old.amount)]
        else:
            sources = [(g, a, Decimal(x)) for g, a, x in json.loads(old.sources)]
        try:
            res = post_payment(
                uow,
                loan,
                old.amount,
                old.business_date,
                sources,
                channel=old.channel,
                ref=old.reference,
                client_key=old.client_key,
                entry_key=f"loan:{loan.loan_no}:replay:{old.id}",
                replay_of_id=old.id,
            )
        except NothingToTakeError:
            uow.note(
                f"the repayment of {old.amount:,.2f} on {old.business_date} from savings "
                "is no longer needed; it stays in savings"
            )
            continue
        out.append(res.repayment)
    return out
