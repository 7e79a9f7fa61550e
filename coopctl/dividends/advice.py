"""A member's dividend advice as PDF: the same Jinja2 templates and stylesheet as every
report (``reports/templates``, overridable by ``[reports] templates_dir``), one page."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.dividends.models import DividendLine
from coopctl.dividends.payout import entry_no, member_name
from coopctl.dividends.service import get_run
from coopctl.reports.model import Column, Report, Row, Table


def advice_report(uow: UnitOfWork, run_id: str, member_no: str) -> Report:
    """The advice of ``member_no`` in run ``run_id`` as a report (rendered to PDF)."""
    from coopctl.members import validate

    require(uow.operator, "dividends.view")
    run = get_run(uow, run_id)
    no = validate.member_no(member_no)
    line = uow.session.scalars(
        select(DividendLine).where(DividendLine.run_id == run.id, DividendLine.member_no == no)
    ).first()
    if line is None:
        raise NotFoundError(f"member {no} has no part in dividend run {run.run_no}")
    months = "average of the 12 month-end balances" if run.weighting == "monthly" else "year end"
    base = line.share_base / (12 if run.weighting == "monthly" else 1)
    rows: list[tuple[str, Decimal | str | None, str]] = [
        (f"Share capital ({months})", base.quantize(Decimal("0.01")), "total"),
        ("Loan interest paid in the year", line.interest_paid, "normal"),
        (f"Dividend at {run.dividend_rate.normalize():f}%", line.dividend, "normal"),
        (f"Interest rebate at {run.rebate_rate.normalize():f}%", line.rebate, "normal"),
        (
            f"Withholding tax at {run.wht_percent.normalize():f}% of the dividend",
            line.wht,
            "normal",
        ),
        ("Net amount", line.net, "total"),
        ("Applied to loan arrears", line.arrears_paid, "normal"),
    ]
    table = Table(
        title=None,
        columns=[Column("item", "Item"), Column("amount", "Amount (NGN)", "money")],
        rows=[Row({"item": t, "amount": a}, style) for t, a, style in rows],
    )
    status = (
        f"Paid on {run.applied_on} to {line.pay_to} (entry {entry_no(line.entry_id)})."
        if run.status == "applied" and line.entry_id
        else f"Status of the run: {run.status}; the net amount is {line.pay_to}."
    )
    return Report(
        name="dividend-advice",
        title=f"Dividend advice {run.year}",
        period=f"Fiscal year {run.year}",
        tables=[table],
        summary={"member_no": no, "net": line.net},
        notes=[
            f"Member {no} {member_name(uow, line.member_id)}",
            f"Run {run.run_no}, declared on {run.declared_on}.",
            status,
        ],
    )


def write_advice(uow: UnitOfWork, run_id: str, member_no: str, path: Path) -> None:
    from coopctl.reports.builders.common import render_meta
    from coopctl.reports.render import render

    report = advice_report(uow, run_id, member_no)
    render(report, "pdf", output=path, **render_meta(uow))
