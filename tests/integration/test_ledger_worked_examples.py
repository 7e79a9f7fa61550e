"""The ledger as an accountant sees it: textbook entries through the CLI, the books
written out after each, on SQLite and PostgreSQL.

Business date: 2026-11-28 (the ``coop`` fixture). Amounts in naira.
"""

from __future__ import annotations

from tests.conftest import Coop
from tests.integration.ledger_support import (
    D,
    account_balance,
    assert_verified,
    balances,
    counts,
    journal,
    make_account,
    post_service,
    posted,
    tb,
)

ZERO = D("0.00")


def test_stationery_bought_for_cash(coop: Coop) -> None:
    """The cooperative buys stationery for ₦25,000 cash.

        Dr 5500 Administrative expenses   25,000.00
            Cr 1110 Cash on hand                      25,000.00

    Trial balance: 5500 debit 25,000.00; 1110 credit 25,000.00; totals agree.
    """
    before = counts(coop)
    e = posted(coop, "5500:DR:25,000", "1110:CR:25000.00", narration="Stationery")
    assert e["status"] == "posted" and e["date"] == "2026-11-28"
    assert e["entry_no"].startswith("JE") and e["maker"] == "accountant1"
    assert [(ln["gl_code"], ln["account_no"], ln["debit"], ln["credit"]) for ln in e["lines"]] == [
        ("5500", None, "25000.00", "0.00"),
        ("1110", None, "0.00", "25000.00"),
    ]
    assert tb(coop) == {"1110": (ZERO, D("25000.00")), "5500": (D("25000.00"), ZERO)}
    bal = balances(coop)
    assert bal["5500"] == D("25000.00") and bal["5000"] == D("25000.00")  # header rolls up
    assert bal["1110"] == D("-25000.00") and bal["1000"] == D("-25000.00")  # cash overdrawn
    after = counts(coop)
    assert after["journal_entries"] == before["journal_entries"] + 1
    assert after["journal_lines"] == before["journal_lines"] + 2
    assert after["audit_log"] == before["audit_log"] + 1
    shown = coop.ok("postings", "show", e["entry_no"])
    assert shown["lines"] == e["lines"] and shown["status"] == "posted"
    assert_verified(coop)


def test_a_month_of_office_transactions(coop: Coop) -> None:
    """Three entries of a month, one of them compound:

    1. Cash of ₦500,000 is banked:         Dr 1121 500,000.00 / Cr 1110 500,000.00
    2. Electricity bill ₦60,000 paid from the bank, 10% WHT withheld:
                                           Dr 5500  60,000.00 / Cr 2220   6,000.00
                                                              / Cr 1121  54,000.00
    3. Bank charges ₦1,250.50:             Dr 5600   1,250.50 / Cr 1121   1,250.50

    Bank 1121 = 500,000 − 54,000 − 1,250.50 = 444,749.50 (debit);
    cash 1110 credit 500,000; WHT payable 2220 credit 6,000; expenses 61,250.50.
    """
    posted(coop, "1121:DR:500000", "1110:CR:500000", narration="Cash banked", date="2026-11-02")
    posted(
        coop,
        "5500:DR:60000",
        "2220:CR:6000",
        "1121:CR:54000",
        narration="Electricity, WHT withheld",
        date="2026-11-10",
    )
    posted(coop, "5600:DR:1250.50", "1121:CR:1250.50", narration="Bank charges")
    assert tb(coop) == {
        "1110": (ZERO, D("500000.00")),
        "1121": (D("444749.50"), ZERO),
        "2220": (ZERO, D("6000.00")),
        "5500": (D("60000.00"), ZERO),
        "5600": (D("1250.50"), ZERO),
    }
    bal = balances(coop)
    assert bal["2220"] == D("6000.00") and bal["2200"] == D("6000.00")  # credit-normal
    assert bal["5000"] == D("61250.50")
    # the trial balance as of the 5th shows only the banking
    assert tb(coop, as_of="2026-11-05") == {
        "1110": (ZERO, D("500000.00")),
        "1121": (D("500000.00"), ZERO),
    }
    listed = coop.ok("postings", "list", "--from", "2026-11-01", "--to", "2026-11-10")
    assert [r["narration"] for r in listed] == ["Electricity, WHT withheld", "Cash banked"]
    assert_verified(coop)


def test_unbalanced_journal_exits_5_and_writes_nothing(coop: Coop) -> None:
    """Dr 5500 25,000.00 / Cr 1110 24,999.99 is off by one kobo: refused, nothing written."""
    before = counts(coop)
    r = journal(coop, "5500:DR:25000", "1110:CR:24999.99")
    assert r.exit_code == 5
    assert "25,000.00" in r.stderr and "24,999.99" in r.stderr and r.stdout == ""
    r = journal(coop, "5500:DR:100", "1110:DR:100")  # two debits, no credit
    assert r.exit_code == 5 and "credit" in r.stderr
    assert counts(coop) == before
    assert tb(coop) == {}
    assert_verified(coop)


def test_reversal_restores_every_balance_after_a_checker_approves(coop: Coop) -> None:
    """Stationery posted twice by mistake; the second is reversed.

    Reversal (pending, every reversal needs a checker by default):
        Dr 1110 Cash on hand 25,000.00 / Cr 5500 Administrative expenses 25,000.00
    Its maker (manager1) cannot approve it (exit 4); manager2 does. After it the
    books are back to one stationery purchase.
    """
    first = posted(coop, "5500:DR:25000", "1110:CR:25000", narration="Stationery")
    dup = posted(coop, "5500:DR:25000", "1110:CR:25000", narration="Stationery (again)")
    books = balances(coop)
    assert books["5500"] == D("50000.00")
    rev = coop.ok(
        "postings", "reverse", dup["entry_no"], "--reason", "posted twice", operator="manager1"
    )
    assert rev["status"] == "pending" and rev["reverses"] == dup["entry_no"]
    assert [(ln["gl_code"], ln["debit"], ln["credit"]) for ln in rev["lines"]] == [
        ("5500", "0.00", "25000.00"),
        ("1110", "25000.00", "0.00"),
    ]
    assert balances(coop) == books  # pending moves nothing
    r = coop.cli("postings", "approve", rev["entry_no"], operator="manager1")
    assert r.exit_code == 4 and "manager1" in r.stderr
    r = coop.cli("postings", "approve", rev["entry_no"], operator="accountant1")
    assert r.exit_code == 4  # accountants may not approve
    assert balances(coop) == books
    done = coop.ok("postings", "approve", rev["entry_no"], operator="manager2")
    assert done["status"] == "posted" and done["checker"] == "manager2"
    after = balances(coop)
    assert after["5500"] == D("25000.00") and after["1110"] == D("-25000.00")
    original = coop.ok("postings", "show", dup["entry_no"])
    assert original["status"] == "reversed" and original["reversed_by"] == rev["entry_no"]
    # a second reversal, or reversing the reversal, is refused
    again = coop.cli("postings", "reverse", dup["entry_no"], "--reason", "x", operator="manager1")
    assert again.exit_code == 5 and "already reversed" in again.stderr
    rr = coop.cli("postings", "reverse", rev["entry_no"], "--reason", "x", operator="manager1")
    assert rr.exit_code == 5 and "itself a reversal" in rr.stderr
    # reversing the first one too brings every account back to zero
    rev1 = coop.ok(
        "postings", "reverse", first["entry_no"], "--reason", "returned", operator="accountant1"
    )
    coop.ok("postings", "approve", rev1["entry_no"], operator="manager1")
    assert all(v == 0 for v in balances(coop).values())
    assert {k: v[0] - v[1] for k, v in tb(coop).items()} == {"1110": ZERO, "5500": ZERO}
    assert_verified(coop)


def test_reversal_restores_a_member_balance(coop: Coop) -> None:
    """A teller posts a ₦40,000 cash deposit to the wrong member (SV-A instead of SV-B):

        Dr 1110 Cash 40,000.00 / Cr 2110 Members' savings (SV-A) 40,000.00

    The reversal, once approved, takes SV-A back to zero; the deposit is then posted
    to SV-B. Control account 2110 = SV-A + SV-B = 40,000.00 throughout.
    """
    make_account(coop, "SV-A")
    make_account(coop, "SV-B")
    wrong = post_service(coop, [("1110", "DR", "40000"), ("2110", "CR", "40000", "SV-A")])
    assert account_balance(coop, "SV-A") == D("40000.00")
    rev = coop.ok("postings", "reverse", wrong, "--reason", "wrong member", operator="manager1")
    assert account_balance(coop, "SV-A") == D("40000.00")  # pending: not yet
    coop.ok("postings", "approve", rev["entry_no"], operator="admin")
    assert account_balance(coop, "SV-A") == ZERO
    post_service(coop, [("1110", "DR", "40000"), ("2110", "CR", "40000", "SV-B")])
    assert account_balance(coop, "SV-B") == D("40000.00")
    assert balances(coop)["2110"] == D("40000.00")
    lines = coop.ok("postings", "show", rev["entry_no"])["lines"]
    assert {ln["account_no"] for ln in lines} == {None, "SV-A"}
    assert [e["status"] for e in coop.ok("postings", "list", "--account", "SV-A")] == [
        "posted",
        "reversed",
    ]
    assert_verified(coop)


def test_reversal_that_would_overdraw_the_member_is_refused(coop: Coop) -> None:
    """SV-C receives ₦10,000, then withdraws ₦8,000: reversing the deposit would leave
    −8,000 — refused on approval (exit 5): the stale approval is recorded failed with the
    reason, the reversal entry ends rejected, nothing moves."""
    make_account(coop, "SV-C")
    dep = post_service(coop, [("1110", "DR", "10000"), ("2110", "CR", "10000", "SV-C")])
    post_service(coop, [("2110", "DR", "8000", "SV-C"), ("1110", "CR", "8000")], kind="withdrawal")
    rev = coop.ok("postings", "reverse", dep, "--reason", "bounced", operator="manager1")
    r = coop.cli("postings", "approve", rev["entry_no"], operator="manager2")
    assert r.exit_code == 5 and "SV-C" in r.stderr
    assert account_balance(coop, "SV-C") == D("2000.00")
    shown = coop.ok("postings", "show", rev["entry_no"])
    assert shown["status"] == "rejected"
    failed = [a for a in coop.ok("approvals", "list", "--state", "failed")]
    assert [a["subject"] for a in failed] == [rev["entry_no"]]
    assert "SV-C" in failed[0]["reason"]
    r = coop.cli("postings", "reject", rev["entry_no"], "--reason", "x", operator="manager2")
    assert r.exit_code == 5 and "not pending" in r.stderr
    # the deposit may be reversed again later (the rejected reversal let go of it)
    assert coop.ok("postings", "show", dep)["status"] == "posted"
    assert_verified(coop)


def test_idempotency_key_returns_the_original_and_posts_nothing(coop: Coop) -> None:
    first = posted(coop, "5500:DR:7500", "1110:CR:7500", key="petty-cash-2026-11-28")
    before = counts(coop)
    r = journal(coop, "5500:DR:7500", "1110:CR:7500", key="petty-cash-2026-11-28")
    assert r.exit_code == 0
    assert r.json["entry_no"] == first["entry_no"] and "note" in r.json
    assert "already" in r.stderr and first["entry_no"] in r.stderr
    assert counts(coop) == before
    assert tb(coop) == {"1110": (ZERO, D("7500.00")), "5500": (D("7500.00"), ZERO)}


def test_future_dated_posting_exits_5(coop: Coop) -> None:
    before = counts(coop)
    r = journal(coop, "5500:DR:100", "1110:CR:100", date="2026-11-29")
    assert r.exit_code == 5 and "after the business date" in r.stderr
    assert counts(coop) == before


def test_manual_journal_refuses_non_manual_header_and_unknown_accounts(coop: Coop) -> None:
    """2110 Members' savings and 1290 Loan-loss provision are posted by the system only;
    5000 is a header; 9999 does not exist (exit 3)."""
    before = counts(coop)
    r = journal(coop, "2110:DR:100", "1110:CR:100")
    assert r.exit_code == 5 and "2110" in r.stderr and "manual" in r.stderr
    r = journal(coop, "1290:CR:100", "5200:DR:100")
    assert r.exit_code == 5 and "1290" in r.stderr
    r = journal(coop, "5000:DR:100", "1110:CR:100")
    assert r.exit_code == 5 and "header" in r.stderr
    r = journal(coop, "9999:DR:100", "1110:CR:100")
    assert r.exit_code == 3 and "9999" in r.stderr
    assert counts(coop) == before


def test_teller_without_journal_permission_gets_exit_4(coop: Coop) -> None:
    before = counts(coop)
    r = journal(coop, "5500:DR:100", "1110:CR:100", operator="teller1")
    assert r.exit_code == 4 and "ledger.journal" in r.stderr
    assert counts(coop) == before


def test_sub_kobo_amount_never_reaches_the_database(coop: Coop) -> None:
    """The Money column refuses ₦0.001 instead of rounding it (on both databases)."""
    import pytest
    from sqlalchemy.exc import StatementError

    from coopctl.core.errors import MoneyFormatError
    from coopctl.ledger.models import Account

    make_account(coop, "SV-K")
    before = account_balance(coop, "SV-K")
    with coop.uow("admin") as u:
        acct = u.session.query(Account).filter_by(account_no="SV-K").one()
        acct.balance = D("0.001")
        with pytest.raises(StatementError) as exc:
            u.session.flush()
        assert isinstance(exc.value.orig, MoneyFormatError)
    assert account_balance(coop, "SV-K") == before
