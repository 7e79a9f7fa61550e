"""Retention and erasure (NDPA 2023): destroy a former member's personal data, keep the books.

A member who exited more than ``[members] retention_years`` (default 6) before the
business date may be erased: ``members erase MEMBER_NO`` (permission ``members.erase``)
stores a pending action of kind ``member_erasure`` for a checker (a manager or admin who
is not the maker); applying it runs every registered *destroyer* in one transaction.
See docs/members.md, "Retention and erasure", for what is destroyed and what is kept.

Other stores of personal data register their own destroyer, so that one hook —
:func:`destroy_personal_data` — removes everything personal about a member::

    from coopctl.members.erasure import register_destroyer

    def _my_store(uow, member, dry_run):   # -> how many items were (or would be) destroyed
        ...

    register_destroyer("my_store", _my_store)

A destroyer deletes rows or overwrites their personal fields, and removes files only
after the transaction commits (:func:`coopctl.members.files.remove_on_commit`), so a
failed erasure leaves everything as it was. The member row is always destroyed last.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.members.errors import ErasureNotAllowedError
from coopctl.members.lookup import get_member
from coopctl.members.models import Member

KIND = "member_erasure"

Destroyer = Callable[[UnitOfWork, Member, bool], int]
_DESTROYERS: dict[str, Destroyer] = {}
_builtin_loaded = False


def register_destroyer(name: str, fn: Destroyer) -> None:
    """Add (or replace) the destroyer ``name``: ``fn(uow, member, dry_run)`` destroys that
    store's personal data about ``member`` (nothing when ``dry_run``) and returns how
    many items it destroyed (or would)."""
    _DESTROYERS[name] = fn


def destroyers() -> dict[str, Destroyer]:
    global _builtin_loaded
    if not _builtin_loaded:
        _builtin_loaded = True
        from coopctl.members import erasure_stores

        erasure_stores.register_builtin()
    return dict(_DESTROYERS)


def destroy_personal_data(
    uow: UnitOfWork, member: Member, *, dry_run: bool = False
) -> dict[str, int]:
    """Run every registered destroyer on ``member`` (the member row itself last); returns
    the count per store. The one hook for "destroy everything personal about member X"."""
    found = destroyers()
    order = [n for n in found if n != "member"] + (["member"] if "member" in found else [])
    return {name: found[name](uow, member, dry_run) for name in order}


# --- eligibility ------------------------------------------------------------------------------
def add_years(d: date, years: int) -> date:
    y = d.year + years
    return date(y, d.month, min(d.day, calendar.monthrange(y, d.month)[1]))


def eligible_from(uow: UnitOfWork, member: Member) -> date | None:
    """The first business date the member may be erased (None: not exited)."""
    if member.exited_on is None:
        return None
    years = int(uow.settings["members"]["retention_years"])
    return add_years(member.exited_on, years) + timedelta(days=1)


def check_eligible(uow: UnitOfWork, member: Member) -> None:
    """Refuse (exit 5) a member already erased, not exited, still within retention, or
    with an account that still holds money."""
    n = member.member_no
    if member.erased_on is not None:
        raise ErasureNotAllowedError(f"member {n} was already erased on {member.erased_on}")
    if member.status != "exited" or member.exited_on is None:
        raise ErasureNotAllowedError(
            f"member {n} is {member.status}: only a member who exited is erased "
            "(coopctl members exit first)"
        )
    start = eligible_from(uow, member)
    assert start is not None
    if uow.today() < start:
        years = uow.settings["members"]["retention_years"]
        raise ErasureNotAllowedError(
            f"member {n} exited on {member.exited_on}: personal data is kept for "
            f"{years} years ([members] retention_years); erasable from {start}"
        )
    from coopctl.ledger.models import Account

    open_money = uow.session.scalars(
        select(Account.account_no).where(
            Account.member_id == member.id, Account.status != "closed", Account.balance != ZERO
        )
    ).all()
    if open_money:
        raise ErasureNotAllowedError(
            f"member {n} still has money on {', '.join(open_money)}: settle it first"
        )


def eligible_members(uow: UnitOfWork) -> list[Member]:
    """Exited, not yet erased members past retention (the ``members.erase`` step)."""
    years = int(uow.settings["members"]["retention_years"])
    latest_exit = add_years(uow.today(), -years) - timedelta(days=1)
    rows = uow.session.scalars(
        select(Member)
        .where(
            Member.status == "exited",
            Member.erased_on.is_(None),
            Member.exited_on.is_not(None),
            Member.exited_on <= latest_exit,
        )
        .order_by(Member.id)
    ).all()
    out = []
    for m in rows:
        try:
            check_eligible(uow, m)
        except ErasureNotAllowedError:
            continue
        out.append(m)
    return out


# --- the command and the approval ------------------------------------------------------------
def _summary(uow: UnitOfWork, m: Member, counts: dict[str, int], state: str) -> dict[str, Any]:
    return {
        "member_no": m.member_no,
        "status": m.status,
        "exited_on": m.exited_on,
        "erasable_from": eligible_from(uow, m),
        "erased_on": m.erased_on,
        "state": state,
        "approval": None,
        "destroyed": counts,
    }


def request_erasure(
    uow: UnitOfWork, member_no: str, *, dry_run: bool = False, maker: str | None = None
) -> dict[str, Any]:
    """``members erase``: check the member may be erased, then store a pending erasure for
    a checker (or erase at once when the workflow needs none). ``dry_run`` only counts
    what would be destroyed."""
    require(uow.operator, "members.erase")
    member = get_member(uow, member_no, lock=not dry_run)
    check_eligible(uow, member)
    if dry_run:
        return _summary(uow, member, destroy_personal_data(uow, member, dry_run=True), "preview")
    if engine.rule_for(uow, KIND) is None:
        counts = erase(uow, member)
        return _summary(uow, member, counts, "erased")
    would = destroy_personal_data(uow, member, dry_run=True)
    action = engine.submit(
        uow,
        kind=KIND,
        subject=member.member_no,
        payload={"member_no": member.member_no, "exited_on": member.exited_on},
        maker=maker,
    )
    out = _summary(uow, member, would, "pending")
    out["approval"] = action.action_no
    return out


def erase(uow: UnitOfWork, member: Member, *, reference: str = "") -> dict[str, int]:
    """Destroy the member's personal data now (eligibility already checked)."""
    if uow.dialect == "sqlite":  # zero the freed space, so no copy survives in the file
        uow.session.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    counts = destroy_personal_data(uow, member)
    uow.session.flush()
    audit.record(
        uow,
        "member.erased",
        "member",
        member.member_no,
        before={"status": member.status},
        after={"erased_on": member.erased_on, "destroyed": counts, "approval": reference or None},
    )
    return counts


def _check(uow: UnitOfWork, action: PendingAction) -> None:
    check_eligible(uow, get_member(uow, action.subject, lock=True))


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    member = get_member(uow, action.subject, lock=True)
    check_eligible(uow, member)
    erase(uow, member, reference=action.action_no)
    return member.member_no


def register_kinds() -> None:
    register(
        KIND,
        apply=_apply,
        check=_check,
        permission="members.erase",
        maker_may_reject=True,
        title="member erasure",
    )
