"""The cooperative's bank accounts: a code, a name and number, and the GL account
(an active, postable asset account of the cash category) their money is booked on."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import DuplicateError, NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.models import GLAccount
from coopctl.recon.errors import BankAccountError
from coopctl.recon.models import BankAccount

_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")


def normalize_code(code: str, *, field: str = "CODE") -> str:
    c = code.strip().upper()
    if not _CODE_RE.match(c):
        raise ValidationError(f"{field}: {code!r} is not a bank code (A-Z, 0-9, - or _, ≤ 20)")
    return c


def add_bank(
    uow: UnitOfWork,
    code: str,
    gl_code: str,
    *,
    name: str = "",
    number: str = "",
    currency: str = "NGN",
) -> BankAccount:
    """Register a bank account on GL ``gl_code`` (one bank account per GL account)."""
    require(uow.operator, "banks.manage")
    code = normalize_code(code)
    if len(number) > 40 or len(name) > 200:
        raise ValidationError("--name/--number: too long")
    currency = currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValidationError(f"--currency: {currency[:10]!r} is not an ISO 4217 code")
    if uow.session.scalars(select(BankAccount).where(BankAccount.code == code)).first():
        raise DuplicateError(f"bank account {code} already exists")
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == gl_code.strip())).first()
    if gl is None:
        raise NotFoundError(f"--gl: GL account {gl_code} not found")
    if gl.type != "asset" or gl.is_header or gl.is_control or gl.contra or not gl.active:
        raise BankAccountError(f"--gl: {gl.code} is not an active, postable asset account")
    if gl.code == GL.CASH:
        raise BankAccountError(f"--gl: {gl.code} is cash on hand (the teller's till), not a bank")
    if gl.cash_flow != "cash":
        raise BankAccountError(f"--gl: {gl.code} is not a cash account (cash-flow category cash)")
    other = uow.session.scalars(
        select(BankAccount).where(BankAccount.gl_account_id == gl.id)
    ).first()
    if other is not None:
        raise DuplicateError(f"--gl: GL {gl.code} already belongs to bank account {other.code}")
    bank = BankAccount(
        code=code,
        name=name.strip() or gl.name,
        number=number.strip(),
        gl_account_id=gl.id,
        active=True,
        currency=currency,
        created_at=clock.utcnow(),
        created_by=uow.username,
    )
    uow.session.add(bank)
    uow.session.flush()
    audit.record(
        uow,
        "bank.add",
        "bank_account",
        code,
        after={"gl": gl.code, "name": bank.name, "currency": currency},
    )
    return bank


def get_bank(uow: UnitOfWork, code: str, *, field: str = "--bank") -> BankAccount:
    c = code.strip().upper()
    bank = uow.session.scalars(select(BankAccount).where(BankAccount.code == c)).first()
    if bank is None:
        raise NotFoundError(f"{field}: bank account {c} not found")
    if not bank.active:
        raise BankAccountError(f"{field}: bank account {c} is inactive")
    return bank


def list_banks(uow: UnitOfWork) -> list[BankAccount]:
    return list(uow.session.scalars(select(BankAccount).order_by(BankAccount.code)))


def bank_as_dict(b: BankAccount) -> dict[str, Any]:
    return {
        "code": b.code,
        "name": b.name,
        "number": b.number,
        "gl_code": b.gl_account.code,
        "currency": b.currency,
        "active": b.active,
    }
