"""``reports aging`` and ``reports par``: the portfolio by CBN class, and portfolio at risk.

Both read the loans context's bulk aging (:func:`coopctl.loans.portfolio.compute`,
one vectorized pass over the active loans), so their figures agree with each
other, with ``reports portfolio`` and with the provision the nightly job posts.
PAR N is the outstanding principal of loans more than N days past due ÷ gross
outstanding principal (balances, not counts).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.loans.aging import PAR_DAYS, Bucket, PortfolioAging, RiskLine, par_percent
from coopctl.reports.model import Column, Report, Row, Table

NOTE_NGN = "Amounts in Nigerian naira (NGN); outstanding = principal on the loan ledger."


def _aging(uow: UnitOfWork, as_of: date) -> PortfolioAging:
    from coopctl.jobs.snapshots import aging_as_of

    return aging_as_of(uow, as_of)  # type: ignore[no-any-return]


def _days(b: Bucket) -> str:
    if b.max_days is None:
        return f"{b.min_days}+"
    if b.min_days == b.max_days:
        return str(b.min_days)
    return f"{b.min_days}–{b.max_days}"


def _par_note(a: PortfolioAging) -> str:
    parts = [f"PAR{n} {getattr(a, f'par{n}')}%" for n in PAR_DAYS]
    return "Portfolio at risk (share of outstanding principal): " + ", ".join(parts) + "."


def build_aging(uow: UnitOfWork, as_of: date) -> Report:
    """Active loans by CBN class: loans, outstanding, arrears and the required provision."""
    require(uow.operator, "reports.view")
    a = _aging(uow, as_of)
    cols = [
        Column("class", "Class", "text"),
        Column("days", "Days past due", "text", width=14),
        Column("loans", "Loans", "int"),
        Column("outstanding", "Outstanding principal", "money"),
        Column("arrears", "Arrears", "money"),
        Column("share", "Share of portfolio", "percent"),
        Column("provision_percent", "Provision rate", "percent"),
        Column("provision", "Provision required", "money"),
    ]
    gross = a.totals.outstanding
    rows = [
        Row(
            {
                "class": b.name,
                "days": _days(b),
                "loans": b.loans,
                "outstanding": b.outstanding,
                "arrears": b.arrears,
                "share": par_percent(b.outstanding, gross),
                "provision_percent": b.provision_percent,
                "provision": b.provision,
            }
        )
        for b in a.buckets
    ]
    rows.append(
        Row(
            {
                "class": "Total",
                "days": None,
                "loans": a.totals.loans,
                "outstanding": gross,
                "arrears": a.totals.arrears,
                "share": par_percent(gross, gross),
                "provision_percent": None,
                "provision": a.totals.provision,
            },
            "total",
        )
    )
    summary: dict[str, Any] = {
        "as_of": as_of,
        "loans": a.totals.loans,
        "total_outstanding": gross,
        "total_arrears": a.totals.arrears,
        "total_provision": a.totals.provision,
        "par1": a.par1,
        "par30": a.par30,
        "par90": a.par90,
    }
    payload = {
        "as_of": as_of,
        "buckets": [
            {
                "class": b.name,
                "min_days": b.min_days,
                "max_days": b.max_days,
                "loans": b.loans,
                "outstanding": b.outstanding,
                "arrears": b.arrears,
                "provision_percent": b.provision_percent,
                "provision": b.provision,
            }
            for b in a.buckets
        ],
        **{k: v for k, v in summary.items() if k != "as_of"},
    }
    return Report(
        name="aging",
        title="Loan Portfolio Aging and Classification",
        period=f"As of {as_of.isoformat()}",
        tables=[Table("By class (CBN prudential guidelines)", cols, rows, label="class")],
        summary=summary,
        notes=[
            _par_note(a),
            "Days past due count from the oldest installment not fully paid; "
            "provision = outstanding principal × the class rate, rounded per loan.",
            NOTE_NGN,
        ],
        json_payload=payload,
    )


def _par_row(label: str, line: RiskLine, style: str = "normal") -> Row:
    cells: dict[str, Any] = {
        "product": label,
        "loans": line.loans,
        "outstanding": line.outstanding,
    }
    for n in PAR_DAYS:
        cells[f"at_risk_{n}"] = getattr(line, f"at_risk_{n}")
        cells[f"par{n}"] = getattr(line, f"par{n}")
    return Row(cells, style)


def _par_json(line: RiskLine) -> dict[str, Any]:
    out: dict[str, Any] = {
        "product": line.product_code,
        "loans": line.loans,
        "outstanding": line.outstanding,
    }
    for n in PAR_DAYS:
        out[f"at_risk_{n}"] = getattr(line, f"at_risk_{n}")
        out[f"par{n}"] = getattr(line, f"par{n}")
    return out


def build_par(uow: UnitOfWork, as_of: date) -> Report:
    """Portfolio at risk (PAR1, PAR30, PAR90) for the whole book and by product."""
    require(uow.operator, "reports.view")
    a = _aging(uow, as_of)
    cols = [
        Column("product", "Product", "text"),
        Column("loans", "Loans", "int"),
        Column("outstanding", "Outstanding principal", "money"),
    ]
    for n in PAR_DAYS:
        cols.append(Column(f"at_risk_{n}", f"At risk > {n} day{'s' if n > 1 else ''}", "money"))
        cols.append(Column(f"par{n}", f"PAR{n}", "percent"))
    rows = [_par_row(line.product_code or "(none)", line) for line in a.by_product]
    rows.append(_par_row("Total", a.totals, "total"))
    t = a.totals
    summary: dict[str, Any] = {
        "as_of": as_of,
        "par1": a.par1,
        "par30": a.par30,
        "par90": a.par90,
        "gross_outstanding": t.outstanding,
        "at_risk_1": t.at_risk_1,
        "at_risk_30": t.at_risk_30,
        "at_risk_90": t.at_risk_90,
        "loans": t.loans,
    }
    notes = [
        "PAR N = outstanding principal of loans more than N days past due ÷ gross "
        "outstanding principal (balances, not counts).",
        NOTE_NGN,
    ]
    if t.outstanding == ZERO:
        notes.insert(0, "No outstanding principal on active loans: PAR is shown as 0.00.")
    return Report(
        name="par",
        title="Portfolio at Risk",
        period=f"As of {as_of.isoformat()}",
        tables=[Table("By product", cols, rows, label="product")],
        summary=summary,
        notes=notes,
        json_payload={**summary, "by_product": [_par_json(line) for line in a.by_product]},
    )
