"""Loan applications, committee approval, rejection and disbursement.

State machine: ``applied → approved → active → closed | written_off``, and
``applied | approved → rejected``. Every transition is audited.

Accounting at disbursement (one balanced entry, key ``loan:L…:disburse``):
Dr 1210 loans (the loan's own sub-ledger account, numbered like the loan) for the
principal; Cr the borrower's savings account (default), a bank GL or cash on hand
for the net amount; Cr 4200 fee income for a processing fee deducted up front.
A fee "on the first installment" is added to installment 1 and is income when paid.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock, sequences
from coopctl.core.db import UnitOfWork
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount
from coopctl.ledger.posting import PostResult, post
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans import committee, eligibility
from coopctl.loans.common import (
    LOAN_PREFIX,
    get_loan,
    member_of,
    open_loans_count,
    product_of,
    savings_account,
)
from coopctl.loans.errors import (
    DisbursementError,
    EligibilityError,
    LoanOptionError,
    LoanStateError,
)
from coopctl.loans.models import Loan, LoanInstallment, LoanProduct
from coopctl.loans.products import fee_for, get_product
from coopctl.loans.schedule import MAX_TERM, LoanTerms, Schedule, build_schedule
from coopctl.members.models import Member
from coopctl.notify import events as notify_events


def terms_for(
    product: LoanProduct,
    amount: Decimal,
    term: int,
    start: date,
    *,
    rate: Decimal | None = None,
    fee: Decimal | None = None,
) -> LoanTerms:
    """The schedule terms of a loan of ``amount`` over ``term`` under ``product``."""
    fee = fee_for(product, amount) if fee is None else fee
    return LoanTerms(
        principal=amount,
        annual_rate=product.annual_rate if rate is None else rate,
        term=term,
        method=product.method,
        frequency=product.frequency,
        day_count=product.day_count,
        start=start,
        grace_principal=min(product.grace_principal, term - 1),
        grace_interest=min(product.grace_interest, term - 1),
        first_installment_fee=fee if product.fee_mode == "first_installment" else Decimal("0.00"),
        rounding_unit=product.rounding_unit,
        move_off_holidays=product.move_off_holidays,
    )


def loan_terms(loan: Loan, product: LoanProduct, start: date) -> LoanTerms:
    """The schedule terms of an existing loan (its own rate, term and fee)."""
    return LoanTerms(
        principal=loan.principal,
        annual_rate=loan.annual_rate,
        term=loan.term,
        method=loan.method,
        frequency=loan.frequency,
        day_count=loan.day_count,
        start=start,
        grace_principal=loan.grace_principal,
        grace_interest=loan.grace_interest,
        first_installment_fee=loan.fee_amount
        if loan.fee_mode == "first_installment"
        else Decimal("0.00"),
        rounding_unit=product.rounding_unit,
        move_off_holidays=product.move_off_holidays,
    )


def check_term(term: int) -> int:
    if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= MAX_TERM:
        raise LoanOptionError(
            f"--term: {term!r} must be a whole number of installments, 1 to {MAX_TERM}"
        )
    return term


def quote(product: LoanProduct, amount: Decimal, term: int, start: date) -> Schedule:
    """The schedule a loan would have if disbursed on ``start`` (writes nothing).

    Terms outside the product's limits are refused (exit 5) naming the field."""
    check_term(term)
    failures = []
    if not product.min_term <= term <= product.max_term:
        failures.append(
            f"--term: {term} is outside the product's {product.min_term}–"
            f"{product.max_term} installments"
        )
    if amount < product.min_amount or (
        product.max_amount is not None and amount > product.max_amount
    ):
        cap = f"{product.max_amount:,.2f}" if product.max_amount is not None else "no maximum"
        failures.append(
            f"--amount: {amount:,.2f} is outside the product's {product.min_amount:,.2f} – {cap}"
        )
    if failures:
        raise EligibilityError(f"product {product.code} does not allow this loan", details=failures)
    return build_schedule(terms_for(product, amount, term, start))


# --- application --------------------------------------------------------------------------
def apply(
    uow: UnitOfWork,
    member_no: str,
    product_code: str,
    amount: Decimal,
    term: int,
    *,
    purpose: str = "",
    on: date | None = None,
) -> Loan:
    """Create an application after EVERY eligibility rule passed (else exit 5 listing all)."""
    require(uow.operator, "loans.apply")
    from coopctl.members.service import get_member

    check_term(term)
    member = get_member(uow, member_no)
    product = get_product(uow, product_code, active_only=True)
    on = on or uow.today()
    uow.lock(Member, id=member.id)  # one application at a time per member
    acct = savings_account(uow, member.id)
    from coopctl.loans.common import available

    facts = eligibility.Facts(
        amount=amount,
        term=term,
        member_status=member.status,
        kyc_status=member.kyc_status,
        joined_on=member.joined_on,
        applied_on=on,
        free_savings=available(acct),
        open_loans=open_loans_count(uow, member.id),
        has_savings_account=acct is not None,
    )
    rules = eligibility.Rules(
        min_amount=product.min_amount,
        max_amount=product.max_amount,
        min_term=product.min_term,
        max_term=product.max_term,
        savings_multiple=product.savings_multiple,
        min_membership_months=product.min_membership_months,
        max_active_loans=product.max_active_loans,
    )
    failures = eligibility.check(rules, facts)
    fee = fee_for(product, amount)
    if product.fee_mode == "deduct" and fee >= amount:
        failures.append(f"fees: the processing fee {fee:,.2f} is not less than the amount")
    if failures:
        raise EligibilityError(
            f"member {member.member_no} is not eligible for this loan ({len(failures)} rule(s) "
            "failed)",
            details=failures,
        )
    loan = Loan(
        loan_no=sequences.next_number(uow, "loan", LOAN_PREFIX),
        member_id=member.id,
        product_code=product.code,
        officer=uow.username,
        principal=amount,
        annual_rate=product.annual_rate,
        term=term,
        method=product.method,
        frequency=product.frequency,
        day_count=product.day_count,
        grace_principal=min(product.grace_principal, term - 1),
        grace_interest=min(product.grace_interest, term - 1),
        fee_amount=fee,
        fee_mode=product.fee_mode,
        status="applied",
        purpose=purpose.strip(),
        applied_on=on,
        created_at=clock.utcnow(),
    )
    uow.session.add(loan)
    uow.session.flush()
    committee.submit_application(uow, loan)
    audit.record(
        uow,
        "loan.apply",
        "loan",
        loan.loan_no,
        after={
            "member_no": member.member_no,
            "product": product.code,
            "principal": amount,
            "term": term,
            "rate": product.annual_rate,
            "fee": fee,
        },
    )
    return loan


# --- committee: coopctl.loans.committee (the approvals engine's kind ``loan``) -----------------
ApprovalResult = committee.ApprovalResult
approve = committee.approve
reject = committee.reject


# --- disbursement -------------------------------------------------------------------------
def _destination(
    uow: UnitOfWork, loan: Loan, to_account: str | None, bank: str | None, cash: bool
) -> LineDraft:
    """The credit side of a disbursement (amount filled in by the caller)."""
    chosen = sum(1 for x in (to_account, bank, cash) if x)
    if chosen > 1:
        raise LoanOptionError("--to-account, --bank and --cash: choose one")
    if cash:
        return LineDraft(GL.CASH, memo=f"loan {loan.loan_no} paid out in cash")
    if bank:
        from coopctl.deposits.channels import channel_gl

        return LineDraft(channel_gl(uow, bank), memo=f"loan {loan.loan_no} paid out by bank")
    if to_account:
        from coopctl.deposits.accounts_lookup import get_account

        acct = get_account(uow, to_account, field="--to-account")
    else:
        found = savings_account(uow, loan.member_id)
        if found is None:
            raise DisbursementError(
                f"member has no savings account to receive loan "
                f"{loan.loan_no}; use --to-account, --bank or --cash"
            )
        acct = found
    if acct.member_id != loan.member_id or acct.kind != "savings":
        raise DisbursementError(
            f"--to-account: {acct.account_no} is not a savings account of the borrower"
        )
    if acct.status not in ("active", "dormant"):
        raise DisbursementError(f"--to-account: account {acct.account_no} is {acct.status}")
    return LineDraft(
        acct.gl_account.code, account_no=acct.account_no, memo=f"loan {loan.loan_no} disbursed"
    )


def _open_loan_account(uow: UnitOfWork, loan: Loan, on: date) -> Account:
    gl = uow.session.scalars(select(GLAccount).where(GLAccount.code == GL.LOANS)).one()
    acct = Account(
        account_no=loan.loan_no,
        member_id=loan.member_id,
        kind="loan",
        product_code=loan.product_code,
        gl_account_id=gl.id,
        status="active",
        balance=Decimal("0.00"),
        held=Decimal("0.00"),
        floor=Decimal("0.00"),
        opened_on=on,
        created_at=clock.utcnow(),
    )
    uow.session.add(acct)
    uow.session.flush()
    return acct


def insert_installments(
    uow: UnitOfWork,
    loan: Loan,
    schedule: Schedule,
    *,
    first_no: int = 1,
    origin: str = "disbursement",
    repayment_id: int | None = None,
) -> list[LoanInstallment]:
    rows = []
    for i in schedule.installments:
        row = LoanInstallment(
            loan_id=loan.id,
            no=first_no + i.no - 1,
            due_date=i.due_date,
            principal=i.principal,
            interest=i.interest,
            fees=i.fees,
            penalty=Decimal("0.00"),
            principal_paid=Decimal("0.00"),
            interest_paid=Decimal("0.00"),
            fees_paid=Decimal("0.00"),
            penalty_paid=Decimal("0.00"),
            superseded=False,
            origin=origin,
            origin_repayment_id=repayment_id,
        )
        uow.session.add(row)
        rows.append(row)
    uow.session.flush()
    return rows


def disburse(
    uow: UnitOfWork,
    loan_no: str,
    *,
    on: date | None = None,
    to_account: str | None = None,
    bank: str | None = None,
    cash: bool = False,
) -> tuple[Loan, PostResult]:
    """Pay out an approved loan, fix its schedule from ``on`` and make it active."""
    require(uow.operator, "loans.disburse")
    loan = get_loan(uow, loan_no, lock=True)
    if loan.status != "approved":
        what = "already disbursed" if loan.disbursed_on else f"{loan.status}, not approved"
        raise LoanStateError(f"loan {loan.loan_no} is {what}")
    on = on or uow.today()
    if loan.approved_on and on < loan.approved_on:
        raise DisbursementError(f"--date: {on} is before the approval on {loan.approved_on}")
    product = product_of(uow, loan)
    dest = _destination(uow, loan, to_account, bank, cash)
    schedule = build_schedule(loan_terms(loan, product, on))
    acct = _open_loan_account(uow, loan, on)
    loan.account = acct
    fee = loan.fee_amount if loan.fee_mode == "deduct" else Decimal("0.00")
    lines = [
        LineDraft(
            GL.LOANS,
            debit=loan.principal,
            account_no=acct.account_no,
            memo=f"loan {loan.loan_no} principal",
        ),
        LineDraft(
            dest.gl_code, credit=loan.principal - fee, account_no=dest.account_no, memo=dest.memo
        ),
    ]
    if fee > 0:
        lines.append(LineDraft(GL.FEE_INCOME, credit=fee, memo=f"loan {loan.loan_no} fee"))
    member = member_of(uow, loan)
    result = post(
        uow,
        EntryDraft(
            business_date=on,
            kind="loan_disbursement",
            lines=lines,
            narration=f"Disbursement of loan {loan.loan_no} to member {member.member_no}",
            reference=loan.loan_no,
            idempotency_key=f"loan:{loan.loan_no}:disburse",
        ),
    )
    insert_installments(uow, loan, schedule)
    loan.status = "active"
    loan.disbursed_on = on
    loan.anchor_date = on
    loan.anchor_no = 0
    uow.session.flush()
    notify_events.loan_disbursed(uow, loan, on)
    audit.record(
        uow,
        "loan.disburse",
        "loan",
        loan.loan_no,
        before={"status": "approved"},
        after={
            "status": "active",
            "date": on,
            "entry": result.entry_no,
            "principal": loan.principal,
            "fee": fee,
        },
    )
    return loan, result


def loan_summary(uow: UnitOfWork, loan: Loan) -> dict[str, Any]:
    """The loan's identity fields (used by every command's JSON)."""
    member = member_of(uow, loan)
    return {
        "loan_no": loan.loan_no,
        "member_no": member.member_no,
        "product": loan.product_code,
        "status": loan.status,
        "principal": loan.principal,
        "annual_rate": loan.annual_rate,
        "term": loan.term,
        "method": loan.method,
        "frequency": loan.frequency,
        "officer": loan.officer,
        "applied_on": loan.applied_on,
        "approved_on": loan.approved_on,
        "disbursed_on": loan.disbursed_on,
        "fee": loan.fee_amount,
        "fee_mode": loan.fee_mode,
    }
