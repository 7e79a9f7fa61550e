"""The scalar reference of the set-based consistency checks.

``ledger verify``, every month close and go-live run the checks of the ledger, deposits
and loans contexts; at scale they ask the database for the offending rows only. These
are the row-by-row versions they replaced (each account, hold, installment and
guarantee loaded and compared in Python): the tests run both on tampered books and
require the same problems.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem
from coopctl.core.money import ZERO, from_minor
from coopctl.core.sums import exact_sum
from coopctl.deposits.checks import DEPOSIT_KINDS
from coopctl.deposits.models import DepositAccount, DepositProduct
from coopctl.ledger.models import Account, GLAccount, Hold, JournalEntry, JournalLine
from coopctl.loans.models import (
    COMPONENTS,
    Loan,
    LoanAllocation,
    LoanGuarantor,
    LoanInstallment,
    LoanRepayment,
)


def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


def _subledger_sums(s: Session) -> dict[int, Decimal]:
    rows = s.execute(
        select(
            JournalLine.account_id,
            GLAccount.normal_balance,
            exact_sum(_raw(JournalLine.debit)),
            exact_sum(_raw(JournalLine.credit)),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .join(GLAccount, GLAccount.id == JournalLine.gl_account_id)
        .where(JournalEntry.status == "posted", JournalLine.account_id.is_not(None))
        .group_by(JournalLine.account_id, GLAccount.normal_balance)
    ).all()
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for aid, normal, dr, cr in rows:
        d, c = from_minor(dr or 0), from_minor(cr or 0)
        out[aid] += (d - c) if normal == "debit" else (c - d)
    return out


def subledger_balances(s: Session) -> list[Problem]:
    """Each member account's stored balance equals the sum of its posted lines."""
    sums = _subledger_sums(s)
    problems = []
    for acct in s.scalars(select(Account)):
        expected = sums.get(acct.id, ZERO)
        if acct.balance != expected:
            problems.append(
                Problem(
                    "subledger_balances",
                    f"account {acct.account_no}: stored balance {acct.balance:,.2f} ≠ lines "
                    f"{expected:,.2f}",
                )
            )
    return problems


def _deposit_accounts(s: Session) -> list[Account]:
    return list(s.scalars(select(Account).where(Account.kind.in_(DEPOSIT_KINDS))))


def balances_nonnegative(s: Session) -> list[Problem]:
    """No deposit account is overdrawn, and held never exceeds the balance."""
    out = []
    for a in _deposit_accounts(s):
        if a.balance < 0:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {a.account_no}: balance {a.balance:,.2f} is negative",
                )
            )
        elif a.held > a.balance:
            out.append(
                Problem(
                    "deposit_balances_nonnegative",
                    f"account {a.account_no}: held {a.held:,.2f} exceeds balance {a.balance:,.2f}",
                )
            )
    return out


def holds_match(s: Session) -> list[Problem]:
    """Each account's ``held`` equals the sum of its active holds."""
    sums: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for aid, raw in s.execute(
        select(Hold.account_id, exact_sum(type_coerce(Hold.amount, BigInteger)))
        .where(Hold.status == "active")
        .group_by(Hold.account_id)
    ):
        sums[aid] = from_minor(raw or 0)
    out = []
    for a in s.scalars(select(Account)):
        if a.held != sums.get(a.id, ZERO):
            out.append(
                Problem(
                    "holds_match",
                    f"account {a.account_no}: held {a.held:,.2f} ≠ "
                    f"active holds {sums.get(a.id, ZERO):,.2f}",
                )
            )
    return out


def account_details(s: Session) -> list[Problem]:
    """Each deposit account has its details row, its product exists, and the account
    posts to its product's control GL account."""
    products = {p.id: p for p in s.scalars(select(DepositProduct))}
    details = {d.account_id: d for d in s.scalars(select(DepositAccount))}
    out = []
    for a in _deposit_accounts(s):
        d = details.get(a.id)
        if d is None:
            out.append(Problem("deposit_account_details", f"account {a.account_no}: no details"))
            continue
        p = products.get(d.product_id)
        if p is None or p.code != a.product_code or p.kind != a.kind:
            out.append(
                Problem(
                    "deposit_account_details",
                    f"account {a.account_no}: product {a.product_code} mismatch",
                )
            )
        elif p.control_gl_id != a.gl_account_id:
            out.append(
                Problem(
                    "deposit_account_details",
                    f"account {a.account_no}: not on its product's control GL",
                )
            )
    return out


def _installments_by_loan(s: Session) -> dict[int, list[LoanInstallment]]:
    out: dict[int, list[LoanInstallment]] = defaultdict(list)
    for r in s.scalars(select(LoanInstallment)):
        out[r.loan_id].append(r)
    return out


def loan_principal_matches_schedule(s: Session) -> list[Problem]:
    """Each active loan's ledger balance equals the unpaid principal of its installments;
    a closed or written-off loan has a zero balance (and a closed one nothing unpaid)."""
    problems = []
    rows = _installments_by_loan(s)
    for loan, acct in s.execute(
        select(Loan, Account)
        .join(Account, Account.id == Loan.account_id)
        .where(Loan.status.in_(("active", "closed", "written_off")))
    ):
        unpaid = sum(
            (r.unpaid("principal") for r in rows.get(loan.id, []) if not r.superseded), ZERO
        )
        expected = unpaid if loan.status == "active" else ZERO
        if acct.balance != expected or (loan.status == "closed" and unpaid != 0):
            problems.append(
                Problem(
                    "loan_principal_matches_schedule",
                    f"loan {loan.loan_no} ({loan.status}): account {acct.account_no} balance "
                    f"{acct.balance:,.2f} ≠ unpaid principal on installments {unpaid:,.2f}",
                )
            )
    missing = s.scalars(
        select(Loan.loan_no).where(
            Loan.status.in_(("active", "closed", "written_off")), Loan.account_id.is_(None)
        )
    ).all()
    problems += [
        Problem(
            "loan_principal_matches_schedule", f"loan {n} was disbursed but has no ledger account"
        )
        for n in missing
    ]
    return problems


def loan_allocations_match_installments(s: Session) -> list[Problem]:
    """What each installment shows as paid equals its allocations that are not reversed;
    every allocation belongs to a journal entry."""
    sums: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    unlinked = 0
    for a in s.scalars(select(LoanAllocation).where(LoanAllocation.reversed.is_(False))):
        sums[(a.installment_id, a.component)] += a.amount
        if a.entry_id is None:
            unlinked += 1
    problems = []
    for r in s.scalars(select(LoanInstallment)):
        for c in COMPONENTS:
            if r.paid(c) != sums.get((r.id, c), ZERO):
                problems.append(
                    Problem(
                        "loan_allocations_match_installments",
                        f"installment {r.no} of loan id {r.loan_id}: {c} paid {r.paid(c):,.2f} ≠ "
                        f"allocations {sums.get((r.id, c), ZERO):,.2f}",
                    )
                )
    if unlinked:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{unlinked} allocation(s) are linked to no journal entry",
            )
        )
    orphans = s.scalars(select(LoanRepayment.id).where(LoanRepayment.entry_id.is_(None))).all()
    if orphans:
        problems.append(
            Problem(
                "loan_allocations_match_installments",
                f"{len(orphans)} repayment(s) are linked to no journal entry",
            )
        )
    return problems


def loan_guarantee_holds(s: Session) -> list[Problem]:
    """Guarantees of loans that are closed, written off or rejected hold nothing any more;
    the accepted guarantees of an approved or active loan are held."""
    problems = []
    for g, loan in s.execute(
        select(LoanGuarantor, Loan).join(Loan, Loan.id == LoanGuarantor.loan_id)
    ):
        hold: Any = s.get(Hold, g.hold_id) if g.hold_id else None
        active = hold is not None and hold.status == "active"
        if loan.status in ("closed", "written_off", "rejected") and active:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan.loan_no} is {loan.status} but still holds "
                    f"{hold.amount:,.2f} of a guarantor's savings",
                )
            )
        if loan.status == "approved" and g.status == "accepted" and not active:
            problems.append(
                Problem(
                    "loan_guarantee_holds",
                    f"loan {loan.loan_no}: an accepted guarantee is not held",
                )
            )
    return problems
