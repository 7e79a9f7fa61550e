"""Check-off repayments booked in one batch equal the loan-by-loan reference.

:func:`coopctl.loans.shared_bulk.book_many` reads the loans, installments, go-live
receivables, guarantees and holds of a whole file in chunks and flushes once; the
reference is :func:`coopctl.loans.shared.book` called for each loan in turn. On the
loans of a small bulk demo, random payments — a kobo, part of the dues, the dues, a
prepayment (re-amortised), the payoff, an overpayment — must leave the same
installments, allocations, repayments, loans, holds, account ``held`` amounts, credit
lines and audit rows either way (and the dues read in bulk equal ``member_dues``).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from coopctl.ledger.models import Account, Hold
from coopctl.loans import shared, shared_bulk
from coopctl.loans.models import Loan, LoanAllocation, LoanInstallment, LoanRepayment
from coopctl.loans.payment_posting import owed
from coopctl.loans.repayment import due_now
from tests.conftest import RUN_ID, Coop, _pg_admin_exec, _pg_url_for, need_pg, run_cli

TODAY = "2026-12-02"
ON = date(2026, 11, 28)
LATER = date(2027, 5, 31)
CENT = Decimal("0.01")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Coop]:
    """A small bulk demo on each database (PostgreSQL: a scratch database of its own)."""
    folder = tmp_path_factory.mktemp("shared-bulk") / "demo"
    args = ["demo", "--dir", str(folder), "--members", "90", "--months", "1", "--bulk",
            "--format", "json"]  # fmt: skip
    name = ""
    if request.param == "postgresql":
        need_pg()
        name = f"coopctl_sb_{RUN_ID}_{uuid.uuid4().hex[:8]}"
        _pg_admin_exec(f'CREATE DATABASE "{name}"')
        url = _pg_url_for(name)
        args = ["--db", url, *args]
    else:
        url = f"sqlite:///{folder / 'coop.db'}"
    r = run_cli(args, {"COOPCTL_TODAY": TODAY})
    assert r.exit_code == 0, r.stderr[-3000:]
    yield Coop(request.param, url, folder / "coop-data", folder, TODAY)
    if name:
        from coopctl.core.db import dispose_engines

        dispose_engines()
        _pg_admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _payments(u: Any, rng: random.Random, on: date = ON) -> list[tuple[str, Decimal]]:
    out = []
    loans = u.session.scalars(select(Loan).where(Loan.status == "active").order_by(Loan.id))
    for loan in loans:
        due, full = due_now(u, loan, on), owed(u, loan, on)
        choice = rng.choice(("cent", "part", "due", "ahead", "payoff", "over", "skip"))
        amount = {
            "cent": CENT,
            "part": (due / 3).quantize(CENT) if due > CENT else CENT,
            "due": due,
            "ahead": due + (max(full - due, CENT) / 2).quantize(CENT),
            "payoff": full,
            "over": full + Decimal("1234.56"),
            "skip": Decimal(0),
        }[choice]
        if amount > 0:
            out.append((loan.loan_no, amount))
    rng.shuffle(out)
    return out


def _state(u: Any, parts: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    s = u.session
    s.flush()
    no = dict(s.execute(select(Loan.id, Loan.loan_no)).all())
    inst = {r.id: (no[r.loan_id], r.no, r.superseded) for r in s.scalars(select(LoanInstallment))}
    return {
        "loans": sorted(
            (loan.loan_no, loan.status, loan.closed_on) for loan in s.scalars(select(Loan))
        ),
        "installments": sorted(
            (
                no[r.loan_id],
                r.no,
                r.due_date,
                r.superseded,
                r.origin,
                r.principal,
                r.interest,
                r.principal_paid,
                r.interest_paid,
                r.fees_paid,
                r.penalty_paid,
                r.paid_on,
            )
            for r in s.scalars(select(LoanInstallment))
        ),
        "allocations": sorted(
            (no[a.loan_id], inst[a.installment_id], a.component, a.amount, a.business_date)
            for a in s.scalars(select(LoanAllocation))
        ),
        "repayments": sorted(
            (no[r.loan_id], r.amount, r.overpayment, r.channel, r.recovery, r.shared, r.status)
            for r in s.scalars(select(LoanRepayment))
        ),
        "holds": sorted(
            (h.account_id, h.amount, h.status, h.reference) for h in s.scalars(select(Hold))
        ),
        "held": sorted((a.account_no, a.held, a.status) for a in s.scalars(select(Account))),
        "lines": [
            (loan_no, [(ln.gl_code, ln.credit, ln.debit, ln.account_no, ln.memo) for ln in lines])
            for loan_no, lines in parts
        ],
        "audit": [
            (a.action, a.entity, a.entity_id, a.before, a.after)
            for a in u.__dict__.get("_audit", [])
        ],
    }


@pytest.mark.parametrize(
    ("seed", "on"),
    [(0, ON), (1, ON), (2, ON), (3, ON), (4, LATER), (5, LATER)],
)
def test_book_many_equals_booking_loan_by_loan(demo: Coop, seed: int, on: date) -> None:
    """Random payments on a date soon after go-live (mostly partial payments and
    prepayments, re-amortised) and on a later one (the dues of the last installments:
    loans paid off, closed, their guarantee holds released)."""
    with demo.uow("demo-accountant") as u:
        payments = _payments(u, random.Random(seed), on)
        assert len(payments) >= 5
        parts = [shared.book(u, n, a, on, "REF-1", channel="checkoff") for n, a in payments]
        reference = _state(u, [(p.loan.loan_no, p.lines) for p in parts])
        u.session.rollback()
    with demo.uow("demo-accountant") as u:
        member_ids = list(u.session.scalars(select(Loan.member_id)))
        loaded = shared_bulk.Loans.load(u, member_ids)
        booked = shared_bulk.book_many(u, loaded, payments, on, "REF-1", channel="checkoff")
        bulk = _state(u, [(p.loan_no, p.lines) for p in booked.parts])
        u.session.rollback()
    for key in reference:
        assert bulk[key] == reference[key], key
    kinds = {a for a, *_ in reference["audit"]}
    assert "loan.repay_checkoff" in kinds and "hold.release" in kinds
    if on == LATER:
        assert "loan.close" in kinds


def test_a_batch_pays_each_loan_once(demo: Coop) -> None:
    with demo.uow("demo-accountant") as u:
        loan = u.session.scalars(select(Loan).where(Loan.status == "active")).first()
        assert loan is not None
        loaded = shared_bulk.Loans.load(u, [loan.member_id])
        twice = [(loan.loan_no, CENT), (loan.loan_no, CENT)]
        with pytest.raises(ValueError, match="at most once"):
            shared_bulk.book_many(u, loaded, twice, ON, "REF-1", channel="checkoff")
        u.session.rollback()


def test_dues_read_in_bulk_equal_member_dues(demo: Coop) -> None:
    with demo.uow("demo-accountant") as u:
        members = sorted(set(u.session.scalars(select(Loan.member_id))))
        loaded = shared_bulk.Loans.load(u, members)
        for as_of in (date(2026, 11, 1), ON, date(2027, 3, 31)):
            for m in members:
                assert loaded.dues(m, as_of) == shared.member_dues(u, m, as_of)


def _holds_state(u: Any) -> dict[str, Any]:
    from coopctl.loans.models import LoanGuarantor

    s = u.session
    s.flush()
    return {
        "holds": sorted(
            (h.account_id, h.amount, h.status, h.reason, h.reference)
            for h in s.scalars(select(Hold))
        ),
        "held": sorted((a.account_no, a.held) for a in s.scalars(select(Account))),
        "guarantors": sorted(
            (g.loan_id, g.member_id, g.account_id, g.hold_id is not None, g.status)
            for g in s.scalars(select(LoanGuarantor))
        ),
        "audit": [
            (
                a.action,
                a.entity,
                a.entity_id,
                {k: v for k, v in (a.after or {}).items() if k != "hold_id"},
            )
            for a in u.__dict__.get("_audit", [])
        ],
    }


def _unheld(u: Any, cut: Decimal) -> list[Loan]:
    """Release every guarantee hold (as if the loans were new) and make some loans
    partly repaid (a smaller target hold)."""
    from coopctl.deposits.holds import release_hold
    from coopctl.loans.models import LoanGuarantor

    s = u.session
    for g in s.scalars(select(LoanGuarantor).where(LoanGuarantor.hold_id.is_not(None))):
        hold = s.get(Hold, g.hold_id)
        if hold is not None and hold.status == "active":
            release_hold(u, hold)
        g.hold_id, g.account_id = None, None
    s.flush()
    u.__dict__["_audit"] = []
    loans = list(s.scalars(select(Loan).where(Loan.status == "active").order_by(Loan.id)))
    for loan in loans[::3]:  # a third of the loans owe less than they were lent
        loan.account.balance = max(loan.account.balance - cut, Decimal(0))
    return loans


def test_hold_guarantees_equals_adjust_holds_loan_by_loan(demo: Coop) -> None:
    from coopctl.loans.guarantors import adjust_holds

    with demo.uow("demo-accountant") as u:
        for loan in _unheld(u, Decimal("5000.00")):
            adjust_holds(u, loan)
        reference = _holds_state(u)
        u.session.rollback()
    with demo.uow("demo-accountant") as u:
        shared_bulk.hold_guarantees(u, _unheld(u, Decimal("5000.00")))
        bulk = _holds_state(u)
        u.session.rollback()
    assert sum(1 for a in reference["audit"] if a[0] == "hold.place") >= 5
    for key in reference:
        assert bulk[key] == reference[key], key
