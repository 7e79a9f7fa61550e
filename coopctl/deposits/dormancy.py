"""Dormant accounts: found by the nightly ``deposits.dormancy`` step, reactivated through
the approvals engine (kind ``account_reactivation``). See docs/deposits.md, "Dormancy".

- Only **savings** accounts turn dormant (shares are never withdrawn while a member;
  fixed deposits run to their maturity). A product's ``dormant_after_months`` (else
  ``[deposits] dormant_after_months``, default 12; 0 = never) is the idle time.
- Idle time counts from the latest of: the opening date, the last posted entry of a
  member-initiated kind (``[deposits] dormancy_activity_kinds``: deposits, withdrawals,
  transfers, check-off, gateway payments, loan disbursements and repayments, standing
  orders — not interest, charges or reversals; an entry later reversed does not count),
  and the last reactivation.
- A dormant account takes deposits (they stay on the account; the account stays dormant)
  and refuses withdrawals and transfers out (exit 5; a database trigger refuses them
  too) until a reactivation is approved by a checker.

Pure arithmetic is in :mod:`coopctl.deposits.dormancy_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.security import require
from coopctl.deposits import dormancy_rules as rules
from coopctl.deposits.accounts_lookup import lock_account, member_of
from coopctl.deposits.errors import AccountNotDormantError
from coopctl.deposits.membership import require_not_exited
from coopctl.deposits.models import DepositAccount, DepositProduct, DormancyEvent
from coopctl.ledger.models import Account, JournalEntry, JournalLine
from coopctl.ledger.posting import lock_accounts

KIND = "account_reactivation"


@dataclass(frozen=True)
class Due:
    account_id: int
    account_no: str
    idle_since: date
    last_activity: date | None
    dormant_from: date


def _settings(uow: UnitOfWork) -> dict[str, Any]:
    return dict(uow.settings["deposits"])


def last_activity(uow: UnitOfWork, account_ids: list[int], on: date) -> dict[int, date]:
    """The last business date (≤ ``on``) of a posted, unreversed member-initiated entry
    on each account."""
    if not account_ids:
        return {}
    kinds = list(_settings(uow)["dormancy_activity_kinds"])
    out: dict[int, date] = {}
    for i in range(0, len(account_ids), 500):
        chunk = account_ids[i : i + 500]
        rows = uow.session.execute(
            select(JournalLine.account_id, func.max(JournalEntry.business_date))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalLine.account_id.in_(chunk),
                JournalEntry.status == "posted",
                JournalEntry.reversed_by_id.is_(None),
                JournalEntry.kind.in_(kinds),
                JournalEntry.business_date <= on,
            )
            .group_by(JournalLine.account_id)
        ).all()
        out.update({int(a): d for a, d in rows if a is not None and d is not None})
    return out


def last_event(uow: UnitOfWork, account_ids: list[int], event: str, on: date) -> dict[int, date]:
    if not account_ids:
        return {}
    rows = uow.session.execute(
        select(DormancyEvent.account_id, func.max(DormancyEvent.on_date))
        .where(
            DormancyEvent.account_id.in_(account_ids),
            DormancyEvent.event == event,
            DormancyEvent.on_date <= on,
        )
        .group_by(DormancyEvent.account_id)
    ).all()
    return {int(a): d for a, d in rows}


def due_accounts(uow: UnitOfWork, on: date) -> list[Due]:
    """Active savings accounts whose idle time has run out by ``on`` (account order)."""
    cfg = _settings(uow)
    rows = uow.session.execute(
        select(Account.id, Account.account_no, Account.opened_on, DepositProduct)
        .join(DepositAccount, DepositAccount.account_id == Account.id)
        .join(DepositProduct, DepositProduct.id == DepositAccount.product_id)
        .where(
            Account.status == "active",
            Account.kind == "savings",
            DepositProduct.kind == "savings",
            Account.opened_on <= on,
        )
        .order_by(Account.id)
    ).all()
    months = {
        r.id: rules.effective_months(
            r.DepositProduct.dormant_after_months, int(cfg["dormant_after_months"])
        )
        for r in rows
    }
    ids = [r.id for r in rows if months[r.id] > 0]
    activity = last_activity(uow, ids, on)
    reactivated = last_event(uow, ids, "reactivated", on)
    out: list[Due] = []
    for r in rows:
        if r.id not in ids:
            continue
        since = rules.idle_since(r.opened_on, activity.get(r.id), reactivated.get(r.id))
        start = rules.dormant_from(since, months[r.id])
        if start is not None and on >= start:
            out.append(Due(r.id, r.account_no, since, activity.get(r.id), start))
    return out


def mark_dormant(uow: UnitOfWork, on: date) -> list[Due]:
    """Move every account due by ``on`` to ``dormant`` (the ``deposits.dormancy`` step).
    Idempotent: a second run for the same date finds nothing to do."""
    require(uow.operator, "deposits.dormancy")
    due = due_accounts(uow, on)
    locked = lock_accounts(uow, [d.account_id for d in due])
    done: list[Due] = []
    for d in due:
        acct = locked[d.account_id]
        if acct.status != "active":  # changed since it was read
            continue
        acct.status = "dormant"
        uow.session.add(
            DormancyEvent(
                account_id=acct.id,
                event="dormant",
                on_date=d.dormant_from,
                last_activity=d.last_activity,
                reference="",
                created_at=clock.utcnow(),
                created_by=uow.username,
            )
        )
        audit.record(
            uow,
            "account.dormant",
            "account",
            acct.account_no,
            before={"status": "active"},
            after={"status": "dormant", "since": d.dormant_from, "idle_since": d.idle_since},
        )
        done.append(d)
    uow.session.flush()
    return done


# --- reactivation (approvals kind account_reactivation) ----------------------------------------
def _require_dormant(acct: Account) -> None:
    if acct.status != "dormant":
        raise AccountNotDormantError(
            f"account {acct.account_no} is {acct.status}, not dormant; nothing to reactivate"
        )


def request_reactivation(
    uow: UnitOfWork, account_no: str, *, reason: str = ""
) -> tuple[Account, PendingAction | None]:
    """``accounts reactivate``: store a pending reactivation for a checker (or, when the
    ``[approvals.account_reactivation]`` workflow needs none, reactivate at once)."""
    require(uow.operator, "accounts.reactivate")
    acct = lock_account(uow, account_no)
    _require_dormant(acct)
    require_not_exited(member_of(uow, acct))
    if engine.rule_for(uow, KIND) is None:
        _reactivate(uow, acct, reference="")
        return acct, None
    action = engine.submit(
        uow,
        kind=KIND,
        subject=acct.account_no,
        payload={"account_no": acct.account_no, "reason": reason.strip()},
    )
    audit.record(
        uow,
        "account.reactivation_requested",
        "account",
        acct.account_no,
        after={"approval": action.action_no, "reason": reason.strip()},
    )
    return acct, action


def _reactivate(uow: UnitOfWork, acct: Account, *, reference: str) -> None:
    today = uow.today()
    acct.status = "active"
    existing = uow.session.scalars(
        select(DormancyEvent).where(
            DormancyEvent.account_id == acct.id,
            DormancyEvent.event == "reactivated",
            DormancyEvent.on_date == today,
        )
    ).first()
    if existing is None:
        uow.session.add(
            DormancyEvent(
                account_id=acct.id,
                event="reactivated",
                on_date=today,
                last_activity=None,
                reference=reference,
                created_at=clock.utcnow(),
                created_by=uow.username,
            )
        )
    uow.session.flush()
    audit.record(
        uow,
        "account.reactivated",
        "account",
        acct.account_no,
        before={"status": "dormant"},
        after={"status": "active", "approval": reference or None},
    )


def _check(uow: UnitOfWork, action: PendingAction) -> None:
    acct = lock_account(uow, action.subject)
    _require_dormant(acct)
    require_not_exited(member_of(uow, acct))


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    acct = lock_account(uow, action.subject)
    _require_dormant(acct)
    require_not_exited(member_of(uow, acct))
    _reactivate(uow, acct, reference=action.action_no)
    return acct.account_no


def register_kinds() -> None:
    register(
        KIND,
        apply=_apply,
        check=_check,
        permission="accounts.reactivate",
        title="account reactivation",
    )


def dormant_since(uow: UnitOfWork, account_ids: list[int], on: date) -> dict[int, date]:
    """The day each (dormant) account last turned dormant, on or before ``on``."""
    return last_event(uow, account_ids, "dormant", on)
