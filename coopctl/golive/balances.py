"""Opening balances: member accounts and loans in progress, created in bulk and posted as
opening entries against the opening-balance account (never as teller cash).

* an account's balance: Dr opening-balance account, Cr the product's control GL on the
  new account (one entry per account, idempotency key ``golive:account:A…``);
* a loan in progress: Dr 1210 on the loan account (outstanding principal), Dr 1220
  (overdue interest) and Dr 1230 (overdue penalties), Cr the opening-balance account;
  its schedule is regenerated (:mod:`coopctl.golive.loanplan`) and the guarantees are
  restored as holds on the guarantors' savings for the share still at risk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.deposits.models import DepositAccount, DepositProduct
from coopctl.golive.bulk_rows import insert_rows
from coopctl.golive.loanplan import LoanPlan, PlanError, plan_loan
from coopctl.golive.models import GoliveMember
from coopctl.golive.reader import Report
from coopctl.golive.rows import AccountRec, LoanRec, Lookups
from coopctl.golive.state import add_total, reserve
from coopctl.ledger.bulk import post_many
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans.models import Loan, LoanGuarantor, LoanInstallment, LoanProduct
from coopctl.loans.repayment import opening_memo
from coopctl.members.models import Member

KIND = "opening_balance"


def lookups(uow: UnitOfWork, golive: Any) -> Lookups:
    s = uow.session
    members = {no.upper(): mid for mid, no in s.execute(select(Member.id, Member.member_no))}
    members.update(
        {
            lid.upper(): mid
            for lid, mid in s.execute(select(GoliveMember.legacy_id, GoliveMember.member_id))
        }
    )
    dprods = {p.code: p for p in s.scalars(select(DepositProduct))}
    lprods = {p.code: p for p in s.scalars(select(LoanProduct))}
    open_accts = {
        (mid, code)
        for mid, code in s.execute(
            select(Account.member_id, Account.product_code).where(
                Account.kind.in_(("savings", "shares")), Account.status != "closed"
            )
        )
        if mid is not None
    }
    free: dict[int, Decimal] = {}
    for mid, bal, held, flr in s.execute(
        select(Account.member_id, Account.balance, Account.held, Account.floor)
        .where(Account.kind == "savings", Account.status.in_(("active", "dormant")))
        .order_by(Account.id)
    ):
        if mid is not None and mid not in free:  # the oldest savings account takes the hold
            free[mid] = bal - held - flr
    gl = {g.code: g for g in s.scalars(select(GLAccount))}
    return Lookups(members, dprods, lprods, open_accts, free, gl, golive)


# --- accounts -------------------------------------------------------------------------
def account_totals(recs: list[AccountRec], opening: str) -> dict[str, list[Decimal]]:
    totals: dict[str, list[Decimal]] = {}
    for r in recs:
        if r.balance > 0:
            add_total(totals, r.product.control_gl.code, ZERO, r.balance)
            add_total(totals, opening, r.balance, ZERO)
    return totals


def write_accounts(
    uow: UnitOfWork, recs: list[AccountRec], opening: str, ref: str
) -> tuple[list[str], int]:
    """Open the accounts in bulk and post their opening balances; (numbers, entries)."""
    from coopctl.deposits.accounts_lookup import ACCOUNT_PREFIX, ACCOUNT_WIDTH

    numbers = reserve(uow, "account", ACCOUNT_PREFIX, ACCOUNT_WIDTH, len(recs))
    now = clock.utcnow()
    params = [
        {
            "account_no": no,
            "member_id": r.member_id,
            "kind": r.product.kind,
            "product_code": r.product.code,
            "gl_account_id": r.product.control_gl_id,
            "status": "active",
            "balance": ZERO,
            "held": ZERO,
            "floor": r.product.min_balance,
            "opened_on": r.opened_on,
            "created_at": now,
        }
        for r, no in zip(recs, numbers, strict=True)
    ]
    acct_ids = insert_rows(uow, Account.__table__, params, ids=True)
    details = []
    for r, aid in zip(recs, acct_ids, strict=True):
        fd = r.product.kind == "fixed_deposit"
        term = r.product.term_days
        if fd and r.maturity_date and r.placed_on:
            term = (r.maturity_date - r.placed_on).days
        details.append(
            {
                "account_id": aid,
                "product_id": r.product.id,
                "annual_rate": r.rate if fd and r.rate is not None else r.product.annual_rate,
                "term_days": term,
                "placed_on": r.placed_on if fd else None,
                "maturity_date": r.maturity_date if fd else None,
            }
        )
    insert_rows(uow, DepositAccount.__table__, details)
    day = uow_golive(uow)
    drafts = [
        EntryDraft(
            business_date=day,
            kind=KIND,
            reference=ref,
            narration=f"Opening balance of {no} at go-live",
            idempotency_key=f"golive:account:{no}",
            lines=[
                LineDraft(opening, debit=r.balance, memo="opening balance"),
                LineDraft(
                    r.product.control_gl.code,
                    credit=r.balance,
                    account_no=no,
                    memo="opening balance",
                ),
            ],
        )
        for r, no in zip(recs, numbers, strict=True)
        if r.balance > 0
    ]
    res = post_many(uow, drafts)
    return numbers, res.posted


def uow_golive(uow: UnitOfWork) -> Any:
    from coopctl.golive.state import get_state

    st = get_state(uow)
    assert st is not None
    return st.golive_date


# --- loans ----------------------------------------------------------------------------
def plan_all(recs: list[LoanRec], lk: Lookups, rep: Report) -> list[LoanPlan | None]:
    plans: list[LoanPlan | None] = []
    for r in recs:
        p: LoanProduct = r.product
        try:
            plans.append(
                plan_loan(
                    principal=r.principal, annual_rate=r.rate, term=r.term,
                    disbursed_on=r.disbursed_on, installments_paid=r.paid,
                    outstanding=r.outstanding, arrears_principal=r.arrears_principal,
                    arrears_interest=r.arrears_interest, arrears_penalty=r.arrears_penalty,
                    arrears_since=r.arrears_since, golive=lk.golive_date, method=p.method,
                    frequency=p.frequency, day_count=p.day_count,
                    rounding_unit=p.rounding_unit, move_off_holidays=p.move_off_holidays,
                )
            )  # fmt: skip
        except PlanError as exc:
            rep.add(r.row, exc.column, exc.reason)
            plans.append(None)
        except Exception as exc:  # the schedule refused the terms (e.g. rate, term)
            rep.add(r.row, "term", getattr(exc, "message", str(exc)))
            plans.append(None)
    return plans


def _mark_penalty_periods(
    uow: UnitOfWork, recs: list[LoanRec], loans: list[Loan], day: Any, now: Any
) -> None:
    """The penalty periods an arrears installment went through before go-live were
    charged by the old system (``arrears_penalty``): record them as charged, the amount
    split over them, so the penalty job charges only the periods after go-live."""
    from coopctl.core.money import allocate
    from coopctl.loans.models import LoanPenaltyCharge
    from coopctl.loans.penalties import charge_dates, period_key

    by_id = {loan.id: (loan, r) for loan, r in zip(loans, recs, strict=True)}
    rows = uow.session.execute(
        select(LoanInstallment.id, LoanInstallment.loan_id, LoanInstallment.due_date).where(
            LoanInstallment.loan_id.in_(list(by_id)), LoanInstallment.origin == "golive_arrears"
        )
    ).all()
    for inst_id, loan_id, due in rows:
        loan, r = by_id[loan_id]
        periods = charge_dates(due, r.product.penalty_grace_days, day)
        if not periods or r.arrears_penalty <= 0:
            continue
        for k, (on, part) in enumerate(
            zip(periods, allocate(r.arrears_penalty, [1] * len(periods)), strict=True), 1
        ):
            if part > 0:
                uow.session.add(
                    LoanPenaltyCharge(
                        loan_id=loan_id, installment_id=inst_id,
                        period_key=period_key(loan.loan_no, inst_id, k), amount=part,
                        business_date=on, created_at=now,
                    )
                )  # fmt: skip
    uow.session.flush()


def loan_lines(r: LoanRec, loan_no: str, opening: str) -> list[LineDraft]:
    lines = [
        LineDraft(GL.LOANS, debit=r.outstanding, account_no=loan_no, memo="outstanding principal")
    ]
    if r.arrears_interest > 0:
        lines.append(
            LineDraft(
                GL.INTEREST_RECEIVABLE,
                debit=r.arrears_interest,
                memo=opening_memo(loan_no, "interest"),
            )
        )
    if r.arrears_penalty > 0:
        lines.append(
            LineDraft(
                GL.FEES_RECEIVABLE, debit=r.arrears_penalty, memo=opening_memo(loan_no, "penalty")
            )
        )
    total = r.outstanding + r.arrears_interest + r.arrears_penalty
    lines.append(LineDraft(opening, credit=total, memo="opening balance"))
    return lines


def loan_totals(recs: list[LoanRec], opening: str) -> dict[str, list[Decimal]]:
    totals: dict[str, list[Decimal]] = {}
    for r in recs:
        for ln in loan_lines(r, "-", opening):
            add_total(totals, ln.gl_code, ln.debit, ln.credit)
    return totals


def write_loans(
    uow: UnitOfWork, recs: list[LoanRec], plans: list[LoanPlan | None], opening: str, ref: str
) -> tuple[list[str], int]:
    from coopctl.loans.common import LOAN_PREFIX
    from coopctl.loans.shared_bulk import hold_guarantees

    day = uow_golive(uow)
    numbers = reserve(uow, "loan", LOAN_PREFIX, 7, len(recs))
    gl_loans = uow.session.scalars(select(GLAccount).where(GLAccount.code == GL.LOANS)).one()
    now, who = clock.utcnow(), uow.operator.username
    loans: list[Loan] = []
    for r, plan, no in zip(recs, plans, numbers, strict=True):
        assert plan is not None
        p: LoanProduct = r.product
        acct = Account(
            account_no=no, member_id=r.member_id, kind="loan", product_code=p.code,
            gl_account_id=gl_loans.id, status="active", balance=ZERO, held=ZERO, floor=ZERO,
            opened_on=r.disbursed_on, created_at=now,
        )  # fmt: skip
        loan = Loan(
            loan_no=no, member_id=r.member_id, product_code=p.code, officer=who,
            principal=r.principal, annual_rate=r.rate, term=r.term, method=p.method,
            frequency=p.frequency, day_count=p.day_count, grace_principal=0, grace_interest=0,
            fee_amount=ZERO, fee_mode=p.fee_mode, status="active", purpose="imported at go-live",
            applied_on=r.disbursed_on, approved_on=r.disbursed_on, disbursed_on=r.disbursed_on,
            anchor_date=plan.anchor_date, anchor_no=plan.anchor_no, created_at=now,
        )  # fmt: skip
        loan.account = acct
        uow.session.add_all([acct, loan])
        loans.append(loan)
    uow.session.flush()
    inst = [
        {
            "loan_id": loan.id, "no": i.no, "due_date": i.due_date, "principal": i.principal,
            "interest": i.interest, "fees": ZERO, "penalty": i.penalty, "principal_paid": ZERO,
            "interest_paid": ZERO, "fees_paid": ZERO, "penalty_paid": ZERO, "superseded": False,
            "origin": i.origin,
        }
        for loan, plan in zip(loans, plans, strict=True)
        for i in (plan.installments if plan else ())
    ]  # fmt: skip
    if inst:
        uow.session.execute(insert(LoanInstallment), inst)
    _mark_penalty_periods(uow, recs, loans, day, now)
    drafts = [
        EntryDraft(
            business_date=day, kind=KIND, reference=ref,
            narration=f"Opening balance of loan {no} at go-live",
            idempotency_key=f"golive:loan:{no}", lines=loan_lines(r, no, opening),
        )
        for r, no in zip(recs, numbers, strict=True)
    ]  # fmt: skip
    res = post_many(uow, drafts)
    for r, loan in zip(recs, loans, strict=True):
        for mid, amount in r.guarantors:
            uow.session.add(
                LoanGuarantor(
                    loan_id=loan.id, member_id=mid, amount=amount, status="accepted",
                    created_at=now, created_by=who,
                )
            )  # fmt: skip
    uow.session.flush()
    # each guarantee held on the guarantor's savings (guarantee × outstanding ÷ principal),
    # the loans' fresh balances and the guarantors' accounts read in chunks
    hold_guarantees(uow, [loan for r, loan in zip(recs, loans, strict=True) if r.guarantors])
    return numbers, res.posted
