"""Notification steps of the job catalogue: ``notify.reminders`` (repayment due soon,
installment overdue; queued in the same transaction that detects the event) and
``notify.dispatch`` (send the outbox, capped per run)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from coopctl.core import money
from coopctl.core.db import UnitOfWork
from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts, StepRun


def _reminders(run: StepRun) -> None:
    """Per active loan (one transaction each): queue a reminder for each unpaid
    installment due in ``[notify] due_days`` days and an overdue notice for each unpaid
    installment past its due date. Keys ``due:{id}`` / ``overdue:{id}``: once each."""
    from coopctl.loans.models import Loan, LoanInstallment
    from coopctl.members.models import Member
    from coopctl.notify.outbox import notify_member

    d = run.business_date
    ahead = d + timedelta(days=int(run.ctx.settings["notify"]["due_days"]))
    with run.uow() as u:
        loans = list(
            u.session.execute(
                select(Loan.id, Loan.loan_no).where(Loan.status == "active").order_by(Loan.id)
            )
        )

    def one(u: UnitOfWork, loan: tuple[int, str]) -> Counts:
        loan_id, loan_no = loan
        c = Counts()
        rows = u.session.scalars(
            select(LoanInstallment)
            .where(
                LoanInstallment.loan_id == loan_id,
                LoanInstallment.superseded.is_(False),
                LoanInstallment.due_date <= ahead,
            )
            .order_by(LoanInstallment.no)
        ).all()
        member: Any = None
        for inst in rows:
            unpaid = inst.total_unpaid
            if unpaid <= 0 or (d <= inst.due_date < ahead):
                continue
            if member is None:
                loan_row = u.session.get(Loan, loan_id)
                assert loan_row is not None
                member = u.session.get(Member, loan_row.member_id)
            overdue = inst.due_date < d
            template, key = (
                ("installment_overdue", f"overdue:{inst.id}")
                if overdue
                else ("repayment_due", f"due:{inst.id}")
            )
            ctx = {
                "loan_no": loan_no,
                "installment_no": inst.no,
                "due_date": inst.due_date,
                "amount": money.fmt_human(unpaid),
            }
            if notify_member(u, member, template, key, ctx):
                c.posted += 1
            else:
                c.skipped += 1
        if not c.posted and not c.skipped:
            c.skipped = 1
        return c

    run.each(loans, one, key=lambda loan: loan[1])


def _events(run: StepRun) -> None:
    """The safety net for the member and staff notices queued with their events
    (:mod:`coopctl.notify.events`): the business date's loans approved and disbursed,
    deposits received, and actions waiting for approval. The same dedupe keys make
    this a no-op for every notice the event already queued, so a catch-up run
    notifies each event exactly once."""
    from coopctl.approvals.models import PendingAction
    from coopctl.ledger.models import Account, JournalEntry, JournalLine
    from coopctl.loans.models import Loan
    from coopctl.members.models import Member
    from coopctl.notify import events

    d = run.business_date

    def loans(u: UnitOfWork) -> int:
        n = 0
        rows = u.session.scalars(
            select(Loan).where((Loan.approved_on == d) | (Loan.disbursed_on == d))
        ).all()
        for loan in rows:
            if loan.approved_on == d:
                n += events.loan_approved(u, loan, d)
            if loan.disbursed_on == d:
                n += events.loan_disbursed(u, loan, d)
        return n

    def receipts(u: UnitOfWork) -> int:
        n = 0
        rows = u.session.execute(
            select(JournalEntry.id, Account.account_no, Account.member_id, JournalLine.credit)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .join(Account, Account.id == JournalLine.account_id)
            .where(
                JournalEntry.business_date == d,
                JournalEntry.kind == "deposit",
                JournalEntry.status == "posted",
                Account.member_id.is_not(None),
            )
        ).all()
        for entry_id, account_no, member_id, credit in rows:
            if credit <= 0:
                continue
            member = u.session.get(Member, member_id)
            n += events.deposit_received(u, member, account_no, credit, entry_id, d)
        return n

    def pending(u: UnitOfWork) -> int:
        n = 0
        for action in u.session.scalars(
            select(PendingAction).where(PendingAction.state == "pending").order_by(PendingAction.id)
        ):
            n += events.approval_waiting(u, action)
        return n

    for fn in (loans, receipts, pending):
        run.check_stop()
        run.counts.items += 1
        with run.uow() as u:
            queued = fn(u)
        run.counts.posted += queued
        if not queued:
            run.counts.skipped += 1


def _statements(run: StepRun) -> None:
    """Month end: each active member's statement for the month, written under the data
    folder and queued on their channels (one transaction per member; once per month)."""
    from coopctl.members.models import Member
    from coopctl.notify import events

    end = run.business_date
    start = end.replace(day=1)
    folder = run.ctx.settings.data_dir / "statements" / f"{start:%Y-%m}"
    with run.uow() as u:
        members = [
            (m.id, m.member_no)
            for m in u.session.scalars(
                select(Member).where(Member.status == "active").order_by(Member.id)
            )
        ]

    def one(u: UnitOfWork, item: tuple[int, str]) -> Counts:
        member = u.session.get(Member, item[0])
        n = events.monthly_statement(u, member, start, end, folder)
        return Counts(items=1, posted=n, skipped=0 if n else 1)

    run.each(members, one, key=lambda m: m[1])


def _dispatch(run: StepRun) -> None:
    from coopctl.notify.service import dispatch

    out = dispatch(run.ctx)
    run.counts.items += out["sent"] + out["failed"] + out["retry"]
    run.counts.posted += out["sent"]
    run.counts.failed += out["failed"]
    run.counts.skipped += out["retry"]
    if out["retry"]:
        run.notes.append(f"{out['retry']} message(s) will be retried")


register(
    "notify.reminders", _reminders, "Queue repayment reminders and overdue notices", itemised=True
)
register(
    "notify.events",
    _events,
    "Queue the day's loan approvals, disbursements, deposit receipts and pending approvals",
    itemised=True,
)
register(
    "notify.statements",
    _statements,
    "Write and queue each member's monthly statement",
    itemised=True,
    month_end_only=True,
)
register("notify.dispatch", _dispatch, "Send queued notifications (capped per run)", itemised=True)
