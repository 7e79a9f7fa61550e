"""Wrong key file (issue 9 item 5): a key check value stored at init and at rotation,
a key id in every ciphertext; any PII command with another key exits 4 naming the
expected key id, and ``doctor`` exits 6."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from coopctl.core import crypto
from coopctl.core.crypto import FieldCipher
from coopctl.members import service
from tests.conftest import Coop

BVN, PHONE = "22298765431", "08031234821"


def add(coop: Coop, phone: str = PHONE, bvn: str = BVN, operator: str = "teller1") -> object:
    return coop.cli(
        "members", "add", "--first-name", "Ngozi", "--last-name", "Eze", "--phone", phone,
        "--bvn", bvn, "--format", "json", operator=operator,
    )  # fmt: skip


def swap_key(coop: Coop) -> bytes:
    """Put another valid key in place of the cooperative's; return the original file."""
    key_file = coop.data_dir / "secret.key"
    original = key_file.read_bytes()
    key_file.unlink()
    crypto.write_key_file(key_file, os.urandom(32))
    return original


def test_init_stores_the_key_checks_and_ciphertexts_carry_the_key_id(coop: Coop) -> None:
    cipher = FieldCipher.from_file(coop.data_dir / "secret.key")
    rows = dict(coop.sql("SELECT purpose, key_id FROM key_checks"))
    assert set(rows) == {"field", "audit", "documents"}
    assert rows["field"] == cipher.key_id
    assert coop.sql("SELECT check_value FROM key_checks WHERE purpose='field'") == [
        (cipher.check_value,)
    ]
    no = add(coop).ok().json["member_no"]  # type: ignore[attr-defined]
    (phone_enc, bvn_enc) = coop.sql(
        "SELECT phone_enc, bvn_enc FROM members WHERE member_no=:n", n=no
    )[0]
    for token in (phone_enc, bvn_enc):
        assert token.startswith(f"v2:{cipher.key_id}:")
    # the check value says nothing about the key: it is not the key, nor its hash
    key = crypto.read_key(coop.data_dir / "secret.key")
    assert cipher.check_value not in (key.hex(), base64.b64encode(key).decode())


def test_another_valid_key_is_refused_with_exit_4_and_doctor_exits_6(coop: Coop) -> None:
    no = add(coop).ok().json["member_no"]  # type: ignore[attr-defined]
    expected = FieldCipher.from_file(coop.data_dir / "secret.key").key_id
    before = coop.sql("SELECT COUNT(*) FROM members")[0][0]
    original = swap_key(coop)
    other = FieldCipher.from_file(coop.data_dir / "secret.key").key_id

    r = add(coop, phone="08051112222")  # a duplicate BVN: must not slip through
    assert r.exit_code == 4, r.stderr  # type: ignore[attr-defined]
    assert f"key id {expected}" in r.stderr and other in r.stderr  # type: ignore[attr-defined]
    assert coop.sql("SELECT COUNT(*) FROM members")[0][0] == before
    for args in (
        ("members", "show", no, "--reveal"),
        ("members", "list", "--bvn", BVN),
        ("members", "update", no, "--phone", "08059998888"),
    ):
        r2 = coop.cli(*args, operator="manager1")
        assert r2.exit_code == 4 and expected in r2.stderr, (args, r2.stderr)

    d = coop.cli("doctor", "--format", "json")
    assert d.exit_code == 6
    (p,) = [p for p in d.json["problems"] if p["check"] == "key_check"]
    assert expected in p["detail"] and other in p["detail"]

    ks = coop.cli("security", "key-status", "--format", "json").json
    assert (ks["ok"], ks["key_id"], ks["expected_key_id"]) == (False, other, expected)

    # the right key back: everything works, nothing was written meanwhile
    (coop.data_dir / "secret.key").write_bytes(original)
    assert coop.ok("members", "show", no, "--reveal", operator="manager1")["bvn"] == BVN
    assert add(coop, phone="08051112222").exit_code == 5  # type: ignore[attr-defined]
    assert coop.ok("doctor")["ok"] is True


def test_rotation_stores_the_new_key_check(coop: Coop) -> None:
    no = add(coop).ok().json["member_no"]  # type: ignore[attr-defined]
    old = FieldCipher.from_file(coop.data_dir / "secret.key")
    res = coop.ok("security", "rotate-key", "--yes")
    new = FieldCipher.from_file(coop.data_dir / "secret.key")
    assert coop.sql("SELECT key_id, check_value FROM key_checks WHERE purpose='field'") == [
        (new.key_id, new.check_value)
    ]
    assert coop.sql("SELECT phone_enc FROM members")[0][0].startswith(f"v2:{new.key_id}:")
    # the old key, put back by mistake, is refused by name
    Path(res["old_key"]).replace(coop.data_dir / "secret.key")
    r = coop.cli("members", "show", no, "--reveal", operator="manager1")
    assert r.exit_code == 4 and new.key_id in r.stderr and old.key_id in r.stderr


def test_a_long_running_process_rereads_a_rotated_key(coop: Coop) -> None:
    """The rotation race: a process holding the old key in memory must not write under
    it after a rotation; it sees the new key check and re-reads the key file."""
    add(coop).ok()
    ctx = coop.context()
    with ctx.uow(operator=None, as_current=False) as u:  # cache the old key in ctx
        u.operator = _operator(u, "teller1")
        old_id = service.cipher_for(u).key_id
    coop.ok("security", "rotate-key", "--yes")
    with ctx.uow(operator=None, as_current=False) as u:
        u.operator = _operator(u, "teller1")
        cipher = service.cipher_for(u)
        assert cipher.key_id != old_id
        assert cipher.key_id == FieldCipher.from_file(coop.data_dir / "secret.key").key_id


def _operator(u: object, name: str) -> object:
    from coopctl.core.security import load_operator

    return load_operator(u.session, name)  # type: ignore[attr-defined]


def test_rotation_waits_for_a_writer_that_holds_the_old_key(pg_coop: Coop) -> None:
    """The rotation race on PostgreSQL: a writer that checked the old key holds the key
    check row FOR SHARE; the rotation waits for it, then re-encrypts its rows too, so
    nothing stays under the old key."""
    import threading
    import time

    from coopctl.core.context import cipher_for
    from coopctl.members import rotation

    coop = pg_coop
    done: dict[str, object] = {}

    def rotate() -> None:
        try:
            with coop.uow("admin") as u2:
                rot = rotation.rotate(u2)
                u2.commit()
            rotation.install(rot)
            done["rot"] = rot
        except BaseException as exc:  # reported by the main thread
            done["error"] = exc

    with coop.uow("teller1") as a:
        old_id = cipher_for(a).key_id  # key check row now held FOR SHARE
        t = threading.Thread(target=rotate)
        t.start()
        deadline = time.monotonic() + 20
        while not coop.sql(
            "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database() AND query LIKE '%key_checks%'"
        ):
            assert time.monotonic() < deadline and t.is_alive(), done
            time.sleep(0.05)
        m = service.add_member(
            a, {"first_name": "Late", "last_name": "Writer", "phone": "08057776666", "bvn": BVN}
        )
        no = m.member_no
        a.commit()
    t.join(30)
    assert "error" not in done and "rot" in done, done
    new_id = FieldCipher.from_file(coop.data_dir / "secret.key").key_id
    assert new_id != old_id
    token = coop.sql("SELECT bvn_enc FROM members WHERE member_no = :n", n=no)[0][0]
    assert token.startswith(f"v2:{new_id}:")  # re-encrypted by the rotation that waited
    assert coop.ok("members", "show", no, "--reveal", operator="manager1")["bvn"] == BVN
