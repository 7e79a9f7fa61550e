"""Ledger use cases: chart of accounts, balances, trial balance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, DuplicateError, NotFoundError, ValidationError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.ledger.coa import DEFAULT_CHART, normal_balance
from coopctl.ledger.models import GL_TYPES, GLAccount, JournalLine


def seed_chart(uow: UnitOfWork) -> int:
    """Insert the default chart of accounts (used by ``init``)."""
    by_code: dict[str, GLAccount] = {}
    now = clock.utcnow()
    for code, name, typ, parent, manual, cash_flow, flags in DEFAULT_CHART:
        gl = GLAccount(
            code=code,
            name=name,
            type=typ,
            parent_id=by_code[parent].id if parent else None,
            normal_balance=normal_balance(typ, "X" in flags),
            manual_allowed=manual,
            is_header="H" in flags,
            is_control="C" in flags,
            contra="X" in flags,
            cash_flow=cash_flow,
            active=True,
            created_at=now,
        )
        uow.session.add(gl)
        uow.session.flush()
        by_code[code] = gl
    return len(by_code)


def get_gl(uow: UnitOfWork, code: str) -> GLAccount:
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == code)).first()
    if gl is None:
        raise NotFoundError(f"GL account {code} not found")
    return gl


def add_gl_account(
    uow: UnitOfWork,
    code: str,
    name: str,
    gl_type: str,
    *,
    parent: str | None = None,
    manual: bool = True,
    cash_flow: str | None = None,
    contra: bool = False,
) -> GLAccount:
    require(uow.operator, "ledger.accounts")
    code = code.strip()
    if not code or not code.replace("-", "").replace(".", "").isalnum() or len(code) > 20:
        raise ValidationError(f"CODE: {code!r} is not a GL code (letters, digits, . or -)")
    if not name.strip():
        raise ValidationError("NAME: must not be empty")
    if gl_type not in GL_TYPES:
        raise ValidationError(f"--type: {gl_type!r} is not one of {', '.join(GL_TYPES)}")
    if uow.session.scalars(select(GLAccount).where(GLAccount.code == code)).first():
        raise DuplicateError(f"GL account {code} already exists")
    parent_gl = get_gl(uow, parent) if parent else None
    if parent_gl is not None and parent_gl.type != gl_type:
        raise BusinessRuleError(f"parent {parent} is {parent_gl.type}, not {gl_type}")
    if parent_gl is not None and not parent_gl.is_header:
        if _has_lines(uow, parent_gl.id):
            raise BusinessRuleError(f"parent {parent} has postings; it cannot become a header")
        parent_gl.is_header = True
    cf = cash_flow or (parent_gl.cash_flow if parent_gl else "operating")
    gl = GLAccount(
        code=code,
        name=name.strip(),
        type=gl_type,
        parent_id=parent_gl.id if parent_gl else None,
        normal_balance=normal_balance(gl_type, contra),
        manual_allowed=manual,
        contra=contra,
        cash_flow=cf,
        active=True,
        created_at=clock.utcnow(),
    )
    uow.session.add(gl)
    uow.session.flush()
    audit.record(uow, "gl.add", "gl_account", code, after={"name": name, "type": gl_type})
    return gl


def _has_lines(uow: UnitOfWork, gl_id: int) -> bool:
    return (
        uow.session.scalars(
            select(JournalLine.id).where(JournalLine.gl_account_id == gl_id).limit(1)
        ).first()
        is not None
    )


def set_active(uow: UnitOfWork, code: str, active: bool) -> GLAccount:
    require(uow.operator, "ledger.accounts")
    gl = get_gl(uow, code)
    if not active and gl_balances(uow).get(gl.id, ZERO) != 0:
        raise BusinessRuleError(
            f"GL account {code} has a balance; only zero-balance accounts deactivate"
        )
    gl.active = active
    audit.record(uow, "gl.activate" if active else "gl.deactivate", "gl_account", code)
    return gl


@dataclass
class GLRow:
    gl: GLAccount
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Balance in the account's normal direction."""
        if self.gl.normal_balance == "debit":
            return self.debit - self.credit
        return self.credit - self.debit


def gl_totals(
    uow: UnitOfWork, *, as_of: date | None = None, start: date | None = None
) -> dict[int, tuple[Decimal, Decimal]]:
    """Sum of posted debits and credits per GL account id (optionally a date window):
    the snapshots of closed periods plus the lines of the rest (``period_balances``)."""
    from coopctl.core.money import from_minor
    from coopctl.ledger.period_balances import gl_sums

    return {
        gl_id: (from_minor(dr), from_minor(cr))
        for gl_id, (dr, cr) in gl_sums(uow.session, start=start, end=as_of).items()
    }


def _raw(col: Any) -> Any:
    """The underlying BIGINT kobo column of a Money column (for SUMs in SQL)."""
    from sqlalchemy import BigInteger, type_coerce

    return type_coerce(col, BigInteger)


def gl_balances(uow: UnitOfWork, *, as_of: date | None = None) -> dict[int, Decimal]:
    rows = ledger_rows(uow, as_of=as_of)
    return {r.gl.id: r.balance for r in rows}


def ledger_rows(
    uow: UnitOfWork, *, as_of: date | None = None, start: date | None = None
) -> list[GLRow]:
    totals = gl_totals(uow, as_of=as_of, start=start)
    gls = uow.session.scalars(select(GLAccount).order_by(GLAccount.code)).all()
    return [GLRow(g, *totals.get(g.id, (ZERO, ZERO))) for g in gls]


def rolled_up(rows: list[GLRow]) -> dict[int, GLRow]:
    """Rows with header accounts carrying the sum of their descendants."""
    by_id = {r.gl.id: GLRow(r.gl, r.debit, r.credit) for r in rows}
    for r in rows:
        parent = r.gl.parent_id
        while parent is not None:
            p = by_id[parent]
            p.debit += r.debit
            p.credit += r.credit
            parent = p.gl.parent_id
    return by_id


def trial_balance(uow: UnitOfWork, *, as_of: date | None = None) -> dict[str, Any]:
    """Trial balance: each posting account's net debit or credit; totals must agree."""
    require(uow.operator, "ledger.view")
    out_rows = []
    total_dr = total_cr = ZERO
    for r in ledger_rows(uow, as_of=as_of):
        if r.gl.is_header or (r.debit == 0 and r.credit == 0):
            continue
        net = r.debit - r.credit
        dr, cr = (net, ZERO) if net >= 0 else (ZERO, -net)
        total_dr += dr
        total_cr += cr
        out_rows.append(
            {"gl_code": r.gl.code, "name": r.gl.name, "type": r.gl.type, "debit": dr, "credit": cr}
        )
    return {
        "as_of": as_of,
        "rows": out_rows,
        "total_debit": total_dr,
        "total_credit": total_cr,
        "balanced": total_dr == total_cr,
    }


def chart(uow: UnitOfWork, *, as_of: date | None = None) -> list[dict[str, Any]]:
    """The chart of accounts with balances (headers roll up their children)."""
    require(uow.operator, "ledger.view")
    rows = ledger_rows(uow, as_of=as_of)
    rolled = rolled_up(rows)
    codes = {r.gl.id: r.gl.code for r in rows}
    depth: dict[int, int] = {}
    for r in rows:
        d, p = 0, r.gl.parent_id
        while p is not None:
            d += 1
            p = rolled[p].gl.parent_id
        depth[r.gl.id] = d
    return [
        {
            "code": r.gl.code,
            "name": r.gl.name,
            "type": r.gl.type,
            "parent": codes.get(r.gl.parent_id) if r.gl.parent_id else None,
            "balance": rolled[r.gl.id].balance,
            "normal_balance": r.gl.normal_balance,
            "manual_allowed": r.gl.manual_allowed,
            "cash_flow": r.gl.cash_flow,
            "active": r.gl.active,
            "header": r.gl.is_header,
            "control": r.gl.is_control,
            "depth": depth[r.gl.id],
        }
        for r in rows
    ]
