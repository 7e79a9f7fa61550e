"""Loan products. ``coopctl products add CODE --kind loan …`` dispatches here.

A product added with no options has the issue's defaults: monthly declining
equal installments, terms 1–36, no fees, no penalty, no grace, loan ≤ 3 × the
borrower's free savings, at most one open loan, two guarantors whose accepted
guarantees cover the principal minus the borrower's free savings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock, money
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import DuplicateError, MoneyFormatError
from coopctl.core.money import CENT, ZERO
from coopctl.core.security import require
from coopctl.loans.allocation import STRATEGIES
from coopctl.loans.errors import LoanOptionError, LoanProductNotFoundError
from coopctl.loans.models import PERCENT_PLACES, LoanProduct
from coopctl.loans.schedule import DAY_COUNTS, FREQUENCIES, MAX_TERM, METHODS

FEE_MODES = ("deduct", "first_installment")
PREPAYMENT = ("reduce_term", "reduce_installment")
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
_PCT_RE = re.compile(r"^\d{1,4}(\.\d{1,4})?$")


@dataclass
class LoanOptions:
    """Every loan-product option with its default (see the module docstring)."""

    method: str = "declining_equal_installment"
    frequency: str = "monthly"
    day_count: str = "periodic"
    min_term: int = 1
    max_term: int = 36
    min_amount: Decimal = CENT
    max_amount: Decimal | None = None
    grace_principal: int = 0
    grace_interest: int = 0
    fee_percent: Decimal = Decimal(0)
    fee_fixed: Decimal = ZERO
    fee_mode: str = "deduct"
    penalty_rate: Decimal = Decimal(0)
    penalty_fixed: Decimal = ZERO
    penalty_grace_days: int = 0
    savings_multiple: Decimal = Decimal(3)
    min_membership_months: int = 0
    max_active_loans: int = 1
    guarantors_required: int = 2
    guarantee_coverage_percent: Decimal = Decimal(100)
    allocation: str = "standard"
    prepayment: str = "reduce_term"
    rounding_unit: Decimal = CENT
    move_off_holidays: bool | None = None  # None: the [loans] move_off_holidays setting
    active: bool = True


_INTS = {
    "min_term", "max_term", "grace_principal", "grace_interest", "penalty_grace_days",
    "min_membership_months", "max_active_loans", "guarantors_required",
}  # fmt: skip
_MONEY = {"min_amount", "max_amount", "fee_fixed", "penalty_fixed", "rounding_unit"}
_PERCENTS = {"fee_percent", "penalty_rate", "savings_multiple", "guarantee_coverage_percent"}
_CHOICES: dict[str, tuple[str, ...]] = {
    "method": METHODS,
    "frequency": tuple(FREQUENCIES),
    "day_count": tuple(DAY_COUNTS),
    "fee_mode": FEE_MODES,
    "allocation": tuple(STRATEGIES),
    "prepayment": PREPAYMENT,
}
_BOOLS = {"move_off_holidays", "active"}
# CLI spellings of ``products add`` → option names.
_ALIASES = {
    "guarantors": "guarantors_required",
    "guarantee_coverage": "guarantee_coverage_percent",
    "coverage_percent": "guarantee_coverage_percent",
}


def flag(name: str) -> str:
    """The CLI spelling of an option, for messages: ``min_term`` → ``--min-term``."""
    return "--" + name.replace("_", "-")


def parse_percent(value: object, field: str, *, high: Decimal = Decimal(100)) -> Decimal:
    """A percentage (or multiple): ``24``, ``4.5``; up to four decimals; 0 to ``high``."""
    if isinstance(value, bool | float):
        raise LoanOptionError(f"{field}: {value!r} is not a percentage (e.g. 24 or 4.5)")
    s = format(value, "f") if isinstance(value, Decimal) else str(value).strip()
    if not _PCT_RE.match(s):
        raise LoanOptionError(f"{field}: {s!r} is not a percentage (e.g. 24 or 4.5)")
    try:
        d = Decimal(s).quantize(PERCENT_PLACES)
    except InvalidOperation:  # pragma: no cover - the regex refuses these
        raise LoanOptionError(f"{field}: {s!r} is not a percentage") from None
    if d > high:
        raise LoanOptionError(f"{field}: {s} is more than {high}")
    return d


def fmt_rate(rate: Decimal) -> str:
    """``Decimal('24')`` → ``"24.00"``; keeps further places only when they matter."""
    two = rate.quantize(Decimal("0.01"))
    return format(two, "f") if two == rate else format(rate.normalize(), "f")


def _int(value: object, field: str) -> int:
    if isinstance(value, bool):
        raise LoanOptionError(f"{field}: {value!r} is not a whole number")
    if isinstance(value, int):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    else:
        raise LoanOptionError(f"{field}: {value!r} is not a whole number")
    if n < 0:
        raise LoanOptionError(f"{field}: must not be negative")
    return n


def _money(value: object, field: str) -> Decimal:
    try:
        return money.parse(value, field=field, allow_zero=True)  # type: ignore[arg-type]
    except MoneyFormatError as exc:
        raise LoanOptionError(exc.message) from None


def _bool(value: object, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise LoanOptionError(f"{field}: {value!r} is not true or false")


def parse_options(opts: dict[str, Any]) -> LoanOptions:
    """Options from keyword arguments (strings from the CLI, or typed values); ``None``
    means "default". Unknown names are refused, naming the option."""
    o = LoanOptions()
    known = {f.name for f in fields(LoanOptions)}
    for raw_name, value in opts.items():
        name = _ALIASES.get(raw_name, raw_name)
        if value is None:
            continue
        if name not in known:
            raise LoanOptionError(f"{flag(raw_name)}: not an option of loan products")
        field = flag(raw_name)
        if name in _INTS:
            setattr(o, name, _int(value, field))
        elif name in _MONEY:
            setattr(o, name, _money(value, field))
        elif name in _PERCENTS:
            high = (
                Decimal(1000)
                if name in ("savings_multiple", "guarantee_coverage_percent")
                else Decimal(100)
            )
            setattr(o, name, parse_percent(value, field, high=high))
        elif name in _BOOLS:
            setattr(o, name, _bool(value, field))
        else:
            text = str(value).strip().lower()
            if text not in _CHOICES[name]:
                raise LoanOptionError(
                    f"{field}: {value!r} is not one of {', '.join(_CHOICES[name])}"
                )
            setattr(o, name, text)
    validate_options(o)
    return o


def validate_options(o: LoanOptions) -> None:
    """Cross-field rules of a product; the message names the option."""
    if o.min_term < 1:
        raise LoanOptionError("--min-term: must be at least 1")
    if o.max_term < o.min_term:
        raise LoanOptionError(f"--max-term: {o.max_term} is less than --min-term {o.min_term}")
    if o.max_term > MAX_TERM:
        raise LoanOptionError(f"--max-term: at most {MAX_TERM} installments")
    if o.min_amount <= 0:
        raise LoanOptionError("--min-amount: must be more than zero")
    if o.max_amount is not None and o.max_amount < o.min_amount:
        raise LoanOptionError(f"--max-amount: {o.max_amount} is less than --min-amount")
    for name in ("grace_principal", "grace_interest"):
        if getattr(o, name) >= o.min_term:
            raise LoanOptionError(f"{flag(name)}: must be less than --min-term ({o.min_term})")
    if o.fee_percent >= 100:
        raise LoanOptionError("--fee-percent: must be less than 100")
    if o.rounding_unit <= 0:
        raise LoanOptionError("--rounding-unit: must be more than zero")


def normalize_code(code: str, *, field: str = "CODE") -> str:
    c = code.strip().upper()
    if not _CODE_RE.match(c):
        raise LoanOptionError(f"{field}: {code!r} is not a product code (A-Z, 0-9, - or _, ≤ 20)")
    return c


def _deposit_product_exists(uow: UnitOfWork, code: str) -> bool:
    from coopctl.deposits.products import find_product

    return find_product(uow, code) is not None


def create_product(
    uow: UnitOfWork, code: str, name: str, rate: Decimal, options: LoanOptions
) -> LoanProduct:
    """Insert a product (no permission check: used by :func:`add_loan_product` and seeds)."""
    code = normalize_code(code)
    if not name.strip():
        raise LoanOptionError("--name: must not be empty")
    rate = parse_percent(rate, "--rate")
    if uow.session.scalars(select(LoanProduct).where(LoanProduct.code == code)).first():
        raise DuplicateError(f"product {code} already exists")
    if _deposit_product_exists(uow, code):
        raise DuplicateError(f"product {code} already exists (a deposit product)")
    holidays = options.move_off_holidays
    if holidays is None:
        holidays = bool(uow.settings["loans"]["move_off_holidays"])
    values = {f.name: getattr(options, f.name) for f in fields(LoanOptions)}
    values["move_off_holidays"] = holidays
    p = LoanProduct(
        code=code,
        name=name.strip(),
        annual_rate=rate,
        created_at=clock.utcnow(),
        created_by=uow.username,
        **values,
    )
    uow.session.add(p)
    uow.session.flush()
    audit.record(uow, "product.add", "loan_product", code, after=product_as_dict(p))
    return p


def add_loan_product(
    uow: UnitOfWork, code: str, name: str, rate: Decimal, **opts: Any
) -> LoanProduct:
    """Create a loan product (``products add CODE --kind loan``); options as in
    :class:`LoanOptions`, given as strings or typed values."""
    require(uow.operator, "products.manage")
    return create_product(uow, code, name, rate, parse_options(opts))


def find_product(uow: UnitOfWork, code: str) -> LoanProduct | None:
    return uow.session.scalars(
        select(LoanProduct).where(LoanProduct.code == code.strip().upper())
    ).first()


def get_product(uow: UnitOfWork, code: str, *, active_only: bool = False) -> LoanProduct:
    p = find_product(uow, code)
    if p is None:
        raise LoanProductNotFoundError(f"--product: loan product {code.strip().upper()} not found")
    if active_only and not p.active:
        raise LoanProductNotFoundError(f"--product: loan product {p.code} is retired")
    return p


def product_as_dict(p: LoanProduct) -> dict[str, Any]:
    """The JSON shape of ``products show`` for a loan product."""
    return {
        "code": p.code,
        "name": p.name,
        "kind": "loan",
        "annual_rate": fmt_rate(p.annual_rate),
        "method": p.method,
        "frequency": p.frequency,
        "day_count": p.day_count,
        "min_term": p.min_term,
        "max_term": p.max_term,
        "min_amount": p.min_amount,
        "max_amount": p.max_amount,
        "grace_principal": p.grace_principal,
        "grace_interest": p.grace_interest,
        "fee_percent": fmt_rate(p.fee_percent),
        "fee_fixed": p.fee_fixed,
        "fee_mode": p.fee_mode,
        "penalty_rate": fmt_rate(p.penalty_rate),
        "penalty_fixed": p.penalty_fixed,
        "penalty_grace_days": p.penalty_grace_days,
        "savings_multiple": fmt_rate(p.savings_multiple),
        "min_membership_months": p.min_membership_months,
        "max_active_loans": p.max_active_loans,
        "guarantors_required": p.guarantors_required,
        "guarantee_coverage_percent": fmt_rate(p.guarantee_coverage_percent),
        "allocation": p.allocation,
        "prepayment": p.prepayment,
        "rounding_unit": p.rounding_unit,
        "move_off_holidays": p.move_off_holidays,
        "status": "active" if p.active else "retired",
    }


def list_loan_products(uow: UnitOfWork) -> list[dict[str, Any]]:
    return [
        product_as_dict(p)
        for p in uow.session.scalars(select(LoanProduct).order_by(LoanProduct.code))
    ]


def get_loan_product_dict(uow: UnitOfWork, code: str) -> dict[str, Any]:
    """One loan product as a dict; NotFoundError (exit 3) when there is none."""
    return product_as_dict(get_product(uow, code))


def fee_for(p: LoanProduct, principal: Decimal) -> Decimal:
    """Processing fee: ``fee_percent`` of the principal (rounded once) plus ``fee_fixed``."""
    from coopctl.core.money import round_money

    return round_money(principal * p.fee_percent / 100) + p.fee_fixed
