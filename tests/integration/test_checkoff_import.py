"""Payroll check-off import on both databases: one balanced entry per file, priority
split, explicit columns, suspense for differences, dry run, duplicates, and every
bad line reported with nothing written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_bank,
    add_member,
    balance,
    count,
    lines_of,
    open_account,
    snapshot,
    trial_balance,
    verify,
)

D = Decimal


def _import(coop: Coop, path: Path, total: str, *extra: str, **env: str) -> Any:
    """Import under the reference NOV-PAYROLL (nov.csv) or PAY-<FILE NAME> (one receipt
    per file: a receipt's bank and reference are imported once)."""
    ref = "NOV-PAYROLL" if path.name == "nov.csv" else f"PAY-{path.stem.upper()}"
    return coop.cli(
        "postings",
        "import",
        path,
        "--bank",
        "GTB",
        "--ref",
        ref,
        "--total",
        total,
        *extra,
        operator="accountant1",
        **env,
    )


@pytest.fixture
def staff(coop: Coop) -> dict[str, Any]:
    """Three salaried members: Ada (savings + shares), Bola (savings), Chi (savings + shares)."""
    add_bank(coop)
    out: dict[str, Any] = {}
    for name in ("Ada", "Bola", "Chi"):
        m = add_member(coop, name, "Staff")
        out[name] = {"member_no": m, "SAV": open_account(coop, m, "SAV")}
        if name != "Bola":
            out[name]["SHR"] = open_account(coop, m, "SHR")
    return out


def _file(tmp: Path, name: str, rows: list[str], header: str = "member_no,amount") -> Path:
    p = tmp / name
    p.write_text("\n".join([header, *rows]) + "\n")
    return p


def test_one_bank_receipt_one_balanced_entry(
    coop: Coop, staff: dict[str, Any], tmp_path: Path
) -> None:
    """November payroll: 55,000 for three members, fixed savings 5,000 into shares.

    Books (one entry): Dr Bank 1121 55,000
        Cr Shares Ada 5,000 / Savings Ada 15,000
        Cr Savings Bola 15,000 (no shares account: all to savings)
        Cr Shares Chi 5,000 / Savings Chi 15,000"""
    a, b, c = (staff[n]["member_no"] for n in ("Ada", "Bola", "Chi"))
    f = _file(tmp_path, "nov.csv", [f"{a},20000", f"{b},15000", f'{c},"20,000.00"'])
    r = _import(coop, f, "55000", "--format", "json", COOPCTL_CHECKOFF__MONTHLY_SAVINGS="5000")
    out = r.ok().json
    assert (out["status"], out["members"], out["file_total"], out["difference"]) == (
        "posted",
        3,
        "55000.00",
        "0.00",
    )
    assert [(x["member_no"], x["shares"], x["savings"]) for x in out["lines"]] == [
        (a, "5000.00", "15000.00"),
        (b, "0.00", "15000.00"),
        (c, "5000.00", "15000.00"),
    ]
    entry = coop.ok("postings", "show", out["entry_no"])
    assert entry["kind"] == "checkoff" and entry["reference"] == "NOV-PAYROLL"
    assert lines_of(entry) == sorted(
        [
            ("1121", None, "55000.00", "0.00"),
            ("3100", staff["Ada"]["SHR"], "0.00", "5000.00"),
            ("2110", staff["Ada"]["SAV"], "0.00", "15000.00"),
            ("2110", staff["Bola"]["SAV"], "0.00", "15000.00"),
            ("3100", staff["Chi"]["SHR"], "0.00", "5000.00"),
            ("2110", staff["Chi"]["SAV"], "0.00", "15000.00"),
        ]
    )
    assert (count(coop, "checkoff_imports"), count(coop, "checkoff_lines")) == (1, 3)
    assert balance(coop, staff["Bola"]["SAV"]) == D("15000.00")
    verify(coop)

    before = snapshot(coop)
    r = _import(coop, f, "55000")
    assert r.exit_code == 5 and "already imported" in r.stderr
    assert snapshot(coop) == before


def test_explicit_split_columns(coop: Coop, staff: dict[str, Any], tmp_path: Path) -> None:
    a, b = staff["Ada"]["member_no"], staff["Bola"]["member_no"]
    f = _file(
        tmp_path,
        "split.csv",
        [f"{a},10000,4000,6000,", f"{b},3000,,,"],
        header="member_no,amount,savings,shares,loan",
    )
    out = _import(coop, f, "13000", "--format", "json").ok().json
    assert [(x["shares"], x["savings"]) for x in out["lines"]] == [
        ("6000.00", "4000.00"),
        ("0.00", "3000.00"),
    ]
    assert balance(coop, staff["Ada"]["SHR"]) == D("6000.00")
    verify(coop)


def test_difference_goes_to_suspense_with_a_warning(
    coop: Coop, staff: dict[str, Any], tmp_path: Path
) -> None:
    """The bank received 10,100 but the file adds up to 10,000: 100 to suspense (Cr);
    in a later month 9,950 received for 10,000 listed: 50 out of suspense (Dr)."""
    a = staff["Ada"]["member_no"]
    r = _import(coop, _file(tmp_path, "a.csv", [f"{a},10000"]), "10,100")
    r.ok()
    assert "file total 10,000.00 ≠ --total 10,100.00" in r.stderr and "suspense" in r.stderr
    assert trial_balance(coop)["2900"] == ("0.00", "100.00")
    r = _import(coop, _file(tmp_path, "b.csv", [f"{a},10000", ""]), "9950")
    r.ok()
    assert trial_balance(coop)["2900"] == ("0.00", "50.00")
    assert trial_balance(coop)["1121"] == ("20050.00", "0.00")
    verify(coop)


def test_dry_run_prints_the_split_and_writes_nothing(
    coop: Coop, staff: dict[str, Any], tmp_path: Path
) -> None:
    a = staff["Ada"]["member_no"]
    f = _file(tmp_path, "dry.csv", [f"{a},7000"])
    before = snapshot(coop)
    r = _import(
        coop, f, "7000", "--dry-run", "--format", "json", COOPCTL_CHECKOFF__MONTHLY_SAVINGS="2500"
    )
    out = r.ok().json
    assert (out["status"], out["entry_no"]) == ("dry-run", None)
    assert out["lines"][0] == {
        **out["lines"][0],
        "amount": "7000.00",
        "shares": "2500.00",
        "savings": "4500.00",
        "shares_account": staff["Ada"]["SHR"],
        "savings_account": staff["Ada"]["SAV"],
    }
    assert "dry run: nothing written" in r.stderr
    assert snapshot(coop) == before
    _import(coop, f, "7000").ok()  # the same file imports for real afterwards


def test_every_bad_line_is_named_and_nothing_is_imported(
    coop: Coop, staff: dict[str, Any], tmp_path: Path
) -> None:
    a, b, c = (staff[n]["member_no"] for n in ("Ada", "Bola", "Chi"))
    nosav = add_member(coop, "Dayo", "Nosave")
    gone = add_member(coop, "Efe", "Left")
    coop.sql("UPDATE members SET status = 'exited' WHERE member_no = :n", n=gone)
    rows = [
        f"{a},5000",  # 2 fine
        "M00000012,100",  # 3 bad check digit
        "M00000999,100",  # 4 unknown member
        f"{b},1.234",  # 5 three decimals
        f"{c},-5",  # 6 negative
        f"{c},abc",  # 7 not a number
        f"{nosav},100",  # 8 no savings account
        f"{gone},100",  # 9 exited
        f"{a},100",  # 10 twice in one file
        f"{c},1e5",  # 11 exponent
    ]
    f = _file(tmp_path, "bad.csv", rows)
    before = snapshot(coop)
    r = _import(coop, f, "5000")
    assert r.exit_code == 2
    assert "bad.csv: 9 problem(s); nothing imported" in r.stderr
    for needle in (
        "bad.csv:3:member_no: 'M00000012' has an invalid check digit",
        "bad.csv:4:member_no: member M00000999 not found",
        "bad.csv:5:amount: '1.234' has more than two decimals",
        "bad.csv:6:amount: '-5' must not be negative",
        "bad.csv:7:amount: 'abc' is not an amount",
        f"bad.csv:8:member_no: member {nosav} has no open SAV account",
        f"bad.csv:9:member_no: member {gone} has exited",
        f"bad.csv:10:member_no: {a} is already on line 2",
        "bad.csv:11:amount: '1e5' is not an amount",
    ):
        assert needle in r.stderr, needle
    assert snapshot(coop) == before


def test_bad_options_and_files(coop: Coop, staff: dict[str, Any], tmp_path: Path) -> None:
    f = _file(tmp_path, "ok.csv", [f"{staff['Ada']['member_no']},100"])
    before = snapshot(coop)
    cases = [
        (
            ("postings", "import", f, "--bank", "GTB", "--ref", "R", "--total", "1.234"),
            2,
            "--total",
        ),
        (("postings", "import", f, "--bank", "GTB", "--ref", "R", "--total", "-5"), 2, "--total"),
        (("postings", "import", f, "--bank", "NOPE", "--ref", "R", "--total", "100"), 3, "NOPE"),
        (("postings", "import", f, "--bank", "GTB", "--ref", " ", "--total", "100"), 2, "--ref"),
        (
            (
                "postings",
                "import",
                tmp_path / "missing.csv",
                "--bank",
                "GTB",
                "--ref",
                "R",
                "--total",
                "100",
            ),
            3,
            "not found",
        ),
    ]
    for args, code, needle in cases:
        r = coop.cli(*args, operator="accountant1")
        assert (r.exit_code, needle in r.stderr) == (code, True), (args, r.stderr)
    hdr = _file(tmp_path, "hdr.csv", ["M00000013,100"], header="member,amount,bonus")
    r = _import(coop, hdr, "100")
    assert r.exit_code == 2 and "hdr.csv:1:header: column 'member_no' is missing" in r.stderr
    r = coop.cli(
        "postings", "import", f, "--bank", "GTB", "--ref", "R", "--total", "100", operator="teller1"
    )
    assert r.exit_code == 4
    assert snapshot(coop) == before
