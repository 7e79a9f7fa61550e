"""The issue's "done when" for bank reconciliation, through the command line alone, on
both databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Coop

FIX = Path(__file__).parents[1] / "fixtures" / "bank"


def _member_account(coop: Coop) -> str:
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        "Adaeze",
        "--last-name",
        "Okafor",
        "--phone",
        "08031234821",
    )["member_no"]
    return str(coop.ok("accounts", "open", m, "--product", "SAV")["account_no"])


def test_done_when(coop: Coop, tmp_path: Path) -> None:
    """Deposit 25,000.00 through GTB with reference TRX-001; the bank's CSV holds that
    line and an SMS charge. Import, match (automatic), re-import (0, a duplicate), post
    the charge to 5600: the reconciliation shows a zero difference and no items."""
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121", "--name", "GTBank current")
    acct = _member_account(coop)
    dep = coop.ok("postings", "deposit", acct, "25,000.00", "--bank", "GTB", "--ref", "TRX-001")
    day = dep["business_date"] if "business_date" in dep else dep["date"]
    csv = tmp_path / "gtb.csv"
    csv.write_text(
        "date,description,reference,amount\n"
        f"{day},NIP TRF FROM ADAEZE OKAFOR,TRX-001,25000.00\n"
        f"{day},SMS ALERT CHARGES,,-52.50\n"
    )
    out = coop.ok("recon", "import", csv, "--bank", "GTB")
    assert (out["lines_read"], out["imported"], out["duplicates"], out["errors"]) == (2, 2, 0, [])
    assert len(out["file_sha256"]) == 64
    m = coop.ok("recon", "match", "--bank", "GTB")
    assert (m["matched"], m["unmatched"]) == (1, 1)
    lines = coop.ok("recon", "list", "--bank", "GTB")
    dep_line = next(x for x in lines if x["reference"] == "TRX-001")
    assert (dep_line["status"], dep_line["entries"]) == ("matched", dep["entry_no"])

    again = coop.ok("recon", "import", csv, "--bank", "GTB")
    assert (again["imported"], again["duplicates"], again.get("duplicate_file")) == (0, 2, True)

    # strict: one line is still open → exit 6
    assert coop.cli("recon", "match", "--bank", "GTB", "--strict").exit_code == 6
    rep = coop.ok("recon", "report", "--bank", "GTB")
    assert rep["difference"] == "0.00"
    assert [(i["side"], i["amount"]) for i in rep["items"]] == [("in bank, not in books", "-52.50")]

    charge = next(x for x in lines if x["status"] == "unmatched")
    posted = coop.ok("recon", "post", charge["id"], "--gl", "5600", "--narration", "SMS alerts")
    assert posted["status"] == "matched"
    rep = coop.ok("recon", "report", "--bank", "GTB")
    assert (rep["statement_balance"], rep["book_balance"], rep["difference"], rep["items"]) == (
        "24947.50",
        "24947.50",
        "0.00",
        [],
    )
    coop.cli("recon", "match", "--bank", "GTB", "--strict").ok()
    # unlink frees the lines and keeps the entry
    coop.ok("recon", "unlink", dep_line["id"])
    assert coop.ok("recon", "list", "--bank", "GTB", "--unmatched")[0]["id"] == dep_line["id"]
    coop.ok("recon", "link", dep_line["id"], dep["entry_no"])
    assert coop.ok("recon", "list", "--bank", "GTB", "--unmatched") == []


def test_impossible_date_names_the_line_and_imports_nothing(coop: Coop, tmp_path: Path) -> None:
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121")
    csv = tmp_path / "bad.csv"
    csv.write_text(
        "date,description,reference,amount\n"
        "2026-01-05,A,R1,100.00\n2026-01-06,B,R2,200.00\n2026-13-45,C,R3,300.00\n"
    )
    r = coop.cli("recon", "import", csv, "--bank", "GTB")
    assert r.exit_code == 2
    assert "bad.csv:4: date" in r.stderr and "2026-13-45" in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM recon_lines")[0][0] == 0
    assert coop.sql("SELECT COUNT(*) FROM recon_imports")[0][0] == 0


FIXTURES = [
    ("camt053/genkgo__camt__camt053.v2.multi.statement.xml", None, "EUR", 2),
    ("camt053/OCA__bank-statement-import__test-camt053-multi-currency", None, "CHF", 2),
    ("mt940/sandermarechal__jejik-mt940__abnamro.txt", None, "EUR", 10),
    ("mt940/sandermarechal__jejik-mt940__postfinance.txt", None, "CHF", 4),
    ("ofx/asgrim__ofxparser__ofxdata-xml.ofx", None, "USD", 3),
    ("ofx/jseutter__ofxparse__multiple_accounts.ofx", "78934567889", "EUR", 4),
    ("ofx/jseutter__ofxparse__multiple_accounts.ofx", "89273829182", "EUR", 1),
    ("csv/BIZ4Africa__ofxstatement-zm-stanbic__sample.csv", "stanbic-zm", "ZMW", 1),
    ("csv/mlaitinen__ofxstatement-revolut__2022-january.csv", "revolut", "EUR", 6),
    ("csv/simonmichael__hledger__stripe.csv", "stripe", "USD", 2),
]


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_every_shared_fixture_dry_run(coop: Coop) -> None:
    """Every real file is read with the right number of lines and its currency."""
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121")
    for name, extra, currency, n in FIXTURES:
        args = ["recon", "import", FIX / name, "--bank", "GTB", "--dry-run"]
        if extra and extra.isdigit():
            args += ["--account", extra]
        elif extra:
            args += ["--profile", extra]
        out = coop.ok(*args)
        assert (out["lines_read"], out["currency"]) == (n, currency), name
    assert coop.sql("SELECT COUNT(*) FROM recon_lines")[0][0] == 0


def test_statement_that_does_not_tie_exits_5(coop: Coop) -> None:
    coop.ok("recon", "banks", "add", "PF", "--gl", "1121", "--currency", "CHF")
    f = FIX / "mt940/sandermarechal__jejik-mt940__postfinance.txt"
    r = coop.cli("recon", "import", f, "--bank", "PF")
    assert r.exit_code == 5 and "0.20" in r.stderr, r.stderr
    assert coop.sql("SELECT COUNT(*) FROM recon_lines")[0][0] == 0
    out = coop.ok("recon", "import", f, "--bank", "PF", "--allow-gap")
    assert out["imported"] == 4 and out["gaps"]
    gaps = coop.sql("SELECT gap FROM recon_statements WHERE gap IS NOT NULL")
    assert [int(g[0]) for g in gaps] == [20]  # kobo (centimes): 0.20 recorded
    # the wrong currency is refused
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1130")
    r = coop.cli("recon", "import", f, "--bank", "GTB", "--allow-gap")
    assert r.exit_code == 5 and "currency" in r.stderr


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_report_formats_and_the_pack_page(coop: Coop, tmp_path: Path) -> None:
    """An unmatched deposit (in books, not in bank) and a bank charge (in bank, not in
    books) are the reconciling items, with their ages, in every format."""
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121")
    acct = _member_account(coop)
    coop.ok(
        "postings",
        "deposit",
        acct,
        "10000",
        "--bank",
        "GTB",
        "--ref",
        "SLIP-1",
        "--date",
        "2026-10-20",
    )
    csv = tmp_path / "gtb.csv"
    csv.write_text("date,description,reference,amount\n2026-10-31,COT OCT,,-1075.00\n")
    coop.ok("recon", "import", csv, "--bank", "GTB")
    rep = coop.ok("recon", "report", "--bank", "GTB", "--as-of", "2026-10-31")
    assert (rep["statement_balance"], rep["book_balance"], rep["difference"]) == (
        "-1075.00",
        "10000.00",
        "0.00",
    )
    assert [(i["side"], i["age_days"], i["amount"]) for i in rep["items"]] == [
        ("in bank, not in books", 0, "-1075.00"),
        ("in books, not in bank", 11, "10000.00"),
    ]
    text = coop.cli("recon", "report", "--bank", "GTB", "--as-of", "2026-10-31", "-f", "csv")
    text.ok()
    assert "COT OCT" in text.stdout and "-1075.00" in text.stdout
    table = coop.cli("recon", "report", "--bank", "GTB", "--as-of", "2026-10-31")
    table.ok()
    assert "COT OCT" in table.stdout and "Difference" in table.stdout
    for fmt in ("xlsx", "pdf"):
        out = tmp_path / f"rec.{fmt}"
        coop.cli("recon", "report", "--bank", "GTB", "-f", fmt, "-o", out).ok()
        assert out.stat().st_size > 1000
    pack = coop.ok("reports", "pack", "--month", "2026-10", "-o", tmp_path / "pack")
    assert "bank-reconciliation" in pack["reports"]


GTB_HEAD = "Trans Date,Reference,Value Date,Debit,Credit,Balance,Remarks\n"


def test_continuity_and_a_pending_bank_item(coop: Coop, tmp_path: Path) -> None:
    """A second statement that does not open at the first one's closing exits 5 naming
    the gap; --allow-gap records it. A bank-only line of 1,500,000.00 posted with
    `recon post` waits for a checker (manual-journal policy) and is matched once
    approved."""
    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121")
    one = tmp_path / "oct.csv"
    one.write_text(
        GTB_HEAD + ',,,,,"0.00",Opening Balance\n'
        '30-Oct-2026,,30-Oct-2026,,"1,500,000.00","1,500,000.00",INWARD TRANSFER UNKNOWN\n'
        ',,,,,"1,500,000.00",Closing Balance\n'
    )
    out = coop.ok("recon", "import", one, "--bank", "GTB", "--profile", "gtbank")
    assert out["imported"] == 1 and out["gaps"] == []
    two = tmp_path / "nov.csv"
    two.write_text(
        GTB_HEAD + ',,,,,"1,500,100.00",Opening Balance\n'
        '02-Nov-2026,,02-Nov-2026,"4.00",,"1,500,096.00",SMS ALERT\n'
        ',,,,,"1,500,096.00",Closing Balance\n'
    )
    r = coop.cli("recon", "import", two, "--bank", "GTB", "--profile", "gtbank")
    assert r.exit_code == 5 and "gap 100.00" in r.stderr, r.stderr
    out = coop.ok("recon", "import", two, "--bank", "GTB", "--profile", "gtbank", "--allow-gap")
    assert out["imported"] == 1 and "gap 100.00" in out["gaps"][0]

    (line,) = [x for x in coop.ok("recon", "list", "--bank", "GTB") if x["amount"] == "1500000.00"]
    posted = coop.ok("recon", "post", line["id"], "--gl", "4900", operator="accountant1")
    assert posted["status"] == "pending"
    assert coop.ok("recon", "match", "--bank", "GTB")["matched"] == 0
    coop.ok("postings", "approve", posted["entry_no"], operator="manager1")
    assert coop.ok("recon", "match", "--bank", "GTB")["matched"] == 1
    (line,) = [x for x in coop.ok("recon", "list", "--bank", "GTB") if x["id"] == line["id"]]
    assert (line["status"], line["entries"]) == ("matched", posted["entry_no"])
