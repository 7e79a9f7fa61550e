"""PII at rest: nothing in clear in the database files, and key rotation."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from coopctl.core.crypto import FieldCipher, KeyFileError, KeyMismatchError
from coopctl.members import pii, rotation, service
from coopctl.members.models import Member
from tests.conftest import Coop

BVN, NIN, PHONE_LOCAL, DOB = "22298765431", "70055512349", "08031234821", "1987-06-14"
SECRETS = [BVN, NIN, PHONE_LOCAL, PHONE_LOCAL[1:], "+234" + PHONE_LOCAL[1:], DOB]


def add_member(coop: Coop, **extra: str) -> str:
    fields = {"bvn": BVN, "nin": NIN, "phone": PHONE_LOCAL, "dob": DOB, **extra}
    args = [x for k, v in fields.items() for x in (f"--{k}", v)]
    m = coop.ok(
        "members", "add", "--first-name", "Ngozi", "--last-name", "Eze", *args, operator="teller1"
    )
    return str(m["member_no"])


def test_sqlite_files_hold_no_pii_in_clear(sqlite_coop: Coop) -> None:
    coop = sqlite_coop
    no = add_member(coop)
    coop.ok("members", "update", no, "--phone", "0805 555 0199", operator="teller1")
    coop.ok("members", "update", no, "--phone", PHONE_LOCAL, operator="teller1")
    coop.ok("members", "show", no, "--reveal", operator="manager1")  # audited reveal
    db = Path(coop.url.removeprefix("sqlite:///"))
    blobs = {p.name: p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists()}
    everything = b"".join(blobs.values())
    # sanity: we are reading the files that hold this member
    assert no.encode() in everything and b"Ngozi" in everything
    for secret in [*SECRETS, "08055550199", "8055550199"]:
        for name, blob in blobs.items():
            assert secret.encode() not in blob, f"{secret} in clear in {name}"
            assert secret.encode("utf-16-le") not in blob


def test_postgresql_rows_hold_no_pii_in_clear(pg_coop: Coop) -> None:
    coop = pg_coop
    no = add_member(coop)
    coop.ok("members", "show", no, "--reveal", operator="manager1")
    member_row = coop.sql("SELECT m::text FROM members m WHERE member_no = :n", n=no)[0][0]
    audit_rows = " ".join(r[0] for r in coop.sql("SELECT a::text FROM audit_log a"))
    assert no in member_row and "Ngozi" in member_row
    for secret in SECRETS:
        assert secret not in member_row
        assert secret not in audit_rows


def test_ciphertexts_are_bound_to_their_member_and_field(coop: Coop) -> None:
    a = add_member(coop)
    b = add_member(coop, bvn="22200000001", nin="70000000001", phone="08051112222")
    # paste a's BVN ciphertext onto b: it must not decrypt as b's BVN
    coop.sql(
        "UPDATE members SET bvn_enc = (SELECT bvn_enc FROM members WHERE member_no = :a) "
        "WHERE member_no = :b",
        a=a,
        b=b,
    )
    r = coop.cli("members", "show", b, "--reveal", operator="manager1")
    assert r.exit_code == 5 and "cannot decrypt" in r.stderr
    assert coop.ok("members", "show", a, "--reveal", operator="manager1")["bvn"] == BVN


def _totp_secret(coop: Coop, cipher: FieldCipher) -> str:
    token = coop.sql("SELECT totp_secret FROM operators WHERE username = 'manager1'")[0][0]
    secret = str(cipher.decrypt(token, context="totp"))
    assert pyotp.TOTP(secret).now()  # a usable base32 secret
    return secret


def _reveal_all(coop: Coop) -> dict[str, dict[str, str]]:
    out = {}
    for m in coop.ok("members", "list"):
        shown = coop.ok("members", "show", m["member_no"], "--reveal", operator="admin")
        out[m["member_no"]] = {k: shown[k] for k in ("phone", "bvn", "nin", "dob")}
    return out


def test_rotate_key_reencrypts_everything_and_retires_the_old_key(coop: Coop) -> None:
    a = add_member(coop)
    add_member(coop, bvn="22200000001", nin="", phone="+447911123456", dob="")
    coop.cli("operators", "mfa-enroll", "manager1").ok()
    key_file = coop.data_dir / "secret.key"
    old_key = key_file.read_bytes()
    totp_before = _totp_secret(coop, FieldCipher.from_file(key_file))
    before = _reveal_all(coop)
    raw_before = coop.sql("SELECT member_no, bvn_enc, bvn_hash, phone_hash FROM members")

    r = coop.cli("security", "rotate-key", "--yes", "--format", "json", operator="manager1")
    assert r.exit_code == 4 and "security.rotate_key" in r.stderr
    res = coop.ok("security", "rotate-key", "--yes")
    assert res["reencrypted"] == {"members": 2, "operators": 1, "documents_key": 1}
    assert res["resumed"] is False

    new_key = key_file.read_bytes()
    assert new_key != old_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    old_copy = Path(res["old_key"])
    assert old_copy.parent == key_file.parent
    assert old_copy.name.startswith("secret.key.old-")
    assert old_copy.read_bytes() == old_key
    assert stat.S_IMODE(old_copy.stat().st_mode) == 0o600
    assert not (coop.data_dir / "secret.key.new").exists()

    # every member reads the same under the new key; search still works (re-indexed)
    assert _reveal_all(coop) == before
    assert [m["member_no"] for m in coop.ok("members", "list", "--bvn", BVN)] == [a]
    assert [m["member_no"] for m in coop.ok("members", "list", "--search", PHONE_LOCAL)] == [a]
    raw_after = coop.sql("SELECT member_no, bvn_enc, bvn_hash, phone_hash FROM members")
    for (n1, enc1, h1, p1), (n2, enc2, h2, p2) in zip(
        sorted(raw_before), sorted(raw_after), strict=True
    ):
        assert n1 == n2 and enc1 != enc2 and h1 != h2 and p1 != p2

    # the operator's TOTP secret survived; the old key no longer decrypts anything
    assert _totp_secret(coop, FieldCipher.from_file(key_file)) == totp_before
    old = FieldCipher(base64.b64decode(old_key.strip()))
    with pytest.raises(KeyMismatchError):
        _totp_secret(coop, old)
    with coop.uow() as u:
        members = u.session.scalars(select(Member)).all()
        assert len(members) == 2
        for m in members:
            for field in ("phone", "bvn"):
                with pytest.raises(KeyMismatchError):
                    pii.get_field(old, m, field)
    assert coop.sql("SELECT COUNT(*) FROM audit_log WHERE action = 'security.rotate_key'") == [(1,)]
    assert coop.ok("audit", "verify")["ok"] is True
    assert coop.ok("ledger", "verify")["ok"] is True


def test_a_failed_rotation_changes_nothing(coop: Coop, monkeypatch: pytest.MonkeyPatch) -> None:
    add_member(coop)
    key_file = coop.data_dir / "secret.key"
    old_key = key_file.read_bytes()
    raw_before = coop.sql("SELECT bvn_enc, bvn_hash, phone_enc FROM members")
    audit_before = coop.sql("SELECT COUNT(*) FROM audit_log")[0][0]

    def boom(uow: object, old: object, new: object) -> int:
        raise KeyFileError("simulated failure half-way through")

    monkeypatch.setitem(rotation.REENCRYPTORS, "zz_boom", boom)
    r = coop.cli("security", "rotate-key", "--yes")
    assert r.exit_code == 5 and "simulated failure" in r.stderr
    assert key_file.read_bytes() == old_key
    assert sorted(p.name for p in coop.data_dir.iterdir() if p.name.startswith("secret")) == [
        "secret.key"
    ]
    assert coop.sql("SELECT bvn_enc, bvn_hash, phone_enc FROM members") == raw_before
    assert coop.sql("SELECT COUNT(*) FROM audit_log")[0][0] == audit_before


def test_an_interrupted_rotation_is_finished_not_repeated(coop: Coop) -> None:
    no = add_member(coop)
    key_file = coop.data_dir / "secret.key"
    before = _reveal_all(coop)
    with coop.uow() as u:  # committed, but the process "died" before install
        rot = rotation.rotate(u)
        u.commit()
    assert rot.new_file.exists()
    r = coop.cli("members", "show", no, "--reveal", operator="manager1")
    # the installed key no longer matches the database's key check: refused, naming it
    assert r.exit_code == 4 and rot.new_file.name not in r.stderr
    assert FieldCipher.from_file(rot.new_file).key_id in r.stderr
    res = coop.ok("security", "rotate-key", "--yes")
    assert res["resumed"] is True and res["reencrypted"] == {}
    assert not rot.new_file.exists()
    assert _reveal_all(coop) == before
    # a stale .new (from a rotation that rolled back) is simply replaced
    stale = rotation.new_path(key_file)
    stale.write_bytes(base64.b64encode(b"x" * 32) + b"\n")
    assert coop.ok("security", "rotate-key", "--yes")["resumed"] is False
    assert _reveal_all(coop) == before


def test_service_lookups_use_the_current_key(coop: Coop) -> None:
    add_member(coop)
    coop.ok("security", "rotate-key", "--yes")
    with coop.uow("teller1") as u:
        m = service.find_by_identity(u, "nin", NIN)
        assert (
            m is not None
            and pii.get_field(FieldCipher.from_file(coop.data_dir / "secret.key"), m, "nin") == NIN
        )
