"""Anchored, keyed audit chain (issue 9 item 6). With the append-only triggers dropped
by hand (anyone holding the SQLite file can), deleting the last audit rows, or
rewriting rows and recomputing the chain with the public hash function, makes
``audit verify`` exit 6 naming what is missing or rewritten."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import datetime

from coopctl.core import audit
from tests.conftest import Coop


def drop_triggers(coop: Coop) -> None:
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER audit_log_no_update ON audit_log")
        coop.sql("DROP TRIGGER audit_log_no_truncate ON audit_log")
    else:
        coop.sql("DROP TRIGGER audit_log_no_update")
        coop.sql("DROP TRIGGER audit_log_no_delete")


def some_activity(coop: Coop) -> None:
    for user in ("zed1", "zed2", "zed3"):
        coop.cli("operators", "add", user, "--role", "teller").ok()


def anchors(coop: Coop) -> list[dict]:
    path = coop.data_dir / "audit-anchors.log"
    return [json.loads(line) for line in path.read_text().splitlines()]


def verify(coop: Coop) -> tuple[int, list[str]]:
    r = coop.cli("audit", "verify", "--format", "json")
    return r.exit_code, [p["detail"] for p in r.json["problems"]]


def fields(row: tuple) -> tuple:
    prev, at, op, action, entity, entity_id, before, after = row
    if isinstance(at, str):  # SQLite hands raw timestamps back as text
        at = datetime.fromisoformat(at)
    return (prev, audit._canonical_at(at), op, action, entity, entity_id, before, after)


def test_every_command_that_audits_appends_an_anchor(coop: Coop) -> None:
    n0 = len(anchors(coop))
    some_activity(coop)
    a = anchors(coop)
    assert len(a) == n0 + 3
    last_id, last_hash = coop.sql("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    count = coop.sql("SELECT COUNT(*) FROM audit_log")[0][0]
    assert (a[-1]["row_id"], a[-1]["count"], a[-1]["head"]) == (last_id, count, last_hash)
    assert {r[0] for r in coop.sql("SELECT DISTINCT alg FROM audit_log")} == {"hmac1"}
    # a read-only command writes no audit row and no anchor
    coop.ok("operators", "list")
    assert len(anchors(coop)) == n0 + 3
    assert os.stat(coop.data_dir / "audit-anchors.log").st_mode & 0o077 == 0
    assert coop.ok("audit", "verify") == {"ok": True, "problems": []}


def test_deleting_the_last_rows_is_detected(coop: Coop) -> None:
    some_activity(coop)
    drop_triggers(coop)
    last = coop.sql("SELECT MAX(id) FROM audit_log")[0][0]
    coop.sql("DELETE FROM audit_log WHERE id > :k", k=last - 2)
    code, problems = verify(coop)
    assert code == 6
    assert f"names row {last}" in problems[0] and "2 row(s)" in problems[0]
    assert f"ends at row {last - 2}" in problems[0]
    assert coop.cli("doctor").exit_code == 6


def test_a_chain_recomputed_with_the_plain_hash_is_detected(coop: Coop) -> None:
    some_activity(coop)
    drop_triggers(coop)
    rows = coop.sql(
        "SELECT id, prev_hash, at, operator, action, entity, entity_id, before, after "
        "FROM audit_log ORDER BY id"
    )
    # rewrite row 2 and recompute every hash after it with the public hash function
    prev = audit.GENESIS
    for row in rows:
        rid, rest = row[0], list(row[1:])
        if rid == rows[1][0]:
            rest[3] = "operator.nothing"
        rest[0] = prev
        h = audit.row_hash(*fields(tuple(rest)))
        coop.sql(
            "UPDATE audit_log SET prev_hash=:p, action=:a, hash=:h, alg='sha256', seq=NULL "
            "WHERE id=:i",
            p=prev, a=rest[3], h=h, i=rid,
        )  # fmt: skip
        prev = h
    code, problems = verify(coop)
    assert code == 6
    assert any("does not match the anchor" in p or "rewritten" in p for p in problems)
    # the same recomputation leaving the rows marked keyed fails at the first row
    coop.sql("UPDATE audit_log SET alg='hmac1'")
    code, problems = verify(coop)
    assert code == 6 and "audit row 1: content does not match its MAC" in problems[0]


def test_a_tail_rewritten_without_the_key_is_detected(coop: Coop) -> None:
    some_activity(coop)
    drop_triggers(coop)
    rid = coop.sql("SELECT MAX(id) FROM audit_log")[0][0]
    forged = hmac.new(b"k" * 32, b"guess", hashlib.sha256).hexdigest()
    coop.sql("UPDATE audit_log SET entity_id='mallory', hash=:h WHERE id=:i", h=forged, i=rid)
    code, problems = verify(coop)
    assert code == 6 and f"audit row {rid}: content does not match its MAC" in problems[0]


def test_a_missing_or_forged_anchor_log_is_reported(coop: Coop) -> None:
    some_activity(coop)
    log = coop.data_dir / "audit-anchors.log"
    lines = log.read_text().splitlines()
    forged = json.loads(lines[-1]) | {"row_id": 10**6, "count": 10**6}
    log.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    code, problems = verify(coop)
    assert code == 6 and any("anchor MAC does not verify" in p for p in problems)
    log.unlink()
    code, problems = verify(coop)
    assert code == 6 and "no audit anchor" in problems[0]


def test_the_audit_key_must_be_the_cooperatives(coop: Coop) -> None:
    key = coop.data_dir / "audit.key"
    original = key.read_bytes()
    key.unlink()
    before = coop.sql("SELECT COUNT(*) FROM operators")[0][0]
    r = coop.cli("operators", "add", "zed", "--role", "teller")
    assert r.exit_code == 5 and "audit key missing" in r.stderr
    from coopctl.core import crypto

    crypto.write_key_file(key, os.urandom(32))
    r = coop.cli("operators", "add", "zed", "--role", "teller")
    expected = coop.sql("SELECT key_id FROM key_checks WHERE purpose='audit'")[0][0]
    assert r.exit_code == 4 and expected in r.stderr
    assert coop.sql("SELECT COUNT(*) FROM operators")[0][0] == before
    assert coop.cli("doctor").exit_code == 6
    key.unlink()
    key.write_bytes(original)
    os.chmod(key, 0o600)
    coop.cli("operators", "add", "zed", "--role", "teller").ok()
    assert coop.ok("audit", "verify")["ok"] is True


def test_the_key_may_come_from_the_environment_and_anchors_may_go_to_syslog(
    coop: Coop,
) -> None:
    key = coop.data_dir / "audit.key"
    env = {
        "COOPCTL_AUDIT_KEY": key.read_text().strip(),
        "COOPCTL_SECURITY__AUDIT_ANCHOR_SYSLOG": "1",
    }
    key.unlink()  # kept off the machine: only in the service's environment
    coop.cli("operators", "add", "zed", "--role", "teller", **env).ok()
    assert coop.ok("audit", "verify", **env)["ok"] is True
    assert coop.cli("audit", "verify").exit_code == 6  # without the key it cannot verify
