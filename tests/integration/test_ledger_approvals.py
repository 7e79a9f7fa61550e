"""Maker-checker on manual journals: pending entries move nothing until a different
manager approves them; optional TOTP for approvers, lockout after 5 bad codes."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import Coop
from tests.integration.ledger_support import D, assert_verified, counts, journal, tb

# The cooperative places ₦1,500,000 on fixed deposit with its bank:
#   Dr 1310 Fixed deposits with banks 1,500,000.00 / Cr 1121 Bank 1,500,000.00
# — at or above the 1,000,000.00 manual-journal threshold, so a checker is needed.
FD = ("1310:DR:1,500,000", "1121:CR:1,500,000")
OTP_ON = {"COOPCTL_APPROVALS__MANUAL_JOURNAL__REQUIRE_OTP": "true"}


def _pending(coop: Coop, operator: str = "manager1") -> dict[str, Any]:
    r = journal(coop, *FD, operator=operator, narration="Fixed deposit placement")
    assert r.exit_code == 0, r.stderr
    assert r.json["status"] == "pending" and "pending approval" in r.stderr
    return dict(r.json)


def test_journal_over_threshold_is_pending_until_a_second_manager_approves(coop: Coop) -> None:
    books = tb(coop)
    e = _pending(coop)
    assert tb(coop) == books == {}  # pending moves no balance
    assert [x["entry_no"] for x in coop.ok("postings", "list", "--status", "pending")] == [
        e["entry_no"]
    ]
    r = coop.cli("postings", "approve", e["entry_no"], operator="manager1")
    assert r.exit_code == 4 and "cannot also approve" in r.stderr  # the maker
    r = coop.cli("postings", "approve", e["entry_no"], operator="teller1")
    assert r.exit_code == 4 and "postings.approve" in r.stderr
    assert tb(coop) == {}
    done = coop.ok("postings", "approve", e["entry_no"], operator="manager2")
    assert done["status"] == "posted" and done["checker"] == "manager2"
    assert tb(coop) == {"1121": (D("0.00"), D("1500000.00")), "1310": (D("1500000.00"), D("0.00"))}
    r = coop.cli("postings", "approve", e["entry_no"], operator="admin")
    assert r.exit_code == 5 and "not pending" in r.stderr
    audit = coop.ok("audit", "list", "--entity", "journal_entry")
    assert [a["action"] for a in audit if a["entity_id"] == e["entry_no"]] == [
        "entry.pending",
        "entry.approved",
    ]
    assert_verified(coop)


def test_threshold_boundary(coop: Coop) -> None:
    under = journal(coop, "1310:DR:999,999.99", "1121:CR:999,999.99").json
    at = journal(coop, "1310:DR:1,000,000.00", "1121:CR:1,000,000.00").json
    assert (under["status"], at["status"]) == ("posted", "pending")
    # the threshold is configuration: at 1.00 even a ₦5 journal waits for a checker
    r = coop.cli(
        "postings",
        "journal",
        "--line",
        "1310:DR:5",
        "--line",
        "1121:CR:5",
        "--format",
        "json",
        operator="accountant1",
        COOPCTL_APPROVALS__MANUAL_JOURNAL__THRESHOLD="1",
    )
    assert r.json["status"] == "pending"


def test_reject_needs_a_reason_and_moves_nothing(coop: Coop) -> None:
    e = _pending(coop, operator="accountant1")
    before = counts(coop)
    r = coop.cli("postings", "reject", e["entry_no"], operator="manager1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    r = coop.cli("postings", "reject", e["entry_no"], "--reason", " ", operator="manager1")
    assert r.exit_code == 2 and "--reason" in r.stderr
    assert counts(coop) == before
    r = coop.cli("postings", "reject", e["entry_no"], "--reason", "no", operator="accountant1")
    assert r.exit_code == 4  # accountants are not checkers
    rej = coop.ok(
        "postings", "reject", e["entry_no"], "--reason", "wrong bank", operator="manager1"
    )
    assert rej["status"] == "rejected" and rej["checker"] == "manager1"
    assert tb(coop) == {}
    r = coop.cli("postings", "approve", e["entry_no"], operator="manager2")
    assert r.exit_code == 5 and "rejected" in r.stderr
    assert_verified(coop)


def _totp(coop: Coop, user: str) -> Any:
    import pyotp

    uri = coop.cli("operators", "mfa-enroll", user).ok().stdout.strip()
    assert uri.startswith("otpauth://totp/") and user in uri
    return pyotp.parse_uri(uri)


def _wrong_code(totp: Any) -> str:
    """A six-digit code valid in none of the windows the server accepts."""
    now = time.time()
    near = {totp.at(now + k * 30) for k in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def test_otp_required_wrong_code_refused_right_code_posts(coop: Coop) -> None:
    coop.env_extra.update(OTP_ON)
    totp = _totp(coop, "manager2")
    e = _pending(coop)
    r = coop.cli("postings", "approve", e["entry_no"], operator="manager2")
    assert r.exit_code == 4 and "--otp" in r.stderr
    r = coop.cli(
        "postings", "approve", e["entry_no"], "--otp", _wrong_code(totp), operator="manager2"
    )
    assert r.exit_code == 4 and "OTP" in r.stderr
    assert tb(coop) == {}
    done = coop.ok("postings", "approve", e["entry_no"], "--otp", totp.now(), operator="manager2")
    assert done["status"] == "posted"
    # an approver who is not enrolled is not asked for a code (policy: when enrolled)
    e2 = _pending(coop)
    assert coop.ok("postings", "approve", e2["entry_no"], operator="admin")["status"] == "posted"
    assert_verified(coop)


def test_rejecting_needs_no_otp(coop: Coop) -> None:
    """A rejection moves no money: it is not gated by OTP and never counts a bad code."""
    coop.env_extra.update(OTP_ON)
    _totp(coop, "manager2")
    e = _pending(coop)
    rej = coop.ok("postings", "reject", e["entry_no"], "--reason", "duplicate", operator="manager2")
    assert rej["status"] == "rejected"
    ops = {o["username"]: o for o in coop.ok("operators", "list")}
    assert ops["manager2"]["locked"] is False
    assert coop.sql("SELECT otp_failures FROM operators WHERE username='manager2'")[0][0] == 0


def test_five_bad_codes_lock_the_approver_until_an_admin_unlocks(coop: Coop) -> None:
    coop.env_extra.update(OTP_ON)
    totp = _totp(coop, "manager2")
    e = _pending(coop)
    bad = _wrong_code(totp)
    for _ in range(5):
        r = coop.cli("postings", "approve", e["entry_no"], "--otp", bad, operator="manager2")
        assert r.exit_code == 4
    ops = {o["username"]: o for o in coop.ok("operators", "list")}
    assert ops["manager2"]["locked"] is True
    r = coop.cli("postings", "approve", e["entry_no"], "--otp", totp.now(), operator="manager2")
    assert r.exit_code == 4 and "locked" in r.stderr  # even the right code
    assert tb(coop) == {}
    r = coop.cli("operators", "unlock", "manager2", operator="manager1")
    assert r.exit_code == 4  # only an admin unlocks
    coop.cli("operators", "unlock", "manager2", operator="admin").ok()
    done = coop.ok("postings", "approve", e["entry_no"], "--otp", totp.now(), operator="manager2")
    assert done["status"] == "posted"
    actions = [a["action"] for a in coop.ok("audit", "list", "--entity", "operator")]
    assert "operator.unlock" in actions
    assert_verified(coop)


def test_roles_outside_the_policy_cannot_approve(coop: Coop) -> None:
    e = _pending(coop)
    for user in ("accountant1", "auditor1", "officer1", "system"):
        r = coop.cli("postings", "approve", e["entry_no"], operator=user)
        assert r.exit_code == 4, user
    assert coop.ok("postings", "show", e["entry_no"])["status"] == "pending"


def test_policy_roles_are_configurable(coop: Coop) -> None:
    """With approver_roles = admin only, a manager's approval is refused (exit 4)."""
    coop.env_extra["COOPCTL_APPROVALS__MANUAL_JOURNAL__APPROVER_ROLES"] = "admin"
    e = _pending(coop)
    r = coop.cli("postings", "approve", e["entry_no"], operator="manager2")
    assert r.exit_code == 4 and "may not approve" in r.stderr
    assert coop.ok("postings", "approve", e["entry_no"], operator="admin")["status"] == "posted"
