"""Budgets: all-or-nothing import, maker-checker approval, variance with alerts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from coopctl.core.money import D

GOOD = (
    "gl_code,name,jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec\n"
    "4100,Interest,100000,100000,100000,100000,100000,100000,100000,100000,100000,250000,"
    "100000,100000\n"
    '5500,Admin,"40,000",40000,40000,40000,40000,40000,40000,40000,40000,40000,40000,40000\n'
)


def test_import_approve_variance(coop: Any, tmp_path: Path) -> None:
    f = tmp_path / "budget.csv"
    f.write_text(GOOD)
    res = coop.ok("budgets", "import", f, "--year", "2026", operator="accountant1")
    assert res["status"] == "draft" and D(res["total"]) == D("1830000.00")
    # maker-checker: the importer cannot approve; a teller lacks the permission
    assert coop.cli("budgets", "approve", "--year", "2026", operator="accountant1").exit_code == 4
    assert coop.cli("budgets", "approve", "--year", "2026", operator="teller1").exit_code == 4
    ok = coop.ok("budgets", "approve", "--year", "2026", operator="manager1")
    assert ok["status"] == "approved" and ok["approved_by"] == "manager1"
    assert coop.cli("budgets", "approve", "--year", "2026", operator="manager2").exit_code == 5
    shown = coop.ok("budgets", "show", "--year", "2026")
    assert D(shown["lines"][0]["months"]["2026-10"]) == D("250000.00")
    # approved: re-import needs --replace and goes back to draft
    assert coop.cli("budgets", "import", f, "--year", "2026", operator="accountant1").exit_code == 5

    coop.ok(
        "postings",
        "journal",
        "--line",
        "1121:DR:300000",
        "--line",
        "4100:CR:300000",
        "--date",
        "2026-10-10",
        operator="accountant1",
    )
    coop.ok(
        "postings",
        "journal",
        "--line",
        "5500:DR:41000",
        "--line",
        "1110:CR:41000",
        "--date",
        "2026-10-11",
        operator="accountant1",
    )
    v = coop.ok("reports", "budget-variance", "--as-of", "2026-10-31")
    lines = {ln["gl_code"]: ln for ln in v["lines"]}
    # interest: 300,000 against 250,000 → +50,000 (+20 %), favourable, over the 10 % threshold
    assert D(lines["4100"]["variance"]) == D("50000.00")
    assert D(lines["4100"]["variance_percent"]) == D("20.00")
    assert lines["4100"]["alert"] is True and lines["4100"]["favourable"] is True
    # admin: 41,000 against 40,000 → +2.5 %, adverse, under the threshold
    assert D(lines["5500"]["variance_percent"]) == D("2.50")
    assert lines["5500"]["alert"] is False and lines["5500"]["favourable"] is False
    assert D(lines["4100"]["ytd_budget"]) == D("1150000.00")
    assert v["alerts"] == 1 and v["budget_status"] == "approved"

    from coopctl.reports.builders.budget_variance import variance_alerts

    with coop.uow("system") as u:
        alerts = variance_alerts(u, 2026, 10)
    assert [a["gl_code"] for a in alerts] == ["4100"]
    with coop.uow("system") as u:  # September: no actuals against 100,000 + 40,000 budgeted
        assert [a["gl_code"] for a in variance_alerts(u, 2026, 9)] == ["4100", "5500"]
    r = coop.cli(
        "budgets",
        "import",
        f,
        "--year",
        "2026",
        "--replace",
        "--format",
        "json",
        operator="accountant1",
    )
    assert r.ok().json["status"] == "draft"
    with coop.uow("system") as u:
        assert variance_alerts(u, date(2026, 10, 1).year, 10) == []  # drafts raise no alerts
    coop.ok("ledger", "verify")


def test_bad_file_writes_nothing(coop: Any, tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(GOOD + "9999,x,1,1,1,1,1,1,1,1,1,1,1,1\n5500,dup,1,1,1,1,1,1,1,1,1,1,1,1\n")
    r = coop.cli("budgets", "import", f, "--year", "2026", operator="accountant1")
    assert r.exit_code == 2
    assert f"{f}:4:gl_code: unknown GL account '9999'" in r.stderr
    assert f"{f}:5:gl_code: 5500 already budgeted on line 3" in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM budgets")[0][0] == 0
    assert coop.sql("SELECT COUNT(*) FROM budget_lines")[0][0] == 0
    assert (
        coop.cli(
            "budgets", "import", tmp_path / "nope.csv", "--year", "2026", operator="accountant1"
        ).exit_code
        == 3
    )
    assert coop.cli("budgets", "import", f, "--year", "26", operator="accountant1").exit_code == 2
    assert coop.cli("budgets", "show", "--year", "2030").exit_code == 3
