"""Deposit products: savings, shares and fixed deposits, and their GL accounts.

Loan products belong to the loans context; :func:`loan_products_module` returns
``coopctl.loans.products`` so ``products add|list|show`` can dispatch to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import RATE_PLACES, UnitOfWork
from coopctl.core.errors import DuplicateError, NotFoundError, ValidationError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.deposits.errors import ProductOptionError
from coopctl.deposits.models import (
    INTEREST_METHODS,
    POSTING_FREQUENCIES,
    PRODUCT_KINDS,
    DepositProduct,
)
from coopctl.ledger.coa import GL
from coopctl.ledger.models import GLAccount

DEFAULT_CONTROL_GL = {
    "savings": GL.SAVINGS,
    "shares": GL.SHARE_CAPITAL,
    "fixed_deposit": GL.FIXED_DEPOSITS,
}
CONTROL_GL_TYPE = {"savings": "liability", "shares": "equity", "fixed_deposit": "liability"}
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
_RATE_RE = re.compile(r"^\d{1,3}(\.\d{1,4})?$")


@dataclass
class DepositOptions:
    """Every deposit-product option; ``None`` means "the kind's default"."""

    interest_method: str = "daily_balance"
    days_in_year: int = 365
    posting_frequency: str = "monthly"
    min_interest_balance: Decimal = ZERO
    min_opening_balance: Decimal = ZERO
    min_balance: Decimal = ZERO
    withdrawals_per_month: int | None = None  # None: no limit
    notice_days: int = 0
    price_per_share: Decimal | None = None
    min_shares: int = 0
    term_days: int | None = None
    early_withdrawal_penalty: Decimal = Decimal("0")  # percent of the amount withdrawn early
    control_gl: str | None = None
    interest_gl: str | None = None
    dormant_after_months: int | None = None  # None: [deposits] dormant_after_months
    dormant_interest: str | None = None  # earn | none; None: [deposits] dormant_interest


def parse_rate(text: str | Decimal, *, field: str = "--rate") -> Decimal:
    """A percentage per year: ``24``, ``4.5``, up to four decimals, 0 to 100."""
    s = str(text).strip()
    if not _RATE_RE.match(s):
        raise ProductOptionError(f"{field}: {s!r} is not a percentage (e.g. 24 or 4.5)")
    try:
        value = Decimal(s).quantize(RATE_PLACES)
    except InvalidOperation:  # pragma: no cover - the regex already refuses these
        raise ProductOptionError(f"{field}: {s!r} is not a percentage") from None
    if value > 100:
        raise ProductOptionError(f"{field}: {s}% is more than 100%")
    return value


_MONEY_OPTS = ("min_interest_balance", "min_opening_balance", "min_balance", "price_per_share")
_INT_OPTS = (
    "days_in_year", "withdrawals_per_month", "notice_days", "min_shares", "term_days",
    "dormant_after_months",
)  # fmt: skip
_TEXT_OPTS = (
    "interest_method", "posting_frequency", "control_gl", "interest_gl", "dormant_interest",
)  # fmt: skip


def _int_opt(value: str, field: str) -> int:
    s = str(value).strip()
    if not s.isdigit() or len(s) > 6:
        raise ProductOptionError(f"{field}: {value!r} is not a whole number")
    return int(s)


def parse_options(raw: dict[str, str]) -> DepositOptions:
    """Operator input (option name → text) → :class:`DepositOptions`; errors name the option."""
    from coopctl.core import money

    o = DepositOptions()
    for key, value in raw.items():
        flag = "--" + key.replace("_", "-")
        if key in _MONEY_OPTS:
            setattr(o, key, money.parse(value, field=flag, allow_zero=True))
        elif key in _INT_OPTS:
            setattr(o, key, _int_opt(value, flag))
        elif key == "early_withdrawal_penalty":
            o.early_withdrawal_penalty = parse_rate(value, field=flag)
        elif key in _TEXT_OPTS:
            setattr(o, key, str(value).strip())
        else:
            raise ProductOptionError(f"{flag}: unknown deposit-product option")
    return o


def fmt_rate(rate: Decimal) -> str:
    """``Decimal('24')`` → ``"24.00"``; keeps extra places only when they matter."""
    two = rate.quantize(Decimal("0.01"))
    if two == rate:
        return format(two, "f")
    return format(rate.normalize(), "f")


def normalize_code(code: str, *, field: str = "CODE") -> str:
    c = code.strip().upper()
    if not _CODE_RE.match(c):
        raise ValidationError(f"{field}: {code!r} is not a product code (A-Z, 0-9, - or _, ≤ 20)")
    return c


def _gl(uow: UnitOfWork, code: str, field: str) -> GLAccount:
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == code)).first()
    if gl is None:
        raise NotFoundError(f"{field}: GL account {code} not found")
    return gl


def _validate(kind: str, o: DepositOptions) -> None:
    if o.interest_method not in INTEREST_METHODS:
        raise ProductOptionError(
            f"--interest-method: {o.interest_method!r} is not one of {', '.join(INTEREST_METHODS)}"
        )
    if o.days_in_year not in (360, 365):
        raise ProductOptionError(f"--days-in-year: {o.days_in_year} is not 365 or 360")
    if o.posting_frequency not in POSTING_FREQUENCIES:
        raise ProductOptionError(
            f"--posting-frequency: {o.posting_frequency!r} is not one of "
            f"{', '.join(POSTING_FREQUENCIES)}"
        )
    for name in ("min_interest_balance", "min_opening_balance", "min_balance"):
        if getattr(o, name) < 0:
            raise ProductOptionError(f"--{name.replace('_', '-')}: must not be negative")
    if o.withdrawals_per_month is not None and o.withdrawals_per_month < 0:
        raise ProductOptionError("--withdrawals-per-month: must not be negative")
    if o.notice_days < 0:
        raise ProductOptionError("--notice-days: must not be negative")
    if o.min_shares < 0:
        raise ProductOptionError("--min-shares: must not be negative")
    if not ZERO <= o.early_withdrawal_penalty <= 100:
        raise ProductOptionError("--early-withdrawal-penalty: must be 0 to 100 percent")
    if kind == "shares":
        if o.price_per_share is None or o.price_per_share <= 0:
            raise ProductOptionError("--price-per-share: required (more than zero) for shares")
    elif o.price_per_share is not None or o.min_shares:
        raise ProductOptionError("--price-per-share/--min-shares: only for shares products")
    if o.dormant_interest is not None and o.dormant_interest not in ("earn", "none"):
        raise ProductOptionError(f"--dormant-interest: {o.dormant_interest!r} is not earn or none")
    if kind != "savings" and (o.dormant_after_months is not None or o.dormant_interest):
        raise ProductOptionError(
            "--dormant-after-months/--dormant-interest: only savings accounts become dormant"
        )
    if kind == "fixed_deposit":
        if o.term_days is None or o.term_days <= 0:
            raise ProductOptionError("--term-days: required (more than zero) for fixed deposits")
    elif o.term_days is not None:
        raise ProductOptionError("--term-days: only for fixed-deposit products")


def add_product(
    uow: UnitOfWork,
    code: str,
    kind: str,
    name: str,
    rate: Decimal,
    options: DepositOptions,
    *,
    check_loans: bool = True,
) -> DepositProduct:
    """Create a deposit product; its GL accounts default to the kind's control account
    (savings 2110, fixed deposits 2120, shares 3100) and interest expense 5100.
    Codes are unique across deposit and loan products (``check_loans=False`` only for
    the seed, which runs before any loan product exists)."""
    require(uow.operator, "products.manage")
    code = normalize_code(code)
    if kind not in PRODUCT_KINDS:
        raise ProductOptionError(f"--kind: {kind!r} is not one of {', '.join(PRODUCT_KINDS)}")
    if not name.strip():
        raise ValidationError("--name: must not be empty")
    if rate < 0 or rate > 100:
        raise ProductOptionError("--rate: must be 0 to 100 percent")
    _validate(kind, options)
    if uow.session.scalars(select(DepositProduct).where(DepositProduct.code == code)).first():
        raise DuplicateError(f"product {code} already exists")
    loans = loan_products_module() if check_loans else None
    if loans is not None and _loan_product_exists(uow, loans, code):
        raise DuplicateError(f"product {code} already exists (a loan product)")
    control = _gl(uow, options.control_gl or DEFAULT_CONTROL_GL[kind], "--control-gl")
    if not control.is_control or control.type != CONTROL_GL_TYPE[kind] or not control.active:
        raise ProductOptionError(
            f"--control-gl: {control.code} is not an active {CONTROL_GL_TYPE[kind]} control account"
        )
    interest = _gl(uow, options.interest_gl or GL.INTEREST_EXPENSE, "--interest-gl")
    if interest.type != "expense" or interest.is_header or not interest.active:
        raise ProductOptionError(
            f"--interest-gl: {interest.code} is not a postable expense account"
        )
    p = DepositProduct(
        code=code,
        name=name.strip(),
        kind=kind,
        annual_rate=rate,
        interest_method=options.interest_method,
        days_in_year=options.days_in_year,
        posting_frequency=options.posting_frequency,
        min_interest_balance=options.min_interest_balance,
        min_opening_balance=options.min_opening_balance,
        min_balance=options.min_balance,
        withdrawals_per_month=options.withdrawals_per_month,
        notice_days=options.notice_days,
        price_per_share=options.price_per_share,
        min_shares=options.min_shares,
        term_days=options.term_days,
        early_withdrawal_penalty=options.early_withdrawal_penalty,
        dormant_after_months=options.dormant_after_months,
        dormant_interest=options.dormant_interest,
        control_gl_id=control.id,
        interest_gl_id=interest.id,
        status="active",
        created_at=clock.utcnow(),
        created_by=uow.username,
    )
    uow.session.add(p)
    uow.session.flush()
    audit.record(uow, "product.add", "deposit_product", code, after=product_as_dict(p))
    return p


def get_product(uow: UnitOfWork, code: str) -> DepositProduct:
    c = code.strip().upper()
    p = uow.session.scalars(select(DepositProduct).where(DepositProduct.code == c)).first()
    if p is None:
        raise NotFoundError(f"product {c} not found")
    return p


def find_product(uow: UnitOfWork, code: str) -> DepositProduct | None:
    return uow.session.scalars(
        select(DepositProduct).where(DepositProduct.code == code.strip().upper())
    ).first()


def list_products(uow: UnitOfWork) -> list[DepositProduct]:
    return list(uow.session.scalars(select(DepositProduct).order_by(DepositProduct.code)))


def product_as_dict(p: DepositProduct) -> dict[str, Any]:
    """The JSON shape of ``products show`` for a deposit product."""
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "annual_rate": fmt_rate(p.annual_rate),
        "interest_method": p.interest_method,
        "days_in_year": p.days_in_year,
        "posting_frequency": p.posting_frequency,
        "min_interest_balance": p.min_interest_balance,
        "min_opening_balance": p.min_opening_balance,
        "min_balance": p.min_balance,
        "withdrawals_per_month": p.withdrawals_per_month,
        "notice_days": p.notice_days,
        "price_per_share": p.price_per_share,
        "min_shares": p.min_shares,
        "term_days": p.term_days,
        "early_withdrawal_penalty": fmt_rate(p.early_withdrawal_penalty),
        "dormant_after_months": p.dormant_after_months,
        "dormant_interest": p.dormant_interest,
        "control_gl": p.control_gl.code,
        "interest_gl": p.interest_gl.code,
        "status": p.status,
    }


# --- loan products live in the loans context -----------------------------------------
def loan_products_module() -> ModuleType:
    """``coopctl.loans.products`` (the loans context always ships; imported here, not at
    the top, because it imports this module)."""
    from coopctl.loans import products as loan_products

    return loan_products


def _loan_product_exists(uow: UnitOfWork, loans: ModuleType, code: str) -> bool:
    try:
        loans.get_loan_product_dict(uow, code)
    except NotFoundError:
        return False
    return True
