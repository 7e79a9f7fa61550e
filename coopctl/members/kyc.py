"""KYC decisions through the approvals engine (kind ``kyc``).

Adding a member (status ``pending_kyc``) submits a KYC approval when the
``[approvals.kyc]`` workflow applies (the default); the maker is the operator
who added the member. A checker — never that operator, holding ``members.kyc``
and a role of the workflow, with ``--otp`` when required — approves it with
``approvals approve ID`` or the shortcut ``members kyc approve MEMBER_NO``.
Approval needs every document kind of ``members.required_documents``; a missing
document refuses the approval (nothing is recorded). Applying sets
kyc_status=approved and status=active, after re-checking the member is still
pending_kyc. Rejection records the reason; the member stays pending_kyc and
``members kyc approve`` later opens a new approval. The maker may reject
(refusing is the safe direction) but never approve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coopctl.approvals import service as engine
from coopctl.approvals.bulk import submit_many
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.security import require
from coopctl.members import documents
from coopctl.members.errors import MemberStatusError, MissingDocumentsError
from coopctl.members.models import Member
from coopctl.members.service import AddedMember, get_member, set_status

KIND = "kyc"


def _pending(member: Member) -> None:
    if member.kyc_status == "approved":
        raise MemberStatusError(f"member {member.member_no}: KYC is already approved")
    if member.status != "pending_kyc":
        raise MemberStatusError(
            f"member {member.member_no} is {member.status}; KYC is decided for pending_kyc members"
        )


def _documents(uow: UnitOfWork, member: Member) -> None:
    missing = documents.missing_kinds(uow, member)
    if missing:
        raise MissingDocumentsError(
            f"member {member.member_no}: KYC needs documents of kind {', '.join(missing)}",
            details=[
                f"missing: {k} (coopctl members docs add {member.member_no} FILE --kind {k})"
                for k in missing
            ],
        )


def request_approval(uow: UnitOfWork, member: Member) -> PendingAction | None:
    """Submit the member's KYC approval (None when the workflow needs no checker)."""
    if engine.rule_for(uow, KIND) is None:
        return None
    return engine.submit(
        uow,
        kind=KIND,
        subject=member.member_no,
        payload={"member_no": member.member_no},
        maker=member.created_by,
        note="",
    )


def request_approvals(uow: UnitOfWork, members: Sequence[AddedMember]) -> int:
    """:func:`request_approval` for many new members at once (``members import``,
    go-live), one :func:`submit_many` batch per maker; returns how many approvals were
    submitted."""
    if not members or engine.rule_for(uow, KIND) is None:
        return 0
    by_maker: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for m in members:
        by_maker.setdefault(m.created_by, []).append((m.member_no, {"member_no": m.member_no}))
    return sum(
        len(submit_many(uow, kind=KIND, items=items, maker=maker))
        for maker, items in sorted(by_maker.items())
    )


# --- the engine's side -------------------------------------------------------------------
def _check(uow: UnitOfWork, action: PendingAction) -> None:
    member = get_member(uow, action.subject, lock=True)
    _pending(member)
    _documents(uow, member)


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    member = get_member(uow, action.subject, lock=True)
    _pending(member)
    _documents(uow, member)
    _mark_approved(uow, member)
    return member.member_no


def _end(uow: UnitOfWork, action: PendingAction) -> None:
    reason = action.reason or ""
    if reason.startswith(("expired", "failed")):
        return  # the member stays pending_kyc; a new approval may be opened
    member = get_member(uow, action.subject, lock=True)
    if member.status == "pending_kyc":
        _mark_rejected(uow, member, reason)


def register_kinds() -> None:
    register(
        KIND,
        apply=_apply,
        check=_check,
        end=_end,
        permission="members.kyc",
        maker_may_reject=True,
        title="KYC",
    )


# --- shortcuts: members kyc approve / reject ---------------------------------------------
def approve(
    uow: UnitOfWork, member_no: str, *, otp: str | None = None, comment: str = ""
) -> tuple[Member, PendingAction | None]:
    """``members kyc approve``: decide the member's pending KYC approval (opening one,
    with the member's creator as maker, if none waits)."""
    require(uow.operator, "members.kyc")
    member = get_member(uow, member_no, lock=True)
    _pending(member)
    action = engine.find_pending(uow, KIND, member.member_no) or request_approval(uow, member)
    if action is None:  # the workflow is off: no checker needed
        _documents(uow, member)
        _mark_approved(uow, member)
        return member, None
    engine.approve(uow, action.id, otp=otp, comment=comment)
    return member, action


def reject(uow: UnitOfWork, member_no: str, reason: str) -> Member:
    require(uow.operator, "members.kyc")
    if not reason.strip():
        raise ValidationError("--reason: a KYC rejection needs a reason")
    member = get_member(uow, member_no, lock=True)
    _pending(member)
    action = engine.find_pending(uow, KIND, member.member_no)
    if action is not None:
        engine.reject(uow, action.id, reason)
    else:
        _mark_rejected(uow, member, reason.strip())
    return member


def _mark_approved(uow: UnitOfWork, member: Member) -> None:
    before = member.kyc_status
    member.kyc_status = "approved"
    member.kyc_note = ""
    member.kyc_by = uow.username
    member.kyc_at = clock.utcnow()
    set_status(uow, member, "active", _via_kyc=True)
    audit.record(
        uow,
        "member.kyc_approved",
        "member",
        member.member_no,
        before={"kyc_status": before},
        after={"kyc_status": "approved"},
    )


def _mark_rejected(uow: UnitOfWork, member: Member, reason: str) -> None:
    before = member.kyc_status
    member.kyc_status = "rejected"
    member.kyc_note = reason
    member.kyc_by = uow.username
    member.kyc_at = clock.utcnow()
    uow.session.flush()
    audit.record(
        uow,
        "member.kyc_rejected",
        "member",
        member.member_no,
        before={"kyc_status": before},
        after={"kyc_status": "rejected", "reason": reason},
    )
