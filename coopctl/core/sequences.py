"""Gap-free human number sequences (member_no, account_no, loan_no...).

A counter row per name, incremented under the transaction's write lock, so
numbers are unique and, when a transaction rolls back, not consumed.
"""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from coopctl.core import ids
from coopctl.core.db import Base, UnitOfWork


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_value(uow: UnitOfWork, name: str) -> int:
    stmt = select(Counter).where(Counter.name == name)
    if uow.dialect == "postgresql":
        stmt = stmt.with_for_update()
    row = uow.session.scalars(stmt).first()
    if row is None:
        row = Counter(name=name, value=0)
        uow.session.add(row)
    row.value += 1
    uow.session.flush()
    return row.value


def next_number(uow: UnitOfWork, name: str, prefix: str, width: int = 7) -> str:
    """Next human number with a Damm check digit, e.g. ``M00000013``."""
    return ids.make(prefix, next_value(uow, name), width)
