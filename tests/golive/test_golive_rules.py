"""Go-live refusals: every bad row at once and nothing written; the lock after finish;
the same file twice; dry runs; XLSX templates round-trip; hostile cells."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.golive.test_golive_worked import (
    ACCOUNTS,
    GL_ROWS,
    GOLIVE,
    LOAN,
    LOAN_HEADER,
    MEMBERS,
    go_live,
    write_csv,
)


def _import_base(coop: Coop, tmp: Path) -> None:
    for kind, rows in (("members", MEMBERS), ("accounts", ACCOUNTS)):
        coop.ok("golive", "import", kind, write_csv(tmp / f"{kind}.csv", rows), "--as-of", GOLIVE)


def _counts(coop: Coop) -> tuple[int, int, int]:
    loans = coop.sql("SELECT COUNT(*) FROM loans")[0][0]
    entries = coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0]
    holds = coop.sql("SELECT COUNT(*) FROM holds")[0][0]
    return loans, entries, holds


def test_three_bad_loan_rows_are_all_named_and_nothing_is_written(
    coop: Coop, tmp_path: Path
) -> None:
    _import_base(coop, tmp_path)
    before = _counts(coop)
    bad = list(LOAN)
    bad_unknown = bad.copy()
    bad_unknown[0] = "OLD-999"  # row 2: unknown member
    bad_above = bad.copy()
    bad_above[7] = "350000"  # row 4: outstanding above the original principal
    bad_no_due = bad.copy()
    bad_no_due[11] = ""  # row 5: arrears without a due date
    f = write_csv(
        tmp_path / "loans.csv",
        [LOAN_HEADER, tuple(bad_unknown), LOAN, tuple(bad_above), tuple(bad_no_due)],
    )
    r = coop.cli("golive", "import", "loans", f)
    assert r.exit_code == 2, r.stderr
    assert f"{f}:loans:2:member: unknown member 'OLD-999'" in r.stderr
    assert (
        f"{f}:loans:4:outstanding_principal: 350,000.00 is above the principal 300,000.00"
        in r.stderr
    )
    assert f"{f}:loans:5:arrears_since: arrears without a due date" in r.stderr
    assert "3 problem(s); nothing imported" in r.stderr
    assert _counts(coop) == before


def test_xlsx_problems_name_the_sheet(coop: Coop, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    _import_base(coop, tmp_path)
    tpl = tmp_path / "loans.xlsx"
    coop.cli("golive", "template", "loans", "-o", tpl).ok()
    wb = load_workbook(tpl)
    assert wb.sheetnames == ["loans", "example", "help"]
    assert wb["loans"].data_validations.dataValidation, "the template validates its cells"
    ws = wb["loans"]
    bad = list(LOAN)
    bad[5] = "2027-01-01"  # disbursed after the go-live date
    ws.append(bad)
    wb.save(tpl)
    r = coop.cli("golive", "import", "loans", tpl)
    assert r.exit_code == 2
    assert f"{tpl}:loans:2:disbursed_on: 2027-01-01 is after the go-live date {GOLIVE}" in r.stderr


def test_xlsx_template_example_sheet_imports(coop: Coop, tmp_path: Path) -> None:
    """The filled example sheet of each template is itself a valid import."""
    from openpyxl import load_workbook

    for kind in ("members", "accounts", "loans", "gl"):
        tpl = tmp_path / f"{kind}.xlsx"
        coop.cli("golive", "template", kind, "-o", tpl).ok()
        wb = load_workbook(tpl)
        wb.remove(wb[kind])
        wb["example"].title = kind  # import the filled example as the data sheet
        wb.save(tpl)
        out = coop.ok("golive", "import", kind, tpl, "--as-of", GOLIVE)
        assert out["created"] >= 1 or kind == "gl"
    assert coop.ok("golive", "check")["ok"] is True


def test_finish_locks_the_golive(coop: Coop, tmp_path: Path) -> None:
    go_live(coop, tmp_path)
    done = coop.ok("golive", "finish")
    assert done["status"] == "finished"
    assert "2026-10" in done["closed_periods"]
    extra = write_csv(
        tmp_path / "more.csv", [ACCOUNTS[0], ("OLD-003", "SAV", "10", GOLIVE, "", "", "")]
    )
    r = coop.cli("golive", "import", "accounts", extra)
    assert r.exit_code == 5, r.stderr
    assert "finished" in r.stderr
    # an opening entry dated before the go-live is refused by the closed period too
    assert coop.cli("golive", "finish").exit_code == 5


def test_same_file_twice_changes_nothing(coop: Coop, tmp_path: Path) -> None:
    f = write_csv(tmp_path / "members.csv", MEMBERS)
    first = coop.ok("golive", "import", "members", f, "--as-of", GOLIVE)
    assert first["created"] == 3
    r = coop.cli("golive", "import", "members", f, "--format", "json")
    r.ok()
    assert r.json["already_imported"] is True
    assert "already imported" in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM members")[0][0] == 3
    audit = coop.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'golive.import_members'")
    assert audit[0][0] == 1


def test_dry_run_prints_totals_and_writes_nothing(coop: Coop, tmp_path: Path) -> None:
    _import_base(coop, tmp_path)
    before = _counts(coop)
    f = write_csv(tmp_path / "loans.csv", [LOAN_HEADER, LOAN])
    out = coop.ok("golive", "import", "loans", f, "--dry-run")
    assert out["dry_run"] is True and out["rows"] == 1
    totals = {t["gl_code"]: (Decimal(t["debit"]), Decimal(t["credit"])) for t in out["totals"]}
    assert totals["1210"] == (Decimal("120000.00"), Decimal(0))
    assert totals["1220"] == (Decimal("1200.00"), Decimal(0))
    assert totals["1230"] == (Decimal("300.00"), Decimal(0))
    assert totals["3900"] == (Decimal(0), Decimal("121500.00"))
    assert _counts(coop) == before


def test_check_reports_differences_with_exit_6(coop: Coop, tmp_path: Path) -> None:
    _import_base(coop, tmp_path)
    coop.ok("golive", "import", "gl", write_csv(tmp_path / "gl.csv", GL_ROWS))
    r = coop.cli("golive", "check", "--format", "json")  # the loan is missing
    assert r.exit_code == 6
    diffs = {d["gl_code"]: d for d in r.json["differences"]}
    assert Decimal(diffs["1210"]["books"]) == 0
    assert Decimal(diffs["1210"]["auditor"]) == Decimal("120000.00")
    assert any(p["check"] == "golive.opening_balance" for p in r.json["problems"])
    assert coop.cli("golive", "finish").exit_code == 6


def test_hostile_cells_are_refused_and_printed_plainly(coop: Coop, tmp_path: Path) -> None:
    rows = [
        MEMBERS[0],
        ("H-1", "[/bold]Ada[red]", "Okafor", "08031234567", "", "", "", "", "2019-03-01"),
        ("H-2", "Bola\x1b[31m", "Adeyemi", "08039876543", "", "", "", "", "2018-07-15"),
        ("H-3", "C" * 5000, "Eze", "08051112222", "", "", "", "", "2020-01-10"),
        ("H-4", "Dayo", "Bello", "08051113333", "", "", "", "", "2020-01-10", "extra"),
    ]
    f = write_csv(tmp_path / "members.csv", rows)
    r = coop.cli("golive", "import", "members", f)
    assert r.exit_code == 2
    assert f"{f}:members:3:first_name: contains control characters" in r.stderr
    assert f"{f}:members:4:first_name: longer than 200 characters (5000)" in r.stderr
    assert f"{f}:members:5:row: more cells than the 9 columns of the header" in r.stderr
    assert "C" * 300 not in r.stderr and "\x1b" not in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM members")[0][0] == 0


def test_not_a_workbook_nor_text(coop: Coop, tmp_path: Path) -> None:
    f = tmp_path / "members.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    r = coop.cli("golive", "import", "members", f)
    assert r.exit_code == 2 and "not a readable XLSX workbook" in r.stderr
    g = tmp_path / "members.csv"
    g.write_bytes(b"legacy_id,first_name\n\xff\xfe")
    r = coop.cli("golive", "import", "members", g)
    assert r.exit_code == 2 and "not UTF-8" in r.stderr


def test_bad_accounts_and_duplicate_bvns_are_all_reported(coop: Coop, tmp_path: Path) -> None:
    m = write_csv(tmp_path / "members.csv", MEMBERS)
    coop.ok("golive", "import", "members", m, "--as-of", GOLIVE)
    dup = [
        MEMBERS[0],
        ("N-1", "Dayo", "Bello", "08051113333", "", "", "22212345678", "", "2020-01-10"),
        ("N-2", "Efe", "Obi", "08051114444", "", "", "22298765432", "", "2020-01-10"),
        ("N-3", "Funmi", "Ade", "08051115555", "", "", "22298765432", "", "2020-01-10"),
        ("OLD-001", "Gbenga", "Ojo", "08051116666", "", "", "", "", "2020-01-10"),
    ]
    r = coop.cli("golive", "import", "members", write_csv(tmp_path / "more.csv", dup))
    assert r.exit_code == 2
    assert ":members:2:bvn: BVN already registered to member" in r.stderr
    assert ":members:4:bvn: same BVN as line 3" in r.stderr
    assert ":members:5:legacy_id: legacy_id 'OLD-001' was imported before" in r.stderr
    bad = [
        ACCOUNTS[0],
        ("OLD-001", "NOPE", "10", "2019-03-01", "", "", ""),
        ("OLD-002", "FD90", "100000", "2026-10-01", "2026-10-01", "2026-09-01", ""),
        ("OLD-003", "SHR", "1500.50", "2020-01-10", "", "", ""),
        ("OLD-003", "SAV", "-5", "2020-01-10", "", "", ""),
    ]
    r = coop.cli("golive", "import", "accounts", write_csv(tmp_path / "acc.csv", bad))
    assert r.exit_code == 2
    assert ":accounts:2:product: 'NOPE' is unknown" in r.stderr
    assert ":accounts:3:maturity_date: 2026-09-01 is not after placed_on 2026-10-01" in r.stderr
    assert ":accounts:4:opening_balance: 1500.50 is not a whole number of shares" in r.stderr
    assert ":accounts:5:opening_balance:" in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM accounts WHERE kind <> 'loan'")[0][0] == 0
    # a later import may not move the go-live date
    r = coop.cli(
        "golive",
        "import",
        "accounts",
        write_csv(tmp_path / "a.csv", ACCOUNTS),
        "--as-of",
        "2026-11-27",
    )
    assert r.exit_code == 5 and "the go-live date is 2026-11-28" in r.stderr
