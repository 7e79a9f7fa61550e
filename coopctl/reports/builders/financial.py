"""Financial statements: trial balance, balance sheet, income statement.

The cash-flow statement and the general ledger live in
:mod:`coopctl.reports.builders.cash_flow` and
:mod:`coopctl.reports.builders.general_ledger` and are re-exported here.

Presentation rules (see docs/reports.md):

- every amount is read on its account type's natural side (assets and expenses
  debit, the rest credit), so a contra account (loan-loss provision 1290,
  accumulated depreciation 1590) comes out negative and is shown as a
  deduction ("Less: …") under its group;
- the balance sheet's equity carries *current-year earnings* (income − expense
  since the start of the fiscal year) and, when an earlier year has not been
  closed yet, the *unclosed earnings of prior years*; so assets = liabilities +
  equity to the kobo whenever the trial balance balances;
- the income statement leaves out year-end closing entries, so a period that
  runs across a closed year-end still shows that year's income and expense.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.security import require
from coopctl.reports.builders.cash_flow import build_cash_flow
from coopctl.reports.builders.common import (
    NATURAL_SIDE,
    Chart,
    Node,
    Window,
    currency_note,
    earnings,
    fiscal_year_start,
    gl_sums,
    gl_sums_many,
    money,
    natural,
    prev_month_end,
    side_amount,
    total_of_type,
)
from coopctl.reports.builders.general_ledger import build_general_ledger
from coopctl.reports.model import Column, Report, Row, Table

__all__ = [
    "build_balance_sheet",
    "build_cash_flow",
    "build_general_ledger",
    "build_income_statement",
    "build_trial_balance",
]


# --- trial balance ---------------------------------------------------------------------
def build_trial_balance(uow: UnitOfWork, as_of: date) -> Report:
    """Each posting account's net debit or credit as of a date; the totals agree."""
    from coopctl.ledger.service import trial_balance

    require(uow.operator, "reports.view")
    tb = trial_balance(uow, as_of=as_of)
    cols = [
        Column("gl_code", "Code", "text", width=8),
        Column("name", "Account", "text"),
        Column("debit", "Debit", "money"),
        Column("credit", "Credit", "money"),
    ]
    rows = [
        Row(
            {
                "gl_code": r["gl_code"],
                "name": r["name"],
                "debit": r["debit"] or None,
                "credit": r["credit"] or None,
            }
        )
        for r in tb["rows"]
    ]
    rows.append(
        Row(
            {
                "gl_code": None,
                "name": "Total",
                "debit": tb["total_debit"],
                "credit": tb["total_credit"],
            },
            "total",
        )
    )
    payload = {
        "as_of": as_of,
        "rows": [
            {
                "gl_code": r["gl_code"],
                "name": r["name"],
                "type": r["type"],
                "debit": r["debit"],
                "credit": r["credit"],
            }
            for r in tb["rows"]
        ],
        "total_debit": tb["total_debit"],
        "total_credit": tb["total_credit"],
        "balanced": tb["balanced"],
    }
    notes = [currency_note(uow)]
    if not tb["balanced"]:
        notes.insert(0, "WARNING: debits and credits do not agree; run `coopctl ledger verify`.")
    return Report(
        name="trial-balance",
        title="Trial Balance",
        period=f"As of {as_of.isoformat()}",
        tables=[Table(None, cols, rows)],
        summary={k: v for k, v in payload.items() if k != "rows"},
        notes=notes,
        json_payload=payload,
    )


# --- balance sheet ---------------------------------------------------------------------
@dataclass
class _Line:
    code: str | None
    name: str
    cur: int | None
    prior: int | None
    style: str

    def row(self) -> Row:
        return Row(
            {
                "gl_code": self.code,
                "name": self.name,
                "amount": None if self.cur is None else money(self.cur),
                "prior": None if self.prior is None else money(self.prior),
            },
            self.style,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "gl_code": self.code,
            "name": self.name,
            "amount": None if self.cur is None else money(self.cur),
            "prior": None if self.prior is None else money(self.prior),
            "style": self.style,
        }


def _leaf_label(node: Node) -> str:
    return f"Less: {node.gl.name}" if node.gl.contra else node.gl.name


def section_lines(
    chart: Chart,
    gl_type: str,
    cur: dict[int, tuple[int, int]],
    prior: dict[int, tuple[int, int]] | None,
) -> list[_Line]:
    """Rows for one account type: a heading and subtotal per group, leaves indented."""
    side = NATURAL_SIDE[gl_type]
    out: list[_Line] = []

    def amount(sums: dict[int, tuple[int, int]] | None, node: Node) -> int | None:
        if sums is None:
            return None
        if node.gl.is_header:
            return natural(sums, node)
        return side_amount(sums, node.gl.id, side)

    def nonzero(node: Node) -> bool:
        return any(
            side_amount(cur, n.gl.id, side) != 0
            or (prior is not None and side_amount(prior, n.gl.id, side) != 0)
            for n in node.leaves()
        )

    def leaf(node: Node, style: str) -> None:
        out.append(
            _Line(node.code, _leaf_label(node), amount(cur, node), amount(prior, node), style)
        )

    for root in chart.of_type(gl_type):
        groups = root.children if root.gl.is_header else [root]
        for g in groups:
            if not nonzero(g):
                continue
            if not g.gl.is_header:
                leaf(g, "indent1")
                continue
            out.append(_Line(None, g.gl.name, None, None, "heading"))
            for child in g.children:
                if not nonzero(child):
                    continue
                if child.gl.is_header:
                    out.append(_Line(child.code, child.gl.name, None, None, "indent1"))
                    for n in child.leaves():
                        if nonzero(n):
                            leaf(n, "indent2")
                else:
                    leaf(child, "indent1")
            has_contra = any(n.gl.contra for n in g.leaves() if nonzero(n))
            label = (
                f"Net {g.gl.name[0].lower()}{g.gl.name[1:]}"
                if has_contra
                else f"Total {g.gl.name[0].lower()}{g.gl.name[1:]}"
            )
            out.append(_Line(None, label, amount(cur, g), amount(prior, g), "subtotal"))
    return out


COLS_BS = ["gl_code", "name", "amount", "prior"]


def _bs_columns(as_of: date, compare: date) -> list[Column]:
    return [
        Column("gl_code", "Code", "text", width=8),
        Column("name", "Account", "text"),
        Column("amount", as_of.isoformat(), "money"),
        Column("prior", compare.isoformat(), "money"),
    ]


@dataclass
class BalanceSheetFigures:
    assets: int
    liabilities: int
    equity_accounts: int
    current_year: int
    prior_unclosed: int

    @property
    def equity(self) -> int:
        return self.equity_accounts + self.current_year + self.prior_unclosed


def bs_figures(
    uow: UnitOfWork, chart: Chart, as_of: date
) -> tuple[BalanceSheetFigures, dict[int, tuple[int, int]], dict[int, tuple[int, int]]]:
    """Totals at ``as_of`` plus the sums used (to date; since the fiscal-year start)."""
    return bs_figures_many(uow, chart, [as_of])[0]


def bs_figures_many(
    uow: UnitOfWork, chart: Chart, dates: list[date]
) -> list[tuple[BalanceSheetFigures, dict[int, tuple[int, int]], dict[int, tuple[int, int]]]]:
    """:func:`bs_figures` for several dates, with one read of the sums they all need."""
    specs: list[tuple[date | None, date | None, bool]] = []
    for as_of in dates:
        fy = fiscal_year_start(uow, as_of)
        specs += [(None, as_of, False), (fy, as_of, False), (None, fy - timedelta(days=1), False)]
    sums = gl_sums_many(uow, specs)
    out = []
    for i in range(len(dates)):
        to_date, this_year, before = sums[3 * i : 3 * i + 3]
        figs = BalanceSheetFigures(
            assets=total_of_type(chart, to_date, "asset"),
            liabilities=total_of_type(chart, to_date, "liability"),
            equity_accounts=total_of_type(chart, to_date, "equity"),
            current_year=earnings(chart, this_year),
            prior_unclosed=earnings(chart, before),
        )
        out.append((figs, to_date, this_year))
    return out


def build_balance_sheet(uow: UnitOfWork, as_of: date, compare: date | None = None) -> Report:
    """Statement of financial position at ``as_of`` with a comparative column."""
    require(uow.operator, "reports.view")
    compare = compare or prev_month_end(as_of)
    chart = Chart(uow)
    (cur_f, cur_sums, _), (pri_f, pri_sums, _) = bs_figures_many(uow, chart, [as_of, compare])
    cols = _bs_columns(as_of, compare)

    sections: list[dict[str, Any]] = []
    tables: list[Table] = []

    def section(key: str, title: str, lines: list[_Line], total: tuple[int, int]) -> None:
        lines = [*lines, _Line(None, f"Total {title.lower()}", total[0], total[1], "total")]
        tables.append(Table(title, cols, [ln.row() for ln in lines], label="name"))
        sections.append(
            {
                "name": key,
                "title": title,
                "total": money(total[0]),
                "prior_total": money(total[1]),
                "lines": [ln.as_json() for ln in lines],
            }
        )

    section(
        "assets",
        "Assets",
        section_lines(chart, "asset", cur_sums, pri_sums),
        (cur_f.assets, pri_f.assets),
    )
    section(
        "liabilities",
        "Liabilities",
        section_lines(chart, "liability", cur_sums, pri_sums),
        (cur_f.liabilities, pri_f.liabilities),
    )
    eq_lines = section_lines(chart, "equity", cur_sums, pri_sums)
    if cur_f.prior_unclosed or pri_f.prior_unclosed:
        eq_lines.append(
            _Line(
                None,
                "Earnings of prior years not yet closed",
                cur_f.prior_unclosed,
                pri_f.prior_unclosed,
                "indent1",
            )
        )
    eq_lines.append(
        _Line(
            None,
            "Current-year earnings (income − expense)",
            cur_f.current_year,
            pri_f.current_year,
            "indent1",
        )
    )
    section("equity", "Equity", eq_lines, (cur_f.equity, pri_f.equity))
    le = (cur_f.liabilities + cur_f.equity, pri_f.liabilities + pri_f.equity)
    tables[-1].rows.append(_Line(None, "Total liabilities and equity", *le, "total").row())

    balanced = cur_f.assets == le[0]
    notes = [currency_note(uow), f"Comparative column: {compare.isoformat()}."]
    if not balanced or pri_f.assets != le[1]:
        notes.insert(0, "WARNING: assets do not equal liabilities + equity; run `ledger verify`.")
    summary = {
        "as_of": as_of,
        "compare_date": compare,
        "assets": money(cur_f.assets),
        "liabilities": money(cur_f.liabilities),
        "equity": money(cur_f.equity),
        "liabilities_and_equity": money(le[0]),
        "current_year_earnings": money(cur_f.current_year),
        "prior_years_unclosed_earnings": money(cur_f.prior_unclosed),
        "balanced": balanced,
        "prior": {
            "assets": money(pri_f.assets),
            "liabilities": money(pri_f.liabilities),
            "equity": money(pri_f.equity),
            "liabilities_and_equity": money(le[1]),
        },
    }
    return Report(
        name="balance-sheet",
        title="Statement of Financial Position",
        period=f"As of {as_of.isoformat()}",
        tables=tables,
        summary=summary,
        notes=notes,
        json_payload={**summary, "sections": sections},
    )


# --- income statement ------------------------------------------------------------------
def _is_lines(
    chart: Chart, gl_type: str, period: dict[int, tuple[int, int]], ytd: dict[int, tuple[int, int]]
) -> list[_Line]:
    return section_lines(chart, gl_type, period, ytd)


def build_income_statement(uow: UnitOfWork, window: Window) -> Report:
    """Income and expenses for the period and the fiscal year to date; net surplus."""
    require(uow.operator, "reports.view")
    chart = Chart(uow)
    ytd_start = fiscal_year_start(uow, window.end)
    period, ytd = gl_sums_many(
        uow, [(window.start, window.end, True), (ytd_start, window.end, True)]
    )
    cols = [
        Column("gl_code", "Code", "text", width=8),
        Column("name", "Account", "text"),
        Column("amount", "Period", "money"),
        Column("prior", "Year to date", "money"),
    ]
    inc = (total_of_type(chart, period, "income"), total_of_type(chart, ytd, "income"))
    exp = (total_of_type(chart, period, "expense"), total_of_type(chart, ytd, "expense"))
    net = (inc[0] - exp[0], inc[1] - exp[1])
    sections: list[dict[str, Any]] = []
    tables: list[Table] = []
    for key, title, gl_type, tot in (
        ("income", "Income", "income", inc),
        ("expenses", "Expenses", "expense", exp),
    ):
        lines = [
            *_is_lines(chart, gl_type, period, ytd),
            _Line(None, f"Total {title.lower()}", tot[0], tot[1], "total"),
        ]
        tables.append(Table(title, cols, [ln.row() for ln in lines], label="name"))
        sections.append(
            {
                "name": key,
                "title": title,
                "total": money(tot[0]),
                "ytd_total": money(tot[1]),
                "lines": [{**ln.as_json(), "ytd": ln.as_json()["prior"]} for ln in lines],
            }
        )
    label = "Net surplus (deficit) for the period"
    tables.append(
        Table(None, cols, [_Line(None, label, net[0], net[1], "total").row()], label="name")
    )
    for s in sections:
        for ln in s["lines"]:
            ln.pop("prior", None)
    payload = {
        "from": window.start,
        "to": window.end,
        "ytd_from": ytd_start,
        "income": money(inc[0]),
        "expenses": money(exp[0]),
        "net": money(net[0]),
        "ytd": {"income": money(inc[1]), "expenses": money(exp[1]), "net": money(net[1])},
        "sections": sections,
    }
    return Report(
        name="income-statement",
        title="Income Statement",
        period=f"{window.label()} (year to date from {ytd_start.isoformat()})",
        tables=tables,
        summary={k: v for k, v in payload.items() if k != "sections"},
        notes=[currency_note(uow), "Year-end closing entries are excluded."],
        json_payload=payload,
    )


def net_income(uow: UnitOfWork, window: Window) -> Decimal:
    """Income − expense for a window, closing entries excluded (used by cash flow, KPIs)."""
    chart = Chart(uow)
    return money(
        earnings(chart, gl_sums(uow, start=window.start, end=window.end, exclude_closing=True))
    )
