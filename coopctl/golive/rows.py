"""Check each row of the accounts, loans and gl templates (pure: no database).

The service loads what the rows refer to (members, products, GL accounts) into
:class:`Lookups`; these functions turn each row into a typed record or add every
problem of the row to the report. Nothing is raised here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from coopctl.core import clock, money
from coopctl.core.errors import CoopError
from coopctl.core.money import ZERO
from coopctl.golive.reader import Report

MAX_RATE = Decimal(100)


@dataclass
class Lookups:
    members: dict[str, int]  # member_no or legacy_id (upper case) → member id
    deposit_products: dict[str, Any]  # code → DepositProduct
    loan_products: dict[str, Any]  # code → LoanProduct
    open_accounts: set[tuple[int, str]]  # (member id, product) of open savings/shares
    free_savings: dict[int, Decimal]  # member id → free savings (for guarantees)
    gl: dict[str, Any]  # code → GLAccount
    golive_date: date
    # amounts and dates already parsed in this import, by (text, column[, zero allowed]):
    # a template's 400,000 balances repeat a few hundred figures, its dates a few thousand
    amounts: dict[tuple[str, str, bool], Decimal] = field(default_factory=dict)
    dates: dict[tuple[str, str], date] = field(default_factory=dict)


@dataclass
class AccountRec:
    row: int
    member_id: int
    product: Any
    balance: Decimal
    opened_on: date
    placed_on: date | None = None
    maturity_date: date | None = None
    rate: Decimal | None = None


@dataclass
class LoanRec:
    row: int
    member_id: int
    product: Any
    principal: Decimal
    rate: Decimal
    term: int
    disbursed_on: date
    paid: int
    outstanding: Decimal
    arrears_principal: Decimal
    arrears_interest: Decimal
    arrears_penalty: Decimal
    arrears_since: date | None
    guarantors: list[tuple[int, Decimal]] = field(default_factory=list)


@dataclass
class GLRec:
    row: int
    code: str
    debit: Decimal
    credit: Decimal


class _Row:
    """Field parsers that record a problem and return None instead of raising."""

    def __init__(self, rep: Report, n: int, rec: dict[str, str]) -> None:
        self.rep, self.n, self.rec, self.bad = rep, n, rec, False
        self.amounts: dict[tuple[str, str, bool], Decimal] = {}
        self.dates: dict[tuple[str, str], date] = {}

    def text(self, col: str) -> str:
        return self.rec.get(col, "")

    def fail(self, col: str, reason: str) -> None:
        self.bad = True
        self.rep.add(self.n, col, reason)

    def _try(self, col: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except CoopError as exc:
            msg = exc.message.split(": ", 1)[-1] if exc.message.startswith(col) else exc.message
            self.fail(col, msg)
            return None

    def required(self, col: str) -> str | None:
        v = self.text(col)
        if not v:
            self.fail(col, "required")
            return None
        return v

    def amount(self, col: str, *, required: bool = True, zero: bool = True) -> Decimal | None:
        v = self.text(col)
        if not v:
            if required:
                self.fail(col, "required")
                return None
            return ZERO
        key = (v, col, zero)
        known = self.amounts.get(key)
        if known is not None:
            return known
        value = self._try(col, lambda: money.parse(v, field=col, allow_zero=zero))
        if value is not None:
            self.amounts[key] = value
        return value  # type: ignore[no-any-return]

    def day(self, col: str, *, required: bool = True, past: bool = True) -> date | None:
        v = self.text(col)
        if not v:
            if required:
                self.fail(col, "required")
            return None
        d = self.dates.get((v, col))
        if d is None:
            d = self._try(col, lambda: clock.parse_date(v, field=col))
            if d is not None:
                self.dates[(v, col)] = d
        if past and d is not None and d > self.golive:
            self.fail(col, f"{d} is after the go-live date {self.golive}")
        return d  # type: ignore[no-any-return]

    def rate(self, col: str, default: Decimal) -> Decimal | None:
        v = self.text(col)
        if not v:
            return default
        try:
            r = Decimal(v.rstrip("%").strip())
        except ArithmeticError:
            self.fail(col, f"{v!r} is not a percentage")
            return None
        if not r.is_finite() or r < 0 or r > MAX_RATE or r.as_tuple().exponent < -4:  # type: ignore[operator]
            self.fail(col, f"{v!r} is not a percentage between 0 and 100")
            return None
        return r

    def integer(self, col: str, lo: int, hi: int, *, required: bool = True) -> int | None:
        v = self.text(col)
        if not v:
            if required:
                self.fail(col, "required")
                return None
            return 0
        if not v.isdigit() or not lo <= int(v) <= hi:
            self.fail(col, f"{v!r} is not a whole number from {lo} to {hi}")
            return None
        return int(v)

    def member(self, col: str, members: dict[str, int]) -> int | None:
        v = self.required(col)
        if v is None:
            return None
        mid = members.get(v.upper())
        if mid is None:
            self.fail(col, f"unknown member {v!r} (neither a member number nor a legacy_id)")
        return mid

    golive: date = date.max


def _row(rep: Report, n: int, rec: dict[str, str], lk: Lookups) -> _Row:
    r = _Row(rep, n, rec)
    r.golive = lk.golive_date
    r.amounts, r.dates = lk.amounts, lk.dates
    return r


def check_accounts(
    rows: list[tuple[int, dict[str, str]]], lk: Lookups, rep: Report
) -> list[AccountRec]:
    out: list[AccountRec] = []
    seen: dict[tuple[int, str], int] = {}
    for n, rec in rows:
        r = _row(rep, n, rec, lk)
        mid = r.member("member", lk.members)
        code = (r.required("product") or "").upper()
        product = lk.deposit_products.get(code) if code else None
        if code and product is None:
            what = (
                "a loan product (loans go in the loans template)"
                if code in lk.loan_products
                else "unknown"
            )
            r.fail("product", f"{code!r} is {what}")
        balance = r.amount("opening_balance")
        opened = r.day("opened_on")
        placed = maturity = rate = None
        if product is not None:
            if product.status != "active":
                r.fail("product", f"product {code} is {product.status}")
            if product.kind == "fixed_deposit":
                placed = r.day("placed_on")
                maturity = r.day("maturity_date", past=False)
                if placed and maturity and maturity <= placed:
                    r.fail("maturity_date", f"{maturity} is not after placed_on {placed}")
                rate = r.rate("rate", product.annual_rate)
                if balance is not None and balance <= 0:
                    r.fail("opening_balance", "a fixed deposit holds more than 0")
            else:
                for col in ("placed_on", "maturity_date", "rate"):
                    if r.text(col):
                        r.fail(col, f"only for fixed deposits ({code} is {product.kind})")
                if mid is not None:
                    key = (mid, code)
                    if key in lk.open_accounts:
                        r.fail("product", f"the member already has an open {code} account")
                    elif key in seen:
                        r.fail("product", f"same member and {code} as row {seen[key]}")
                    else:
                        seen[key] = n
                price = getattr(product, "price_per_share", None)
                if product.kind == "shares" and price and balance is not None and balance % price:
                    r.fail(
                        "opening_balance", f"{balance} is not a whole number of shares of {price}"
                    )
        if opened and placed and placed < opened:
            r.fail("placed_on", f"{placed} is before opened_on {opened}")
        if r.bad or mid is None or product is None or balance is None or opened is None:
            continue
        out.append(AccountRec(n, mid, product, balance, opened, placed, maturity, rate))
    return out


def _guarantors(r: _Row, lk: Lookups, borrower: int | None) -> list[tuple[int, Decimal]]:
    text = r.text("guarantors")
    out: list[tuple[int, Decimal]] = []
    if not text:
        return out
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        who, sep, amt = part.partition(":")
        if not sep:
            r.fail("guarantors", f"{part[:40]!r} is not MEMBER:AMOUNT")
            continue
        mid = lk.members.get(who.strip().upper())
        if mid is None:
            r.fail("guarantors", f"unknown member {who.strip()[:40]!r}")
            continue
        if mid == borrower:
            r.fail("guarantors", "the borrower cannot guarantee their own loan")
            continue
        if any(m == mid for m, _ in out):
            r.fail("guarantors", f"member {who.strip()} is named twice")
            continue
        try:
            amount = money.parse(amt, field="guarantors")
        except CoopError as exc:
            r.fail("guarantors", exc.message)
            continue
        out.append((mid, amount))
    return out


def check_loans(rows: list[tuple[int, dict[str, str]]], lk: Lookups, rep: Report) -> list[LoanRec]:
    out: list[LoanRec] = []
    for n, rec in rows:
        r = _row(rep, n, rec, lk)
        mid = r.member("member", lk.members)
        code = (r.required("product") or "").upper()
        product = lk.loan_products.get(code) if code else None
        if code and product is None:
            r.fail("product", f"unknown loan product {code!r}")
        principal = r.amount("principal", zero=False)
        rate = r.rate("annual_rate", product.annual_rate if product is not None else ZERO)
        term = r.integer("term", 1, 600)
        disbursed = r.day("disbursed_on")
        if disbursed is not None and disbursed >= lk.golive_date:
            r.fail("disbursed_on", f"{disbursed} is not before the go-live date {lk.golive_date}")
        paid = r.integer("installments_paid", 0, 600, required=False)
        outstanding = r.amount("outstanding_principal", zero=False)
        a_p = r.amount("arrears_principal", required=False)
        a_i = r.amount("arrears_interest", required=False)
        a_pen = r.amount("arrears_penalty", required=False)
        since = r.day("arrears_since", required=False)
        if principal is not None and outstanding is not None and outstanding > principal:
            r.fail(
                "outstanding_principal",
                f"{outstanding:,.2f} is above the principal {principal:,.2f}",
            )
        if outstanding is not None and a_p is not None and a_p > outstanding:
            r.fail(
                "arrears_principal",
                f"{a_p:,.2f} is above the outstanding principal {outstanding:,.2f}",
            )
        arrears = sum((x for x in (a_p, a_i, a_pen) if x is not None), ZERO)
        if arrears > 0 and since is None and not r.text("arrears_since"):
            r.fail("arrears_since", "arrears without a due date: give the oldest unpaid due date")
        if arrears == 0 and since is not None:
            r.fail("arrears_since", "a due date without arrears")
        if since is not None and disbursed is not None and since <= disbursed:
            r.fail("arrears_since", f"{since} is not after disbursed_on {disbursed}")
        if term is not None and paid is not None and paid >= term:
            r.fail("installments_paid", f"{paid} of {term}: a repaid loan is not imported")
        guarantors = _guarantors(r, lk, mid)
        if r.bad or None in (mid, product, principal, rate, term, disbursed, paid, outstanding):
            continue
        assert mid is not None and principal is not None and rate is not None
        assert term is not None and disbursed is not None and paid is not None
        assert outstanding is not None and a_p is not None and a_i is not None
        assert a_pen is not None
        out.append(
            LoanRec(n, mid, product, principal, rate, term, disbursed, paid, outstanding,
                    a_p, a_i, a_pen, since, guarantors)
        )  # fmt: skip
    return out


def check_guarantees(recs: list[LoanRec], lk: Lookups, rep: Report) -> None:
    """Each guarantor's free savings must cover what they guarantee (across the file)."""
    need: dict[int, Decimal] = {}
    first: dict[int, int] = {}
    for rec in recs:
        for mid, amount in rec.guarantors:
            held = money.round_money(amount * min(rec.outstanding, rec.principal) / rec.principal)
            need[mid] = need.get(mid, ZERO) + held
            first.setdefault(mid, rec.row)
    for mid, amount in need.items():
        free = lk.free_savings.get(mid)
        if free is None:
            rep.add(first[mid], "guarantors", "a guarantor has no savings account to hold")
        elif amount > free:
            rep.add(
                first[mid],
                "guarantors",
                f"a guarantor's free savings {free:,.2f} do not cover {amount:,.2f}",
            )


def check_gl(rows: list[tuple[int, dict[str, str]]], lk: Lookups, rep: Report) -> list[GLRec]:
    out: list[GLRec] = []
    seen: dict[str, int] = {}
    for n, rec in rows:
        r = _row(rep, n, rec, lk)
        code = r.required("gl_code") or ""
        gl = lk.gl.get(code) if code else None
        if code and gl is None:
            r.fail("gl_code", f"unknown GL account {code!r}")
        elif gl is not None and gl.is_header:
            r.fail("gl_code", f"{code} is a header account; give its children")
        elif code in seen:
            r.fail("gl_code", f"same GL account as row {seen[code]}")
        seen.setdefault(code, n)
        debit = r.amount("debit", required=False)
        credit = r.amount("credit", required=False)
        if debit is not None and credit is not None and debit > 0 and credit > 0:
            r.fail("credit", "a row is either a debit or a credit")
        if not r.bad and gl is not None and debit is not None and credit is not None:
            out.append(GLRec(n, code, debit, credit))
    if not rep.items:
        dr = sum((g.debit for g in out), ZERO)
        cr = sum((g.credit for g in out), ZERO)
        if dr != cr:
            last = rows[-1][0] if rows else 2
            rep.add(
                last,
                "credit",
                f"the trial balance does not balance: debits {dr:,.2f}, credits {cr:,.2f}",
            )
    return out
