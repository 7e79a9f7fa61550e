"""The issue's "done when", through the command line alone, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import Coop

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"


def _rows(coop: Coop) -> tuple[int, int, list[tuple[object, ...]]]:
    entries = coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0]
    imports = coop.sql("SELECT COUNT(*) FROM checkoff_imports")[0][0]
    balances = [tuple(r) for r in coop.sql("SELECT account_no, balance FROM accounts")]
    return int(entries), int(imports), balances


def test_done_when(coop: Coop, tmp_path: Path) -> None:
    """Add a member, approve KYC, open SAV, deposit 10,000.50 cash, withdraw 20,000
    (refused, balance unchanged), withdraw 2,000 (posted); the statement shows
    8,000.50; `ledger verify` is clean; 1.234 and -5 exit 2 naming the field; a
    check-off file with one bad member number imports nothing and names the line."""
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        "Adaeze",
        "--last-name",
        "Okafor",
        "--phone",
        "08031234821",
        operator="teller1",
    )["member_no"]
    (tmp_path / "id.pdf").write_bytes(PDF)
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    coop.ok(
        "members", "docs", "add", m, tmp_path / "id.pdf", "--kind", "id_card", operator="teller1"
    )
    coop.ok(
        "members",
        "docs",
        "add",
        m,
        tmp_path / "photo.jpg",
        "--kind",
        "passport_photo",
        operator="teller1",
    )
    assert coop.ok("members", "kyc", "approve", m, operator="manager1")["kyc_status"] == "approved"

    acct = coop.ok("accounts", "open", m, "--product", "SAV", operator="teller1")["account_no"]
    dep = coop.ok("postings", "deposit", acct, "10,000.50", operator="teller1")
    assert (dep["status"], dep["lines"][0]["gl_code"], dep["lines"][0]["debit"]) == (
        "posted",
        "1110",
        "10000.50",
    )

    r = coop.cli("postings", "withdraw", acct, "20000", operator="teller1")
    assert r.exit_code == 5 and "available 10,000.50" in r.stderr
    assert coop.ok("accounts", "show", acct)["balance"] == "10000.50"

    wd = coop.ok("postings", "withdraw", acct, "2000", operator="teller1")
    assert wd["status"] == "posted"
    st = coop.ok("accounts", "statement", acct, operator="teller1")
    assert (st["opening_balance"], st["closing_balance"]) == ("0.00", "8000.50")
    assert [ln["balance"] for ln in st["lines"]] == ["10000.50", "8000.50"]
    assert coop.ok("ledger", "verify") == {
        **coop.ok("ledger", "verify"),
        "ok": True,
        "problems": [],
    }
    assert coop.cli("ledger", "verify").exit_code == 0

    before = _rows(coop)
    for bad, needle in (
        ("1.234", "AMOUNT: '1.234' has more than two decimals"),
        ("-5", "AMOUNT: '-5' must not be negative"),
    ):
        r = coop.cli("postings", "deposit", acct, bad, operator="teller1")
        assert r.exit_code == 2 and needle in r.stderr
    assert _rows(coop) == before

    coop.ok("recon", "banks", "add", "GTB", "--gl", "1121", operator="accountant1")
    f = tmp_path / "nov.csv"
    f.write_text(f"member_no,amount\n{m},5000\nM00000012,3000\n")
    r = coop.cli(
        "postings",
        "import",
        f,
        "--bank",
        "GTB",
        "--ref",
        "NOV",
        "--total",
        "8000",
        operator="accountant1",
    )
    assert r.exit_code == 2
    assert "nov.csv:3:member_no: 'M00000012' has an invalid check digit" in r.stderr
    assert _rows(coop) == before
    assert coop.cli("ledger", "verify").exit_code == 0


def test_a_real_subprocess_run(sqlite_coop: Coop) -> None:
    """The installed entry point: exit codes and JSON on stdout, messages on stderr."""
    coop = sqlite_coop
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        "Bola",
        "--last-name",
        "Ade",
        "--phone",
        "08039876543",
        operator="teller1",
    )["member_no"]
    acct = coop.ok("accounts", "open", m, "--product", "SAV", operator="teller1")["account_no"]
    env = {**os.environ, **coop.env("teller1")}
    cmd = [
        sys.executable,
        "-m",
        "coopctl",
        "postings",
        "deposit",
        acct,
        "1,250.75",
        "--format",
        "json",
    ]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["total"] == "1250.75"
    p = subprocess.run(
        [*cmd[:5], "A0000000014", "10"], env=env, capture_output=True, text=True, check=False
    )
    assert p.returncode == 2 and "invalid check digit" in p.stderr and p.stdout == ""
