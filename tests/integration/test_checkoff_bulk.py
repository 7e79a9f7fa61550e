"""A payroll file of hundreds of lines on both databases: the bulk path (one query per
chunk, post_many) books exactly what the split says, line by line; bad lines deep in
the file are all reported and nothing is written."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.integration.deposits_support import add_bank, verify

D = Decimal
N = 420  # members: more than four multi-row INSERT statements of lines
GOLIVE = "2026-11-28"


def _members(coop: Coop, tmp: Path) -> dict[str, str]:
    """N members with a savings account holding ₦1,000.00 (go-live templates, through
    the CLI); member_no → savings account_no."""
    mf, af = tmp / "members.csv", tmp / "accounts.csv"
    with mf.open("w", newline="") as fm, af.open("w", newline="") as fa:
        wm, wa = csv.writer(fm), csv.writer(fa)
        wm.writerow(["legacy_id", "first_name", "last_name", "phone", "joined_on"])
        wa.writerow(["member", "product", "opening_balance", "opened_on"])
        for i in range(N):
            wm.writerow([f"L{i:04d}", "Ada", f"Okon{chr(97 + i % 26)}{chr(97 + i // 26)}",
                         f"0805{i:07d}", "2020-01-01"])  # fmt: skip
            wa.writerow([f"L{i:04d}", "SAV", "1000.00", "2020-01-01"])
    for kind, f in (("members", mf), ("accounts", af)):
        coop.ok("golive", "import", kind, f, "--as-of", GOLIVE)
    rows = coop.sql(
        "SELECT m.member_no, a.account_no FROM members m JOIN accounts a ON a.member_id = m.id "
        "WHERE a.product_code = 'SAV' ORDER BY m.member_no"
    )
    return {str(m): str(a) for m, a in rows}


def _amount(i: int) -> Decimal:
    return D(5_000 + (i * 7919) % 50_000) + D(i % 100) / 100


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["member_no", "amount"])
        w.writerows(rows)
    return path


def test_a_large_file_books_every_line_to_its_member(coop: Coop, tmp_path: Path) -> None:
    """420 members, no loans, no fixed contribution: each line goes whole to the member's
    savings. Each savings account rises by its line (₦1,000.00 + amount), the bank GL by
    the declared total, and the file total equals the sum of the lines."""
    add_bank(coop)
    accounts = _members(coop, tmp_path)
    numbers = sorted(accounts)
    lines = [(no, f"{_amount(i):.2f}") for i, no in enumerate(numbers)]
    total = sum((_amount(i) for i in range(N)), D(0))
    f = _write(tmp_path / "payroll.csv", lines)
    res = coop.ok(
        "postings", "import", f, "--bank", "GTB", "--ref", "NOV-BIG", "--total", f"{total:.2f}",
        operator="accountant1",
    )  # fmt: skip
    assert res["status"] == "posted" and res["members"] == N
    assert D(res["to_savings"]) == total and D(res["file_total"]) == total
    got = dict(
        coop.sql(
            "SELECT account_no, balance FROM accounts WHERE product_code = 'SAV' "
            "ORDER BY account_no"
        )
    )
    for i, no in enumerate(numbers):  # balances are stored in integer kobo
        assert int(got[accounts[no]]) == int((D("1000.00") + _amount(i)) * 100), no
    entry = coop.ok("postings", "show", res["entry_no"], operator="auditor1")
    assert len(entry["lines"]) == N + 1
    assert sum(D(ln["credit"]) for ln in entry["lines"]) == total
    assert [D(ln["debit"]) for ln in entry["lines"] if D(ln["debit"]) > 0] == [total]
    assert int(coop.sql("SELECT COUNT(*) FROM checkoff_lines")[0][0]) == N
    verify(coop)


def test_bad_lines_deep_in_a_large_file_are_all_reported(coop: Coop, tmp_path: Path) -> None:
    """Three bad lines among 420 (an unknown member at line 300, a repeated member at
    line 377, a sub-kobo amount at line 411): all three reported, in line order, exit 2,
    and nothing is written."""
    add_bank(coop)
    accounts = _members(coop, tmp_path)
    numbers = sorted(accounts)
    rows = [(no, f"{_amount(i):.2f}") for i, no in enumerate(numbers)]
    rows[298] = ("M99999999", "10.00")  # file line 300
    rows[375] = (numbers[0], "10.00")  # file line 377: member already on line 2
    rows[409] = (numbers[409], "10.005")  # file line 411
    f = _write(tmp_path / "bad.csv", rows)
    entries = coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0]
    r = coop.cli(
        "postings", "import", f, "--bank", "GTB", "--ref", "NOV-BAD", "--total", "1000.00",
        "--format", "json", operator="accountant1",
    )  # fmt: skip
    assert r.exit_code == 2, r.stdout + r.stderr
    out = r.stdout + r.stderr
    where = [out.find("bad.csv:300:"), out.find("bad.csv:377:"), out.find("bad.csv:411:")]
    assert all(w >= 0 for w in where), out
    assert where == sorted(where)
    assert coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0] == entries
    assert int(coop.sql("SELECT COUNT(*) FROM checkoff_imports")[0][0]) == 0
