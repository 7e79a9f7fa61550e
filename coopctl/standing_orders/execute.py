"""Paying standing orders on a business date (the ``standing_orders`` step).

For business date D each active order is one item in its own transaction, taken
in the order (member, priority, id): a member's priority 1 order is served before
their priority 2 order, so when savings are short the first order gets the money.

An order's due dates in ``D - [standing_orders] retry_days .. D`` are looked at,
oldest first. A due date that was paid (in full or, policy ``partial``, in part),
is waiting for a checker, had nothing to collect or was given up is done. Otherwise
one attempt is made on D:

- the amount wanted is the fixed amount, or the loan's amount due on the due date
  (nothing due: ``nothing_due``);
- the source account's available balance (balance − holds − minimum balance) pays
  it in full; short, policy ``partial`` pays what is available, policy ``skip`` (the
  default) pays nothing;
- the money moves through the deposits transfer service or the loans repayment
  service, which apply every guard (KYC, dormancy, pending exit, holds, minimum
  balance, monthly withdrawal limits, approval thresholds); a guard's refusal counts
  as a failed attempt with its reason;
- a failed attempt is tried again on the next business dates until ``retry_days``
  after the due date; the last failed attempt gives the due date up and queues a
  notice to the member (so does a partial payment).

Every posting carries the idempotency key ``standing-order:{id}:{due date}``:
whatever the number of runs, a due date is paid at most once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import clock, money
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import CoopError, PermissionDeniedError
from coopctl.core.money import ZERO
from coopctl.ledger.models import Account
from coopctl.ledger.posting import lock_accounts
from coopctl.standing_orders import schedule
from coopctl.standing_orders.models import (
    FINAL_RUN_STATUSES,
    StandingOrder,
    StandingOrderRun,
)


@dataclass
class Outcome:
    posted: int = 0
    skipped: int = 0


def idempotency_key(order_id: int, due: date) -> str:
    return f"standing-order:{order_id}:{due.isoformat()}"


def retry_days(uow: UnitOfWork) -> int:
    return max(int(uow.settings["standing_orders"]["retry_days"]), 0)


def due_orders(uow: UnitOfWork, on: date) -> list[int]:
    """Ids of the orders to look at on ``on``, in the order they are served."""
    return list(
        uow.session.scalars(
            select(StandingOrder.id)
            .where(StandingOrder.status == "active", StandingOrder.collect_from <= on)
            .order_by(StandingOrder.member_id, StandingOrder.priority, StandingOrder.id)
        )
    )


def run_order(uow: UnitOfWork, order_id: int, on: date) -> Outcome:
    """Every attempt owed by one order on business date ``on`` (one transaction)."""
    out = Outcome()
    order = uow.session.get(StandingOrder, order_id)
    if order is None or order.status != "active":
        out.skipped += 1
        return out
    retry = retry_days(uow)
    dues = schedule.due_dates(
        order.frequency,
        order.day,
        order.collect_from,
        order.end_date,
        on - timedelta(days=retry),
        on,
    )
    for due in dues:
        run = uow.session.scalars(
            select(StandingOrderRun).where(
                StandingOrderRun.order_id == order.id, StandingOrderRun.due_date == due
            )
        ).first()
        if run is not None and run.status in FINAL_RUN_STATUSES:
            continue
        if run is not None and run.last_attempt_on >= on:
            continue  # already tried on this business date
        if _attempt(uow, order, due, on, run, last=(on - due).days >= retry):
            out.posted += 1
    if not out.posted:
        out.skipped += 1
    if order.end_date is not None and on >= order.end_date + timedelta(days=retry):
        order.status = "ended"
        order.updated_at = clock.utcnow()
        uow.session.flush()
    return out


def _attempt(
    uow: UnitOfWork,
    order: StandingOrder,
    due: date,
    on: date,
    run: StandingOrderRun | None,
    *,
    last: bool,
) -> bool:
    """One attempt at ``due``; True when money moved (or waits for a checker)."""
    if run is None:
        run = StandingOrderRun(
            order_id=order.id,
            due_date=due,
            status="short",
            attempts=0,
            amount=ZERO,
            wanted=ZERO,
            last_attempt_on=on,
            reason="",
            updated_at=clock.utcnow(),
        )
        uow.session.add(run)
    run.attempts += 1
    run.last_attempt_on = on
    run.updated_at = clock.utcnow()
    uow.session.flush()
    src = _lock(uow, order)
    wanted = _wanted(uow, order, due)
    run.wanted = wanted
    if wanted <= 0:
        run.status, run.reason = "nothing_due", "nothing was due on the loan"
        uow.session.flush()
        return False
    available = max(src.balance - src.held - src.floor, ZERO) if src.status == "active" else ZERO
    pay = wanted
    if available < wanted:
        pay = available if order.on_short == "partial" else ZERO
    if src.status != "active":
        pay = wanted  # let the deposits guards say why (dormant, closed...)
    if pay <= 0:
        return _short(
            uow,
            order,
            run,
            f"available {money.fmt_human(available)}, needs {money.fmt_human(wanted)}",
            last,
        )
    try:
        entry_id, pending = _move(uow, order, src, pay, due, on)
    except PermissionDeniedError:
        raise  # the operator running the job, not the member: dead-lettered, not a retry
    except CoopError as exc:
        return _short(uow, order, run, str(getattr(exc, "message", None) or exc), last)
    run.amount, run.entry_id = pay, entry_id
    run.reason = ""
    if pending:
        run.status = "pending"
    elif pay < wanted:
        run.status = "partial"
        run.reason = f"available {money.fmt_human(pay)} of {money.fmt_human(wanted)}"
        _notify(uow, order, run, "standing_order_partial", "partial", on)
    else:
        run.status = "paid"
    uow.session.flush()
    return True


def _lock(uow: UnitOfWork, order: StandingOrder) -> Account:
    """Lock what the services will lock, in their order (loan first, then the accounts
    by id), so an order never deadlocks with a teller on the same accounts; the source."""
    if order.loan_id is not None:
        from coopctl.loans.common import get_loan
        from coopctl.loans.models import Loan

        loan = uow.session.get(Loan, order.loan_id)
        assert loan is not None
        get_loan(uow, loan.loan_no, lock=True)
    ids = [order.from_account_id] + ([order.to_account_id] if order.to_account_id else [])
    return lock_accounts(uow, ids)[order.from_account_id]


def _wanted(uow: UnitOfWork, order: StandingOrder, due: date) -> Decimal:
    if order.loan_id is None:
        assert order.amount is not None
        return order.amount
    from coopctl.loans.models import Loan
    from coopctl.loans.repayment import due_now, owed

    loan = uow.session.get(Loan, order.loan_id)
    assert loan is not None
    if loan.status != "active":
        if loan.status in ("closed", "written_off"):
            order.status = "ended"  # the loan is settled: the order has nothing left to do
        return ZERO
    if order.amount_due:
        return due_now(uow, loan, due)
    assert order.amount is not None
    return min(order.amount, owed(uow, loan, due))


def _move(
    uow: UnitOfWork, order: StandingOrder, src: Account, pay: Decimal, due: date, on: date
) -> tuple[int, bool]:
    """Post through the deposits or loans service inside a savepoint (a refusal leaves
    nothing behind, not even its audit rows); (entry id, pending)."""
    key = idempotency_key(order.id, due)
    pending_audit: list[Any] = uow.__dict__.setdefault("_audit", [])
    mark = len(pending_audit)
    sp = uow.session.begin_nested()
    try:
        if order.loan_id is None:
            from coopctl.deposits.teller import transfer

            dst = uow.session.get(Account, order.to_account_id)
            assert dst is not None
            result = transfer(
                uow,
                src.account_no,
                dst.account_no,
                pay,
                on=on,
                ref=f"SO{order.id}",
                narration=order.narration or f"Standing order {order.id} due {due}",
                key=key,
            )
            entry_id, pending = result.entry.id, result.pending
        else:
            entry_id, pending = _repay(uow, order, src, pay, on, key), False
        sp.commit()
    except BaseException:
        sp.rollback()
        del pending_audit[mark:]
        raise
    return entry_id, pending


def _repay(
    uow: UnitOfWork, order: StandingOrder, src: Account, pay: Decimal, on: date, key: str
) -> int:
    from coopctl.deposits import guards
    from coopctl.deposits.accounts_lookup import member_of
    from coopctl.loans.models import Loan
    from coopctl.loans.repayment import repay

    loan = uow.session.get(Loan, order.loan_id)
    assert loan is not None
    # The repayment service takes money from savings; the deposits guards decide
    # first whether the account may pay (KYC, dormancy, exit, holds, minimum balance).
    guards.check_debit(uow, src, member_of(uow, src), pay, on, count_limit=False)
    result = repay(uow, loan.loan_no, pay, on=on, from_account=src.account_no, key=key)
    assert result.entry is not None
    return result.entry.id


def _short(
    uow: UnitOfWork, order: StandingOrder, run: StandingOrderRun, reason: str, last: bool
) -> bool:
    run.reason = reason[:500]
    run.status = "given_up" if last else "short"
    uow.session.flush()
    if last:
        _notify(uow, order, run, "standing_order_failed", "given-up", run.last_attempt_on)
    return False


def _notify(
    uow: UnitOfWork, order: StandingOrder, run: StandingOrderRun, template: str, what: str, on: date
) -> None:
    if not uow.settings["standing_orders"]["notify_member"]:
        return
    from coopctl.members.models import Member
    from coopctl.notify.outbox import notify_member
    from coopctl.standing_orders.service import as_dict

    member = uow.session.get(Member, order.member_id)
    assert member is not None
    view = as_dict(uow, order, on)
    destination = view["to_account"] or f"loan {view['loan_no']}"
    notify_member(
        uow,
        member,
        template,
        f"standing-order:{order.id}:{run.due_date.isoformat()}:{what}",
        {
            "order_id": order.id,
            "from_account": view["from_account"],
            "destination": destination,
            "due_date": run.due_date,
            "date": on,
            "wanted": money.fmt_human(run.wanted),
            "paid": money.fmt_human(run.amount),
            "attempts": run.attempts,
            "reason": run.reason,
        },
    )
