"""KYC decisions: approve (maker-checker) or reject a member's identity file.

Approval needs permission ``members.kyc``, every document kind listed in
``members.required_documents``, and — when ``[approvals.kyc] enabled`` (the
default) — a checker who is not the operator who added the member, whose role
is in ``approver_roles`` and who gives ``--otp`` when ``require_otp`` is set
and they are enrolled. Approval sets kyc_status=approved and status=active.
Rejection records the reason; the member stays pending_kyc and may be
approved later once the file is complete. The maker may reject (refusing is
the safe direction) but never approve.
"""

from __future__ import annotations

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import MakerCheckerError, PermissionDeniedError, ValidationError
from coopctl.core.security import check_otp, require
from coopctl.members import documents
from coopctl.members.errors import MemberStatusError, MissingDocumentsError
from coopctl.members.models import Member
from coopctl.members.service import get_member, set_status


def _pending(member: Member) -> None:
    if member.kyc_status == "approved":
        raise MemberStatusError(f"member {member.member_no}: KYC is already approved")
    if member.status != "pending_kyc":
        raise MemberStatusError(
            f"member {member.member_no} is {member.status}; KYC is decided for pending_kyc members"
        )


def _check_checker(uow: UnitOfWork, member: Member, otp: str | None) -> None:
    policy = uow.settings.approval("kyc")
    if not policy["enabled"]:
        return
    op = uow.operator
    if op.username == member.created_by:
        raise MakerCheckerError(
            f"{op.username} added member {member.member_no} and cannot also approve their KYC"
        )
    if op.role not in policy["approver_roles"]:
        raise PermissionDeniedError(
            f"role {op.role} may not approve KYC (allowed: {', '.join(policy['approver_roles'])})"
        )
    if policy["require_otp"] and op.totp_secret:
        check_otp(uow, op, otp, max_failures=uow.settings["security"]["otp_max_failures"])


def approve(uow: UnitOfWork, member_no: str, *, otp: str | None = None) -> Member:
    require(uow.operator, "members.kyc")
    member = get_member(uow, member_no, lock=True)
    _pending(member)
    _check_checker(uow, member, otp)
    missing = documents.missing_kinds(uow, member)
    if missing:
        raise MissingDocumentsError(
            f"member {member.member_no}: KYC needs documents of kind {', '.join(missing)}",
            details=[
                f"missing: {k} (coopctl members docs add {member.member_no} FILE --kind {k})"
                for k in missing
            ],
        )
    before = member.kyc_status
    member.kyc_status = "approved"
    member.kyc_note = ""
    member.kyc_by = uow.operator.username
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
    return member


def reject(uow: UnitOfWork, member_no: str, reason: str) -> Member:
    require(uow.operator, "members.kyc")
    if not reason.strip():
        raise ValidationError("--reason: a KYC rejection needs a reason")
    member = get_member(uow, member_no, lock=True)
    _pending(member)
    before = member.kyc_status
    member.kyc_status = "rejected"
    member.kyc_note = reason.strip()
    member.kyc_by = uow.operator.username
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
    return member
