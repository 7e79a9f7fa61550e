"""Notices queued in the same transaction as their event.

Adaeze (with an e-mail address) pays ₦25,000 in at the counter: her receipt is in
the outbox the moment the deposit commits, and the nightly ``notify.events`` safety
net adds nothing. A deposit that is refused queues nothing. A withdrawal large
enough to need a checker tells the staff at once. At month end she gets her
statement for the month, once, with the file attached.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account

EMAIL = "adaeze.okafor@example.org"
STAFF = {"COOPCTL_JOBS__STAFF_RECIPIENTS": "office@unity-coop.example.org"}


def _outbox(coop: Coop) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in coop.sql("SELECT template, recipient, attachments FROM notify_outbox ORDER BY id")
    ]


def _saver(coop: Coop) -> str:
    member_no = add_member(coop, "Adaeze", "Okafor")
    coop.sql("UPDATE members SET email = :e WHERE member_no = :m", e=EMAIL, m=member_no)
    return open_account(coop, member_no)


def test_a_deposit_queues_its_receipt_with_the_posting_and_only_once(coop: Coop) -> None:
    acct = _saver(coop)
    posted = deposit(coop, acct, "25,000.00")
    assert _outbox(coop) == [("deposit_receipt", EMAIL, None)]
    body = coop.sql("SELECT body FROM notify_outbox")[0][0]
    assert "25,000.00" in body and posted["entry_no"] in body

    r = coop.cli(
        "jobs", "run", "notify.events", "--date", "2026-11-28", "--format", "json",
        operator="system", COOPCTL_TODAY="2026-11-29",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert len(_outbox(coop)) == 1  # the safety net found it already queued

    refused = coop.cli("postings", "deposit", acct, "0", operator="teller1")
    assert refused.exit_code == 2
    assert len(_outbox(coop)) == 1  # nothing queued for a deposit that never happened


def test_an_action_waiting_for_a_checker_tells_the_staff_at_once(coop: Coop) -> None:
    acct = _saver(coop)
    deposit(coop, acct, "3,000,000.00")
    r = coop.cli(
        "postings", "withdraw", acct, "1,500,000.00", "--format", "json", operator="teller1",
        **STAFF,
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "pending"
    staff = [row for row in _outbox(coop) if row[0] == "approval_waiting"]
    assert staff == [("approval_waiting", "office@unity-coop.example.org", None)]


def test_month_end_sends_each_member_their_statement_once(coop: Coop) -> None:
    acct = _saver(coop)
    deposit(coop, acct, "40,000.00", "--date", "2026-11-10")
    for _ in range(2):  # the second run finds the month's statement already queued
        r = coop.cli(
            "jobs", "run", "notify.statements", "--date", "2026-11-30", "--format", "json",
            operator="system", COOPCTL_TODAY="2026-12-01",
        )  # fmt: skip
        assert r.exit_code == 0, r.stderr
    statements = [row for row in _outbox(coop) if row[0] == "monthly_statement"]
    assert len(statements) == 1
    (path,) = json.loads(statements[0][2])
    text = Path(path).read_text()
    assert acct in text and "40000.00" in text and "Opening balance" in text
    assert oct(Path(path).stat().st_mode & 0o777) == "0o600"
