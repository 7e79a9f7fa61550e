"""Migration 0008 moves every item waiting for a checker at revision 0007 into the
approvals engine, losing none, and they can be decided after the upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from coopctl.core import migrate
from coopctl.core.db import dispose_engines, make_engine
from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account, withdraw
from tests.integration.ledger_support import journal
from tests.integration.loans_support import active_loan, apply, cast, guarantee

BUDGET = (
    "gl_code,name,jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec\n"
    "5500,Admin,40000,40000,40000,40000,40000,40000,40000,40000,40000,40000,40000,40000\n"
)


def _actions(coop: Coop) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in coop.sql(
            "SELECT kind, subject, amount, maker, state, level, levels FROM pending_actions "
            "WHERE state = 'pending' ORDER BY kind, subject"
        )
    ]


def test_pending_rows_of_revision_0007_are_moved_into_the_engine(
    coop: Coop, tmp_path: Path
) -> None:
    # one item of every kind waiting for a checker
    c = cast(coop)
    loan_wo = active_loan(coop, c, "100000", 3, cover=["25000", "25000"])
    coop.ok("loans", "writeoff", loan_wo, "--reason", "absconded", operator="manager1")
    applied = apply(coop, c.guarantors[0].member_no, "50000", 3)["loan_no"]
    guarantee(coop, applied, c.guarantors[1].member_no, "20000")
    guarantee(coop, applied, c.borrower.member_no, "20000")
    coop.ok("loans", "approve", applied, "--comment", "fine", operator="officer2")
    acct = open_account(coop, add_member(coop, "Efe", "Ojo"))
    deposit(coop, acct, "2,000,000")
    w = withdraw(coop, acct, "1,500,000")
    assert journal(coop, "1310:DR:1,500,000", "1121:CR:1,500,000").json["status"] == "pending"
    small = journal(coop, "1310:DR:5,000", "1121:CR:5,000").json
    rev = coop.ok("postings", "reverse", small["entry_no"], "--reason", "x", operator="accountant1")
    newcomer = coop.ok(
        "members", "add", "--first-name", "Musa", "--last-name", "Bello",
        "--phone", "08031112299", operator="teller1",
    )["member_no"]  # fmt: skip
    leaver = add_member(coop, "Tobi", "Ade")
    deposit(coop, open_account(coop, leaver), "30,000")
    ex = coop.ok("members", "exit", leaver, operator="manager1")
    f = tmp_path / "budget.csv"
    f.write_text(BUDGET)
    coop.ok("budgets", "import", f, "--year", "2026", operator="accountant1")
    assert rev["status"] == "pending" and ex["status"] == "pending"

    before = _actions(coop)
    kinds = {k for k, *_ in before}
    assert kinds == {
        "budget", "kyc", "loan", "manual_journal", "member_exit", "reversal", "withdrawal",
        "writeoff",
    }  # fmt: skip

    # back to 0007: the tables go, the pending rows stay where 0007 keeps them
    dispose_engines()
    engine = make_engine(coop.url)
    migrate.downgrade(engine, "0007")
    assert "pending_actions" not in inspect(engine).get_table_names()
    votes = coop.sql(
        "SELECT v.approver, v.decision FROM loan_approvals v JOIN loans l ON l.id = v.loan_id "
        "WHERE l.loan_no = :n ORDER BY v.id",
        n=applied,
    )
    assert [tuple(v) for v in votes] == [("officer2", "approved")]  # votes cast since 0008

    migrate.upgrade(engine)
    dispose_engines()
    after = _actions(coop)
    # every item is back, same subject, amount, maker; the committee vote kept its level
    assert [a[:4] for a in after if a[0] != "kyc"] == [b[:4] for b in before if b[0] != "kyc"]
    # KYC: every member still pending_kyc (the test's other members were made active
    # directly in the database, leaving their approvals behind: those are not moved)
    assert [a[1] for a in after if a[0] == "kyc"] == [newcomer]
    loan = next(a for a in after if a[0] == "loan")
    assert (loan[1], loan[5], loan[6]) == (applied, 1, 2)
    assert len(after) == len([b for b in before if b[0] != "kyc"]) + 1

    # and they are decided through the engine after the upgrade
    assert coop.ok("postings", "approve", w["entry_no"], operator="manager1")["status"] == "posted"
    assert coop.ok("loans", "approve", applied, operator="manager1")["status"] == "approved"
    assert (
        coop.ok("members", "exit-approve", ex["request_id"], operator="manager2")["status"]
        == "exited"
    )
    assert coop.ok("budgets", "approve", "--year", "2026", operator="manager1")["status"] == (
        "approved"
    )
    r = coop.cli("loans", "writeoff", loan_wo, "--approve", operator="manager1")
    assert r.exit_code == 4  # its maker
    assert (
        coop.ok("loans", "writeoff", loan_wo, "--approve", operator="manager2")["status"]
        == "approved"
    )
    assert coop.ok("ledger", "verify")["ok"] is True
