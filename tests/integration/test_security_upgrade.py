"""Cooperatives initialised before key ids, the keyed audit chain and encrypted
documents keep working, and are brought to the current formats by the one-time
``security upgrade`` and ``security encrypt-documents`` (both resumable, verified).

``make_legacy`` turns a fresh cooperative into exactly what the earlier release
left on disk: ``v1:`` ciphertexts without a key id, no key checks, a plain SHA-256
audit chain with no audit key and no anchor log, and plain document files named
by their SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from coopctl.core import audit, crypto
from coopctl.core.crypto import FieldCipher
from coopctl.members import doc_crypto
from tests.conftest import Coop

ROOT = Path(__file__).resolve().parents[2]
BVN, NIN, PHONE, DOB = "22298765431", "70055512349", "08031234821", "1987-06-14"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"x" * 100_000 + b"%%EOF\n"


def _v1(key: bytes, text: str, context: str) -> str:
    nonce = os.urandom(12)
    return (
        "v1:"
        + base64.b64encode(
            nonce + AESGCM(key).encrypt(nonce, text.encode(), context.encode() or None)
        ).decode()
    )


def _triggers(dialect: str) -> list[str]:
    spec = importlib.util.spec_from_file_location(
        "m0001", ROOT / "migrations" / "versions" / "0001_foundation.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.PG_TRIGGERS if dialect == "postgresql" else mod.SQLITE_TRIGGERS)


def populate(coop: Coop, tmp: Path) -> str:
    m = coop.ok(
        "members", "add", "--first-name", "Ngozi", "--last-name", "Eze", "--phone", PHONE,
        "--bvn", BVN, "--nin", NIN, "--dob", DOB, operator="teller1",
    )  # fmt: skip
    coop.cli("operators", "mfa-enroll", "manager1").ok()
    f = tmp / "id.pdf"
    f.write_bytes(PDF)
    coop.ok("members", "docs", "add", m["member_no"], f, "--kind", "id_card", operator="teller1")
    coop.ok("members", "docs", "add", m["member_no"], f, "--kind", "utility_bill",
            operator="teller1")  # fmt: skip
    return str(m["member_no"])


def make_legacy(coop: Coop) -> None:
    key = crypto.read_key(coop.data_dir / "secret.key")
    cipher = FieldCipher(key)
    ctx = coop.context()
    with ctx.uow(as_current=False) as u:
        from coopctl.core.security import document_cipher, load_operator

        u.operator = load_operator(u.session, "admin")
        dcipher = document_cipher(u)
    # 1. field ciphertexts without key id
    for mid, no, *tokens in coop.sql(
        "SELECT id, member_no, phone_enc, dob_enc, bvn_enc, nin_enc FROM members"
    ):
        vals = {}
        for f, t in zip(("phone", "dob", "bvn", "nin"), tokens, strict=True):
            if t:
                ctx_ = f"member:{no}:{f}"
                vals[f] = _v1(key, str(cipher.decrypt(t, context=ctx_)), ctx_)
        sets = ", ".join(f"{f}_enc = :{f}" for f in vals)
        coop.sql(f"UPDATE members SET {sets} WHERE id = :id", id=mid, **vals)
    for oid, t in coop.sql("SELECT id, totp_secret FROM operators WHERE totp_secret IS NOT NULL"):
        coop.sql(
            "UPDATE operators SET totp_secret = :t WHERE id = :i",
            t=_v1(key, str(cipher.decrypt(t, context="totp")), "totp"), i=oid,
        )  # fmt: skip
    # 2. plain documents named by SHA-256
    for sha, addr in set(coop.sql("SELECT sha256, address FROM documents")):
        enc = doc_crypto.store_path(coop.data_dir, addr)
        with enc.open("rb") as fh:
            plain = b"".join(dcipher.decrypt_stream(fh, str(enc)))
        dest = doc_crypto.store_path(coop.data_dir, sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(plain)
        os.chmod(dest, 0o600)
        enc.unlink()
    coop.sql("UPDATE documents SET address = NULL, key_id = NULL")
    # 3. no key checks, no audit key, no anchors; 4. a plain SHA-256 chain
    coop.sql("DELETE FROM key_checks")
    (coop.data_dir / "audit.key").unlink()
    (coop.data_dir / "audit-anchors.log").unlink()
    if coop.dialect == "postgresql":
        coop.sql("DROP TRIGGER audit_log_no_update ON audit_log")
        coop.sql("DROP TRIGGER audit_log_no_truncate ON audit_log")
    else:
        coop.sql("DROP TRIGGER audit_log_no_update")
        coop.sql("DROP TRIGGER audit_log_no_delete")
    prev = audit.GENESIS
    for rid, at, *rest in coop.sql(
        "SELECT id, at, operator, action, entity, entity_id, before, after "
        "FROM audit_log ORDER BY id"
    ):
        at_dt = datetime.fromisoformat(at) if isinstance(at, str) else at
        h = audit.row_hash(prev, audit._canonical_at(at_dt), *rest)
        coop.sql(
            "UPDATE audit_log SET prev_hash=:p, hash=:h, alg='sha256', seq=NULL WHERE id=:i",
            p=prev, h=h, i=rid,
        )  # fmt: skip
        prev = h
    for sql in _triggers(coop.dialect):
        coop.sql(sql)


def all_files(coop: Coop) -> list[Path]:
    return sorted(p for p in (coop.data_dir / "documents").rglob("*") if p.is_file())


def test_a_legacy_cooperative_keeps_working_then_upgrades(coop: Coop, tmp_path: Path) -> None:
    no = populate(coop, tmp_path)
    make_legacy(coop)
    assert coop.sql("SELECT bvn_enc FROM members")[0][0].startswith("v1:")
    # before the upgrade: reads, writes and verify work as they did
    assert coop.ok("members", "show", no, "--reveal", operator="manager1")["bvn"] == BVN
    coop.ok("members", "add", "--first-name", "Ade", "--last-name", "Bo", "--phone",
            "08051112222", operator="teller1")  # fmt: skip
    assert coop.ok("audit", "verify")["ok"] is True
    doc_id = coop.sql("SELECT MIN(id) FROM documents")[0][0]
    out = tmp_path / "legacy.pdf"
    coop.ok("members", "docs", "get", doc_id, "-o", out, operator="manager1")
    assert out.read_bytes() == PDF
    d = coop.cli("doctor", "--format", "json")
    assert d.exit_code == 6
    details = " ".join(p["detail"] for p in d.json["problems"])
    assert "security upgrade" in details and "encrypt-documents" in details
    # even before the upgrade another key is refused (a stored value is probed)
    good = (coop.data_dir / "secret.key").read_bytes()
    (coop.data_dir / "secret.key").unlink()
    crypto.write_key_file(coop.data_dir / "secret.key", os.urandom(32))
    r = coop.cli("members", "add", "--first-name", "X", "--last-name", "Y", "--phone",
                 "08059990000", operator="teller1")  # fmt: skip
    assert r.exit_code == 4 and "security upgrade" in r.stderr
    assert coop.cli("security", "upgrade").exit_code == 4  # and the upgrade refuses it
    assert coop.sql("SELECT COUNT(*) FROM key_checks")[0][0] == 0
    (coop.data_dir / "secret.key").write_bytes(good)

    legacy_rows = coop.sql("SELECT COUNT(*) FROM audit_log")[0][0]
    assert coop.cli("security", "upgrade", operator="manager1").exit_code == 4
    res = coop.ok("security", "upgrade")
    assert res["key_checks_stored"] is True and res["converted"] == {"members": 1, "operators": 1}
    assert res["audit_key_created"] == str(coop.data_dir / "audit.key")
    assert not any((t or "").startswith("v1:") for (t,) in coop.sql("SELECT bvn_enc FROM members"))
    assert coop.sql("SELECT totp_secret FROM operators WHERE totp_secret IS NOT NULL")[0][
        0
    ].startswith("v2:")
    # the old rows keep their plain hashes, sealed by the first keyed row after them
    algs = coop.sql("SELECT alg, COUNT(*) FROM audit_log GROUP BY alg ORDER BY alg")
    assert dict(algs)["sha256"] >= legacy_rows and dict(algs)["hmac1"] == 1
    assert coop.ok("audit", "verify")["ok"] is True
    assert coop.ok("members", "show", no, "--reveal", operator="manager1")["nin"] == NIN
    again = coop.ok("security", "upgrade")
    assert again["key_checks_stored"] is False and again["converted"] == {
        "members": 0, "operators": 0,
    }  # fmt: skip

    # documents: converted in place, verified; nothing plain stays behind
    res = coop.ok("security", "encrypt-documents")
    assert res == {"files_encrypted": 1, "rows": 2, "plain_removed": 1}
    (stored,) = all_files(coop)
    assert PDF[:8] not in stored.read_bytes() and PDF[100:200] not in stored.read_bytes()
    assert coop.ok("security", "encrypt-documents") == {
        "files_encrypted": 0, "rows": 0, "plain_removed": 0,
    }  # fmt: skip
    out2 = tmp_path / "after.pdf"
    coop.ok("members", "docs", "get", doc_id, "-o", out2, operator="manager1")
    assert out2.read_bytes() == PDF
    assert coop.ok("doctor") == {"ok": True, "problems": []}


def test_a_legacy_chain_tampered_before_the_upgrade_is_still_caught(
    coop: Coop, tmp_path: Path
) -> None:
    populate(coop, tmp_path)
    make_legacy(coop)
    coop.ok("security", "upgrade")
    # someone rewrites an old (plain-hash) row and recomputes the plain chain up to the
    # first keyed row: the keyed row's MAC covers the old head, so the link breaks
    coop.sql(
        "DROP TRIGGER audit_log_no_update"
        + (" ON audit_log" if coop.dialect == "postgresql" else "")
    )
    coop.sql("UPDATE audit_log SET entity_id='mallory' WHERE id=2")
    r = coop.cli("audit", "verify", "--format", "json")
    assert r.exit_code == 6 and "audit row 2" in r.json["problems"][0]["detail"]


def test_encrypt_documents_resumes_after_an_interruption(coop: Coop, tmp_path: Path) -> None:
    no = populate(coop, tmp_path)
    f = tmp_path / "other.pdf"
    f.write_bytes(PDF + b"second")
    coop.ok("members", "docs", "add", no, f, "--kind", "bank_statement", operator="teller1")
    make_legacy(coop)
    coop.ok("security", "upgrade")
    shas = sorted({s for (s,) in coop.sql("SELECT sha256 FROM documents")})
    # the first file was converted and committed, then the process died (plain file left)
    with coop.uow("admin") as u:
        doc_crypto.convert_one(u, shas[0])
        u.commit()
    assert len(all_files(coop)) == 3
    res = coop.ok("security", "encrypt-documents")
    assert res == {"files_encrypted": 1, "rows": 1, "plain_removed": 2}
    names = {p.name for p in all_files(coop)}
    assert len(names) == 2 and not names & set(shas)
    assert hashlib.sha256(PDF).hexdigest() in shas
    assert coop.ok("doctor")["ok"] is True
