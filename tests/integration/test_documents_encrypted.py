"""KYC documents encrypted at rest (issue 9 item 7): no stored file under the data
folder holds the uploaded bytes (neither the PNG signature nor its body), the file
name is a keyed address, ``docs get`` decrypts and verifies, ``doctor`` decrypts
every document."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from tests.conftest import Coop

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png(size: int = 200_000) -> bytes:
    """A PNG-shaped file: signature, IHDR, a body of random bytes (spans several chunks)."""
    ihdr = b"\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x02\x00\x00\x00"
    return PNG_SIG + ihdr + os.urandom(size) + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def every_file(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def upload(coop: Coop, tmp: Path, data: bytes, phone: str = "08031234821") -> dict:
    m = coop.ok(
        "members", "add", "--first-name", "Ada", "--last-name", "Obi", "--phone", phone,
        operator="teller1",
    )  # fmt: skip
    f = tmp / "upload" / "ada-photo.png"
    f.parent.mkdir(exist_ok=True)
    f.write_bytes(data)
    return coop.ok(  # type: ignore[no-any-return]
        "members", "docs", "add", m["member_no"], f, "--kind", "passport_photo",
        operator="teller1",
    )  # fmt: skip


def test_no_stored_file_contains_the_uploaded_png(coop: Coop, tmp_path: Path) -> None:
    data = png()
    doc = upload(coop, tmp_path, data)
    sha = hashlib.sha256(data).hexdigest()
    assert doc["sha256"] == sha and doc["mime"] == "image/png" and doc["size"] == len(data)
    stored = [p for p in every_file(coop.data_dir / "documents")]
    assert len(stored) == 1
    assert sha not in stored[0].name  # the address is keyed: it does not name the file
    body = data[len(PNG_SIG) + 25 : len(PNG_SIG) + 25 + 64]
    for p in every_file(coop.data_dir):  # documents, keys, anchor log: nothing holds it
        blob = p.read_bytes()
        assert PNG_SIG not in blob, p
        assert body not in blob, p
        assert data[-12:] not in blob, p
    assert stat.S_IMODE(stored[0].stat().st_mode) == 0o600

    out = tmp_path / "copy.png"
    coop.ok("members", "docs", "get", doc["doc_id"], "-o", out, operator="manager1")
    assert out.read_bytes() == data
    assert coop.ok("doctor")["ok"] is True


def test_tampered_or_swapped_files_are_refused(coop: Coop, tmp_path: Path) -> None:
    a = upload(coop, tmp_path, png(70_000))
    b = upload(coop, tmp_path, png(1_000), phone="08051112222")
    addr = dict(coop.sql("SELECT id, address FROM documents"))
    pa, pb = (
        coop.data_dir / "documents" / addr[d["doc_id"]][:2] / addr[d["doc_id"]] for d in (a, b)
    )
    # truncate one, swap contents of the other pair: get refuses, doctor names them
    blob_a, blob_b = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(blob_b)
    pb.write_bytes(blob_a)
    for doc in (a, b):
        r = coop.cli(
            "members", "docs", "get", doc["doc_id"], "-o", tmp_path / f"x{doc['doc_id']}",
            operator="manager1",
        )  # fmt: skip
        assert r.exit_code == 5 and f"document {doc['doc_id']}" in r.stderr
        assert not (tmp_path / f"x{doc['doc_id']}").exists()
    r = coop.cli("doctor", "--format", "json")
    assert r.exit_code == 6
    named = {p["detail"].split(" (")[0] for p in r.json["problems"]}
    assert {f"document {a['doc_id']}", f"document {b['doc_id']}"} <= named
    pa.write_bytes(blob_a[:-10])
    pb.write_bytes(blob_b)
    r = coop.cli("doctor", "--format", "json")
    assert [p["detail"].split(" (")[0] for p in r.json["problems"]] == [f"document {a['doc_id']}"]
