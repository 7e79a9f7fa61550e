"""Holds (liens) on member accounts: they reduce the available balance.

``Account.held`` is the sum of the account's active holds; both change together
under the account row lock. The loans context places guarantor holds with
:func:`place_hold` and frees them with :func:`release_hold`.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import InvalidStateError, NotFoundError, ValidationError
from coopctl.core.money import ZERO, is_exact
from coopctl.deposits.errors import HoldError
from coopctl.ledger.models import Account, Hold
from coopctl.ledger.posting import lock_accounts


def _check_amount(amount: Decimal, field: str) -> None:
    if not isinstance(amount, Decimal) or not amount.is_finite() or not is_exact(amount):
        raise ValidationError(f"{field}: {amount!r} is not an amount with at most two decimals")
    if amount <= 0:
        raise ValidationError(f"{field}: must be more than zero")


def _locked(uow: UnitOfWork, account_id: int) -> Account:
    return lock_accounts(uow, [account_id])[account_id]


def available(account: Account) -> Decimal:
    """What may still be withdrawn or held: balance − held − floor (never below zero)."""
    return max(account.balance - account.held - account.floor, ZERO)


def place_hold(
    uow: UnitOfWork, account: Account, amount: Decimal, reason: str, reference: str = ""
) -> Hold:
    """Hold ``amount`` on ``account``; refused beyond its available balance."""
    _check_amount(amount, "amount")
    if not reason.strip():
        raise ValidationError("reason: must not be empty")
    acct = _locked(uow, account.id)
    hold = new_hold(uow, acct, amount, reason, reference)
    uow.session.flush()
    audit_placed(uow, acct, hold, reference)
    return hold


def new_hold(uow: UnitOfWork, acct: Account, amount: Decimal, reason: str, reference: str) -> Hold:
    """:func:`place_hold` once the caller holds ``acct`` locked: the rules, the hold and
    ``held``, not yet flushed (a batch flushes once, then :func:`audit_placed` each)."""
    if acct.status not in ("active", "dormant"):
        raise HoldError(f"account {acct.account_no} is {acct.status}; holds need an open account")
    if amount > available(acct):
        raise HoldError(
            f"account {acct.account_no}: available {available(acct):,.2f}, "
            f"cannot hold {amount:,.2f}"
        )
    hold = Hold(
        account_id=acct.id,
        amount=amount,
        reason=reason.strip()[:40],
        reference=reference[:64],
        status="active",
        created_at=clock.utcnow(),
    )
    uow.session.add(hold)
    acct.held = acct.held + amount
    return hold


def audit_placed(uow: UnitOfWork, acct: Account, hold: Hold, reference: str) -> None:
    audit.record(
        uow,
        "hold.place",
        "account",
        acct.account_no,
        after={
            "hold_id": hold.id,
            "amount": hold.amount,
            "reason": hold.reason,
            "reference": reference,
        },
    )


def release_hold(uow: UnitOfWork, hold: Hold, amount: Decimal | None = None) -> Hold:
    """Release ``amount`` of ``hold`` (all of it when ``None``)."""
    acct = _locked(uow, hold.account_id)
    uow.session.refresh(hold)
    return release_locked(uow, acct, hold, amount)


def release_locked(
    uow: UnitOfWork, acct: Account, hold: Hold, amount: Decimal | None = None, *, flush: bool = True
) -> Hold:
    """:func:`release_hold` once the caller holds ``acct`` locked and ``hold`` fresh (a
    batch locks its accounts in one statement and flushes once, ``flush=False``)."""
    if hold.status != "active":
        raise InvalidStateError(f"hold {hold.id} is already released")
    take = hold.amount if amount is None else amount
    _check_amount(take, "amount")
    if take > hold.amount:
        raise HoldError(f"hold {hold.id} holds {hold.amount:,.2f}; cannot release {take:,.2f}")
    before = hold.amount
    hold.amount = hold.amount - take
    acct.held = acct.held - take
    if hold.amount == 0:
        hold.status = "released"
        hold.released_at = clock.utcnow()
    if flush:
        uow.session.flush()
    audit_released(uow, acct.account_no, hold.id, before, hold.amount, hold.status)
    return hold


def audit_released(
    uow: UnitOfWork, account_no: str, hold_id: int, before: Decimal, after: Decimal, status: str
) -> None:
    """The audit record of a release (``before`` → ``after`` held by hold ``hold_id``)."""
    audit.record(
        uow,
        "hold.release",
        "account",
        account_no,
        before={"hold_id": hold_id, "amount": before},
        after={"hold_id": hold_id, "amount": after, "status": status},
    )


def get_hold(uow: UnitOfWork, hold_id: int) -> Hold:
    hold = uow.session.get(Hold, hold_id)
    if hold is None:
        raise NotFoundError(f"hold {hold_id} not found")
    return hold


def active_holds(uow: UnitOfWork, account: Account) -> list[Hold]:
    return list(
        uow.session.scalars(
            select(Hold)
            .where(Hold.account_id == account.id, Hold.status == "active")
            .order_by(Hold.id)
        )
    )
