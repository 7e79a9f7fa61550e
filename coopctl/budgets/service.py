"""Budget use cases: import (all-or-nothing), show, approve (maker-checker), alerts.

A budget belongs to a fiscal year, named by the calendar year it starts in
(coop setting ``fiscal_year_start``); its monthly columns are calendar months,
so with a July start ``jan`` of budget 2026 is January 2027. Amounts are in the
GL account's normal direction (income as credits, expenses as debits).

Approval follows config ``[approvals.budget]``: when enabled and the budget's
total is at or above ``threshold`` it is imported as ``draft`` and needs
``budgets approve`` by a different operator holding ``budgets.approve`` with a
role in ``approver_roles``; otherwise it is approved on import. Importing again
over a draft replaces it; over an approved budget it needs ``replace=True`` and
makes it a draft again.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from coopctl.approvals import service as engine
from coopctl.approvals.models import PendingAction
from coopctl.approvals.registry import register
from coopctl.budgets.models import Budget, BudgetLine
from coopctl.budgets.parser import GLInfo, parse_budget_csv
from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import (
    InvalidStateError,
    NotFoundError,
    ValidationError,
)
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.ledger.models import GLAccount
from coopctl.ledger.periods import fiscal_year_months

KIND = "budget"


def check_year(year: int) -> int:
    if not 1900 <= year <= 2999:
        raise ValidationError(f"--year: {year} is not a year")
    return year


def _chart(uow: UnitOfWork) -> dict[str, GLInfo]:
    return {
        g.code: GLInfo(g.code, g.is_header, g.active)
        for g in uow.session.scalars(select(GLAccount))
    }


def get_budget(uow: UnitOfWork, year: int) -> Budget | None:
    return uow.session.scalars(select(Budget).where(Budget.year == year)).first()


def import_budget(
    uow: UnitOfWork, path: Path, year: int, *, replace: bool = False
) -> dict[str, Any]:
    """Validate the whole file, then write the budget of fiscal year ``year``."""
    require(uow.operator, "budgets.manage")
    check_year(year)
    path = Path(path)
    from coopctl.core.import_files import read_text

    read = read_text(path, name=str(path))  # bounded (core.imports)
    raw, text = read.raw, read.text
    rows = parse_budget_csv(text, str(path), _chart(uow))
    ids = {g.code: g.id for g in uow.session.scalars(select(GLAccount))}
    months = fiscal_year_months(uow, year)  # (calendar year, month) in fiscal order
    cal_year = {m: y for y, m in months}
    existing = get_budget(uow, year)
    before = None
    if existing is not None:
        if existing.status == "approved" and not replace:
            raise InvalidStateError(
                f"the budget for {year} is approved; import with --replace to revise it "
                "(it will need approval again)"
            )
        before = {"status": existing.status, "total": existing.total, "lines": len(existing.lines)}
        existing.lines.clear()
        uow.session.flush()
        budget = existing
    else:
        budget = Budget(year=year, imported_by="", imported_at=clock.utcnow())
        uow.session.add(budget)
    total = sum((r.total for r in rows), ZERO)
    budget.file_name = path.name[:255]
    budget.file_sha256 = hashlib.sha256(raw).hexdigest()
    budget.total = total
    budget.imported_by = uow.operator.username
    budget.imported_at = clock.utcnow()
    waiting = engine.find_pending(uow, KIND, str(year))
    if waiting is not None:
        engine.cancel(uow, waiting, "replaced by a new import")
    checked = engine.rule_for(uow, KIND, total) is not None
    budget.status = "draft" if checked else "approved"
    budget.approved_by = None if checked else uow.operator.username
    budget.approved_at = None if checked else clock.utcnow()
    uow.session.flush()
    for r in rows:
        for m, amount in enumerate(r.amounts, start=1):
            budget.lines.append(
                BudgetLine(
                    gl_account_id=ids[r.gl_code],
                    period_year=cal_year[m],
                    period_month=m,
                    amount=amount,
                )
            )
    uow.session.flush()
    audit.record(
        uow,
        "budget.import",
        "budget",
        year,
        before=before,
        after={
            "status": budget.status,
            "total": total,
            "lines": len(rows),
            "sha256": budget.file_sha256,
        },
    )
    if checked:
        _submit(uow, budget)
    return summary(budget, len(rows))


def _submit(uow: UnitOfWork, budget: Budget) -> PendingAction:
    return engine.submit(
        uow,
        kind=KIND,
        subject=str(budget.year),
        payload={"year": budget.year, "sha256": budget.file_sha256},
        amount=budget.total,
        maker=budget.imported_by,
        note=f"the budget for {budget.year} awaits approval: coopctl budgets approve "
        f"--year {budget.year}",
    )


def summary(budget: Budget, accounts: int | None = None) -> dict[str, Any]:
    n = accounts if accounts is not None else len({ln.gl_account_id for ln in budget.lines})
    return {
        "year": budget.year,
        "status": budget.status,
        "accounts": n,
        "total": budget.total,
        "file": budget.file_name,
        "file_sha256": budget.file_sha256,
        "imported_by": budget.imported_by,
        "approved_by": budget.approved_by,
    }


def approve_budget(
    uow: UnitOfWork, year: int, *, otp: str | None = None, comment: str = ""
) -> dict[str, Any]:
    """``budgets approve``: a checker (never the importer) approves a draft budget through
    the approvals engine (kind ``budget``)."""
    require(uow.operator, "budgets.approve")
    budget = _draft(uow, year)
    action = engine.find_pending(uow, KIND, str(budget.year))
    if action is None:
        if engine.rule_for(uow, KIND, budget.total) is None:
            _mark_approved(uow, budget)
            return summary(budget)
        action = _submit(uow, budget)
    engine.approve(uow, action.id, otp=otp, comment=comment)
    out = summary(budget)
    out["approval"] = action.action_no
    out["approval_state"] = action.state
    return out


def _draft(uow: UnitOfWork, year: int) -> Budget:
    budget = get_budget(uow, check_year(year))
    if budget is None:
        raise NotFoundError(f"no budget for {year}")
    if budget.status != "draft":
        raise InvalidStateError(f"the budget for {year} is {budget.status}, not draft")
    return budget


def _apply(uow: UnitOfWork, action: PendingAction) -> str:
    budget = _draft(uow, int(action.subject))
    if budget.file_sha256 != engine.payload_of(action).get("sha256"):
        raise InvalidStateError(f"the budget for {budget.year} was re-imported since")
    _mark_approved(uow, budget)
    return str(budget.year)


def register_kinds() -> None:
    register(KIND, apply=_apply, permission="budgets.approve", title="budgets")


def _mark_approved(uow: UnitOfWork, budget: Budget) -> None:
    budget.status = "approved"
    budget.approved_by = uow.username
    budget.approved_at = clock.utcnow()
    uow.session.flush()
    audit.record(uow, "budget.approve", "budget", budget.year, after={"total": budget.total})


def show_budget(uow: UnitOfWork, year: int) -> dict[str, Any]:
    """The budget with one row per GL account and its 12 months in fiscal order."""
    require(uow.operator, "reports.view")
    budget = get_budget(uow, check_year(year))
    if budget is None:
        raise NotFoundError(f"no budget for {year}")
    gls = {g.id: g for g in uow.session.scalars(select(GLAccount))}
    order = fiscal_year_months(uow, year)
    grid: dict[int, dict[tuple[int, int], Decimal]] = {}
    for ln in budget.lines:
        grid.setdefault(ln.gl_account_id, {})[(ln.period_year, ln.period_month)] = ln.amount
    lines = []
    for gid in sorted(grid, key=lambda i: gls[i].code):
        cells = grid[gid]
        months = [cells.get(ym, ZERO) for ym in order]
        lines.append(
            {
                "gl_code": gls[gid].code,
                "name": gls[gid].name,
                "months": {f"{y}-{m:02d}": a for (y, m), a in zip(order, months, strict=True)},
                "total": sum(months, ZERO),
            }
        )
    return {**summary(budget, len(lines)), "lines": lines}


def budget_amounts(uow: UnitOfWork, year: int) -> dict[int, dict[tuple[int, int], Decimal]]:
    """{gl_account_id: {(calendar year, month): amount}} of a fiscal year's budget."""
    budget = get_budget(uow, year)
    out: dict[int, dict[tuple[int, int], Decimal]] = {}
    if budget is None:
        return out
    for ln in budget.lines:
        out.setdefault(ln.gl_account_id, {})[(ln.period_year, ln.period_month)] = ln.amount
    return out
