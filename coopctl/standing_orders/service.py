"""Standing orders: add, list, show, pause, resume, cancel (the instruction itself).

Paying the orders is :mod:`coopctl.standing_orders.execute`, run by the nightly job.
Every function takes a unit of work and never commits; each change is audited.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.security import require
from coopctl.deposits.accounts_lookup import get_account, member_of
from coopctl.deposits.membership import require_not_exited
from coopctl.ledger.models import Account, JournalEntry
from coopctl.standing_orders import schedule
from coopctl.standing_orders.errors import (
    StandingOrderNotFoundError,
    StandingOrderRuleError,
    StandingOrderStateError,
)
from coopctl.standing_orders.models import NARRATION_MAX, StandingOrder, StandingOrderRun

SOURCE_KINDS = ("savings",)
DESTINATION_KINDS = ("savings", "shares")
POLICIES = ("skip", "partial")
DEFAULT_PRIORITY = 50


def clean_narration(value: str | None) -> str:
    """Free text stored on the order and on each entry: one line, no control characters."""
    v = " ".join((value or "").split())
    if len(v) > NARRATION_MAX:
        raise ValidationError(f"--narration: {len(v)} characters; the limit is {NARRATION_MAX}")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in v):
        raise ValidationError("--narration: contains control or invisible formatting characters")
    return v


def add(
    uow: UnitOfWork,
    from_account: str,
    *,
    to_account: str | None = None,
    loan_no: str | None = None,
    amount: Decimal | None = None,
    amount_due: bool = False,
    every: str = "monthly",
    day: int | None = None,
    start: date | None = None,
    end: date | None = None,
    priority: int = DEFAULT_PRIORITY,
    on_short: str = "skip",
    narration: str = "",
) -> StandingOrder:
    """Record a member's standing order (see docs/standing-orders.md for the rules)."""
    require(uow.operator, "standing_orders.manage")
    if (to_account is None) == (loan_no is None):
        raise ValidationError("give exactly one of --to-account and --loan")
    if (amount is None) == (not amount_due):
        raise ValidationError("give exactly one of --amount and --amount-due")
    if amount_due and loan_no is None:
        raise ValidationError("--amount-due: only for an order paying a loan (--loan)")
    if amount is not None and amount <= 0:
        raise ValidationError("--amount: must be more than zero")
    if every not in schedule.FREQUENCIES:
        raise ValidationError(f"--every: {every!r} is not one of monthly, weekly")
    if on_short not in POLICIES:
        raise ValidationError(f"--on-short: {on_short!r} is not one of skip, partial")
    if not 1 <= priority <= 99:
        raise ValidationError(f"--priority: {priority} is not between 1 (first) and 99")
    text = clean_narration(narration)
    start = start or uow.today()
    if end is not None and end < start:
        raise ValidationError(f"--end: {end} is before --start {start}")
    day = schedule.check_day(every, day if day is not None else schedule.default_day(every, start))
    src = get_account(uow, from_account, field="FROM_ACCOUNT")
    member = member_of(uow, src)
    require_not_exited(member)
    if src.kind not in SOURCE_KINDS or src.status not in ("active", "dormant"):
        raise StandingOrderRuleError(
            f"FROM_ACCOUNT: {src.account_no} is a {src.status} {src.kind} account; "
            "standing orders pay from an open savings account"
        )
    order = StandingOrder(
        member_id=member.id,
        from_account_id=src.id,
        amount=amount,
        amount_due=amount_due,
        frequency=every,
        day=day,
        start_date=start,
        end_date=end,
        # A start in the past never collects the due dates already gone by.
        collect_from=max(start, uow.today()),
        priority=priority,
        on_short=on_short,
        status="active",
        narration=text,
        created_by=uow.username,
        created_at=clock.utcnow(),
        updated_at=clock.utcnow(),
    )
    if to_account is not None:
        dst = get_account(uow, to_account, field="--to-account")
        if dst.id == src.id:
            raise ValidationError("--to-account: must differ from FROM_ACCOUNT")
        if dst.kind not in DESTINATION_KINDS or dst.status not in ("active", "dormant"):
            raise StandingOrderRuleError(
                f"--to-account: {dst.account_no} is a {dst.status} {dst.kind} account; "
                "standing orders pay into an open savings or shares account"
            )
        if dst.member_id != member.id:
            require_not_exited(member_of(uow, dst))
            require(uow.operator, "standing_orders.third_party")
        order.to_account_id = dst.id
    else:
        from coopctl.loans.common import get_loan

        assert loan_no is not None
        loan = get_loan(uow, loan_no)
        if loan.member_id != member.id:
            raise StandingOrderRuleError(
                f"--loan: {loan.loan_no} is not a loan of {member.member_no}, "
                f"the owner of {src.account_no}"
            )
        if loan.status != "active":
            raise StandingOrderRuleError(f"--loan: {loan.loan_no} is {loan.status}, not active")
        order.loan_id = loan.id
    uow.session.add(order)
    uow.session.flush()
    audit.record(uow, "standing_order.add", "standing_order", order.id, after=_audit_view(order))
    return order


def _audit_view(o: StandingOrder) -> dict[str, Any]:
    return {
        "from_account_id": o.from_account_id,
        "to_account_id": o.to_account_id,
        "loan_id": o.loan_id,
        "amount": o.amount,
        "amount_due": o.amount_due,
        "every": o.frequency,
        "day": o.day,
        "start": o.start_date,
        "end": o.end_date,
        "priority": o.priority,
        "on_short": o.on_short,
        "status": o.status,
    }


def get(uow: UnitOfWork, order_id: int, *, lock: bool = False) -> StandingOrder:
    stmt = select(StandingOrder).where(StandingOrder.id == order_id)
    if lock and uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    order = uow.session.scalars(stmt.execution_options(populate_existing=True)).first()
    if order is None:
        raise StandingOrderNotFoundError(f"standing order {order_id} not found")
    return order


def _change(
    uow: UnitOfWork, order_id: int, allowed: tuple[str, ...], new: str, action: str
) -> StandingOrder:
    require(uow.operator, "standing_orders.manage")
    order = get(uow, order_id, lock=True)
    if order.status not in allowed:
        raise StandingOrderStateError(
            f"standing order {order.id} is {order.status}; it cannot become {new}"
        )
    _require_third_party(uow, order)
    before = order.status
    order.status = new
    order.updated_at = clock.utcnow()
    if new == "active":
        # Due dates missed while paused are not collected afterwards.
        order.collect_from = max(order.start_date, uow.today())
    uow.session.flush()
    audit.record(
        uow,
        f"standing_order.{action}",
        "standing_order",
        order.id,
        before={"status": before},
        after={"status": new, "collect_from": order.collect_from},
    )
    return order


def _require_third_party(uow: UnitOfWork, order: StandingOrder) -> None:
    if order.to_account_id is None:
        return
    dst = uow.session.get(Account, order.to_account_id)
    if dst is not None and dst.member_id != order.member_id:
        require(uow.operator, "standing_orders.third_party")


def pause(uow: UnitOfWork, order_id: int) -> StandingOrder:
    """Stop paying an active order until it is resumed."""
    return _change(uow, order_id, ("active",), "paused", "pause")


def resume(uow: UnitOfWork, order_id: int) -> StandingOrder:
    """Pay a paused order again, from today's due dates on."""
    return _change(uow, order_id, ("paused",), "active", "resume")


def cancel(uow: UnitOfWork, order_id: int) -> StandingOrder:
    """End an order for good (the database refuses to reactivate it)."""
    return _change(uow, order_id, ("active", "paused"), "cancelled", "cancel")


# --- reading -------------------------------------------------------------------------------
def _numbers(uow: UnitOfWork, o: StandingOrder) -> tuple[str, str, str | None, str | None]:
    from coopctl.loans.models import Loan
    from coopctl.members.models import Member

    member = uow.session.get(Member, o.member_id)
    src = uow.session.get(Account, o.from_account_id)
    dst = uow.session.get(Account, o.to_account_id) if o.to_account_id else None
    loan = uow.session.get(Loan, o.loan_id) if o.loan_id else None
    assert member is not None and src is not None
    return (
        member.member_no,
        src.account_no,
        dst.account_no if dst else None,
        loan.loan_no if loan else None,
    )


def as_dict(uow: UnitOfWork, o: StandingOrder, on: date | None = None) -> dict[str, Any]:
    member_no, src, dst, loan = _numbers(uow, o)
    nxt = None
    if o.status == "active":
        after = max(on or uow.today(), o.collect_from)
        nxt = schedule.next_due(o.frequency, o.day, o.start_date, o.end_date, after)
    return {
        "id": o.id,
        "member_no": member_no,
        "from_account": src,
        "to_account": dst,
        "loan_no": loan,
        "amount": o.amount,
        "amount_due": o.amount_due,
        "every": o.frequency,
        "day": o.day,
        "schedule": schedule.describe(o.frequency, o.day),
        "start": o.start_date,
        "end": o.end_date,
        "priority": o.priority,
        "on_short": o.on_short,
        "status": o.status,
        "next_due": nxt,
        "narration": o.narration,
        "created_by": o.created_by,
    }


def list_orders(
    uow: UnitOfWork,
    *,
    member_no: str | None = None,
    account_no: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(StandingOrder)
    if member_no is not None:
        from coopctl.members.models import Member
        from coopctl.members.validate import member_no as check_member_no

        n = check_member_no(member_no, "--member")
        stmt = stmt.join(Member, Member.id == StandingOrder.member_id).where(Member.member_no == n)
    if account_no is not None:
        acct = get_account(uow, account_no, field="--account")
        stmt = stmt.where(
            (StandingOrder.from_account_id == acct.id) | (StandingOrder.to_account_id == acct.id)
        )
    if status is not None:
        stmt = stmt.where(StandingOrder.status == status)
    rows = uow.session.scalars(
        stmt.order_by(StandingOrder.member_id, StandingOrder.priority, StandingOrder.id)
    ).all()
    return [as_dict(uow, o) for o in rows]


def show(uow: UnitOfWork, order_id: int) -> dict[str, Any]:
    o = get(uow, order_id)
    out = as_dict(uow, o)
    runs = uow.session.scalars(
        select(StandingOrderRun)
        .where(StandingOrderRun.order_id == o.id)
        .order_by(StandingOrderRun.due_date)
    ).all()
    out["runs"] = [
        {
            "due_date": r.due_date,
            "status": r.status,
            "attempts": r.attempts,
            "wanted": r.wanted,
            "amount": r.amount,
            "entry_no": _entry_no(uow, r.entry_id),
            "last_attempt_on": r.last_attempt_on,
            "reason": r.reason,
        }
        for r in runs
    ]
    return out


def _entry_no(uow: UnitOfWork, entry_id: int | None) -> str | None:
    if entry_id is None:
        return None
    e = uow.session.get(JournalEntry, entry_id)
    return e.entry_no if e else None
