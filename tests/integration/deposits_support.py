"""Helpers shared by the deposits and check-off tests (members through the real CLI)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import Coop

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64 + b"\xff\xd9"
_phones = itertools.count(1)


def count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def snapshot(coop: Coop) -> dict[str, Any]:
    """Row counts and balances that a failed command must leave unchanged."""
    tables = (
        "journal_entries",
        "journal_lines",
        "accounts",
        "holds",
        "checkoff_imports",
        "checkoff_lines",
        "member_exits",
        "deposit_accounts",
        "bank_accounts",
    )
    out: dict[str, Any] = {t: count(coop, t) for t in tables}
    out["balances"] = [
        tuple(r)
        for r in coop.sql(
            "SELECT account_no, balance, held, status FROM accounts ORDER BY account_no"
        )
    ]
    out["members"] = [
        tuple(r) for r in coop.sql("SELECT member_no, status FROM members ORDER BY member_no")
    ]
    return out


def add_member(coop: Coop, first: str = "Adaeze", last: str = "Okafor", *, kyc: bool = True) -> str:
    """Register a member through ``members add`` (teller1); with ``kyc`` approve KYC
    directly in the database (test setup only; the CLI test goes through
    ``members kyc approve``)."""
    phone = f"0803{next(_phones):07d}"
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        first,
        "--last-name",
        last,
        "--phone",
        phone,
        operator="teller1",
    )
    if kyc:
        approve_kyc_directly(coop, m["member_no"])
    return str(m["member_no"])


def approve_kyc_directly(coop: Coop, member_no: str) -> None:
    coop.sql(
        "UPDATE members SET kyc_status = 'approved', status = 'active' WHERE member_no = :n",
        n=member_no,
    )


def approve_kyc_via_cli(coop: Coop, tmp: Path, member_no: str) -> None:
    """The real path: teller1 scans the documents, manager1 approves."""
    (tmp / f"{member_no}-id.pdf").write_bytes(PDF + member_no.encode())
    (tmp / f"{member_no}-photo.jpg").write_bytes(JPEG + member_no.encode())
    coop.ok(
        "members",
        "docs",
        "add",
        member_no,
        tmp / f"{member_no}-id.pdf",
        "--kind",
        "id_card",
        operator="teller1",
    )
    coop.ok(
        "members",
        "docs",
        "add",
        member_no,
        tmp / f"{member_no}-photo.jpg",
        "--kind",
        "passport_photo",
        operator="teller1",
    )
    coop.ok("members", "kyc", "approve", member_no, operator="manager1")


def open_account(coop: Coop, member_no: str, product: str = "SAV", **env: str) -> str:
    acct = coop.ok("accounts", "open", member_no, "--product", product, operator="teller1", **env)
    return str(acct["account_no"])


def deposit(coop: Coop, account_no: str, amount: str, *args: str, **env: str) -> dict[str, Any]:
    return coop.ok("postings", "deposit", account_no, amount, *args, operator="teller1", **env)  # type: ignore[no-any-return]


def withdraw(coop: Coop, account_no: str, amount: str, *args: str, **env: str) -> dict[str, Any]:
    return coop.ok("postings", "withdraw", account_no, amount, *args, operator="teller1", **env)  # type: ignore[no-any-return]


def balance(coop: Coop, account_no: str) -> Decimal:
    return Decimal(coop.ok("accounts", "show", account_no, operator="auditor1")["balance"])


def trial_balance(coop: Coop) -> dict[str, tuple[str, str]]:
    """GL code → (debit, credit) of the trial balance (accounts with postings only)."""
    rows = coop.ok("ledger", "trial-balance")["rows"]
    return {r["gl_code"]: (r["debit"], r["credit"]) for r in rows}


def lines_of(entry: dict[str, Any]) -> list[tuple[str, str | None, str, str]]:
    """An entry's lines as (gl_code, account_no, debit, credit), sorted."""
    return sorted(
        (ln["gl_code"], ln["account_no"], ln["debit"], ln["credit"]) for ln in entry["lines"]
    )


def verify(coop: Coop) -> None:
    result = coop.ok("ledger", "verify")
    assert result["ok"] is True, result["problems"]


def add_bank(coop: Coop, code: str = "GTB", gl: str = "1121") -> None:
    coop.ok(
        "recon",
        "banks",
        "add",
        code,
        "--gl",
        gl,
        "--name",
        f"{code} current",
        operator="accountant1",
    )
