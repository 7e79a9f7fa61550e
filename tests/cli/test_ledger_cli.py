"""The ``postings`` and ``ledger`` command surface: malformed input exits 2 naming the
field and writes nothing; exit codes, JSON/CSV shapes; one real subprocess run."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

from tests.conftest import Coop
from tests.integration.ledger_support import counts, journal, posted

BAD_LINES = [
    ("5500-DR-100", "GL_CODE:DR|CR:AMOUNT"),  # no separators
    ("5500:DR", "GL_CODE:DR|CR:AMOUNT"),  # amount missing
    ("5500:DR:1:2:3", "GL_CODE:DR|CR:AMOUNT"),  # too many parts
    ("5500:DEBIT:100", "DR or CR"),
    ("5500:DR:1.234", "more than two decimals"),
    ("5500:DR:-5", "negative"),
    ("5500:DR:abc", "not an amount"),
    ("5500:DR:", "not an amount"),
    ("5500:DR:1e5", "not an amount"),
    ("5500:DR:NaN", "not an amount"),
    ("5500:DR:1,23,456", "not an amount"),
    ("5500:DR:0", "more than zero"),
]


def test_bad_line_exits_2_naming_the_field(coop: Coop) -> None:
    before = counts(coop)
    for line, needle in BAD_LINES:
        r = journal(coop, line, "1110:CR:100")
        assert r.exit_code == 2, (line, r.stderr)
        assert "--line" in r.stderr and repr(line) in r.stderr, (line, r.stderr)
        assert needle in r.stderr, (line, r.stderr)
        assert r.stdout == ""
    assert counts(coop) == before


def test_other_malformed_options_exit_2(coop: Coop) -> None:
    before = counts(coop)
    r = journal(coop, "5500:DR:100", "1110:CR:100", date="28/11/2026")
    assert r.exit_code == 2 and "--date" in r.stderr
    r = coop.cli("postings", "journal", "--format", "json", operator="accountant1")
    assert r.exit_code == 2 and "--line" in r.stderr  # at least one line needed
    r = coop.cli("postings", "show", "JE12X")
    assert r.exit_code == 2 and "ENTRY_NO" in r.stderr
    r = coop.cli("postings", "list", "--status", "maybe")
    assert r.exit_code == 2 and "--status" in r.stderr
    r = coop.cli("ledger", "trial-balance", "--as-of", "2026-13-01")
    assert r.exit_code == 2 and "--as-of" in r.stderr
    r = coop.cli("ledger", "close-period", "2026-13")
    assert r.exit_code == 2 and "YYYY-MM" in r.stderr
    r = coop.cli("postings", "reverse", "JE00000001", "--reason", "  ", operator="manager1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert counts(coop) == before


def test_unknown_entry_exits_3(coop: Coop) -> None:
    assert coop.cli("postings", "show", "JE00000999").exit_code == 3
    assert coop.cli("postings", "approve", "JE00000999", operator="manager1").exit_code == 3
    r = coop.cli("postings", "reverse", "JE00000999", "--reason", "x", operator="manager1")
    assert r.exit_code == 3


def test_json_and_csv_shapes(coop: Coop) -> None:
    e = posted(coop, "5500:DR:25000", "1110:CR:25000", narration="Stationery", ref="INV-7")
    for key in ("entry_no", "status", "date", "lines", "reference", "maker"):
        assert key in e
    assert e["reference"] == "INV-7" and e["narration"] == "Stationery"
    assert set(e["lines"][0]) >= {"gl_code", "account_no", "debit", "credit"}
    tb = coop.ok("ledger", "trial-balance")
    assert set(tb) >= {"rows", "total_debit", "total_credit"}
    assert tb["total_debit"] == tb["total_credit"] == "25000.00"
    assert set(tb["rows"][0]) >= {"gl_code", "name", "debit", "credit"}
    chart = coop.ok("ledger", "accounts")
    assert set(chart[0]) >= {"code", "name", "type", "parent", "balance"}
    r = coop.cli("ledger", "trial-balance", "--format", "csv").ok()
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["gl_code"]: (row["debit"], row["credit"]) for row in rows} == {
        "1110": ("0.00", "25000.00"),
        "5500": ("25000.00", "0.00"),
    }
    r = coop.cli("postings", "show", e["entry_no"], "--format", "csv").ok()
    assert r.stdout.splitlines()[0] == "gl_code,account_no,debit,credit,memo"
    r = coop.cli("ledger", "verify").ok()
    assert "balanced and consistent" in r.stderr
    listed = coop.ok("postings", "list", "--status", "posted")
    assert [x["entry_no"] for x in listed] == [e["entry_no"]]
    assert coop.ok("postings", "list", "--status", "pending") == []


def test_tables_render_for_people(coop: Coop) -> None:
    posted(coop, "5500:DR:1234567.89", "1110:CR:1234567.89", operator="admin")
    coop.ok("postings", "approve", "JE00000001", operator="manager1")
    r = coop.cli("ledger", "trial-balance").ok()
    assert "1,234,567.89" in r.stdout and "TOTAL" in r.stdout
    r = coop.cli("ledger", "accounts", "--tree").ok()
    assert "  Cash on hand" in r.stdout


def test_real_subprocess_run(coop: Coop) -> None:
    """The installed console script, as an operator runs it."""
    env = {**os.environ, **coop.env("accountant1")}
    exe = os.path.join(os.path.dirname(sys.executable), "coopctl")
    r = subprocess.run(
        [
            exe,
            "postings",
            "journal",
            "--line",
            "5500:DR:500",
            "--line",
            "1110:CR:499",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 5 and "error:" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(
        [
            exe,
            "postings",
            "journal",
            "--line",
            "5500:DR:500",
            "--line",
            "1110:CR:500",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert '"status": "posted"' in r.stdout
