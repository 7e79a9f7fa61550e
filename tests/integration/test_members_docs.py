"""KYC documents: content-addressed storage, versions, limits, rollback, retrieval."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from coopctl.members import documents
from tests.conftest import Coop

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def count(coop: Coop, table: str) -> int:
    return int(coop.sql(f"SELECT COUNT(*) FROM {table}")[0][0])


def member(coop: Coop, phone: str = "08031234821") -> str:
    m = coop.ok(
        "members",
        "add",
        "--first-name",
        "Ada",
        "--last-name",
        "Obi",
        "--phone",
        phone,
        operator="teller1",
    )
    return str(m["member_no"])


def stored(coop: Coop) -> list[Path]:
    root = coop.data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def put(coop: Coop, tmp: Path, no: str, data: bytes, kind: str, name: str = "scan.pdf") -> dict:
    f = tmp / name
    f.write_bytes(data)
    return coop.ok("members", "docs", "add", no, f, "--kind", kind, operator="teller1")  # type: ignore[no-any-return]


def test_documents_are_stored_once_by_hash_and_versioned(coop: Coop, tmp_path: Path) -> None:
    a, b = member(coop), member(coop, "08051112222")
    sha = hashlib.sha256(PDF).hexdigest()
    d1 = put(coop, tmp_path, a, PDF, "id_card", "ada-id.pdf")
    assert d1 == {
        **d1,
        "member_no": a,
        "kind": "id_card",
        "version": 1,
        "sha256": sha,
        "size": len(PDF),
        "mime": "application/pdf",
        "original_name": "ada-id.pdf",
        "uploaded_by": "teller1",
        "created": True,
    }
    (path,) = stored(coop)  # encrypted, under a keyed address (not the SHA-256)
    assert path.name != sha and path.parent.name == path.name[:2]
    assert PDF not in path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # the same bytes for the same member and kind: the same row, not stored twice
    f = tmp_path / "again.pdf"
    f.write_bytes(PDF)
    r = coop.cli(
        "members", "docs", "add", a, f, "--kind", "id_card", "--format", "json", operator="teller1"
    ).ok()
    assert r.json["doc_id"] == d1["doc_id"] and r.json["created"] is False
    assert "not stored again" in r.stderr
    # the same bytes for another member (or another kind) share the stored file
    d2 = put(coop, tmp_path, b, PDF, "id_card")
    d3 = put(coop, tmp_path, a, PDF, "utility_bill")
    assert len({d1["doc_id"], d2["doc_id"], d3["doc_id"]}) == 3
    assert stored(coop) == [path]
    # new bytes of a kind make the next version
    d4 = put(coop, tmp_path, a, PDF + b"renewed", "id_card")
    assert d4["version"] == 2
    assert len(stored(coop)) == 2
    listed = coop.ok("members", "docs", "list", a)
    assert [(d["kind"], d["version"], d["latest"]) for d in listed] == [
        ("id_card", 1, False),
        ("id_card", 2, True),
        ("utility_bill", 1, True),
    ]
    assert count(coop, "documents") == 4


@pytest.mark.parametrize(
    ("data", "env", "reason"),
    [
        (b"hello, plain text", {}, "application/octet-stream; allowed types"),
        (b"", {}, "is empty"),
        (PDF + b"x" * 200, {"COOPCTL_MEMBERS__MAX_DOCUMENT_BYTES": "200"}, "larger than the limit"),
        (PNG, {"COOPCTL_MEMBERS__ALLOWED_DOCUMENT_TYPES": "application/pdf"}, "image/png"),
    ],
)
def test_size_and_type_limits(
    coop: Coop, tmp_path: Path, data: bytes, env: dict[str, str], reason: str
) -> None:
    no = member(coop)
    f = tmp_path / "doc.pdf"  # the name says PDF; only the bytes count
    f.write_bytes(data)
    audit = count(coop, "audit_log")
    r = coop.cli("members", "docs", "add", no, f, "--kind", "id_card", operator="teller1", **env)
    assert r.exit_code == 2 and "FILE" in r.stderr and reason in r.stderr
    assert count(coop, "documents") == 0 and count(coop, "audit_log") == audit
    assert stored(coop) == []


def test_the_limit_is_inclusive(coop: Coop, tmp_path: Path) -> None:
    no = member(coop)
    data = PDF + b"x" * (200 - len(PDF))
    f = tmp_path / "exact.pdf"
    f.write_bytes(data)
    env = {"COOPCTL_MEMBERS__MAX_DOCUMENT_BYTES": "200"}
    assert (
        coop.ok("members", "docs", "add", no, f, "--kind", "id_card", operator="teller1", **env)[
            "size"
        ]
        == 200
    )


def test_bad_arguments(coop: Coop, tmp_path: Path) -> None:
    no = member(coop)
    f = tmp_path / "id.pdf"
    f.write_bytes(PDF)
    assert (
        coop.cli(
            "members",
            "docs",
            "add",
            no,
            tmp_path / "nope.pdf",
            "--kind",
            "id_card",
            operator="teller1",
        ).exit_code
        == 3
    )
    r = coop.cli("members", "docs", "add", no, f, "--kind", "../etc", operator="teller1")
    assert r.exit_code == 2 and "--kind" in r.stderr
    r = coop.cli("members", "docs", "add", no, f, "--kind", "id_card", operator="auditor1")
    assert r.exit_code == 4
    assert coop.cli("members", "docs", "get", "abc", "-o", tmp_path / "o").exit_code == 2
    assert coop.cli("members", "docs", "get", "999", "-o", tmp_path / "o").exit_code == 3
    assert count(coop, "documents") == 0


def test_a_rolled_back_upload_leaves_no_file(coop: Coop, tmp_path: Path) -> None:
    no, other = member(coop), member(coop, "08051112222")
    f = tmp_path / "id.pdf"
    f.write_bytes(PDF)
    with coop.uow("teller1") as u:
        res = documents.add_document(u, no, f, "id_card")
        assert res.created and res.file_written
        assert len(stored(coop)) == 1
        # leaving without commit = the transaction failed
    assert stored(coop) == []
    assert count(coop, "documents") == 0
    # a file that other rows already use is never removed by a rollback
    coop.ok("members", "docs", "add", other, f, "--kind", "id_card", operator="teller1")
    with coop.uow("teller1") as u:
        res = documents.add_document(u, no, f, "id_card")
        assert res.created and not res.file_written
    assert len(stored(coop)) == 1
    assert count(coop, "documents") == 1


def test_get_copies_the_document_after_checking_its_hash(coop: Coop, tmp_path: Path) -> None:
    no = member(coop)
    doc = put(coop, tmp_path, no, PDF, "id_card")
    out = tmp_path / "out" / "copy.pdf"
    r = coop.cli("members", "docs", "get", doc["doc_id"], "-o", out, operator="teller1")
    assert r.exit_code == 4 and not out.exists()  # documents show identity numbers
    got = coop.ok("members", "docs", "get", doc["doc_id"], "-o", out, operator="manager1")
    assert out.read_bytes() == PDF and got["sha256"] == doc["sha256"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert coop.sql("SELECT action, operator FROM audit_log ORDER BY id DESC LIMIT 1") == [
        ("document.get", "manager1")
    ]
    r = coop.cli("members", "docs", "get", doc["doc_id"], "-o", out, operator="manager1")
    assert r.exit_code == 2 and "--force" in r.stderr
    # a stored file altered on disk is refused
    stored(coop)[0].write_bytes(PDF.replace(b"Catalog", b"Catalo9"))
    r = coop.cli(
        "members", "docs", "get", doc["doc_id"], "-o", tmp_path / "x.pdf", operator="manager1"
    )
    assert r.exit_code == 5 and "SHA-256" in r.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_exited_members_take_no_documents(coop: Coop, tmp_path: Path) -> None:
    from coopctl.members import service

    no = member(coop)
    with coop.uow("manager1") as u:
        service.set_status(u, service.get_member(u, no), "exited")
        u.commit()
    f = tmp_path / "id.pdf"
    f.write_bytes(PDF)
    assert (
        coop.cli("members", "docs", "add", no, f, "--kind", "id_card", operator="teller1").exit_code
        == 5
    )
