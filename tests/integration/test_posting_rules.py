"""One list of posting rules: every rule in ``ledger.rules.RULES`` refuses a violating
entry with the same named error through ``post`` (one entry) and ``post_many`` (bulk),
on both databases. A rule added to the list without a case here fails the test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from coopctl.core.errors import CoopError
from coopctl.ledger.rules import RULES, EntryDraft, LineDraft
from tests.conftest import Coop
from tests.integration.ledger_support import make_account

D = Decimal
TODAY = date(2026, 11, 28)
CLOSED_DAY = date(2026, 1, 15)


def dr(code: str, amt: str, acct: str | None = None) -> LineDraft:
    return LineDraft(code, debit=D(amt), account_no=acct)


def cr(code: str, amt: str, acct: str | None = None) -> LineDraft:
    return LineDraft(code, credit=D(amt), account_no=acct)


def entry(
    *lines: LineDraft, day: date = TODAY, kind: str = "test", manual: bool = False
) -> EntryDraft:
    return EntryDraft(business_date=day, kind=kind, lines=list(lines), manual=manual)


def _gl(coop: Coop, where: str) -> str:
    return str(coop.sql(f"SELECT code FROM gl_accounts WHERE {where} ORDER BY code")[0][0])


def _cases(coop: Coop) -> dict[str, Callable[[], EntryDraft]]:
    """Rule name → a draft that violates that rule (and only it, as far as it gets)."""
    leaf = "is_header = false AND is_control = false AND active = true"
    inactive = _gl(coop, f"{leaf} AND code NOT IN ('1110', '5500')")
    coop.sql("UPDATE gl_accounts SET active = false WHERE code = :c", c=inactive)
    header = _gl(coop, "is_header = true")
    no_manual = _gl(coop, f"{leaf} AND manual_allowed = false")
    other_control = _gl(coop, "is_control = true AND code <> '2110'")
    make_account(coop, "RULE-OPEN")
    make_account(coop, "RULE-SHUT", status="closed")
    coop.sql(
        "INSERT INTO periods (year, month, start_date, end_date, status) "
        "VALUES (2026, 1, :a, :b, 'closed')",
        a=date(2026, 1, 1),
        b=date(2026, 1, 31),
    )
    return {
        "kind_given": lambda: entry(dr("5500", "10"), cr("1110", "10"), kind=""),
        "amounts_are_numbers": lambda: entry(dr("5500", "NaN"), cr("1110", "10")),
        "amounts_in_whole_kobo": lambda: entry(dr("5500", "10.005"), cr("1110", "10.005")),
        "one_side_per_line": lambda: entry(
            LineDraft("5500", debit=D("10"), credit=D("10")), cr("1110", "10")
        ),
        "debit_and_credit": lambda: entry(dr("5500", "10"), dr("1110", "10")),
        "total_representable": lambda: entry(
            *[dr("5500", "50000000000000000")] * 2, *[cr("1110", "50000000000000000")] * 2
        ),
        "balanced": lambda: entry(dr("5500", "10.00"), cr("1110", "9.99")),
        "not_after_business_date": lambda: entry(
            dr("5500", "10"), cr("1110", "10"), day=date(2026, 11, 29)
        ),
        "period_open": lambda: entry(dr("5500", "10"), cr("1110", "10"), day=CLOSED_DAY),
        "gl_account_exists": lambda: entry(dr("9999", "10"), cr("1110", "10")),
        "member_account_exists": lambda: entry(dr("1110", "10"), cr("2110", "10", "NO-SUCH")),
        "gl_account_active": lambda: entry(dr(inactive, "10"), cr("1110", "10")),
        "not_a_header": lambda: entry(dr(header, "10"), cr("1110", "10")),
        "manual_allowed": lambda: entry(dr(no_manual, "10"), cr("1110", "10"), manual=True),
        "control_names_member_account": lambda: entry(dr("1110", "10"), cr("2110", "10")),
        "member_account_on_its_control": lambda: entry(
            dr("1110", "10"), cr(other_control, "10", "RULE-OPEN")
        ),
        "member_account_open": lambda: entry(dr("1110", "10"), cr("2110", "10", "RULE-SHUT")),
    }


def _refusal(coop: Coop, run: Callable[..., object], draft: EntryDraft) -> CoopError:
    with coop.uow("system") as u, pytest.raises(CoopError) as caught:
        run(u, draft)
    return caught.value


def test_every_rule_refuses_through_both_paths_with_the_same_named_error(coop: Coop) -> None:
    from coopctl.ledger.bulk import post_many
    from coopctl.ledger.posting import post

    cases = _cases(coop)
    assert sorted(cases) == sorted(r.name for r in RULES)  # every rule has a case
    before = coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0]
    for rule in RULES:
        one = _refusal(coop, post, cases[rule.name]())
        bulk = _refusal(coop, lambda u, d: post_many(u, [d]), cases[rule.name]())
        assert type(one) is rule.error, (rule.name, type(one), one.message)
        assert type(bulk) is rule.error, (rule.name, type(bulk), bulk.message)
        assert getattr(one, "rule", None) == getattr(bulk, "rule", None) == rule.name
        assert bulk.message.endswith(one.message), (rule.name, one.message, bulk.message)
    assert coop.sql("SELECT COUNT(*) FROM journal_entries")[0][0] == before


def test_the_rules_are_plain_named_functions() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(r.check.__name__ == r.name and r.scope in ("entry", "date", "line") for r in RULES)
