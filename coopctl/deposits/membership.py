"""The members context as deposits sees it.

The members context owns members (``coopctl.members.service``: ``get_member``,
``require_kyc``, ``set_status``); deposits only calls those three functions, through
this module, imported when first used so the two contexts do not import each other.
"""

from __future__ import annotations

from typing import Any, Protocol

from coopctl.core.db import UnitOfWork
from coopctl.deposits.errors import MemberExitedError
from coopctl.members.models import Member


def _members_service() -> Any:
    from coopctl.members import service

    return service


class MemberLike(Protocol):
    """What the membership checks read of a member (a :class:`Member` or a plain row)."""

    @property
    def member_no(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def kyc_status(self) -> str: ...


def get_member(uow: UnitOfWork, member_no: str) -> Member:
    """The member ``member_no`` (check digit verified by the members context)."""
    member: Member = _members_service().get_member(uow, member_no)
    return member


def require_kyc(member: MemberLike) -> None:
    """Raise the members context's KycRequiredError unless KYC is approved."""
    _members_service().require_kyc(member)


def set_exited(uow: UnitOfWork, member: Member) -> None:
    _members_service().set_status(uow, member, "exited")


def require_not_exited(member: MemberLike) -> None:
    if member.status == "exited":
        raise MemberExitedError(f"member {member.member_no} has exited")
