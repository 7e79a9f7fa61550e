"""The ``loans`` template: loans in progress, opened in bulk with their schedules,
posted as opening entries and their guarantees restored as holds.

* the opening entries: Dr 1210 on each loan account (outstanding principal), Dr 1220
  (overdue interest) and Dr 1230 (overdue penalties) under the memos repayments look
  for, Cr the opening-balance account their total — one entry per run of
  :data:`~coopctl.golive.balances.ACCOUNTS_PER_ENTRY` loans;
* each loan's schedule is regenerated (:mod:`coopctl.golive.loanplan`), the penalty
  periods the old system charged are recorded as charged, and the guarantees are held
  on the guarantors' savings for the share still at risk.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.golive.balances import ACCOUNTS_PER_ENTRY, KIND, _chunks, _count, uow_golive
from coopctl.golive.loanplan import LoanPlan, PlanError, plan_loan
from coopctl.golive.reader import Report
from coopctl.golive.rows import LoanRec, Lookups
from coopctl.golive.state import add_total, reserve
from coopctl.ledger.bulk import post_many
from coopctl.ledger.bulk_rows import insert_rows
from coopctl.ledger.coa import GL
from coopctl.ledger.models import Account, GLAccount, Hold
from coopctl.ledger.rules import EntryDraft, LineDraft
from coopctl.loans.models import Loan, LoanGuarantor, LoanInstallment, LoanProduct
from coopctl.loans.repayment import opening_memo


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
    uow: UnitOfWork, recs: list[LoanRec], loans: list[tuple[int, str]], day: Any, now: Any
) -> None:
    """The penalty periods an arrears installment went through before go-live were
    charged by the old system (``arrears_penalty``): record them as charged, the amount
    split over them, so the penalty job charges only the periods after go-live.
    ``loans``: (loan id, loan number) of each record."""
    from coopctl.core.money import allocate
    from coopctl.loans.models import LoanPenaltyCharge
    from coopctl.loans.penalties import charge_dates, period_key

    by_id = {
        loan[0]: (loan, r) for loan, r in zip(loans, recs, strict=True) if r.arrears_penalty > 0
    }
    if not by_id:
        return
    rows: list[Any] = []
    for chunk in _chunks(sorted(by_id)):
        rows += uow.session.execute(
            select(LoanInstallment.id, LoanInstallment.loan_id, LoanInstallment.due_date).where(
                LoanInstallment.loan_id.in_(chunk), LoanInstallment.origin == "golive_arrears"
            )
        ).all()
    charges = []
    for inst_id, loan_id, due in sorted(rows):
        (_, loan_no), r = by_id[loan_id]
        periods = charge_dates(due, r.product.penalty_grace_days, day)
        if not periods:
            continue
        for k, (on, part) in enumerate(
            zip(periods, allocate(r.arrears_penalty, [1] * len(periods)), strict=True), 1
        ):
            if part > 0:
                charges.append(
                    {
                        "loan_id": loan_id, "installment_id": inst_id,
                        "period_key": period_key(loan_no, inst_id, k), "amount": part,
                        "business_date": on, "entry_id": None, "created_at": now,
                    }
                )  # fmt: skip
    insert_rows(uow, LoanPenaltyCharge.__table__, charges, model=LoanPenaltyCharge)


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


def loan_drafts(
    day: Any, recs: list[tuple[LoanRec, str]], opening: str, ref: str
) -> list[EntryDraft]:
    """The opening entries of loans in progress: one for each run of up to
    :data:`ACCOUNTS_PER_ENTRY` loans — each loan's debits (:func:`loan_lines`: principal
    on the loan account, overdue interest and penalties under the memos repayments look
    for), Cr the opening-balance account their total."""
    drafts = []
    for chunk in _chunks(recs, ACCOUNTS_PER_ENTRY):
        lines = [ln for r, no in chunk for ln in loan_lines(r, no, opening)[:-1]]
        total = sum((ln.debit for ln in lines), ZERO)
        first, last = chunk[0][1], chunk[-1][1]
        drafts.append(
            EntryDraft(
                business_date=day, kind=KIND, reference=ref,
                narration=f"Opening balances of loans at go-live: {first}..{last} "
                f"({_count(len(chunk), 'loan')})",
                idempotency_key=f"golive:loans:{first}..{last}",
                lines=[*lines, LineDraft(opening, credit=total, memo="opening balances")],
            )
        )  # fmt: skip
    return drafts


def loan_totals(recs: list[LoanRec], opening: str) -> dict[str, list[Decimal]]:
    totals: dict[str, list[Decimal]] = {}
    for r in recs:
        for ln in loan_lines(r, "-", opening):
            add_total(totals, ln.gl_code, ln.debit, ln.credit)
    return totals


def write_loans(
    uow: UnitOfWork, recs: list[LoanRec], plans: list[LoanPlan | None], opening: str, ref: str
) -> tuple[list[str], int]:
    """Open the loans in progress in bulk (accounts, loans, schedules, penalty periods
    already charged, guarantees), post their opening entries and place the guarantees'
    holds; (numbers, entries). Rows go in as plain rows
    (:func:`coopctl.ledger.bulk_rows.insert_rows`), no ORM object per loan."""
    from coopctl.loans.common import LOAN_PREFIX

    day = uow_golive(uow)
    numbers = reserve(uow, "loan", LOAN_PREFIX, 7, len(recs))
    gl_loans = uow.session.scalars(select(GLAccount).where(GLAccount.code == GL.LOANS)).one()
    now, who = clock.utcnow(), uow.operator.username
    acct_ids = insert_rows(
        uow,
        Account.__table__,
        [
            {
                "account_no": no, "member_id": r.member_id, "kind": "loan",
                "product_code": r.product.code, "gl_account_id": gl_loans.id, "status": "active",
                "balance": ZERO, "held": ZERO, "floor": ZERO, "opened_on": r.disbursed_on,
                "created_at": now,
            }
            for r, no in zip(recs, numbers, strict=True)
        ],
        ids=True,
        model=Account,
    )  # fmt: skip
    loan_rows = []
    for r, plan, no, aid in zip(recs, plans, numbers, acct_ids, strict=True):
        assert plan is not None
        p: LoanProduct = r.product
        loan_rows.append(
            {
                "loan_no": no, "member_id": r.member_id, "product_code": p.code,
                "account_id": aid, "officer": who, "principal": r.principal,
                "annual_rate": r.rate, "term": r.term, "method": p.method,
                "frequency": p.frequency, "day_count": p.day_count, "grace_principal": 0,
                "grace_interest": 0, "fee_amount": ZERO, "fee_mode": p.fee_mode,
                "status": "active", "purpose": "imported at go-live",
                "applied_on": r.disbursed_on, "approved_on": r.disbursed_on,
                "disbursed_on": r.disbursed_on, "anchor_date": plan.anchor_date,
                "anchor_no": plan.anchor_no, "created_at": now,
            }
        )  # fmt: skip
    loan_ids = insert_rows(uow, Loan.__table__, loan_rows, ids=True, model=Loan)
    inst = [
        {
            "loan_id": lid, "no": i.no, "due_date": i.due_date, "principal": i.principal,
            "interest": i.interest, "fees": ZERO, "penalty": i.penalty, "principal_paid": ZERO,
            "interest_paid": ZERO, "fees_paid": ZERO, "penalty_paid": ZERO, "superseded": False,
            "origin": i.origin,
        }
        for lid, plan in zip(loan_ids, plans, strict=True)
        for i in (plan.installments if plan else ())
    ]  # fmt: skip
    insert_rows(uow, LoanInstallment.__table__, inst, model=LoanInstallment)
    _mark_penalty_periods(uow, recs, list(zip(loan_ids, numbers, strict=True)), day, now)
    res = post_many(uow, loan_drafts(day, list(zip(recs, numbers, strict=True)), opening, ref))
    _guarantees(uow, recs, list(zip(loan_ids, numbers, strict=True)), now, who)
    return numbers, res.posted


def _guarantees(
    uow: UnitOfWork, recs: list[LoanRec], loans: list[tuple[int, str]], now: Any, who: str
) -> None:
    """The loans' guarantees (accepted), each held on the guarantor's savings for the
    share still at risk, as :func:`coopctl.loans.shared_bulk.hold_guarantees` holds them
    for new loans: a hold of round_money(guarantee × outstanding ÷ principal) on the
    guarantor's oldest open savings account, refused beyond what it has available —
    in bulk (holds, guarantees and the accounts' ``held`` written as plain rows, one
    ``hold.place_many`` audit record). The outstanding principal is the loan account's
    balance, which the opening entry just set."""
    from sqlalchemy import Table, bindparam, update

    from coopctl.core import audit
    from coopctl.core.money import round_money
    from coopctl.deposits.errors import HoldError
    from coopctl.loans.common import SAVINGS_KIND
    from coopctl.loans.guarantors import HOLD_REASON

    wanted = sorted({mid for r in recs for mid, _ in r.guarantors})
    if not wanted:
        return
    savings: dict[int, list[Any]] = {}  # member → [id, no, balance, held, floor]
    for chunk in _chunks(wanted):  # each guarantor's oldest open savings account, locked
        stmt = (
            select(Account.member_id, Account.id, Account.account_no, Account.balance,
                   Account.held, Account.floor)
            .where(Account.member_id.in_(chunk), Account.kind == SAVINGS_KIND,
                   Account.status.in_(("active", "dormant")))
            .order_by(Account.id)
        )  # fmt: skip
        if uow.dialect == "postgresql":
            stmt = stmt.with_for_update()
        for found in uow.session.execute(stmt):
            savings.setdefault(int(found[0] or 0), list(found[1:]))
    holds: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    placed: list[int | None] = []  # per guarantee: its hold's position in ``holds``
    for r, (lid, loan_no) in zip(recs, loans, strict=True):
        share = min(max(r.outstanding, ZERO), r.principal)
        for mid, amount in r.guarantors:
            rows.append({"loan_id": lid, "member_id": mid, "amount": amount,
                         "status": "accepted", "created_at": now, "created_by": who})  # fmt: skip
            target = round_money(amount * share / r.principal)
            acct = savings.get(mid)
            if target == 0 or acct is None:
                placed.append(None)
                continue
            free = max(acct[2] - acct[3] - acct[4], ZERO)
            if target > free:
                raise HoldError(
                    f"account {acct[1]}: available {free:,.2f}, cannot hold {target:,.2f}"
                )
            acct[3] += target
            placed.append(len(holds))
            holds.append({"account_id": acct[0], "amount": target, "reason": HOLD_REASON,
                          "reference": loan_no[:64], "status": "active",
                          "created_at": clock.utcnow()})  # fmt: skip
    hold_ids = insert_rows(uow, Hold.__table__, holds, ids=True, model=Hold)
    for row, k in zip(rows, placed, strict=True):
        row["hold_id"] = hold_ids[k] if k is not None else None
        row["account_id"] = holds[k]["account_id"] if k is not None else None
    insert_rows(uow, LoanGuarantor.__table__, rows, model=LoanGuarantor)
    held = {h["account_id"] for h in holds}
    changed = [{"aid": a[0], "held": a[3]} for a in savings.values() if a[0] in held]
    if changed:
        t: Table = Account.__table__  # type: ignore[assignment]
        uow.session.execute(
            update(t).where(t.c.id == bindparam("aid")).values(held=bindparam("held")),
            changed,
        )
    if holds:
        audit.record(
            uow, "hold.place_many", "hold", f"{hold_ids[0]}..{hold_ids[-1]}",
            after={"holds": len(holds), "accounts": len(changed),
                   "total": sum((h["amount"] for h in holds), ZERO), "reason": HOLD_REASON,
                   "first": holds[0]["reference"], "last": holds[-1]["reference"]},
        )  # fmt: skip
