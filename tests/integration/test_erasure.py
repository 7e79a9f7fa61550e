"""Retention and erasure, end to end through the CLI on SQLite and PostgreSQL.

The story: Chiamaka Eze joins on 2019-03-01 with her phone, e-mail, date of birth,
BVN, NIN and address; a teller scans her ID card and photo and a manager approves her
KYC. She saves 50,000.00 and leaves the cooperative on 2019-11-15 (exit approved by a
second manager; her savings are refunded in cash). Seven years later (business date
2026-11-28, past the default six years of retention) a manager asks for her erasure and
another approves it. Her personal data is gone from every table and her document files
from the disk; her member number, her accounts, her statement and the trial balance are
exactly as before, and the audit chain still verifies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_member,
    approve_kyc_via_cli,
    count,
    deposit,
    open_account,
    verify,
)

JOINED = {"COOPCTL_TODAY": "2019-03-01"}
EXITED = {"COOPCTL_TODAY": "2019-11-15"}
PII = {
    "first_name": "Chiamaka",
    "last_name": "Nwankwo-Eze",
    "phone": "08031239876",
    "phone_e164": "2348031239876",
    "email": "chiamaka.eze@example.com",
    "dob": "1988-07-14",
    "bvn": "22298765432",
    "nin": "70098765432",
    "address": "14 Awolowo Road, Ikoyi",
}


def _member(coop: Coop, tmp: Path) -> tuple[str, str]:
    m = coop.ok(
        "members", "add", "--first-name", PII["first_name"], "--last-name", PII["last_name"],
        "--phone", PII["phone"], "--email", PII["email"], "--dob", PII["dob"],
        "--bvn", PII["bvn"], "--nin", PII["nin"], "--address", PII["address"],
        "--joined", "2019-03-01", operator="teller1", **JOINED,
    )  # fmt: skip
    member_no = str(m["member_no"])
    approve_kyc_via_cli(coop, tmp, member_no)
    acct = open_account(coop, member_no, **JOINED)
    deposit(coop, acct, "50,000.00", **JOINED)
    return member_no, acct


def _exit(coop: Coop, member_no: str, env: dict[str, str]) -> None:
    req = coop.ok("members", "exit", member_no, "--cash", operator="manager1", **env)
    coop.ok("members", "exit-approve", req["request_id"], operator="manager2", **env)


def _all_rows_text(coop: Coop) -> str:
    """Every row of every table, as text (the whole database, for a search)."""
    from coopctl.core.schema import load_all

    out = []
    for table in load_all().metadata.sorted_tables:
        if coop.sql(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = :t"
            if coop.dialect == "postgresql"
            else "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :t",
            t=table.name,
        )[0][0]:
            out.extend(repr(tuple(r)) for r in coop.sql(f"SELECT * FROM {table.name}"))
    return "\n".join(out)


def _pii_in(text: str) -> list[str]:
    return [k for k, v in PII.items() if v.lower() in text.lower()]


def _statement(coop: Coop, acct: str) -> dict[str, Any]:
    data: dict[str, Any] = coop.ok(
        "accounts", "statement", acct, "--from", "2019-03-01", "--to", "2026-11-28",
        operator="accountant1",
    )  # fmt: skip
    return data


def test_member_exited_seven_years_ago_is_erased_and_the_books_are_unchanged(
    coop: Coop, tmp_path: Path
) -> None:
    member_no, acct = _member(coop, tmp_path)
    other = add_member(coop, "Emeka", "Nwosu")  # an active member: the books go on
    other_acct = open_account(coop, other, **JOINED)
    deposit(coop, other_acct, "12,500.00", **JOINED)
    _exit(coop, member_no, EXITED)
    docs_dir = coop.data_dir / "documents"
    files_before = [p for p in docs_dir.rglob("*") if p.is_file()]
    assert len(files_before) == 2
    assert _pii_in(coop.cli("members", "show", member_no, "--reveal").stdout)

    statement = _statement(coop, acct)
    trial = coop.ok("ledger", "trial-balance")
    audit_rows, pending = count(coop, "audit_log"), count(coop, "pending_actions")
    assert _pii_in(_all_rows_text(coop))  # the search finds her data while it is there

    # The dry run lists what would go and writes nothing.
    preview = coop.ok("members", "erase", member_no, "--dry-run", operator="manager1")
    assert preview["state"] == "preview" and preview["erasable_from"] == "2025-11-16"
    assert preview["destroyed"]["member_documents"] == 2 and preview["destroyed"]["member"] > 0
    assert count(coop, "audit_log") == audit_rows
    assert count(coop, "pending_actions") == pending

    # Maker-checker: manager1 asks, cannot approve; manager2 approves.
    asked = coop.ok("members", "erase", member_no, operator="manager1")
    assert asked["state"] == "pending" and asked["approval"].startswith("AP")
    assert _pii_in(coop.cli("members", "show", member_no, "--reveal").stdout)  # not yet
    r = coop.cli("approvals", "approve", asked["approval"], operator="manager1")
    assert r.exit_code == 4
    done = coop.ok("approvals", "approve", asked["approval"], operator="manager2")
    assert done["state"] == "applied" and done["result"] == member_no

    shown = coop.ok("members", "show", member_no, "--reveal")
    assert shown["member_no"] == member_no and shown["status"] == "exited"
    assert shown["erased_on"] == "2026-11-28" and shown["exited_on"] == "2019-11-15"
    for key in ("phone", "bvn", "nin", "dob", "email"):
        assert shown[key] is None, key
    assert shown["first_name"] == "" and shown["last_name"] == "" and shown["documents"] == []
    assert _pii_in(coop.cli("members", "show", member_no, "--reveal").stdout) == []
    assert _pii_in(coop.cli("members", "list", "--status", "exited").stdout) == []
    assert _pii_in(_all_rows_text(coop)) == []  # no table keeps any of it
    assert [p for p in docs_dir.rglob("*") if p.is_file()] == []  # files gone too

    # The books: the statement (but the name on it) and the trial balance are unchanged.
    after = _statement(coop, acct)
    assert {k: v for k, v in after.items() if k != "member_name"} == {
        k: v for k, v in statement.items() if k != "member_name"
    }
    assert after["member_no"] == member_no and after["lines"]
    assert coop.ok("ledger", "trial-balance") == trial
    verify(coop)
    assert coop.cli("audit", "verify").exit_code == 0
    assert coop.cli("members", "list", "--bvn", PII["bvn"], "--format", "json").json == []

    # Erased once: a second request is refused; the row is frozen in the database too.
    again = coop.cli("members", "erase", member_no, operator="manager1")
    assert again.exit_code == 5 and "already erased" in again.stderr
    try:
        coop.sql("UPDATE members SET first_name = 'X' WHERE member_no = :m", m=member_no)
    except Exception as exc:
        assert "erased" in str(exc)
    else:
        raise AssertionError("the database changed an erased member")


def test_members_not_exited_or_within_retention_are_refused(coop: Coop, tmp_path: Path) -> None:
    active = add_member(coop, "Musa", "Garba")
    recent = add_member(coop, "Ifeoma", "Okeke")
    open_account(coop, recent, COOPCTL_TODAY="2021-01-04")
    _exit(coop, recent, {"COOPCTL_TODAY": "2021-02-01"})
    before = (count(coop, "pending_actions"), count(coop, "audit_log"))
    r = coop.cli("members", "erase", active, operator="manager1")
    assert r.exit_code == 5 and "only a member who exited" in r.stderr
    r = coop.cli("members", "erase", recent, operator="manager1")
    assert r.exit_code == 5 and "erasable from 2027-02-02" in r.stderr
    r = coop.cli("members", "erase", recent, "--dry-run", operator="manager1")
    assert r.exit_code == 5
    r = coop.cli("members", "erase", active, operator="teller1")
    assert r.exit_code == 4  # tellers may not erase
    assert (count(coop, "pending_actions"), count(coop, "audit_log")) == before
    # Six years and a day after the exit it becomes possible.
    ok = coop.ok("members", "erase", recent, "--dry-run", COOPCTL_TODAY="2027-02-02")
    assert ok["state"] == "preview"


def test_retention_job_submits_erasures_for_approval(coop: Coop, tmp_path: Path) -> None:
    """The ``members.erase`` step (its ``retention`` job ships disabled) submits one
    approval per member past retention and erases nothing itself; a second run skips
    the members already waiting."""
    member_no, _ = _member(coop, tmp_path)
    _exit(coop, member_no, EXITED)
    listed = {j["name"]: j for j in coop.ok("jobs", "list")}
    assert listed["retention"]["enabled"] is False
    r = coop.cli("jobs", "run", "members.erase", "--format", "json", operator="system")
    assert r.exit_code == 0, r.stderr
    waiting = coop.ok("approvals", "list", "--kind", "member_erasure", "--state", "pending")
    assert [a["subject"] for a in waiting] == [member_no]
    assert waiting[0]["maker"] == "system"
    assert "erased_on" not in coop.ok("members", "show", member_no)
    r = coop.cli("jobs", "run", "members.erase", "--format", "json", operator="system")
    assert r.exit_code == 0, r.stderr
    assert len(coop.ok("approvals", "list", "--kind", "member_erasure")) == 1
    coop.ok("approvals", "approve", waiting[0]["id"], operator="manager1")
    assert coop.ok("members", "show", member_no)["erased_on"] == "2026-11-28"
