"""The report registry: name → builder of the built-in reports, and the pack order.

:mod:`coopctl.reports.service` runs them (and the custom TOML reports); each builder
returns :class:`~coopctl.reports.model.Report` data and never renders. Builders of other
contexts (loans aging/PAR) are imported only when run, so a missing context makes its
reports unavailable, not the registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.reports.builders.common import Window, resolve_window
from coopctl.reports.model import Report


@dataclass
class Params:
    """What the operator asked for: ``--as-of`` or ``--from/--to``, plus report options."""

    as_of: date | None = None
    start: date | None = None
    end: date | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def date(self, uow: UnitOfWork) -> date:
        return self.as_of or self.end or uow.today()

    def window(self, uow: UnitOfWork) -> Window:
        return resolve_window(self.as_of, self.start, self.end, uow.today())


Builder = Callable[[UnitOfWork, Params], Report]


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    description: str
    period: str  # "as_of" | "range"
    builder: Builder
    source: str = "built-in"
    in_pack: bool = True


def _lazy(module: str, func: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        # imported when the report runs (the builders ship with coopctl; this only keeps
        # heavy imports out of `coopctl --help`)
        return getattr(importlib.import_module(module), func)(*args, **kwargs)

    return call


_F = "coopctl.reports.builders.financial"


def _tb(u: UnitOfWork, p: Params) -> Report:
    return _lazy(_F, "build_trial_balance")(u, p.date(u))  # type: ignore[no-any-return]


def _bs(u: UnitOfWork, p: Params) -> Report:
    return _lazy(_F, "build_balance_sheet")(u, p.date(u), p.options.get("compare"))  # type: ignore[no-any-return]


def _is(u: UnitOfWork, p: Params) -> Report:
    return _lazy(_F, "build_income_statement")(u, p.window(u))  # type: ignore[no-any-return]


def _cf(u: UnitOfWork, p: Params) -> Report:
    return _lazy(_F, "build_cash_flow")(u, p.window(u))  # type: ignore[no-any-return]


def _gl(u: UnitOfWork, p: Params) -> Report:
    return _lazy(_F, "build_general_ledger")(u, p.window(u), p.options.get("account"))  # type: ignore[no-any-return]


def _need_loans(u: UnitOfWork) -> None:
    from coopctl.reports.builders.portfolio import loans_available

    if not loans_available(u):
        raise NotFoundError("report not available: the loans tables are not installed")


def _aging(u: UnitOfWork, p: Params) -> Report:
    require(u.operator, "reports.view")
    _need_loans(u)
    return _lazy("coopctl.reports.builders.aging", "build_aging")(u, p.date(u))  # type: ignore[no-any-return]


def _par(u: UnitOfWork, p: Params) -> Report:
    require(u.operator, "reports.view")
    _need_loans(u)
    return _lazy("coopctl.reports.builders.aging", "build_par")(u, p.date(u))  # type: ignore[no-any-return]


def _portfolio(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.reports.builders.portfolio", "build_portfolio")(u, p.date(u))  # type: ignore[no-any-return]


def _kpis(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.reports.builders.kpis", "build_kpis")(u, p.date(u))  # type: ignore[no-any-return]


def _budget(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.reports.builders.budget_variance", "build_budget_variance")(  # type: ignore[no-any-return]
        u, p.date(u)
    )


def _statements(u: UnitOfWork, p: Params) -> Report:
    mod = "coopctl.reports.builders.statements"
    data = _lazy(mod, "build_statement_set")(u, p.window(u), p.options.get("member"))
    return _lazy(mod, "combined_report")(data)  # type: ignore[no-any-return]


def _forecast(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.reports.builders.cash_forecast", "build_cash_forecast")(  # type: ignore[no-any-return]
        u, p.date(u), weeks=p.options.get("weeks"), months=p.options.get("months")
    )


def _accruals(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.deposits.accrual_report", "build_interest_accruals")(u, p.date(u))  # type: ignore[no-any-return]


def _dormant(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.deposits.dormancy_report", "build_dormant_report")(u, p.date(u))  # type: ignore[no-any-return]


def _bank_rec(u: UnitOfWork, p: Params) -> Report:
    return _lazy("coopctl.recon.report", "pack_builder")(u, p)  # type: ignore[no-any-return]


BUILT_INS: dict[str, ReportSpec] = {
    s.name: s
    for s in [
        ReportSpec(
            "trial-balance",
            "Trial Balance",
            "Net debit or credit of every posting account; totals agree.",
            "as_of",
            _tb,
        ),
        ReportSpec(
            "balance-sheet",
            "Statement of Financial Position",
            "Assets, liabilities and equity, with the prior month-end.",
            "as_of",
            _bs,
        ),
        ReportSpec(
            "income-statement",
            "Income Statement",
            "Income and expenses for the period and the year to date.",
            "range",
            _is,
        ),
        ReportSpec(
            "cash-flow",
            "Statement of Cash Flows",
            "Indirect method; reconciles to the change in cash and bank.",
            "range",
            _cf,
        ),
        ReportSpec(
            "general-ledger",
            "General Ledger",
            "Every posting per account with opening, running and closing balances.",
            "range",
            _gl,
            in_pack=False,
        ),
        ReportSpec(
            "portfolio",
            "Loan Portfolio",
            "Loans by product and by loan officer: count, disbursed, outstanding, arrears.",
            "as_of",
            _portfolio,
        ),
        ReportSpec(
            "aging",
            "Loan Aging",
            "Loans by days past due with the provisioning table.",
            "as_of",
            _aging,
        ),
        ReportSpec("par", "Portfolio at Risk", "PAR1/30/60/90 by product.", "as_of", _par),
        ReportSpec(
            "kpis",
            "Key Performance Indicators",
            "PAR30, yield, OSS, loan-to-savings, liquidity, capital, members.",
            "as_of",
            _kpis,
        ),
        ReportSpec(
            "budget-variance",
            "Budget Variance",
            "Actual against the approved budget, month and year to date, with alerts.",
            "as_of",
            _budget,
        ),
        ReportSpec(
            "member-statements",
            "Member Statements",
            "Every member's accounts for one period (bulk).",
            "range",
            _statements,
            in_pack=False,
        ),
        ReportSpec(
            "cash-forecast",
            "Cash Forecast",
            "Expected loan collections plus average deposit flows, ahead.",
            "as_of",
            _forecast,
        ),
        ReportSpec(
            "interest-accruals",
            "Interest Accruals",
            "Interest payable (2210): fixed deposits and savings accruals not yet posted.",
            "as_of",
            _accruals,
        ),
        ReportSpec(
            "dormant",
            "Dormant Accounts and Unclaimed Balances",
            "Dormant savings accounts, their balances, and those unclaimed.",
            "as_of",
            _dormant,
            in_pack=False,
        ),
        ReportSpec(
            "bank-reconciliation",
            "Bank Reconciliation",
            "Statement against book balance per bank, with reconciling items and ages.",
            "as_of",
            _bank_rec,
        ),
    ]
}

PACK_ORDER = (
    "balance-sheet",
    "income-statement",
    "cash-flow",
    "trial-balance",
    "portfolio",
    "aging",
    "par",
    "kpis",
    "budget-variance",
    "cash-forecast",
    "interest-accruals",
    "bank-reconciliation",
)
