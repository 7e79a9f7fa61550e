"""CSV renderer: header of column keys, plain two-decimal amounts, one table per block."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from coopctl.core.money import D
from coopctl.reports.render.csvout import render_csv
from coopctl.reports.render.samples import sample_balance_sheet, sample_member_statement


def test_single_table_round_trips_through_csv_module() -> None:
    report = sample_member_statement(1, lines=6)
    text = render_csv(report)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.splitlines()[0] == "date,entry_no,narration,debit,credit,balance,rate"
    assert len(rows) == len(report.tables[0].rows)
    assert rows[0] == {
        "date": "2026-10-01",
        "entry_no": "",
        "narration": "Opening balance",
        "debit": "",
        "credit": "",
        "balance": "50000.00",
        "rate": "",
    }
    table = report.tables[0]
    for row, parsed in zip(table.rows, rows, strict=True):
        if row.cells.get("balance") is not None:
            assert Decimal(parsed["balance"]) == row.cells["balance"]
    # Amounts carry no thousands separators and always two decimals.
    assert rows[-1]["balance"] == "69000.00"
    assert rows[-1]["narration"] == "Closing balance"


def test_amounts_are_plain_strings_without_separators() -> None:
    text = render_csv(sample_balance_sheet())
    assert "18066667.89" in text
    assert "18,066,667.89" not in text
    assert "-185421.61" in text


def test_several_tables_have_title_lines_and_blank_separators() -> None:
    text = render_csv(sample_balance_sheet())
    blocks = text.split("\n\n")
    assert len(blocks) == 2
    first = list(csv.reader(io.StringIO(blocks[0])))
    assert first[0] == ["Assets"]
    assert first[1] == ["code", "name", "amount"]
    second = list(csv.reader(io.StringIO(blocks[1])))
    assert second[0] == ["Liabilities and equity"]
    assert second[-1] == ["", "Total liabilities and equity", "18066667.89"]
    assert D(second[-1][2]) == D("18066667.89")
