"""Budget variance: actual against budget for a month and the fiscal year to date.

Actuals are GL movements in each account's normal direction (income as credits,
expenses as debits), year-end closing entries excluded. Variance = actual −
budget; for income a positive variance is favourable, for expenses adverse. A
line is flagged when the month's variance is at least ``[reports]
budget_alert_percent`` of its budget (or when there is an actual and no budget).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from coopctl.budgets.models import Budget
from coopctl.budgets.service import budget_amounts, get_budget
from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.ledger.periods import fiscal_year_months
from coopctl.reports.builders.common import (
    Chart,
    fiscal_year_start,
    gl_sums,
    money,
    month_end,
    month_start,
    pct,
    side_amount,
)
from coopctl.reports.model import Column, Report, Row, Table


def alert_percent(uow: UnitOfWork) -> Decimal:
    return Decimal(uow.settings["reports"]["budget_alert_percent"])


def variance_lines(uow: UnitOfWork, as_of: date) -> tuple[list[dict[str, Any]], Budget | None]:
    """One line per budgeted (or active P&L) account for the month of ``as_of`` and YTD."""
    fy_start = fiscal_year_start(uow, as_of)
    year = fy_start.year
    budget = get_budget(uow, year)
    grid = budget_amounts(uow, year)
    chart = Chart(uow)
    m_start, m_end = month_start(as_of), min(month_end(as_of), as_of)
    month = gl_sums(uow, start=m_start, end=m_end, exclude_closing=True)
    ytd = gl_sums(uow, start=fy_start, end=as_of, exclude_closing=True)
    order = fiscal_year_months(uow, year)
    upto = order[: order.index((as_of.year, as_of.month)) + 1]
    threshold = alert_percent(uow)
    ids = set(grid)
    for n in chart.by_id.values():
        if (
            n.gl.type in ("income", "expense")
            and not n.gl.is_header
            and (month.get(n.gl.id) or ytd.get(n.gl.id))
        ):
            ids.add(n.gl.id)
    lines = []
    for gid in sorted(ids, key=lambda i: chart.by_id[i].code):
        gl = chart.by_id[gid].gl
        cells = grid.get(gid, {})
        b_month = cells.get((as_of.year, as_of.month), ZERO)
        b_ytd = sum((cells.get(ym, ZERO) for ym in upto), ZERO)
        a_month = money(side_amount(month, gid, gl.normal_balance))
        a_ytd = money(side_amount(ytd, gid, gl.normal_balance))
        var = a_month - b_month
        var_pct = pct(var, b_month)
        alert = (abs(var_pct) >= threshold) if var_pct is not None else a_month != 0
        favourable = var >= 0 if gl.type == "income" else var <= 0
        lines.append(
            {
                "gl_code": gl.code,
                "name": gl.name,
                "type": gl.type,
                "budget": b_month,
                "actual": a_month,
                "variance": var,
                "variance_percent": var_pct,
                "ytd_budget": b_ytd,
                "ytd_actual": a_ytd,
                "ytd_variance": a_ytd - b_ytd,
                "favourable": favourable,
                "alert": alert,
            }
        )
    return lines, budget


def build_budget_variance(uow: UnitOfWork, as_of: date) -> Report:
    """Variance report for the month of ``as_of`` (actuals to that date) and the year to date."""
    require(uow.operator, "reports.view")
    lines, budget = variance_lines(uow, as_of)
    cols = [
        Column("gl_code", "Code", "text", width=8),
        Column("name", "Account", "text"),
        Column("budget", "Budget", "money"),
        Column("actual", "Actual", "money"),
        Column("variance", "Variance", "money"),
        Column("variance_percent", "Var %", "percent"),
        Column("ytd_budget", "YTD budget", "money"),
        Column("ytd_actual", "YTD actual", "money"),
        Column("ytd_variance", "YTD variance", "money"),
        Column("flag", "Flag", "text"),
    ]
    rows = []
    for kind, title in (("income", "Income"), ("expense", "Expenses"), ("other", "Other")):
        group = [
            ln
            for ln in lines
            if (ln["type"] if ln["type"] in ("income", "expense") else "other") == kind
        ]
        if not group:
            continue
        rows.append(Row({"name": title}, "heading"))
        for ln in group:
            flag = ("ALERT " if ln["alert"] else "") + ("fav." if ln["favourable"] else "adv.")
            rows.append(Row({**{c.key: ln.get(c.key) for c in cols}, "flag": flag}, "indent1"))
        sums = {
            k: sum((ln[k] for ln in group), ZERO)
            for k in ("budget", "actual", "variance", "ytd_budget", "ytd_actual", "ytd_variance")
        }
        rows.append(
            Row(
                {
                    "name": f"Total {title.lower()}",
                    **sums,
                    "variance_percent": pct(sums["variance"], sums["budget"]),
                },
                "subtotal",
            )
        )
    status = budget.status if budget is not None else "none"
    notes = [f"Alert threshold: {alert_percent(uow)}% of the month's budget."]
    if budget is None:
        notes.insert(0, f"No budget for fiscal year {fiscal_year_start(uow, as_of).year}.")
    elif budget.status != "approved":
        notes.insert(0, "DRAFT budget: not approved yet.")
    summary = {
        "as_of": as_of,
        "year": fiscal_year_start(uow, as_of).year,
        "month": f"{as_of.year}-{as_of.month:02d}",
        "budget_status": status,
        "alerts": sum(1 for ln in lines if ln["alert"]),
    }
    return Report(
        name="budget-variance",
        title="Budget Variance",
        period=f"{as_of.year}-{as_of.month:02d} (to {as_of.isoformat()}) and year to date",
        tables=[
            Table(None, cols, rows or [Row({"name": "No budget lines or activity."})], label="name")
        ],
        summary=summary,
        notes=notes,
        json_payload={**summary, "lines": lines},
    )


def variance_alerts(uow: UnitOfWork, year: int, month: int) -> list[dict[str, Any]]:
    """Lines of the approved budget whose actual of calendar month ``year-month`` is off
    budget by at least ``[reports] budget_alert_percent`` (for the jobs' notifications)."""
    from coopctl.core.security import permissions_of

    role = uow.operator.role
    require(
        uow.operator,
        "reports.view" if role and "reports.view" in permissions_of(role) else "jobs.run",
    )  # the nightly job (system) reads alerts too
    import calendar

    d = date(year, month, calendar.monthrange(year, month)[1])
    lines, budget = variance_lines(uow, d)
    if budget is None or budget.status != "approved":
        return []
    return [ln for ln in lines if ln["alert"]]
