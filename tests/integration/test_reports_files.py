"""XLSX and PDF read back: numbers are numbers and equal the JSON; the PDF carries title and
totals; the month-end pack writes both files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from coopctl.core.money import D
from tests.integration.test_reports_financial import post_books


@pytest.fixture
def books(coop: Any) -> Any:
    post_books(coop)
    return coop


def _rows(path: Path) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [tuple(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]


def test_balance_sheet_xlsx_and_pdf(books: Any, tmp_path: Path) -> None:
    bs = books.ok("reports", "balance-sheet", "--as-of", "2026-11-28")
    xlsx, pdf = tmp_path / "bs.xlsx", tmp_path / "bs.pdf"
    books.cli("reports", "balance-sheet", "--as-of", "2026-11-28", "-f", "xlsx", "-o", xlsx).ok()
    rows = _rows(xlsx)
    by_label = {r[1]: r for r in rows if len(r) > 3 and isinstance(r[1], str)}
    for label, key in (
        ("Total assets", "assets"),
        ("Total liabilities", "liabilities"),
        ("Total equity", "equity"),
    ):
        cur, prior = by_label[label][2], by_label[label][3]
        assert isinstance(cur, int | float) and not isinstance(cur, bool), label
        assert Decimal(str(cur)).quantize(D("0.01")) == D(bs[key])
        assert Decimal(str(prior)).quantize(D("0.01")) == D(bs["prior"][key])
    assert isinstance(by_label["Less: Accumulated depreciation"][2], int | float)

    books.cli("reports", "balance-sheet", "--as-of", "2026-11-28", "-f", "pdf", "-o", pdf).ok()
    from pypdf import PdfReader

    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Statement of Financial Position" in text
    assert "1,644,999.50" in text and "744,999.50" in text and "Unity Staff Cooperative" in text


def test_trial_balance_xlsx_equals_json(books: Any, tmp_path: Path) -> None:
    tb = books.ok("reports", "trial-balance", "--as-of", "2026-11-28")
    out = tmp_path / "tb.xlsx"
    books.cli("reports", "trial-balance", "--as-of", "2026-11-28", "-f", "xlsx", "-o", out).ok()
    rows = {r[0]: r for r in _rows(out) if r and isinstance(r[0], str) and r[0].isdigit()}
    for r in tb["rows"]:
        x = rows[r["gl_code"]]
        assert Decimal(str(x[2] or 0)).quantize(D("0.01")) == D(r["debit"])
        assert Decimal(str(x[3] or 0)).quantize(D("0.01")) == D(r["credit"])


def test_month_end_pack(books: Any, tmp_path: Path) -> None:
    out = tmp_path / "packs"
    res = books.ok("reports", "pack", "--month", "2026-10", "-o", out)
    assert Path(res["pdf"]).is_file() and Path(res["xlsx"]).is_file()
    for name in (
        "balance-sheet",
        "income-statement",
        "cash-flow",
        "trial-balance",
        "kpis",
        "budget-variance",
        "cash-forecast",
    ):
        assert name in res["reports"]
    from openpyxl import load_workbook
    from pypdf import PdfReader

    wb = load_workbook(res["xlsx"])
    assert len(wb.sheetnames) == len(res["reports"])
    text = "\n".join(p.extract_text() for p in PdfReader(res["pdf"]).pages)
    assert "Contents" in text and "Month-end report pack 2026-10" in text
    assert "Statement of Cash Flows" in text and "1,654,999.50" in text  # total assets 31 Oct
    r = books.cli("reports", "pack", "--month", "2026-13", "-o", out)
    assert r.exit_code == 2
