"""XLSX renderer: real numbers with formats, bold totals, frozen panes, print titles."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from coopctl.core.money import D
from coopctl.reports.model import Report
from coopctl.reports.render.samples import sample_balance_sheet, sample_member_statement
from coopctl.reports.render.xlsx import render_xlsx, render_xlsx_bytes, sheet_title

openpyxl = pytest.importorskip("openpyxl")

META: dict[str, Any] = {
    "coop_name": "Ikeja Teachers' Cooperative",
    "generated_by": "ada",
    "generated_at": datetime(2026, 11, 1, 7, 30, tzinfo=UTC),
}


def _load(reports: list[Report], tmp_path: Path) -> Any:
    path = tmp_path / "out.xlsx"
    render_xlsx(reports, path, **META)
    return openpyxl.load_workbook(path)


def _row_by_label(ws: Any, label: str, column: int = 2) -> int:
    for (cell,) in ws.iter_rows(min_col=column, max_col=column):
        if cell.value == label:
            return int(cell.row)
    raise AssertionError(f"no row labelled {label!r}")


def test_money_cells_are_numbers_with_format(tmp_path: Path) -> None:
    report = sample_balance_sheet()
    ws = _load([report], tmp_path).active
    expected = {
        "Cash in hand": D("245300.00"),
        "Bank — Zenith": D("3456789.50"),
        "Loan loss provision": D("-185421.61"),
        "Total assets": D("18066667.89"),
        "Total liabilities and equity": D("18066667.89"),
    }
    for label, amount in expected.items():
        cell = ws.cell(row=_row_by_label(ws, label), column=3)
        assert isinstance(cell.value, int | float | Decimal), (label, type(cell.value))
        assert not isinstance(cell.value, bool)
        assert Decimal(str(cell.value)) == amount
        assert cell.number_format == "#,##0.00"


def test_top_rows_header_and_layout(tmp_path: Path) -> None:
    ws = _load([sample_balance_sheet()], tmp_path).active
    assert ws.title == "Statement of Financial Position"
    assert ws["A1"].value == META["coop_name"]
    assert ws["A2"].value == "Statement of Financial Position"
    assert ws["A3"].value == "As of 2026-10-31"
    header = _row_by_label(ws, "Account")
    assert [c.value for c in ws[header]][:3] == ["Code", "Account", "Amount (NGN)"]
    assert all(ws.cell(row=header, column=c).font.b for c in (1, 2, 3))
    assert ws.freeze_panes == f"A{header + 1}"
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header}"
    assert ws.page_setup.orientation == "portrait"  # 3 columns
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth == 1
    assert ws.column_dimensions["B"].width >= len("Total liabilities and equity")


def test_total_and_subtotal_rows_are_bold_with_rule(tmp_path: Path) -> None:
    ws = _load([sample_balance_sheet()], tmp_path).active
    total = _row_by_label(ws, "Total assets")
    subtotal = _row_by_label(ws, "Total current assets")
    plain = _row_by_label(ws, "Cash in hand")
    for col in (2, 3):
        assert ws.cell(row=total, column=col).font.b is True
        assert ws.cell(row=total, column=col).border.top.style == "thin"
        assert ws.cell(row=total, column=col).border.bottom.style == "double"
        assert ws.cell(row=subtotal, column=col).font.b is True
        assert ws.cell(row=subtotal, column=col).border.top.style == "thin"
        assert not ws.cell(row=plain, column=col).font.b
    assert ws.cell(row=plain, column=2).alignment.indent == 1


def test_dates_percents_and_landscape(tmp_path: Path) -> None:
    ws = _load([sample_member_statement(1, lines=3)], tmp_path).active
    row = _row_by_label(ws, "JE-0001-001")
    when = ws.cell(row=row, column=1)
    assert isinstance(when.value, datetime)  # openpyxl reads dates back as datetimes
    assert when.value.date() == date(2026, 10, 2)
    assert when.number_format == "yyyy-mm-dd"
    rate = ws.cell(row=row, column=7)
    assert Decimal(str(rate.value)) == Decimal("0.045")
    assert rate.number_format == "0.00%"
    assert ws.page_setup.orientation == "landscape"  # 7 columns


def test_one_sheet_per_report_with_unique_titles(tmp_path: Path) -> None:
    wb = _load(
        [sample_balance_sheet(), sample_member_statement(1), sample_balance_sheet()], tmp_path
    )
    assert wb.sheetnames == [
        "Statement of Financial Position",
        "Member Statement — M00001",
        "Statement of Financial Posi (2)",
    ]
    assert all(len(name) <= 31 for name in wb.sheetnames)


def test_sheet_title_rules() -> None:
    taken: set[str] = set()
    assert sheet_title("Aging: PAR/30 [draft]", taken) == "Aging- PAR-30 -draft-"
    long = "Portfolio at risk by branch and officer for October"
    assert sheet_title(long, taken) == long[:31]
    assert sheet_title(long, taken) == long[:27] + " (2)"


def test_printed_header_and_footer(tmp_path: Path) -> None:
    path = tmp_path / "hf.xlsx"
    render_xlsx([sample_balance_sheet()], path, **{**META, "coop_name": "Savings & Loans"})
    ws = openpyxl.load_workbook(path).active
    assert ws.oddHeader.left.text == "Savings && Loans"
    assert ws.oddFooter.right.text == "Page &P of &N"
    assert "Generated by ada at 2026-11-01 07:30 UTC" in ws.oddFooter.left.text


def test_document_properties(tmp_path: Path) -> None:
    wb = _load([sample_balance_sheet()], tmp_path)
    props = wb.properties
    assert props.title == "Statement of Financial Position"
    assert props.creator == META["coop_name"]
    assert props.subject == "As of 2026-10-31"
    assert props.created == datetime(2026, 11, 1, 7, 30)


def test_bytes_variant_is_a_workbook() -> None:
    data = render_xlsx_bytes([sample_balance_sheet()], **META)
    assert data[:2] == b"PK"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Statement of Financial Position"]
