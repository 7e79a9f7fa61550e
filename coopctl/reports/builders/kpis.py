"""Key performance indicators of a savings-and-credit cooperative.

Each KPI is a ratio with its numerator, denominator and definition printed
beside it; a ratio with a zero denominator is "n/a", never a division error or
a misleading 0 %. The definitions are repeated in docs/reports.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.ledger.coa import GL
from coopctl.members.models import Member
from coopctl.reports.builders.cash_flow import cash_balance
from coopctl.reports.builders.common import (
    Chart,
    add_months,
    earnings,
    gl_sums,
    money,
    natural,
    pct,
    total_of_type,
)
from coopctl.reports.builders.financial import bs_figures
from coopctl.reports.builders.portfolio import portfolio_aging
from coopctl.reports.model import Column, Report, Row, Table

LOAN_INCOME = (GL.INTEREST_INCOME, GL.FEE_INCOME, GL.PENALTY_INCOME)
DEPOSITS_GROUP = "2100"

DEFINITIONS: dict[str, tuple[str, str]] = {
    "par30": (
        "PAR30",
        "Outstanding principal of loans more than 30 days past due ÷ gross outstanding "
        "loan principal, on the date.",
    ),
    "portfolio_yield": (
        "Portfolio yield",
        "Loan interest, fee and penalty income (GL 4100, 4200, 4300) of the 12 "
        "months to the date ÷ average gross loans (GL 1210: mean of the balances "
        "12 months before and on the date).",
    ),
    "oss": (
        "Operational self-sufficiency",
        "Total income ÷ total expenses (financial, provision and operating expenses) of the "
        "12 months to the date; year-end closing entries excluded.",
    ),
    "loan_to_savings": (
        "Loan-to-savings ratio",
        "Gross loans to members (GL 1210) ÷ members' deposits (GL 2100 group: "
        "savings and fixed deposits), on the date.",
    ),
    "liquidity": (
        "Liquidity ratio",
        "Cash and cash equivalents (accounts with cash-flow category 'cash': cash on "
        "hand, banks, gateway clearing) ÷ members' deposits (GL 2100 group).",
    ),
    "capital_to_assets": (
        "Capital-to-assets ratio",
        "Total equity including current-year earnings ÷ total assets, on the "
        "date (as on the balance sheet).",
    ),
    "member_growth": (
        "Active member growth",
        "(Active members on the date − active members 12 months earlier) ÷ active "
        "members 12 months earlier.",
    ),
}

ACTIVE_MEMBERS_DEF = (
    "Members who had joined on or before the date, had not exited by it, and are not pending "
    "KYC or suspended today."
)


@dataclass
class Kpi:
    key: str
    numerator: Decimal
    denominator: Decimal

    @property
    def value(self) -> Decimal | None:
        return pct(self.numerator, self.denominator)


def active_members(uow: UnitOfWork, on: date) -> int:
    stmt = select(func.count(Member.id)).where(
        Member.joined_on <= on,
        (Member.exited_on.is_(None)) | (Member.exited_on > on),
        Member.status.not_in(("pending_kyc", "suspended")),
    )
    return int(uow.session.execute(stmt).scalar_one())


def compute_kpis(uow: UnitOfWork, as_of: date) -> tuple[list[Kpi], dict[str, Any]]:
    chart = Chart(uow)
    year_ago = add_months(as_of, -12)
    on = gl_sums(uow, end=as_of)
    before = gl_sums(uow, end=year_ago)
    ttm = gl_sums(uow, start=year_ago + timedelta(days=1), end=as_of, exclude_closing=True)

    def bal(sums: dict[int, tuple[int, int]], code: str) -> int:
        node = chart.by_code.get(code)
        return natural(sums, node) if node is not None else 0

    loans_now, loans_then = bal(on, GL.LOANS), bal(before, GL.LOANS)
    deposits = bal(on, DEPOSITS_GROUP)
    loan_income = sum(bal(ttm, c) for c in LOAN_INCOME)
    income = total_of_type(chart, ttm, "income")
    expense = total_of_type(chart, ttm, "expense")
    figs, _, _ = bs_figures(uow, chart, as_of)
    aging = portfolio_aging(uow, as_of)
    at_risk = aging.totals.at_risk_30 if aging is not None else ZERO
    gross = aging.totals.outstanding if aging is not None else ZERO
    m_now, m_then = active_members(uow, as_of), active_members(uow, year_ago)
    kpis = [
        Kpi("par30", at_risk, gross),
        Kpi("portfolio_yield", money(loan_income), money(loans_now + loans_then) / 2),
        Kpi("oss", money(income), money(expense)),
        Kpi("loan_to_savings", money(loans_now), money(deposits)),
        Kpi("liquidity", money(cash_balance(chart, on)), money(deposits)),
        Kpi("capital_to_assets", money(figs.equity), money(figs.assets)),
        Kpi("member_growth", Decimal(m_now - m_then), Decimal(m_then)),
    ]
    extra = {
        "active_members": m_now,
        "active_members_year_ago": m_then,
        "year_ago": year_ago,
        "net_income_12m": money(earnings(chart, ttm)),
    }
    return kpis, extra


def build_kpis(uow: UnitOfWork, as_of: date) -> Report:
    """The KPI table (ratios in percent, "n/a" when the denominator is zero)."""
    require(uow.operator, "reports.view")
    kpis, extra = compute_kpis(uow, as_of)
    cols = [
        Column("name", "Indicator", "text"),
        Column("value", "Value", "percent"),
        Column("numerator", "Numerator", "money"),
        Column("denominator", "Denominator", "money"),
        Column("definition", "Definition", "text"),
    ]
    rows = []
    out = []
    for k in kpis:
        name, definition = DEFINITIONS[k.key]
        value: Any = k.value if k.value is not None else "n/a"
        is_count = k.key == "member_growth"
        num: Any = int(k.numerator) if is_count else k.numerator
        den: Any = int(k.denominator) if is_count else k.denominator
        rows.append(
            Row(
                {
                    "name": name,
                    "value": value,
                    "numerator": None if is_count else num,
                    "denominator": None if is_count else den,
                    "definition": definition,
                }
            )
        )
        out.append(
            {
                "key": k.key,
                "name": name,
                "value": value,
                "numerator": num,
                "denominator": den,
                "definition": definition,
            }
        )
    members = Table(
        "Membership",
        [
            Column("name", "Indicator", "text"),
            Column("count", "Members", "int"),
            Column("definition", "Definition", "text"),
        ],
        [
            Row(
                {
                    "name": "Active members",
                    "count": extra["active_members"],
                    "definition": ACTIVE_MEMBERS_DEF,
                }
            ),
            Row(
                {
                    "name": f"Active members on {extra['year_ago'].isoformat()}",
                    "count": extra["active_members_year_ago"],
                    "definition": ACTIVE_MEMBERS_DEF,
                }
            ),
        ],
    )
    summary = {
        "as_of": as_of,
        **{k["key"]: k["value"] for k in out},
        "active_members": extra["active_members"],
    }
    return Report(
        name="kpis",
        title="Key Performance Indicators",
        period=f"As of {as_of.isoformat()}",
        tables=[Table("Ratios", cols, rows, label="name"), members],
        summary=summary,
        notes=[
            "Ratios in percent; n/a where the denominator is zero.",
            "Definitions: docs/reports.md.",
        ],
        json_payload={
            **summary,
            "active_members_year_ago": extra["active_members_year_ago"],
            "kpis": out,
        },
    )
