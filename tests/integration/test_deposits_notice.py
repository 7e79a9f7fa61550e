"""Withdrawal notice on both databases: a product with notice days pays out only
against an open notice given at least that many days before, for at least the
amount; the withdrawal uses the notice up; unused notices expire 30 days after
they mature. Refusals exit 5 and write nothing; malformed input exits 2."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import (
    add_member,
    balance,
    count,
    deposit,
    lines_of,
    open_account,
    snapshot,
    verify,
    withdraw,
)

D = Decimal


def notice_product(coop: Coop, code: str = "SAV30", days: str = "30") -> None:
    coop.ok(
        "products", "add", code, "--kind", "savings", "--name", "Notice savings",
        "--rate", "6", "--notice-days", days, operator="manager1",
    )  # fmt: skip


def notices(coop: Coop) -> list[tuple[str, str, str, bool]]:
    """(given_on, amount in kobo, status, used by an entry) of every notice, in id order."""
    return [
        (str(r[0]), str(r[1]), str(r[2]), r[3] is not None)
        for r in coop.sql(
            "SELECT given_on, amount, status, used_entry_id FROM withdrawal_notices ORDER BY id"
        )
    ]


def give(coop: Coop, acct: str, amount: str, *args: str, **env: str) -> dict:  # type: ignore[type-arg]
    return coop.ok("accounts", "notice", acct, amount, *args, operator="teller1", **env)  # type: ignore[no-any-return]


def refused(coop: Coop, acct: str, amount: str, text: str, **env: str) -> None:
    """A withdrawal refused with exit 5 (message containing ``text``), nothing written."""
    before = snapshot(coop), notices(coop), count(coop, "audit_log")
    r = coop.cli("postings", "withdraw", acct, amount, operator="teller1", **env)
    assert r.exit_code == 5, r.stderr
    assert "notice" in r.stderr and text in r.stderr, r.stderr
    assert (snapshot(coop), notices(coop), count(coop, "audit_log")) == before


def test_withdrawal_needs_a_matured_notice_which_it_uses_up(coop: Coop) -> None:
    """Ngozi saves 100,000.00 in a 30-day-notice product (business date 2026-11-28).

    - no notice: refused;
    - notice of 20,000 given today: refused, it matures on 2026-12-28;
    - notice of 20,000 given 2026-10-29 (exactly 30 days before): 20,000 is paid
      (Dr Savings 2110 20,000.00 / Cr Cash 1110 20,000.00) and that notice is used;
    - a second withdrawal the same day needs a new notice (today's has not matured);
    - on 2026-12-28 today's notice has matured: 5,000 is paid and uses it up;
      a further 1,000 is refused.
    Balance 100,000 − 20,000 − 5,000 = 75,000.00."""
    notice_product(coop)
    m = add_member(coop, "Ngozi", "Obi")
    acct = open_account(coop, m, "SAV30")
    deposit(coop, acct, "100,000")

    refused(coop, acct, "20000", "no open notice covers it")
    assert notices(coop) == []

    fresh = give(coop, acct, "20,000")
    assert fresh["given_on"] == "2026-11-28" and fresh["matures_on"] == "2026-12-28"
    assert fresh["expires_after"] == "2027-01-27" and fresh["status"] == "open"
    assert fresh["amount"] == "20000.00" and fresh["created_by"] == "teller1"
    refused(coop, acct, "20000", "matures on 2026-12-28")

    old = give(coop, acct, "20000", "--date", "2026-10-29")
    assert old["matures_on"] == "2026-11-28"
    w = withdraw(coop, acct, "20000")
    assert lines_of(w) == [("1110", None, "0.00", "20000.00"), ("2110", acct, "20000.00", "0.00")]
    assert notices(coop) == [
        ("2026-11-28", "2000000", "open", False),
        ("2026-10-29", "2000000", "used", True),
    ]
    used_by = coop.sql(
        "SELECT e.id FROM withdrawal_notices n JOIN journal_entries e ON e.id = n.used_entry_id"
    )
    assert len(used_by) == 1

    refused(coop, acct, "5000", "matures on 2026-12-28")

    later = {"COOPCTL_TODAY": "2026-12-28"}
    withdraw(coop, acct, "5000", **later)
    assert [n[2] for n in notices(coop)] == ["used", "used"]
    refused(coop, acct, "1000", "no open notice covers it", **later)

    assert balance(coop, acct) == D("75000.00")
    actions = [r[0] for r in coop.sql("SELECT action FROM audit_log WHERE action LIKE 'notice.%'")]
    assert sorted(actions) == ["notice.give", "notice.give", "notice.use", "notice.use"]
    verify(coop)


def test_notice_must_cover_the_amount_and_expires(coop: Coop) -> None:
    """A matured notice of 1,000 does not cover 2,000; a notice given 2026-09-01 matured
    2026-10-01 and expired after 2026-10-31, so on 2026-11-28 it covers nothing and is
    marked expired when the next notice is given."""
    notice_product(coop)
    acct = open_account(coop, add_member(coop), "SAV30")
    deposit(coop, acct, "50,000")
    give(coop, acct, "1000", "--date", "2026-10-15")
    refused(coop, acct, "2000", "no open notice covers it")

    stale = give(coop, acct, "10000", "--date", "2026-09-01")
    assert stale["status"] == "expired"
    refused(coop, acct, "5000", "no open notice covers it")
    give(coop, acct, "100")
    assert [n[2] for n in notices(coop)] == ["open", "expired", "open"]

    withdraw(coop, acct, "1000")  # exactly the 1,000 notice
    assert balance(coop, acct) == D("49000.00")
    verify(coop)


def test_products_without_notice_days_behave_as_before(coop: Coop) -> None:
    acct = open_account(coop, add_member(coop), "SAV")
    deposit(coop, acct, "10,000")
    withdraw(coop, acct, "2,500")
    assert balance(coop, acct) == D("7500.00")
    r = coop.cli("accounts", "notice", acct, "1000", operator="teller1")
    assert r.exit_code == 5 and "needs no notice" in r.stderr
    assert count(coop, "withdrawal_notices") == 0
    verify(coop)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("abc",), "AMOUNT"),
        (("-5",), "AMOUNT"),
        (("0",), "AMOUNT"),
        (("1.234",), "AMOUNT"),
        (("1000", "--date", "2026-13-01"), "--date"),
        (("1000", "--date", "28/11/2026"), "--date"),
        (("1000", "--date", "2026-12-01"), "--date"),  # after the business date
    ],
)
def test_bad_notice_input_exits_2_and_writes_nothing(
    coop: Coop, args: tuple[str, ...], field: str
) -> None:
    notice_product(coop)
    acct = open_account(coop, add_member(coop), "SAV30")
    audit_rows = count(coop, "audit_log")
    r = coop.cli("accounts", "notice", acct, *args, operator="teller1")
    assert r.exit_code == 2 and field in r.stderr, r.stderr
    assert count(coop, "withdrawal_notices") == 0 and count(coop, "audit_log") == audit_rows


def test_bad_account_number_and_permission(coop: Coop) -> None:
    notice_product(coop)
    acct = open_account(coop, add_member(coop), "SAV30")
    wrong = acct[:-1] + str((int(acct[-1]) + 1) % 10)
    r = coop.cli("accounts", "notice", wrong, "1000", operator="teller1")
    assert r.exit_code == 2 and "check digit" in r.stderr
    r = coop.cli("accounts", "notice", acct, "1000", operator="auditor1")
    assert r.exit_code == 4
    assert count(coop, "withdrawal_notices") == 0
    verify(coop)
