"""The set-based consistency checks find exactly what the row-by-row reference finds.

A small bulk demo (members, savings and shares, loans in progress with guarantors, one
month of check-off, interest and close) is built once; each case tampers with one thing
behind the services' back (raw SQL on a copy), then every rewritten check must report
the same problems as its scalar reference in :mod:`tests.integration.check_reference`,
and the reference must report something (the tampering is real).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem
from coopctl.core.db import make_engine
from coopctl.deposits import checks as deposit_checks
from coopctl.ledger import checks as ledger_checks
from coopctl.loans import checks as loan_checks
from tests.conftest import run_cli
from tests.integration import check_reference as ref

PAIRS: list[tuple[Callable[[Session], list[Problem]], Callable[[Session], list[Problem]]]] = [
    (ledger_checks.subledger_balances, ref.subledger_balances),
    (deposit_checks.balances_nonnegative, ref.balances_nonnegative),
    (deposit_checks.holds_match, ref.holds_match),
    (deposit_checks.account_details, ref.account_details),
    (loan_checks.loan_principal_matches_schedule, ref.loan_principal_matches_schedule),
    (loan_checks.loan_allocations_match_installments, ref.loan_allocations_match_installments),
    (loan_checks.loan_guarantee_holds, ref.loan_guarantee_holds),
]

SAVINGS = "(SELECT MIN(id) FROM accounts WHERE kind = 'savings')"
GUARANTEED = "(SELECT MIN(loan_id) FROM loan_guarantors WHERE hold_id IS NOT NULL)"
REPAID = "(SELECT MIN(loan_id) FROM loan_allocations)"

TAMPER: dict[str, tuple[list[str], set[str]]] = {
    "balance_edited": (
        [f"UPDATE accounts SET balance = balance + 100 WHERE id = {SAVINGS}"],
        {"subledger_balances"},
    ),
    "overdrawn": (
        [f"UPDATE accounts SET balance = -100 WHERE id = {SAVINGS}"],
        {"deposit_balances_nonnegative", "subledger_balances"},
    ),
    "held_edited": (
        [f"UPDATE accounts SET held = held + 100 WHERE id = {SAVINGS}"],
        {"holds_match"},
    ),
    "held_beyond_balance": (
        [f"UPDATE accounts SET held = balance + 1 WHERE id = {SAVINGS}"],
        {"holds_match", "deposit_balances_nonnegative"},
    ),
    "hold_released_behind": (
        ["UPDATE holds SET status = 'released' WHERE id = (SELECT MIN(id) FROM holds)"],
        {"holds_match"},
    ),
    "details_missing": (
        [f"DELETE FROM deposit_accounts WHERE account_id = {SAVINGS}"],
        {"deposit_account_details"},
    ),
    "product_code": (
        [f"UPDATE accounts SET product_code = 'SHR' WHERE id = {SAVINGS}"],
        {"deposit_account_details"},
    ),
    "kind": (
        [f"UPDATE accounts SET kind = 'shares' WHERE id = {SAVINGS}"],
        {"deposit_account_details"},
    ),
    "control_gl": (
        [
            "UPDATE accounts SET gl_account_id = (SELECT id FROM gl_accounts WHERE code = '5500')"
            f" WHERE id = {SAVINGS}"
        ],
        {"deposit_account_details"},
    ),
    "installment_paid": (
        [
            "UPDATE loan_installments SET principal_paid = principal_paid - 100 WHERE id = "
            "(SELECT MIN(id) FROM loan_installments WHERE principal_paid >= 100)",
            "UPDATE loan_installments SET interest_paid = interest_paid - 7 WHERE id = "
            "(SELECT MAX(id) FROM loan_installments WHERE interest_paid >= 7)",
        ],
        {"loan_principal_matches_schedule", "loan_allocations_match_installments"},
    ),
    "allocation_unlinked": (
        [
            "UPDATE loan_allocations SET entry_id = NULL "
            "WHERE id = (SELECT MIN(id) FROM loan_allocations)"
        ],
        {"loan_allocations_match_installments"},
    ),
    "repayment_unlinked": (
        [
            "UPDATE loan_repayments SET entry_id = NULL "
            "WHERE id = (SELECT MIN(id) FROM loan_repayments)"
        ],
        {"loan_allocations_match_installments"},
    ),
    "loan_closed_behind": (
        [f"UPDATE loans SET status = 'closed' WHERE id = {GUARANTEED}"],
        {"loan_principal_matches_schedule", "loan_guarantee_holds"},
    ),
    "loan_approved_unheld": (
        [
            f"UPDATE loans SET status = 'approved' WHERE id = {GUARANTEED}",
            "UPDATE holds SET status = 'released' WHERE id IN (SELECT hold_id FROM "
            f"loan_guarantors WHERE loan_id = {GUARANTEED})",
        ],
        {"loan_guarantee_holds"},
    ),
    "loan_written_off_with_balance": (
        [f"UPDATE loans SET status = 'written_off' WHERE id = {REPAID}"],
        {"loan_principal_matches_schedule"},
    ),
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("checks") / "demo"
    r = run_cli(
        ["demo", "--dir", str(folder), "--members", "60", "--months", "1", "--bulk",
         "--format", "json"],
        {"COOPCTL_TODAY": "2026-12-02"},
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr[-3000:]
    assert r.json["ledger_verify_ok"] is True
    return folder / "coop.db"


def _copy(src: Path, dst: Path) -> None:
    """A consistent copy through SQLite's backup API: the demo's pages may still sit in
    its write-ahead log (a plain file copy then has no tables)."""
    import sqlite3

    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def _problems(db: Path) -> dict[str, tuple[list[str], list[str]]]:
    eng = make_engine(f"sqlite:///{db}", create=False)  # coop_sum registered
    try:
        with Session(eng) as s:
            out = {}
            for new, old in PAIRS:
                out[new.__name__] = (
                    sorted(p.detail for p in new(s)),
                    sorted(p.detail for p in old(s)),
                )
            return out
    finally:
        eng.dispose()


def test_untouched_books_have_no_problems(demo_db: Path) -> None:
    for name, (new, old) in _problems(demo_db).items():
        assert new == old == [], name


@pytest.mark.parametrize("case", sorted(TAMPER))
def test_tampered_books_same_problems_as_reference(
    demo_db: Path, tmp_path: Path, case: str
) -> None:
    db = tmp_path / "coop.db"
    _copy(demo_db, db)
    statements, expected = TAMPER[case]
    eng = create_engine(f"sqlite:///{db}")
    with eng.begin() as c:
        for sql in statements:
            assert c.execute(text(sql)).rowcount >= 1, sql
    eng.dispose()
    found = _problems(db)
    checks = {
        "subledger_balances": "subledger_balances",
        "balances_nonnegative": "deposit_balances_nonnegative",
        "holds_match": "holds_match",
        "account_details": "deposit_account_details",
        "loan_principal_matches_schedule": "loan_principal_matches_schedule",
        "loan_allocations_match_installments": "loan_allocations_match_installments",
        "loan_guarantee_holds": "loan_guarantee_holds",
    }
    flagged = set()
    for fn, (new, old) in found.items():
        assert new == old, (case, fn)
        if old:
            flagged.add(checks[fn])
    assert expected <= flagged, (case, flagged)


def test_totals_past_two_to_the_63_fall_back_to_the_exact_sum(
    demo_db: Path, tmp_path: Path
) -> None:
    """SQLite's own SUM (the fast path of the line-scanning checks) raises "integer
    overflow" past 2^63 kobo; the checks then run again with the exact aggregate and
    give what the exact aggregate gives, and the session stays usable."""
    from datetime import date

    from coopctl.ledger import period_balances

    db = tmp_path / "coop.db"
    _copy(demo_db, db)
    big = 2**62
    eng = create_engine(f"sqlite:///{db}")
    with eng.begin() as c:
        gl = dict(c.execute(text("SELECT code, id FROM gl_accounts")).all())
        for _ in (1, 2):  # two balanced entries of 2^62 kobo: 1110 and 3200 pass 2^63
            eid = c.execute(
                text(
                    "INSERT INTO journal_entries (business_date, kind, reference, narration,"
                    " status, maker, total, created_at) VALUES ('2026-12-01', 'journal', '',"
                    " 'huge', 'draft', 'admin', :t, '2026-12-01 10:00:00') RETURNING id"
                ),
                {"t": big},
            ).scalar_one()
            c.execute(
                text(
                    "INSERT INTO journal_lines (entry_id, line_no, gl_account_id, debit, credit,"
                    " memo) VALUES (:e, 1, :dr, :a, 0, ''), (:e, 2, :cr, 0, :a, '')"
                ),
                {"e": eid, "dr": gl["1110"], "cr": gl["3200"], "a": big},
            )
            c.execute(
                text(
                    "UPDATE journal_entries SET status = 'posted', posted_at = created_at"
                    " WHERE id = :e"
                ),
                {"e": eid},
            )
    eng.dispose()
    eng = make_engine(f"sqlite:///{db}", create=False)
    try:
        with Session(eng) as s:
            for fn in (
                ledger_checks.entries_balance,
                ledger_checks.entry_total,
                ledger_checks.trial_balance_zero,
                ledger_checks.subledger_balances,
                ledger_checks.control_accounts,
            ):
                assert fn(s) == fn.__wrapped__(s), fn.__name__  # type: ignore[attr-defined]
            assert ledger_checks.trial_balance_zero(s) == []
            sums = period_balances.line_sums(s)
            assert sums == period_balances.line_sums.__wrapped__(s)  # type: ignore[attr-defined]
            assert sums[gl["1110"]][0] >= 2**63  # past BIGINT, exact
            days = period_balances.day_sums(s, date(2026, 12, 1), date(2026, 12, 1))
            assert days == period_balances.day_sums.__wrapped__(  # type: ignore[attr-defined]
                s, date(2026, 12, 1), date(2026, 12, 1)
            )
            assert s.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        eng.dispose()


def test_audit_time_moved_by_a_microsecond_is_found(demo_db: Path, tmp_path: Path) -> None:
    """The chain reads SQLite's stored time as text: a row whose time is moved by one
    microsecond (append-only guard dropped) no longer matches its MAC."""
    folder = tmp_path / "demo"
    shutil.copytree(demo_db.parent, folder)
    env = {
        "COOPCTL_DATABASE_URL": f"sqlite:///{folder / 'coop.db'}",
        "COOPCTL_DATA_DIR": str(folder / "coop-data"),
        "COOPCTL_OPERATOR": "demo-accountant",
        "COOPCTL_TODAY": "2026-12-02",
    }
    r = run_cli(["audit", "verify", "--format", "json"], env)
    assert r.exit_code == 0, r.stderr
    eng = create_engine(env["COOPCTL_DATABASE_URL"])
    with eng.begin() as c:
        c.execute(text("DROP TRIGGER audit_log_no_update"))
        row = c.execute(text("SELECT id, at FROM audit_log ORDER BY id LIMIT 1 OFFSET 5")).one()
        moved = row.at[:-1] + str((int(row.at[-1]) + 1) % 10)
        c.execute(text("UPDATE audit_log SET at = :a WHERE id = :i"), {"a": moved, "i": row.id})
    eng.dispose()
    r = run_cli(["audit", "verify", "--format", "json"], env)
    assert r.exit_code != 0
    assert f"audit row {row.id}" in r.stdout + r.stderr
