"""JSON renderer: amounts as two-decimal strings, ISO dates, summary keys, json_payload."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from coopctl.core.money import D
from coopctl.reports.model import Column, Report, Row, Table
from coopctl.reports.render.jsonout import render_json, to_jsonable
from coopctl.reports.render.samples import sample_balance_sheet, sample_member_statement


def test_decimal_always_has_two_decimals() -> None:
    assert to_jsonable(Decimal("1234.5")) == "1234.50"
    assert to_jsonable(D("12500")) == "12500.00"
    assert to_jsonable(D("-0.5")) == "-0.50"
    assert to_jsonable(D("12500.50")) == "12500.50"


def test_dates_and_timestamps() -> None:
    assert to_jsonable(date(2026, 10, 31)) == "2026-10-31"
    assert to_jsonable(datetime(2026, 10, 31, 9, 5)) == "2026-10-31T09:05:00Z"
    lagos = timezone(timedelta(hours=1))
    assert to_jsonable(datetime(2026, 10, 31, 9, 5, tzinfo=lagos)) == "2026-10-31T08:05:00Z"
    assert to_jsonable(datetime(2026, 10, 31, 9, 5, tzinfo=UTC)) == "2026-10-31T09:05:00Z"


def test_nested_structures_and_dataclasses() -> None:
    @dataclass
    class Line:
        gl_code: str
        debit: Decimal
        when: date

    value = {"lines": [Line("1010", D("10"), date(2026, 1, 2))], "ok": True, "n": 3, "x": None}
    assert to_jsonable(value) == {
        "lines": [{"gl_code": "1010", "debit": "10.00", "when": "2026-01-02"}],
        "ok": True,
        "n": 3,
        "x": None,
    }
    assert to_jsonable((D("1"), D("2.5"))) == ["1.00", "2.50"]


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError):
        to_jsonable(object())


def test_generic_shape_has_summary_keys_and_tables() -> None:
    doc = json.loads(render_json(sample_balance_sheet()))
    assert doc["as_of"] == "2026-10-31"
    assert doc["assets"] == "18066667.89"
    assert doc["liabilities"] == "11876543.21"
    assert doc["equity"] == "6190124.68"
    assert [t["title"] for t in doc["tables"]] == ["Assets", "Liabilities and equity"]
    assert "rows" not in doc  # two tables: rows only inside each table
    cash = doc["tables"][0]["rows"][1]
    assert cash == {"code": "1010", "name": "Cash in hand", "amount": "245300.00"}
    assert doc["tables"][0]["rows"][0]["amount"] is None


def test_single_table_report_has_rows_at_top_level() -> None:
    doc = json.loads(render_json(sample_member_statement(3, lines=4)))
    assert doc["member_no"] == "M00003"
    assert doc["rows"] == doc["tables"][0]["rows"]
    first = doc["rows"][1]
    assert first["date"] == "2026-10-02"
    assert first["rate"] == "4.50"
    assert first["debit"] is None


def test_json_payload_wins() -> None:
    report = Report(
        name="trial-balance",
        title="Trial Balance",
        period="As of 2026-10-31",
        tables=[Table(None, [Column("gl_code", "GL")], [Row({"gl_code": "1010"})])],
        summary={"ignored": True},
        json_payload={"rows": [{"gl_code": "1010", "debit": D("5")}], "total_debit": D("5")},
    )
    assert json.loads(render_json(report)) == {
        "rows": [{"gl_code": "1010", "debit": "5.00"}],
        "total_debit": "5.00",
    }


def test_several_reports_make_one_array() -> None:
    doc = json.loads(render_json([sample_balance_sheet(), sample_member_statement()]))
    assert isinstance(doc, list)
    assert [d["report"] for d in doc] == ["balance-sheet", "member-statement"]
