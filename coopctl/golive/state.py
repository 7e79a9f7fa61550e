"""The go-live state, the opening-balance account and the lookups rows are checked against."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from coopctl.core import clock, ids
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError
from coopctl.core.money import ZERO
from coopctl.core.sequences import Counter, next_value
from coopctl.golive.errors import GoliveDateError, GoliveFinishedError
from coopctl.golive.models import GoliveState
from coopctl.ledger.models import GLAccount

OPENING_NAME = "Opening balance equity (go-live)"


def get_state(uow: UnitOfWork) -> GoliveState | None:
    return uow.session.scalars(select(GoliveState).order_by(GoliveState.id)).first()


def require_open(uow: UnitOfWork) -> GoliveState | None:
    st = get_state(uow)
    if st is not None and st.status == "finished":
        raise GoliveFinishedError(
            f"go-live of {st.golive_date} was finished on {st.finished_at:%Y-%m-%d} by "
            f"{st.finished_by}; no more opening entries"
        )
    return st


def golive_date_for(uow: UnitOfWork, st: GoliveState | None, as_of: date | None) -> date:
    if st is not None:
        if as_of is not None and as_of != st.golive_date:
            raise GoliveDateError(
                f"--as-of: the go-live date is {st.golive_date} (set by the first import), "
                f"not {as_of}"
            )
        return st.golive_date
    return as_of or clock.today(uow.settings["cooperative"]["timezone"])


def opening_code(uow: UnitOfWork) -> str:
    return str(uow.settings["golive"]["opening_gl"])


def start(uow: UnitOfWork, st: GoliveState | None, day: date) -> GoliveState:
    """The state row (made by the first import) and the opening-balance GL account."""
    code = opening_code(uow)
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == code)).first()
    if gl is None:
        parent = uow.session.scalars(select(GLAccount).where(GLAccount.code == "3000")).first()
        uow.session.add(
            GLAccount(
                code=code,
                name=OPENING_NAME,
                type="equity",
                parent_id=parent.id if parent else None,
                normal_balance="credit",
                active=True,
                manual_allowed=False,
                is_header=False,
                is_control=False,
                contra=False,
                cash_flow="none",
                created_at=clock.utcnow(),
            )
        )
    elif gl.is_header or gl.is_control:
        raise BusinessRuleError(f"[golive] opening_gl {code} is a header or control account")
    if st is None:
        st = GoliveState(
            golive_date=day,
            status="open",
            opening_gl=code,
            created_at=clock.utcnow(),
            created_by=uow.operator.username,
        )
        uow.session.add(st)
    uow.session.flush()
    return st


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def reserve(uow: UnitOfWork, counter: str, prefix: str, width: int, n: int) -> list[str]:
    """``n`` consecutive numbers from a gap-free counter (one row update)."""
    if n == 0:
        return []
    first = next_value(uow, counter)
    row = uow.session.get(Counter, counter)
    assert row is not None
    row.value = first + n - 1
    uow.session.flush()
    return [ids.make(prefix, first + i, width) for i in range(n)]


def add_total(totals: dict[str, list[Decimal]], code: str, debit: Decimal, credit: Decimal) -> None:
    t = totals.setdefault(code, [ZERO, ZERO])
    t[0] += debit
    t[1] += credit
