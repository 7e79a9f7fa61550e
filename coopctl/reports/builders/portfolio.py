"""Loan portfolio by product and by loan officer.

Counts, principal disbursed and outstanding principal come from the loans
(outstanding = the loan's sub-ledger balance, as aging reads it); arrears and
the amount at risk over 30 days come from the loans context's portfolio aging,
so this report agrees with ``reports aging`` and ``reports par``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import text

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.reports.builders.common import has_table, pct
from coopctl.reports.model import Column, Report, Row, Table

_LOANS_SQL = text(
    "SELECT l.id, l.product_code, l.officer, l.principal, l.disbursed_on"
    " FROM loans l WHERE l.status = 'active' AND l.disbursed_on <= :as_of"
)


def loans_available(uow: UnitOfWork) -> bool:
    return has_table(uow, "loans") and has_table(uow, "loan_installments")


def portfolio_aging(uow: UnitOfWork, as_of: date) -> Any:
    """The loans context's bulk aging (None when loans are not installed)."""
    if not loans_available(uow):
        return None
    from coopctl.jobs.snapshots import aging_as_of

    return aging_as_of(uow, as_of)


def _group_table(title: str, key_title: str, groups: dict[str, list[Any]]) -> Table:
    cols = [
        Column("group", key_title, "text"),
        Column("loans", "Loans", "int"),
        Column("disbursed", "Principal disbursed", "money"),
        Column("outstanding", "Outstanding", "money"),
        Column("arrears", "Arrears", "money"),
        Column("at_risk_30", "At risk > 30 days", "money"),
        Column("par30", "PAR30", "percent"),
    ]
    rows = []
    tot: list[Any] = [0, ZERO, ZERO, ZERO, ZERO]
    for key in sorted(groups):
        g = groups[key]
        rows.append(
            Row(
                {
                    "group": key,
                    "loans": g[0],
                    "disbursed": g[1],
                    "outstanding": g[2],
                    "arrears": g[3],
                    "at_risk_30": g[4],
                    "par30": pct(g[4], g[2]),
                }
            )
        )
        tot = [a + b for a, b in zip(tot, g, strict=True)]
    rows.append(
        Row(
            {
                "group": "Total",
                "loans": tot[0],
                "disbursed": tot[1],
                "outstanding": tot[2],
                "arrears": tot[3],
                "at_risk_30": tot[4],
                "par30": pct(tot[4], tot[2]),
            },
            "total",
        )
    )
    return Table(title, cols, rows, label="group")


def build_portfolio(uow: UnitOfWork, as_of: date) -> Report:
    """Active loans grouped by product and by loan officer."""
    require(uow.operator, "reports.view")
    by_product: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO])
    by_officer: dict[str, list[Any]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO, ZERO])
    notes = ["Active loans disbursed on or before the date; outstanding = ledger principal."]
    aging = portfolio_aging(uow, as_of)
    if aging is None:
        notes.insert(0, "The loans context is not installed: no loans to show.")
    else:
        from coopctl.core.money import from_minor

        for loan_id, product, officer, principal, _d in uow.session.execute(
            _LOANS_SQL, {"as_of": as_of}
        ):
            a = aging.per_loan.get(loan_id)
            outstanding = a.outstanding_principal if a else ZERO
            arrears = a.arrears if a else ZERO
            risk = outstanding if a and a.days_past_due > 30 else ZERO
            vals = (1, from_minor(int(principal)), outstanding, arrears, risk)
            for groups, key in ((by_product, product), (by_officer, officer or "(none)")):
                groups[key] = [x + y for x, y in zip(groups[key], vals, strict=True)]
    tables = [
        _group_table("By product", "Product", by_product),
        _group_table("By loan officer", "Loan officer", by_officer),
    ]

    def as_json(groups: dict[str, list[Any]], key: str) -> list[dict[str, Any]]:
        return [
            {
                key: k,
                "loans": g[0],
                "disbursed": g[1],
                "outstanding": g[2],
                "arrears": g[3],
                "at_risk_30": g[4],
                "par30": pct(g[4], g[2]),
            }
            for k, g in sorted(groups.items())
        ]

    total = tables[0].rows[-1].cells
    summary = {
        "as_of": as_of,
        "loans": total["loans"],
        "disbursed": total["disbursed"],
        "outstanding": total["outstanding"],
        "arrears": total["arrears"],
        "par30": total["par30"] if total["par30"] is not None else "n/a",
    }
    return Report(
        name="portfolio",
        title="Loan Portfolio",
        period=f"As of {as_of.isoformat()}",
        tables=tables,
        summary=summary,
        notes=notes,
        json_payload={
            **summary,
            "by_product": as_json(by_product, "product"),
            "by_officer": as_json(by_officer, "officer"),
        },
    )
