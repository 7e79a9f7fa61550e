"""Cash forecast: what should come in and go out over the next weeks or months.

- Loan collections: the unpaid amounts (principal, interest, fees, penalty) of
  active loans' current installments falling due in each future period. Arrears
  (installments already past due) are shown apart, not forecast.
- Member deposits and withdrawals: the average daily cash received into and
  paid out of member deposit and share accounts (GL 2110, 2120, 3100 lines in
  entries that also move a cash account) over the last 3 months, times the days
  of each period.
- Projected cash: cash and bank on the date plus the cumulative net flow.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO, from_minor, round_money
from coopctl.core.security import require
from coopctl.core.sums import sum_sql, to_kobo
from coopctl.ledger.coa import GL
from coopctl.reports.builders.cash_flow import cash_balance
from coopctl.reports.builders.common import Chart, add_months, gl_sums, has_table
from coopctl.reports.model import Column, Report, Row, Table

MEMBER_FUNDS = (GL.SAVINGS, GL.FIXED_DEPOSITS, GL.SHARE_CAPITAL)

_FLOWS_SQL = """
SELECT COALESCE({cr}, 0), COALESCE({dr}, 0)
FROM journal_lines jl JOIN journal_entries je ON je.id = jl.entry_id
JOIN gl_accounts g ON g.id = jl.gl_account_id
WHERE je.status = 'posted' AND je.business_date >= :start AND je.business_date <= :end
  AND g.code IN ({codes})
  AND EXISTS (SELECT 1 FROM journal_lines c JOIN gl_accounts cg ON cg.id = c.gl_account_id
              WHERE c.entry_id = je.id AND cg.cash_flow = 'cash' AND cg.is_header = :no)
"""

_DUE_SQL = """
SELECT i.due_date,
       (i.principal - i.principal_paid) + (i.interest - i.interest_paid)
       + (i.fees - i.fees_paid) + (i.penalty - i.penalty_paid)
FROM loan_installments i JOIN loans l ON l.id = i.loan_id
WHERE l.status = 'active' AND i.superseded = :no AND i.due_date <= :end
"""


def periods(as_of: date, weeks: int | None, months: int | None) -> list[tuple[str, date, date]]:
    """Consecutive periods starting the day after ``as_of`` (12 weeks by default)."""
    out = []
    if months:
        for k in range(1, months + 1):
            start = add_months(as_of, k - 1) + timedelta(days=1)
            out.append((f"Month {k}", start, add_months(as_of, k)))
    else:
        for k in range(1, (weeks or 12) + 1):
            start = as_of + timedelta(days=7 * (k - 1) + 1)
            out.append((f"Week {k}", start, start + timedelta(days=6)))
    return out


def _flows(uow: UnitOfWork, start: date, end: date) -> tuple[Decimal, Decimal]:
    codes = ", ".join(f"'{c}'" for c in MEMBER_FUNDS)
    row = uow.session.execute(
        text(
            _FLOWS_SQL.format(
                codes=codes,
                cr=sum_sql(uow.dialect, "jl.credit"),
                dr=sum_sql(uow.dialect, "jl.debit"),
            )
        ),
        {"start": start, "end": end, "no": False},
    ).one()
    return from_minor(to_kobo(row[0])), from_minor(to_kobo(row[1]))


def build_cash_forecast(
    uow: UnitOfWork, as_of: date, *, weeks: int | None = None, months: int | None = None
) -> Report:
    """Expected collections and average member flows per future period; projected cash."""
    require(uow.operator, "reports.view")
    plan = periods(as_of, weeks, months)
    hist_start = add_months(as_of, -3) + timedelta(days=1)
    hist_days = (as_of - hist_start).days + 1
    dep_in, wd_out = _flows(uow, hist_start, as_of)
    per_day_in, per_day_out = dep_in / hist_days, wd_out / hist_days

    due: list[tuple[date, Decimal]] = []
    if has_table(uow, "loan_installments") and has_table(uow, "loans"):
        for d, amt in uow.session.execute(text(_DUE_SQL), {"end": plan[-1][2], "no": False}):
            if isinstance(d, str):
                d = date.fromisoformat(d)
            if int(amt) > 0:
                due.append((d, from_minor(int(amt))))
    arrears = sum((a for d, a in due if d <= as_of), ZERO)

    chart = Chart(uow)
    cash = cash_balance(chart, gl_sums(uow, end=as_of))
    running = from_minor(cash)
    cols = [
        Column("period", "Period", "text"),
        Column("from", "From", "date"),
        Column("to", "To", "date"),
        Column("collections", "Loan collections", "money"),
        Column("deposits", "Member deposits", "money"),
        Column("withdrawals", "Member withdrawals", "money"),
        Column("net", "Net flow", "money"),
        Column("projected_cash", "Projected cash", "money"),
    ]
    rows: list[Row] = []
    out: list[dict[str, Any]] = []
    totals = [ZERO, ZERO, ZERO, ZERO]
    for label, start, end in plan:
        days = (end - start).days + 1
        coll = sum((a for d, a in due if start <= d <= end), ZERO)
        dep = round_money(per_day_in * days)
        wd = round_money(per_day_out * days)
        net = coll + dep - wd
        running += net
        cells = {
            "period": label,
            "from": start,
            "to": end,
            "collections": coll,
            "deposits": dep,
            "withdrawals": wd,
            "net": net,
            "projected_cash": running,
        }
        rows.append(Row(cells))
        out.append(cells)
        totals = [a + b for a, b in zip(totals, (coll, dep, wd, net), strict=True)]
    rows.append(
        Row(
            {
                "period": "Total",
                "collections": totals[0],
                "deposits": totals[1],
                "withdrawals": totals[2],
                "net": totals[3],
                "projected_cash": running,
            },
            "total",
        )
    )
    summary = {
        "as_of": as_of,
        "opening_cash": from_minor(cash),
        "closing_cash": running,
        "arrears_not_forecast": arrears,
        "history_from": hist_start,
        "history_deposits": dep_in,
        "history_withdrawals": wd_out,
    }
    unit = f"{len(plan)} {'months' if months else 'weeks'}"
    return Report(
        name="cash-forecast",
        title="Cash Forecast",
        period=f"{unit} from {as_of.isoformat()}",
        tables=[Table(None, cols, rows, label="period")],
        summary=summary,
        notes=[
            f"Opening cash and bank {from_minor(cash):,.2f}; arrears of {arrears:,.2f} "
            "are not forecast.",
            f"Member flows: daily average of {hist_start.isoformat()} to {as_of.isoformat()}.",
        ],
        json_payload={**summary, "periods": out},
    )
