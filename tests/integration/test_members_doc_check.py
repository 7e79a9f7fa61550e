"""``doctor`` checks the document store: every member document's file is present
under the data folder with its SHA-256 (check ``documents_stored``, group members)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coopctl.core import checks
from tests.conftest import Coop

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def upload(coop: Coop, tmp: Path) -> tuple[int, Path]:
    m = coop.ok(
        "members", "add", "--first-name", "Ada", "--last-name", "Obi", "--phone", "08031234821",
        operator="teller1",
    )  # fmt: skip
    f = tmp / "ada-id.pdf"
    f.write_bytes(PDF)
    doc = coop.ok("members", "docs", "add", m["member_no"], f, "--kind", "id_card",
                  operator="teller1")  # fmt: skip
    sha = hashlib.sha256(PDF).hexdigest()
    (path,) = [p for p in (coop.data_dir / "documents").rglob("*") if p.is_file()]
    assert doc["sha256"] == sha and PDF not in path.read_bytes()
    return int(doc["doc_id"]), path


def doc_problems(coop: Coop) -> list[dict[str, str]]:
    r = coop.cli("doctor", "--format", "json")
    assert r.exit_code == 6, r.stderr
    return [p for p in r.json["problems"] if p["check"] == "documents_stored"]


def test_doctor_flags_an_altered_or_missing_document(coop: Coop, tmp_path: Path) -> None:
    doc_id, path = upload(coop, tmp_path)
    assert coop.ok("doctor") == {"ok": True, "problems": []}

    os.chmod(path, 0o600)
    path.write_bytes(PDF + b"tampered")
    (p,) = doc_problems(coop)
    assert f"document {doc_id} " in p["detail"] and "SHA-256" in p["detail"]

    path.unlink()
    (p,) = doc_problems(coop)
    assert f"document {doc_id} " in p["detail"] and "missing" in p["detail"]

    # ledger verify does not run the members group
    assert coop.ok("ledger", "verify")["ok"] is True


def test_the_check_skips_without_a_data_dir(coop: Coop, tmp_path: Path) -> None:
    _, path = upload(coop, tmp_path)
    path.unlink()
    with coop.uow("admin") as u:
        assert checks.run(u.session, groups=("members",)) == []
        u.session.info["data_dir"] = coop.data_dir
        (p,) = checks.run(u.session, groups=("members",))
        assert p.check == "documents_stored" and "missing" in p.detail
