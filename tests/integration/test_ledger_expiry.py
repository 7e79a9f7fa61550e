"""Pending entries expire after the policy's window; expiry moves nothing and is audited.

The story: an accountant enters a ₦1,500,000 journal on 28 November; the manual-journal
policy gives checkers 3 days. Nobody approves it by 1 December, so on 2 December it can
no longer be approved, and the nightly `postings expire` ends it.
"""

from __future__ import annotations

from tests.conftest import Coop

POLICY = {"COOPCTL_APPROVALS__MANUAL_JOURNAL__EXPIRE_DAYS": "3"}


def _pending_journal(coop: Coop) -> str:
    e = coop.ok(
        "postings",
        "journal",
        "--line",
        "1510:DR:1,500,000",
        "--line",
        "1121:CR:1,500,000",
        "--narration",
        "Generator purchase",
        operator="accountant1",
        **POLICY,
    )
    assert e["status"] == "pending"
    return str(e["entry_no"])


def test_expired_entry_cannot_be_approved_and_expire_ends_it(coop: Coop) -> None:
    no = _pending_journal(coop)
    tb_before = coop.ok("ledger", "trial-balance")
    late = {**POLICY, "COOPCTL_TODAY": "2026-12-02"}
    r = coop.cli("postings", "approve", no, operator="manager1", **late)
    assert r.exit_code == 5 and "expired" in r.stderr
    # a teller may not run the expiry; the system operator may
    assert coop.cli("postings", "expire", operator="teller1", **late).exit_code == 4
    rows = coop.ok("postings", "expire", operator="system", **late)
    assert [x["entry_no"] for x in rows] == [no]
    shown = coop.ok("postings", "show", no)
    assert shown["status"] == "rejected"
    assert coop.ok("ledger", "trial-balance") == tb_before
    actions = [a["action"] for a in coop.ok("audit", "list", "--entity", "journal_entry")]
    assert "entry.expired" in actions
    assert coop.ok("postings", "expire", operator="system", **late) == []  # nothing twice
    assert coop.ok("ledger", "verify")["ok"] is True


def test_within_the_window_it_is_approved_and_not_expired(coop: Coop) -> None:
    no = _pending_journal(coop)
    on_time = {**POLICY, "COOPCTL_TODAY": "2026-12-01"}
    assert coop.ok("postings", "expire", operator="system", **on_time) == []
    assert coop.ok("postings", "approve", no, operator="manager1", **on_time)["status"] == "posted"


def test_without_a_window_pending_entries_never_expire(coop: Coop) -> None:
    e = coop.ok(
        "postings",
        "journal",
        "--line",
        "1510:DR:1,500,000",
        "--line",
        "1121:CR:1,500,000",
        operator="accountant1",
    )
    assert coop.ok("postings", "expire", operator="system", COOPCTL_TODAY="2027-06-30") == []
    assert coop.ok("postings", "show", e["entry_no"])["status"] == "pending"
    assert coop.cli("postings", "expire", "--date", "2026-13-01", operator="system").exit_code == 2
