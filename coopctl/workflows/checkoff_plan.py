"""Planning a payroll check-off: every line resolved and split, every problem collected.

Nothing is written here. The members, their SAV/SHR accounts (with GL code and deposit
details) and their active loans are read as plain rows, one statement per chunk of
5,000; each line is split by the pure functions of :mod:`coopctl.deposits.checkoff`
on the loans' dues (:class:`coopctl.loans.shared_rows.Loans`, made once and used again
to book the repayments) and checked by :func:`coopctl.deposits.guards.check_credit_to`.
Whether an account already has activity is read only for the accounts whose check
can depend on it (:func:`coopctl.deposits.guards.needs_activity`: a fixed deposit, or
a first payment below the product's minimum), after the splits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from coopctl.core import ids
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import CoopError, ValidationError
from coopctl.core.money import ZERO
from coopctl.deposits import checkoff, guards
from coopctl.deposits.guards import CreditTarget
from coopctl.loans.shared_rows import Loans, dec, select_in

MEMBER_PREFIX = "M"


class MemberRow(NamedTuple):
    """A member as the import reads it (plain values, no ORM object)."""

    id: int
    member_no: str
    status: str
    kyc_status: str


@dataclass
class PlannedLine:
    line_no: int
    member: MemberRow
    amount: Decimal
    split: checkoff.Split
    savings_account: CreditTarget
    shares_account: CreditTarget | None

    def as_dict(self) -> dict[str, Any]:
        split = self.split
        return {
            "line": self.line_no,
            "member_no": self.member.member_no,
            "amount": self.amount,
            "loans": [{"loan_no": n, "amount": a} for n, a in split.loans],
            "to_loans": split.to_loans,
            "shares": split.shares,
            "shares_account": self.shares_account.account_no if self.shares_account else None,
            "savings": split.savings,
            "savings_account": self.savings_account.account_no,
        }


def plan(
    uow: UnitOfWork, parsed: checkoff.ParsedFile, name: str, on: date
) -> tuple[list[PlannedLine], list[str], Loans]:
    """Resolve members and accounts and split each line; collect every problem."""
    settings = uow.settings
    sav_code = settings["checkoff"]["savings_product"] if settings else "SAV"
    shr_code = settings["checkoff"]["shares_product"] if settings else "SHR"
    priority = list(settings["checkoff"]["priority"]) if settings else list(checkoff.PRIORITY_ITEMS)
    monthly = settings["checkoff"]["monthly_savings"] if settings else ZERO
    try:
        checkoff.check_priority(priority)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    errors: list[str] = []
    numbers: dict[int, str] = {}
    for ln in parsed.lines:
        try:
            numbers[ln.line_no] = ids.check(ln.member_no, MEMBER_PREFIX, field="member_no")
        except ValidationError as exc:
            errors.append(f"{name}:{ln.line_no}:{exc.message}")
    members, accounts = resolve(uow, sorted(set(numbers.values())), (sav_code, shr_code))
    # the members' active loans and their installments, read once for the dues and the
    # booking (locked on PostgreSQL, as ``loans repay`` locks its loan)
    loans = Loans.load(uow, [m.id for m in members.values()])
    by_member = loans.by_member
    loan_due = "loan_due" in priority
    first_line: dict[str, int] = {}
    split_lines: list[tuple[Any, ...]] = []
    for ln in parsed.lines:
        no = numbers.get(ln.line_no)
        if no is None:
            continue
        where = name + ":" + str(ln.line_no)
        member = members.get(no)
        if member is None:
            errors.append(f"{where}:member_no: member {no} not found")
            continue
        if no in first_line:
            errors.append(f"{where}:member_no: {no} is already on line {first_line[no]}")
            continue
        first_line[no] = ln.line_no
        if member.status == "exited":
            errors.append(f"{where}:member_no: member {no} has exited")
            continue
        sav = accounts.get((member.id, sav_code))
        if sav is None:
            errors.append(f"{where}:member_no: member {no} has no open {sav_code} account")
            continue
        shr = accounts.get((member.id, shr_code))
        explicit = ln.explicit
        try:
            dues = (
                loans.dues(member.id, on)
                if member.id in by_member and (loan_due or (explicit and explicit["loan"] > 0))
                else []
            )
            if explicit is not None:
                if explicit["shares"] > 0 and shr is None:
                    raise ValueError(f"shares: member {no} has no open {shr_code} account")
                split = checkoff.split_explicit(
                    ln.amount,
                    savings=explicit["savings"],
                    shares=explicit["shares"],
                    loan=explicit["loan"],
                    loan_dues=dues,
                )
            else:
                split = checkoff.split_by_priority(
                    ln.amount,
                    priority=priority,
                    loan_dues=dues,
                    monthly_savings=monthly,
                    has_shares=shr is not None and shr.status in ("active", "dormant"),
                )
        except ValueError as exc:
            errors.append(f"{where}:{exc}")
            continue
        except CoopError as exc:
            errors.append(f"{where}:member_no: {exc.message}")
            continue
        split_lines.append((ln, where, member, split, sav, shr))
    # activity only where a check can depend on it (none, for plain savings and shares:
    # no fixed deposit, no minimum opening balance, so no account is even looked at)
    need = set()
    if any(a.kind == "fixed_deposit" or a.min_opening_balance > 0 for a in accounts.values()):
        need = {
            acct.id
            for _, _, _, split, sav, shr in split_lines
            for acct, amount in ((sav, split.savings), (shr, split.shares))
            if acct is not None and amount > 0 and guards.needs_activity(acct, amount)
        }
    active = guards.active_accounts(uow, sorted(need)) if need else set()
    check = guards.check_credit_to
    planned: list[PlannedLine] = []
    for ln, where, member, split, sav, shr in split_lines:
        try:
            if split.savings > 0:
                check(uow, sav, member, split.savings, active_before=sav.id in active)
            if split.shares > 0 and shr is not None:
                check(uow, shr, member, split.shares, active_before=shr.id in active)
        except CoopError as exc:
            errors.append(f"{where}:member_no: {exc.message}")
            continue
        planned.append(PlannedLine(ln.line_no, member, ln.amount, split, sav, shr))
    return planned, errors, loans


_RESOLVE_SQL = (
    "SELECT m.id, m.member_no, m.status, m.kyc_status, a.product_code, a.id, a.account_no, "
    "a.kind, a.status, a.gl_account_id, d.product_id "
    "FROM members m LEFT JOIN accounts a ON a.member_id = m.id "
    "AND a.product_code IN ({codes}) AND a.status <> 'closed' "
    "LEFT JOIN deposit_accounts d ON d.account_id = a.id "
    "WHERE m.member_no IN ({{in}})"
)


def resolve(
    uow: UnitOfWork, numbers: list[str], codes: Sequence[str]
) -> tuple[dict[str, MemberRow], dict[tuple[int, str], CreditTarget]]:
    """The members numbered ``numbers`` (by number) and their accounts that are not
    closed, of the products ``codes``, by (member id, product code), with GL code and
    deposit details (the last by id when a member has several of one product). One
    query per chunk of 5,000 numbers, plain driver rows; GL codes and deposit products
    (a few rows) are mapped here rather than joined on every row."""
    conn = uow.session.connection()
    gl_code: dict[int, str] = dict(conn.exec_driver_sql("SELECT id, code FROM gl_accounts").all())
    products = {
        i: (code, dec(int(minimum)))
        for i, code, minimum in conn.exec_driver_sql(
            "SELECT id, code, min_opening_balance FROM deposit_products"
        ).fetchall()
    }
    members: dict[str, MemberRow] = {}
    accounts: dict[tuple[int, str], CreditTarget] = {}
    codes_sql = ", ".join("'" + c.replace("'", "''") + "'" for c in codes)
    sql = _RESOLVE_SQL.format(codes=codes_sql)
    for row in select_in(uow, sql, numbers):
        member_id, member_no = row[0], row[1]
        if member_no not in members:
            members[member_no] = MemberRow(member_id, member_no, row[2], row[3])
        acct_id = row[5]
        if acct_id is None:
            continue
        key = (member_id, row[4])
        seen = accounts.get(key)
        if seen is not None and seen.id > acct_id:
            continue  # the last by id
        dep = row[10]
        code, minimum = products[dep] if dep is not None else ("", ZERO)
        accounts[key] = CreditTarget(
            acct_id,
            row[6],
            row[7],
            row[8],
            gl_code.get(row[9]) or "",
            dep is not None,
            code,
            minimum,
        )
    return members, accounts
