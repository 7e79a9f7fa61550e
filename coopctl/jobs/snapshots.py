"""Loan classification history: what ``loans.age`` saw on each business date.

Aging recomputed today from the installments reflects today's repayments; a
report ``--as-of`` a past date must show the classes the cooperative had *then*.
The nightly ``loans.age`` step writes one row per active loan per business date
(never updated: a second run for the date keeps the first); the portfolio, aging
and PAR reports use the snapshot of a past date when one exists, and compute
live otherwise (today, or a date before the job ran).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from coopctl.core.db import UnitOfWork
from coopctl.jobs.models import LoanClassSnapshot

_E6 = Decimal(1_000_000)


def take_snapshot(uow: UnitOfWork, as_of: date) -> tuple[int, int]:
    """Write the date's snapshot; returns (rows written, rows already there)."""
    from coopctl.loans.models import Loan
    from coopctl.loans.portfolio import compute

    existing = uow.session.scalar(
        select(func.count())
        .select_from(LoanClassSnapshot)
        .where(LoanClassSnapshot.business_date == as_of)
    )
    if existing:
        return 0, int(existing or 0)
    reader = uow.reading(caught_up=True)  # the bulk read: the replica, once caught up
    aging = compute(reader, as_of)
    products = dict(reader.session.execute(select(Loan.id, Loan.product_code)).all())
    rows = [
        LoanClassSnapshot(
            business_date=as_of,
            loan_id=loan_id,
            product_code=products.get(loan_id, ""),
            days_past_due=a.days_past_due,
            classification=a.classification,
            outstanding=a.outstanding_principal,
            arrears=a.arrears,
            arrears_principal=a.arrears_principal,
            provision=a.provision,
            provision_rate_e6=int(a.provision_rate * _E6),
        )
        for loan_id, a in aging.per_loan.items()
    ]
    uow.session.add_all(rows)
    uow.session.flush()
    return len(rows), 0


def snapshot_aging(uow: UnitOfWork, as_of: date) -> Any:
    """The :class:`PortfolioAging` recorded for ``as_of``, or None when none was taken."""
    from coopctl.loans.aging import LoanAging, summarise
    from coopctl.loans.portfolio import table_of

    rows = uow.session.scalars(
        select(LoanClassSnapshot).where(LoanClassSnapshot.business_date == as_of)
    ).all()
    if not rows:
        return None
    per_loan = {
        r.loan_id: LoanAging(
            days_past_due=r.days_past_due,
            arrears=r.arrears,
            arrears_principal=r.arrears_principal,
            classification=r.classification,
            provision_rate=Decimal(r.provision_rate_e6) / _E6,
            provision=r.provision,
            outstanding_principal=r.outstanding,
        )
        for r in rows
    }
    return summarise(as_of, table_of(uow), per_loan, {r.loan_id: r.product_code for r in rows})


def aging_as_of(uow: UnitOfWork, as_of: date) -> Any:
    """Aging for a report: the recorded snapshot of a past date, else computed live."""
    from coopctl.core import clock
    from coopctl.loans.portfolio import compute

    today = clock.today(uow.settings["cooperative"]["timezone"])
    if as_of < today:
        snap = snapshot_aging(uow, as_of)
        if snap is not None:
            return snap
    return compute(uow, as_of)
