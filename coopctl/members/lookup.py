"""Finding a member by number (check digit verified first). Read by the members service
and by the documents module, which must not import the service back."""

from __future__ import annotations

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.members import validate
from coopctl.members.models import Member


def get_member(uow: UnitOfWork, member_no: str, *, lock: bool = False) -> Member:
    """The member with this number; the check digit is verified first (exit 2)."""
    n = validate.member_no(member_no)
    row = (
        uow.lock(Member, member_no=n)
        if lock
        else uow.session.scalars(select(Member).where(Member.member_no == n)).first()
    )
    if row is None:
        raise NotFoundError(f"member {n} not found")
    return row
