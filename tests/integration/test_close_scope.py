"""What a period close proves, and what it leaves to ``ledger verify``.

A close checks what it adds to the books: the entries dated in the month, the trial
balance and control totals (closed months from their snapshots, open months from their
lines) and the audit rows written since the previous close. ``ledger verify``, the
nightly job and ``doctor`` recompute everything. Business date 2026-11-28.
"""

from __future__ import annotations

from datetime import date

from tests.conftest import Coop
from tests.integration.ledger_support import assert_verified, make_account, post_service, posted


def _drop_audit_guard(coop: Coop) -> None:
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER audit_log_no_update ON audit_log")
    else:
        coop.sql("DROP TRIGGER audit_log_no_update")
        coop.sql("DROP TRIGGER audit_log_no_delete")


def _audit_row_of(coop: Coop, entry_no: str) -> int:
    return int(coop.sql("SELECT id FROM audit_log WHERE entity_id = :n", n=entry_no)[0][0])


def test_close_refuses_an_audit_row_edited_since_the_previous_close(coop: Coop) -> None:
    """September closes; October's stationery purchase (₦25,000) is then edited in the
    audit log to read ₦2,500. October will not close, naming the row."""
    posted(coop, "5500:DR:100", "1110:CR:100", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    e = posted(coop, "5500:DR:25000", "1110:CR:25000", date="2026-10-12")
    row = _audit_row_of(coop, e["entry_no"])
    _drop_audit_guard(coop)
    coop.sql("UPDATE audit_log SET after = REPLACE(after, '25000', '2500') WHERE id = :i", i=row)
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "verify found problems" in r.stderr
    assert f"audit row {row}:" in r.stderr and "edited" in r.stderr
    closed = "SELECT count(*) FROM periods WHERE year = 2026 AND month = 10 AND status = 'closed'"
    assert coop.sql(closed)[0][0] == 0


def test_an_audit_row_edited_before_the_previous_close_is_left_to_ledger_verify(
    coop: Coop,
) -> None:
    """A row proven at September's close and edited afterwards: October's close starts
    from September's close record and does not re-read it; ``ledger verify`` (and the
    nightly job that runs it) recomputes the whole chain and names it."""
    e = posted(coop, "5500:DR:25000", "1110:CR:25000", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    row = _audit_row_of(coop, e["entry_no"])
    _drop_audit_guard(coop)
    coop.sql("UPDATE audit_log SET after = REPLACE(after, '25000', '2500') WHERE id = :i", i=row)
    posted(coop, "5500:DR:300", "1110:CR:300", date="2026-10-12")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    r = coop.cli("ledger", "verify", "--format", "json")
    assert r.exit_code == 6
    assert any(f"audit row {row}:" in p["detail"] for p in r.json["problems"])


def test_close_names_the_member_account_behind_a_control_total_that_disagrees(
    coop: Coop,
) -> None:
    """September closes with SV-1 holding ₦5,000. A stored balance is then raised by hand
    (+₦1.00): the savings control total (GL 2110) no longer equals its member accounts,
    so October will not close, and the message names GL 2110 and the account."""
    make_account(coop, "SV-1")
    post_service(coop, [("1110", "DR", "5000"), ("2110", "CR", "5000", "SV-1")],
                 day=date(2026, 9, 3))  # fmt: skip
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    coop.sql("UPDATE accounts SET balance = balance + 100 WHERE account_no = 'SV-1'")
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and "GL 2110" in r.stderr and "SV-1" in r.stderr
    coop.sql("UPDATE accounts SET balance = balance - 100 WHERE account_no = 'SV-1'")
    coop.ok("ledger", "close-period", "2026-10", operator="accountant1")
    assert_verified(coop)


def test_close_checks_the_lines_of_the_month_it_closes(coop: Coop) -> None:
    """A line of an October entry altered by hand (guards dropped) stops October's close,
    naming the entry; an honest September entry is not blamed."""
    posted(coop, "5500:DR:100", "1110:CR:100", date="2026-09-10")
    coop.ok("ledger", "close-period", "2026-09", operator="accountant1")
    e = posted(coop, "5500:DR:25000", "1110:CR:25000", date="2026-10-15")
    eid = int(e["entry_no"][2:])
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER jl_guard ON journal_lines")
    else:
        coop.sql("DROP TRIGGER jl_no_update_posted")
    coop.sql("UPDATE journal_lines SET debit = 2600000 WHERE entry_id = :e AND line_no = 1", e=eid)
    r = coop.cli("ledger", "close-period", "2026-10", operator="accountant1")
    assert r.exit_code == 5 and f"JE{eid:08d}" in r.stderr and "26,000.00" in r.stderr


def test_verifying_from_any_row_agrees_with_the_whole_chain(coop: Coop) -> None:
    """Six postings write a chain of audit rows. Verified from any keyed row on, an intact
    chain has no problems; with one row edited, every start before it names the same row
    as the whole-chain verification, and a start at or after it does not read it."""
    from coopctl.core.audit import verify_chain

    for amt in ("100", "200", "300", "400", "500", "600"):
        posted(coop, f"5500:DR:{amt}", f"1110:CR:{amt}")
    ids = [int(r[0]) for r in coop.sql("SELECT id FROM audit_log ORDER BY id")]
    assert len(ids) >= 6
    with coop.uow() as u:
        assert verify_chain(u.session) == []
        assert all(verify_chain(u.session, after_id=i) == [] for i in ids)
    target = ids[len(ids) // 2]
    _drop_audit_guard(coop)
    coop.sql("UPDATE audit_log SET operator = 'mallory' WHERE id = :i", i=target)
    with coop.uow() as u:
        whole = verify_chain(u.session)
        assert len(whole) == 1 and whole[0].startswith(f"audit row {target}:")
        for i in ids:
            got = verify_chain(u.session, after_id=i)
            assert got == (whole if i < target else []), i
