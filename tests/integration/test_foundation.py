"""Foundation: init, operators, permissions, config, audit chain, doctor, migrations."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import Coop


def _count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def test_init_then_again_exits_5_and_changes_nothing(empty_db: Coop) -> None:
    r = empty_db.cli("init", "--name", "Unity Staff Cooperative", "--admin", "ada")
    assert r.exit_code == 0, r.stderr
    key = empty_db.data_dir / "secret.key"
    assert key.is_file()
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = (_count(empty_db, "audit_log"), _count(empty_db, "operators"), key.read_bytes())
    again = empty_db.cli("init", "--name", "Other", "--admin", "bob")
    assert again.exit_code == 5
    assert "already initialised" in again.stderr
    after = (_count(empty_db, "audit_log"), _count(empty_db, "operators"), key.read_bytes())
    assert before == after


def test_init_seeds_chart_and_settings(empty_db: Coop) -> None:
    empty_db.cli("init", "--name", "Unity", "--admin", "ada").ok()
    chart = empty_db.ok("ledger", "accounts", operator="ada")
    codes = {r["code"]: r for r in chart}
    # the accounts the foundation issue names, with types and parents
    assert codes["1110"]["type"] == "asset" and codes["1110"]["parent"] == "1100"
    assert codes["1290"]["normal_balance"] == "credit"  # contra-asset
    assert codes["2110"]["type"] == "liability" and codes["2110"]["manual_allowed"] is False
    assert codes["3100"]["cash_flow"] == "financing"
    assert codes["3300"]["type"] == "equity"
    for code in ("4100", "4200", "4300", "4400", "5100", "5200", "2220", "1130", "2900"):
        assert code in codes
    settings = dict(empty_db.sql("SELECT key, value FROM coop_settings"))
    assert settings["name"] == "Unity"
    assert settings["currency"] == "NGN"
    assert settings["timezone"] == "Africa/Lagos"
    assert settings["fiscal_year_start"] == "1"


def test_init_rejects_bad_input_and_writes_nothing(empty_db: Coop) -> None:
    r = empty_db.cli("init", "--name", "X", "--currency", "naira")
    assert r.exit_code == 2 and "--currency" in r.stderr
    assert not (empty_db.data_dir / "secret.key").exists()
    r = empty_db.cli("init", "--name", "X", "--admin", "bad user!")
    assert r.exit_code == 2 and "--admin" in r.stderr


def test_operators_list_shows_admin(coop: Coop) -> None:
    ops = coop.ok("operators", "list")
    admin = next(o for o in ops if o["username"] == "admin")
    assert admin == {**admin, "role": "admin", "status": "active"}


def test_unknown_or_disabled_operator_gets_exit_4(coop: Coop) -> None:
    r = coop.cli("operators", "add", "x", "--role", "teller", operator="nobody")
    assert r.exit_code == 4 and "nobody" in r.stderr
    assert coop.cli("ledger", "verify", operator="nobody").exit_code == 4
    coop.cli("operators", "disable", "teller1").ok()
    assert coop.cli("ledger", "trial-balance", operator="teller1").exit_code == 4
    coop.cli("operators", "enable", "teller1").ok()
    assert coop.cli("ledger", "trial-balance", operator="teller1").exit_code == 0


def test_permissions_are_checked_before_work(coop: Coop) -> None:
    before = _count(coop, "operators")
    r = coop.cli("operators", "add", "eve", "--role", "admin", operator="teller1")
    assert r.exit_code == 4 and "operators.manage" in r.stderr
    r = coop.cli(
        "postings", "journal", "--line", "5500:DR:10", "--line", "1110:CR:10", operator="teller1"
    )
    assert r.exit_code == 4
    assert _count(coop, "operators") == before
    assert _count(coop, "journal_entries") == 0


def test_operator_validation(coop: Coop) -> None:
    assert coop.cli("operators", "add", "x", "--role", "king").exit_code == 2
    assert coop.cli("operators", "add", "bad name", "--role", "teller").exit_code == 2
    assert coop.cli("operators", "add", "teller1", "--role", "teller").exit_code == 5
    assert coop.cli("operators", "disable", "ghost").exit_code == 3
    # the last admin cannot lock everybody out
    assert coop.cli("operators", "disable", "admin").exit_code == 5


def test_mfa_enroll_prints_otpauth_uri_and_stores_secret_encrypted(coop: Coop) -> None:
    r = coop.cli("operators", "mfa-enroll", "manager1").ok()
    uri = r.stdout.strip()
    assert uri.startswith("otpauth://totp/")
    secret = uri.split("secret=")[1].split("&")[0]
    stored = coop.sql("SELECT totp_secret FROM operators WHERE username='manager1'")[0][0]
    assert stored.startswith("v2:") and secret not in stored


def test_audit_rows_are_refused_by_the_database(coop: Coop) -> None:
    coop.cli("operators", "add", "zed", "--role", "teller").ok()
    with pytest.raises(Exception, match="append-only"):
        coop.sql("UPDATE audit_log SET operator='mallory' WHERE id=1")
    with pytest.raises(Exception, match="append-only"):
        coop.sql("DELETE FROM audit_log WHERE id=1")


def _drop_audit_triggers(coop: Coop) -> None:
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER audit_log_no_update ON audit_log")
    else:
        coop.sql("DROP TRIGGER audit_log_no_update")
        coop.sql("DROP TRIGGER audit_log_no_delete")


def test_editing_an_audit_row_makes_audit_verify_exit_6(coop: Coop) -> None:
    assert coop.ok("audit", "verify")["ok"] is True
    _drop_audit_triggers(coop)
    coop.sql("UPDATE audit_log SET action='operator.nothing' WHERE id=3")
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6
    problems = r.json["problems"]
    assert "audit row 3" in problems[0]["detail"]
    assert coop.cli("doctor").exit_code == 6
    assert coop.cli("ledger", "verify").exit_code == 6


def test_deleting_or_inserting_an_audit_row_is_detected(coop: Coop) -> None:
    _drop_audit_triggers(coop)
    coop.sql("DELETE FROM audit_log WHERE id=2")
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6 and "audit row 3" in r.json["problems"][0]["detail"]


def test_hand_inserted_audit_row_is_detected(coop: Coop) -> None:
    last = coop.sql("SELECT hash, at FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    coop.sql(
        "INSERT INTO audit_log (at, operator, action, entity, entity_id, prev_hash, hash) "
        "VALUES (:at, 'mallory', 'forged', 'x', '1', :prev, :h)",
        at=last[1],
        prev=last[0],
        h="f" * 64,
    )
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6 and "edited" in r.json["problems"][0]["detail"]


def test_audit_list_and_export(coop: Coop, tmp_path: Path) -> None:
    rows = coop.ok("audit", "list", "--entity", "operator")
    assert {r["entity_id"] for r in rows} >= {"manager1", "teller1"}
    out = tmp_path / "audit.jsonl"
    coop.cli("audit", "export", "-o", out).ok()
    assert len(out.read_text().splitlines()) == _count(coop, "audit_log")
    csv_out = tmp_path / "audit.csv"
    coop.cli("audit", "export", "-o", csv_out).ok()
    assert csv_out.read_text().startswith("id,at,operator")
    assert coop.cli("audit", "export", "-o", tmp_path / "audit.txt").exit_code == 2


def test_doctor_ok_then_flags_unsafe_key_file(coop: Coop) -> None:
    assert coop.ok("doctor") == {"ok": True, "problems": []}
    key = coop.data_dir / "secret.key"
    os.chmod(key, 0o644)
    r = coop.cli("doctor", "--format", "json")
    assert r.exit_code == 6
    assert any(p["check"] == "key_file" for p in r.json["problems"])


def test_db_current_and_upgrade(coop: Coop) -> None:
    cur = coop.ok("db", "current")
    assert cur["at_head"] is True and cur["current"] == cur["head"]
    up = coop.ok("db", "upgrade")
    assert up["before"] == up["current"]
