"""One approvals engine for every maker-checker action.

The story: Unity Staff Cooperative's teller pays out withdrawals, its accountant
enters journals and its tellers register members; every item a checker must see
waits in one list (`approvals list`), and managers (and, for the largest
withdrawals, an admin) decide on it there or through the old shortcuts.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_member,
    approve_kyc_via_cli,
    balance,
    deposit,
    open_account,
    withdraw,
)
from tests.integration.ledger_support import journal

KEYS = {"id", "kind", "state", "maker", "amount", "subject", "created", "expires"} | {
    "level",
    "levels",
}
TWO_LEVELS = {"COOPCTL_APPROVALS__WITHDRAWAL__BANDS": "10000000.00: manager|admin > admin"}


def _saver(coop: Coop, savings: str) -> str:
    acct = open_account(coop, add_member(coop))
    deposit(coop, acct, savings)
    return acct


def _pending(coop: Coop, **filters: str) -> list[dict[str, Any]]:
    args = [x for k, v in filters.items() for x in (f"--{k}", v)]
    return list(coop.ok("approvals", "list", "--state", "pending", *args, operator="auditor1"))


def _one(coop: Coop, kind: str, subject: str) -> dict[str, Any]:
    rows = [a for a in _pending(coop, kind=kind) if a["subject"] == subject]
    assert len(rows) == 1, rows
    return rows[0]


def test_withdrawal_journal_and_kyc_wait_in_one_list(coop: Coop) -> None:
    acct = _saver(coop, "3,000,000")
    w = withdraw(coop, acct, "1,500,000")
    j = journal(coop, "1310:DR:1,500,000", "1121:CR:1,500,000").json
    newcomer = coop.ok(
        "members", "add", "--first-name", "Musa", "--last-name", "Bello",
        "--phone", "08031112222", operator="teller1",
    )  # fmt: skip
    assert (w["status"], j["status"]) == ("pending", "pending")

    rows = _pending(coop)
    assert all(set(r) >= KEYS for r in rows)
    by_subject = {r["subject"]: r for r in rows}
    assert by_subject[w["entry_no"]]["kind"] == "withdrawal"
    assert by_subject[w["entry_no"]]["amount"] == "1500000.00"
    assert by_subject[w["entry_no"]]["maker"] == "teller1"
    assert by_subject[j["entry_no"]]["kind"] == "manual_journal"
    assert by_subject[j["entry_no"]]["maker"] == "accountant1"
    kyc = by_subject[newcomer["member_no"]]
    assert (kyc["kind"], kyc["maker"], kyc["amount"]) == ("kyc", "teller1", None)
    assert all((r["state"], r["level"], r["levels"]) == ("pending", 0, 1) for r in rows)

    assert [r["subject"] for r in _pending(coop, kind="withdrawal")] == [w["entry_no"]]
    mine = coop.ok("approvals", "list", "--mine", operator="manager1")
    assert {w["entry_no"], j["entry_no"], newcomer["member_no"]} <= {r["subject"] for r in mine}
    # the maker's own items are not waiting for them
    assert w["entry_no"] not in {
        r["subject"] for r in coop.ok("approvals", "list", "--mine", operator="teller1")
    }
    csv = coop.cli("approvals", "list", "--format", "csv", operator="auditor1").ok().stdout
    assert csv.splitlines()[0].startswith("id,kind,state,subject,amount,maker")


def test_a_second_manager_posts_the_withdrawal_its_maker_cannot(coop: Coop) -> None:
    acct = _saver(coop, "3,000,000")
    w = coop.ok("postings", "withdraw", acct, "1,200,000", operator="manager1")
    action = _one(coop, "withdrawal", w["entry_no"])

    r = coop.cli("approvals", "approve", action["id"], operator="manager1")
    assert r.exit_code == 4 and "cannot also approve" in r.stderr
    r = coop.cli("approvals", "approve", action["id"], operator="teller1")
    assert r.exit_code == 4
    assert balance(coop, acct) == Decimal("3000000.00")

    done = coop.ok("approvals", "approve", action["id"], "--comment", "voucher seen",
                   operator="manager2")  # fmt: skip
    assert (done["state"], done["level"], done["levels"]) == ("applied", 1, 1)
    assert balance(coop, acct) == Decimal("1800000.00")
    assert coop.ok("postings", "show", w["entry_no"])["status"] == "posted"
    shown = coop.ok("approvals", "show", action["id"], operator="auditor1")
    assert shown["result"] == w["entry_no"]
    decisions = [
        (d["operator"], d["level"], d["decision"], d["comment"]) for d in shown["decisions"]
    ]
    assert decisions == [("manager2", 1, "approved", "voucher seen")]
    # decided once: a second approval is refused (exit 5) and changes nothing
    r = coop.cli("approvals", "approve", action["id"], operator="admin")
    assert r.exit_code == 5 and "not pending" in r.stderr
    trail = [
        a["action"]
        for a in coop.ok("audit", "list", "--entity", "approval", operator="auditor1")
        if a["entity_id"] == action["id"]
    ]
    assert trail == [
        "approval.submitted",
        "approval.approved",
        "approval.approved",
        "approval.applied",
    ]  # the decision, then the state changes pending→approved→applied
    assert coop.ok("ledger", "verify")["ok"] is True


def test_a_two_level_band_needs_a_manager_then_an_admin(coop: Coop) -> None:
    acct = open_account(coop, add_member(coop))
    deposit(coop, acct, "15,000,000", **TWO_LEVELS)
    small = withdraw(coop, acct, "2,000,000", **TWO_LEVELS)
    big = withdraw(coop, acct, "10,000,000", **TWO_LEVELS)
    s, b = _one(coop, "withdrawal", small["entry_no"]), _one(coop, "withdrawal", big["entry_no"])
    assert (s["levels"], b["levels"]) == (1, 2)

    first = coop.ok("approvals", "approve", b["id"], operator="manager1", **TWO_LEVELS)
    assert (first["state"], first["level"], first["levels"]) == ("pending", 1, 2)
    assert balance(coop, acct) == Decimal("15000000.00")  # nothing moved yet
    assert coop.ok("postings", "show", big["entry_no"])["status"] == "pending"
    # one operator approves at most one level; level 2 is for admins only
    r = coop.cli("approvals", "approve", b["id"], operator="manager1", **TWO_LEVELS)
    assert r.exit_code == 4 and "already decided" in r.stderr
    r = coop.cli("approvals", "approve", b["id"], operator="manager2", **TWO_LEVELS)
    assert r.exit_code == 4 and "allowed: admin" in r.stderr
    assert balance(coop, acct) == Decimal("15000000.00")

    # the old shortcut decides the same action
    done = coop.ok("postings", "approve", big["entry_no"], operator="admin", **TWO_LEVELS)
    assert done["status"] == "posted"
    assert balance(coop, acct) == Decimal("5000000.00")
    shown = coop.ok("approvals", "show", b["id"], operator="auditor1")
    assert shown["state"] == "applied"
    assert [(d["operator"], d["role"], d["level"]) for d in shown["decisions"]] == [
        ("manager1", "manager", 1),
        ("admin", "admin", 2),
    ]
    assert coop.ok("approvals", "approve", s["id"], operator="manager2")["state"] == "applied"
    assert balance(coop, acct) == Decimal("3000000.00")


def test_a_kyc_approval_past_its_expiry_is_expired_and_cannot_be_approved(
    coop: Coop, tmp_path: Path
) -> None:
    window = {"COOPCTL_APPROVALS__KYC__EXPIRE_DAYS": "3"}
    member = coop.ok(
        "members", "add", "--first-name", "Ngozi", "--last-name", "Obi",
        "--phone", "08035556666", operator="teller1", **window,
    )["member_no"]  # fmt: skip
    action = _one(coop, "kyc", member)
    assert action["expires"] == "2026-12-01"  # added 28 November, three days to decide

    on_time = {**window, "COOPCTL_TODAY": "2026-12-01"}
    assert coop.ok("approvals", "expire", operator="system", **on_time) == []
    late = {**window, "COOPCTL_TODAY": "2026-12-02"}
    assert coop.cli("approvals", "expire", operator="teller1", **late).exit_code == 4
    ended = coop.ok("approvals", "expire", operator="system", **late)
    assert [(a["id"], a["state"]) for a in ended] == [(action["id"], "expired")]
    assert coop.ok("approvals", "expire", operator="system", **late) == []  # nothing twice

    r = coop.cli("approvals", "approve", action["id"], operator="manager1", **late)
    assert r.exit_code == 5 and "expired" in r.stderr
    shown = coop.ok("members", "show", member)
    assert (shown["status"], shown["kyc_status"]) == ("pending_kyc", "pending")
    # a new approval starts afresh through the shortcut, once the documents are in
    approve_kyc_via_cli(coop, tmp_path, member)
    assert coop.ok("members", "show", member)["status"] == "active"
    states = [a["state"] for a in coop.ok("approvals", "list", "--kind", "kyc")
              if a["subject"] == member]  # fmt: skip
    assert states == ["expired", "applied"]


def test_an_approval_that_is_stale_by_then_is_recorded_failed(coop: Coop) -> None:
    acct = _saver(coop, "1,500,000")
    w = withdraw(coop, acct, "1,200,000")
    action = _one(coop, "withdrawal", w["entry_no"])
    withdraw(coop, acct, "600,000")  # under the threshold: paid at once; the funds are gone
    assert balance(coop, acct) == Decimal("900000.00")

    r = coop.cli("approvals", "approve", action["id"], operator="manager1")
    assert r.exit_code == 5 and "failed" in r.stderr and "available" in r.stderr
    shown = coop.ok("approvals", "show", action["id"], operator="auditor1")
    assert shown["state"] == "failed" and "available 900,000.00" in shown["reason"]
    assert [d["operator"] for d in shown["decisions"]] == ["manager1"]  # the decision is kept
    assert balance(coop, acct) == Decimal("900000.00")
    entry = coop.ok("postings", "show", w["entry_no"])
    assert entry["status"] == "rejected"
    assert coop.ok("ledger", "verify")["ok"] is True


def test_rejection_moves_nothing_and_the_maker_may_not_reject_a_journal(coop: Coop) -> None:
    j = journal(coop, "1310:DR:1,500,000", "1121:CR:1,500,000").json
    action = _one(coop, "manual_journal", j["entry_no"])
    assert coop.cli("approvals", "reject", action["id"], operator="manager1").exit_code == 2
    r = coop.cli("approvals", "reject", action["id"], "--reason", "x", operator="accountant1")
    assert r.exit_code == 4
    out = coop.ok("approvals", "reject", action["id"], "--reason", "wrong bank",
                  operator="manager1")  # fmt: skip
    assert (out["state"], out["reason"]) == ("rejected", "wrong bank")
    assert coop.ok("postings", "show", j["entry_no"])["status"] == "rejected"
    assert coop.cli("approvals", "show", "AP99999999").exit_code == 3
    assert coop.cli("approvals", "show", "not-an-id").exit_code == 2
