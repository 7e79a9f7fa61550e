"""Terminal renderer: title, period and formatted amounts."""

from __future__ import annotations

from rich.console import Console

from coopctl.reports.model import Report
from coopctl.reports.render.samples import sample_balance_sheet, sample_member_statement
from coopctl.reports.render.table import render_table


def _render(report: Report) -> str:
    console = Console(record=True, width=120, color_system=None)
    render_table(report, console)
    return console.export_text()


def test_title_period_and_amounts() -> None:
    text = _render(sample_balance_sheet())
    assert "Statement of Financial Position" in text
    assert "As of 2026-10-31" in text
    assert "18,066,667.89" in text
    assert "-185,421.61" in text
    assert "Amounts in Nigerian naira (NGN)." in text


def test_amounts_are_right_aligned_and_labels_indented() -> None:
    lines = _render(sample_balance_sheet()).splitlines()
    cash = next(line for line in lines if "Cash in hand" in line)
    total = next(line for line in lines if "Total assets" in line)
    # Right-aligned: both amounts end in the same column.
    assert cash.rstrip().endswith("245,300.00")
    assert len(cash.rstrip()) == len(total.rstrip())
    # Detail rows (indent1) are indented under their heading.
    heading = next(line for line in lines if "Current assets" in line)
    assert cash.index("Cash in hand") == heading.index("Current assets") + 2


def test_statement_dates_and_percents() -> None:
    text = _render(sample_member_statement(2, lines=3))
    assert "2026-10-02" in text
    assert "4.50%" in text
    assert "Closing balance" in text
