"""The render() entry point, the report model, and the light-import rule."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from coopctl.core.errors import ValidationError
from coopctl.reports.model import Column, Row, Table
from coopctl.reports.render import render
from coopctl.reports.render.samples import sample_balance_sheet, sample_member_statement


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_file_formats_need_an_output_path(fmt: str) -> None:
    with pytest.raises(ValidationError, match=f"--format {fmt} needs -o PATH"):
        render(sample_balance_sheet(), fmt)


def test_unknown_format_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        render(sample_balance_sheet(), "html")


def test_json_and_csv_return_text_or_write_the_file(tmp_path: Path) -> None:
    text = render(sample_balance_sheet(), "json")
    assert text is not None
    assert json.loads(text)["assets"] == "18066667.89"
    out = tmp_path / "bs.csv"
    assert render(sample_balance_sheet(), "csv", output=out) is None
    assert "18066667.89" in out.read_text(encoding="utf-8")


def test_table_prints_to_the_console() -> None:
    console = Console(record=True, width=120)
    assert (
        render([sample_balance_sheet(), sample_member_statement()], "table", console=console)
        is None
    )
    text = console.export_text()
    assert "Statement of Financial Position" in text
    assert "Member Statement" in text


def test_xlsx_writes_one_sheet_per_report(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "pack.xlsx"
    render(
        [sample_balance_sheet(), sample_member_statement()],
        "xlsx",
        output=out,
        coop_name="Coop",
        generated_by="ada",
        generated_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    assert len(openpyxl.load_workbook(out).sheetnames) == 2


def test_model_rejects_unknown_kinds_and_styles() -> None:
    with pytest.raises(ValueError):
        Column("x", "X", "float")
    with pytest.raises(ValueError):
        Row({}, "bold")


def test_label_column_defaults() -> None:
    cols = [Column("code", "Code"), Column("name", "Name"), Column("amount", "Amt", "money")]
    heading = Row({"code": None, "name": "Assets"}, "heading")
    assert Table(None, cols, [heading]).label_index() == 1
    assert Table(None, cols, [Row({"code": "1"})]).label_index() == 0
    assert Table(None, cols, [heading], label="code").label_index() == 0
    assert Table(None, [Column("amount", "Amt", "money")], []).label_index() == 0


def test_importing_renderers_stays_light() -> None:
    code = (
        "import sys\n"
        "import coopctl.reports.model, coopctl.reports.render\n"
        "import coopctl.reports.render.jsonout, coopctl.reports.render.csvout\n"
        "import coopctl.reports.render.table, coopctl.reports.render.xlsx\n"
        "import coopctl.reports.render.pdf, coopctl.reports.render.samples\n"
        "heavy = ['openpyxl', 'weasyprint', 'jinja2', 'polars', 'rich']\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
