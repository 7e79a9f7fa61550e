"""`docs add|list|get|search`: documents of members, loans, journal entries and the
cooperative in the one encrypted store, through the real CLI on both databases.

The story: the cooperative files its by-laws and the minutes of two board meetings
(general), a receipt for generator fuel against the cash deposit entry, a collateral
deed for Adaeze's loan and her ID card (member). The minutes of March are revised
(version 2 of the same title); searching finds papers by title, kind or file name,
and by the business date they were filed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from coopctl.core import ids
from tests.conftest import Coop
from tests.integration.deposits_support import add_member, deposit, open_account
from tests.integration.loans_support import apply, cast


def pdf(label: str) -> bytes:
    """A small PDF whose body holds a unique, searchable-looking plaintext marker."""
    return f"%PDF-1.7\n% {label} SECRET-PLAINTEXT-{label}\n%%EOF\n".encode()


def stored(coop: Coop) -> list[Path]:
    root = coop.data_dir / "documents"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def count(coop: Coop) -> int:
    return int(coop.sql("SELECT COUNT(*) FROM documents")[0][0])


def add(
    coop: Coop,
    tmp: Path,
    data: bytes,
    name: str,
    *owner: str,
    operator: str = "manager1",
    **env: str,
) -> dict[str, Any]:
    f = tmp / name
    f.write_bytes(data)
    return coop.ok("docs", "add", f, *owner, operator=operator, **env)  # type: ignore[no-any-return]


@pytest.fixture
def papers(coop: Coop, tmp_path: Path) -> dict[str, Any]:
    """The cooperative's papers, filed on three business dates."""
    c = cast(coop)
    loan_no = str(apply(coop, c.borrower.member_no, "120000", 6, "LN-FLAT")["loan_no"])
    entry_no = str(deposit(coop, c.borrower.account_no, "5000")["entry_no"])
    jan, mar, apr = (
        {"COOPCTL_TODAY": "2026-01-15"},
        {"COOPCTL_TODAY": "2026-03-20"},
        {"COOPCTL_TODAY": "2026-04-02"},
    )
    out = {
        "loan_no": loan_no,
        "entry_no": entry_no,
        "member_no": c.borrower.member_no,
        "bylaws": add(coop, tmp_path, pdf("bylaws"), "bye-laws-2019.pdf", "--general",
                      "--kind", "by_laws", "--title", "Bye-laws (2019 edition)", **jan),
        "minutes1": add(coop, tmp_path, pdf("min-mar"), "minutes.pdf", "--general", "--kind",
                        "board_minutes", "--title", "Board meeting, March 2026", **mar),
        "receipt": add(coop, tmp_path, pdf("fuel"), "Fuel-Receipt.PDF", "--entry", entry_no,
                       "--kind", "receipt", "--title", "Generator fuel", operator="accountant1",
                       **mar),
        "deed": add(coop, tmp_path, pdf("deed"), "deed.pdf", "--loan", loan_no, "--kind",
                    "collateral", "--title", "Land deed, Plot 14", operator="officer1", **apr),
        "id": add(coop, tmp_path, pdf("id"), "ada-id.pdf", "--member", c.borrower.member_no,
                  "--kind", "id_card", operator="teller1", **apr),
        "minutes2": add(coop, tmp_path, pdf("min-mar-rev"), "minutes-rev.pdf", "--general",
                        "--kind", "board_minutes", "--title", "Board meeting, March 2026", **apr),
    }  # fmt: skip
    return out


def test_documents_of_every_owner_versions_and_encryption(
    coop: Coop, tmp_path: Path, papers: dict[str, Any]
) -> None:
    p = papers
    assert (p["receipt"]["owner_type"], p["receipt"]["owner"]) == ("entry", p["entry_no"])
    assert (p["deed"]["owner_type"], p["deed"]["owner"]) == ("loan", p["loan_no"])
    assert (p["id"]["owner_type"], p["id"]["owner"]) == ("member", p["member_no"])
    assert (p["bylaws"]["owner_type"], p["bylaws"]["owner"]) == ("general", None)
    assert p["receipt"] == {
        **p["receipt"],
        "kind": "receipt",
        "title": "Generator fuel",
        "version": 1,
        "mime": "application/pdf",
        "size": len(pdf("fuel")),
        "sha256": hashlib.sha256(pdf("fuel")).hexdigest(),
        "original_name": "Fuel-Receipt.PDF",
        "added_on": "2026-03-20",
        "uploaded_by": "accountant1",
        "created": True,
    }
    # the same kind and title again: version 2 of the minutes
    assert (p["minutes1"]["version"], p["minutes2"]["version"]) == (1, 2)
    # the same bytes again: the existing row, nothing stored twice
    again = add(coop, tmp_path, pdf("min-mar-rev"), "copy.pdf", "--general", "--kind",
                "board_minutes", "--title", "Board meeting, March 2026")  # fmt: skip
    assert again["doc_id"] == p["minutes2"]["doc_id"] and again["created"] is False
    assert count(coop) == 6

    # encrypted at rest: no stored file holds any plaintext
    files = stored(coop)
    assert len(files) == 6
    for f in files:
        body = f.read_bytes()
        assert b"SECRET-PLAINTEXT" not in body and b"%PDF" not in body
    assert not any(f.name == p["receipt"]["sha256"] for f in files)

    # lists per owner, every version, and which is the latest
    general = coop.ok("docs", "list", "--general", operator="auditor1")
    assert [(d["kind"], d["title"], d["version"], d["latest"]) for d in general] == [
        ("board_minutes", "Board meeting, March 2026", 1, False),
        ("board_minutes", "Board meeting, March 2026", 2, True),
        ("by_laws", "Bye-laws (2019 edition)", 1, True),
    ]
    assert [d["doc_id"] for d in coop.ok("docs", "list", "--loan", p["loan_no"])] == [
        p["deed"]["doc_id"]
    ]
    assert [d["doc_id"] for d in coop.ok("docs", "list", "--entry", p["entry_no"])] == [
        p["receipt"]["doc_id"]
    ]
    assert len(coop.ok("docs", "list")) == 6
    assert [d["doc_id"] for d in coop.ok("docs", "list", "--kind", "Board-Minutes")] == [
        p["minutes1"]["doc_id"],
        p["minutes2"]["doc_id"],
    ]
    # members docs is a view of the same store
    kyc = coop.ok("members", "docs", "list", p["member_no"])
    assert [d["doc_id"] for d in kyc] == [p["id"]["doc_id"]]

    # get: the exact bytes back, audited
    out = tmp_path / "out" / "receipt.pdf"
    got = coop.ok("docs", "get", p["receipt"]["doc_id"], "-o", out, operator="auditor1")
    assert out.read_bytes() == pdf("fuel") and got["output"] == str(out)
    audit = coop.sql(
        "SELECT action, operator FROM audit_log WHERE entity = 'document' AND entity_id = :i",
        i=str(p["receipt"]["doc_id"]),
    )
    assert [tuple(a) for a in audit] == [
        ("document.add", "accountant1"),
        ("document.get", "auditor1"),
    ]


def test_get_keeps_an_existing_file_unless_force(
    coop: Coop, tmp_path: Path, papers: dict[str, Any]
) -> None:
    doc_id = papers["bylaws"]["doc_id"]
    out = tmp_path / "bylaws.pdf"
    out.write_bytes(b"my notes")
    r = coop.cli("docs", "get", doc_id, "-o", out)
    assert r.exit_code == 2 and "--force" in r.stderr and out.read_bytes() == b"my notes"
    coop.ok("docs", "get", doc_id, "-o", out, "--force")
    assert out.read_bytes() == pdf("bylaws")
    assert coop.cli("docs", "get", "999999", "-o", tmp_path / "x.pdf").exit_code == 3
    assert coop.cli("docs", "get", "abc", "-o", tmp_path / "x.pdf").exit_code == 2
    assert not (tmp_path / "x.pdf").exists()
    # a loan's deed is not a member document
    r = coop.cli("members", "docs", "get", papers["deed"]["doc_id"], "-o", tmp_path / "x.pdf")
    assert r.exit_code == 3 and not (tmp_path / "x.pdf").exists()


def test_search_by_text_kind_and_date(coop: Coop, papers: dict[str, Any]) -> None:
    p = papers

    def ids(*args: str, operator: str = "manager1") -> list[int]:
        return [d["doc_id"] for d in coop.ok("docs", "search", *args, operator=operator)]

    # title, kind or file name, any case; newest first
    assert ids("--text", "MARCH") == [p["minutes2"]["doc_id"], p["minutes1"]["doc_id"]]
    assert ids("--text", "fuel-receipt") == [p["receipt"]["doc_id"]]  # the file name
    assert ids("--text", "collat") == [p["deed"]["doc_id"]]  # the kind
    assert ids("--text", "SECRET-PLAINTEXT") == []  # contents are never searched
    # % and _ are literal, not LIKE wildcards ("e_l" would match "Bye-laws" as one)
    assert ids("--text", "%") == [] and ids("--text", "e_l") == []
    assert ids("--text", "e-l") == [p["bylaws"]["doc_id"]]
    assert ids("--kind", "by_laws") == [p["bylaws"]["doc_id"]]
    # the business date filed, both ends inclusive
    assert ids("--from", "2026-03-20", "--to", "2026-03-20") == [
        p["receipt"]["doc_id"],
        p["minutes1"]["doc_id"],
    ]
    assert ids("--from", "2026-04-01") == [
        p["minutes2"]["doc_id"],
        p["id"]["doc_id"],
        p["deed"]["doc_id"],
    ]
    assert ids("--to", "2026-01-31", "--kind", "by_laws") == [p["bylaws"]["doc_id"]]
    assert ids("--text", "march", "--from", "2026-04-01") == [p["minutes2"]["doc_id"]]
    r = coop.cli("docs", "search", "--from", "2026-05-01", "--to", "2026-04-01")
    assert r.exit_code == 2 and "--from" in r.stderr
    assert coop.cli("docs", "search", "--from", "01/04/2026").exit_code == 2
    assert len(ids(operator="auditor1")) == 6  # an auditor sees every kind of owner


def test_permissions_follow_what_a_document_is_attached_to(
    coop: Coop, tmp_path: Path, papers: dict[str, Any]
) -> None:
    p = papers
    f = tmp_path / "r.pdf"
    f.write_bytes(pdf("other"))
    refused = [
        ("teller1", "--entry", p["entry_no"]),  # entries need ledger.journal
        ("teller1", "--general"),  # the cooperative's papers need docs.manage
        ("officer1", "--member", p["member_no"]),  # member papers need members.manage
        ("auditor1", "--loan", p["loan_no"]),  # auditors read, never file
    ]
    before = count(coop)
    for operator, *owner in refused:
        r = coop.cli("docs", "add", f, *owner, "--kind", "receipt", operator=operator)
        assert r.exit_code == 4, (operator, owner, r.stderr)
    assert count(coop) == before and len(stored(coop)) == before
    # reading: a member's ID card reveals identity numbers (members.reveal)
    out = tmp_path / "id.pdf"
    assert coop.cli("docs", "get", p["id"]["doc_id"], "-o", out, operator="teller1").exit_code == 4
    assert not out.exists()
    # a teller's lists leave out what the teller may not see (general papers)
    seen = {d["owner_type"] for d in coop.ok("docs", "list", operator="teller1")}
    assert seen == {"member", "loan", "entry"}
    assert coop.cli("docs", "list", "--general", operator="teller1").exit_code == 4


def test_bad_input_is_refused_and_nothing_is_written(
    coop: Coop, tmp_path: Path, papers: dict[str, Any]
) -> None:
    before, files = count(coop), stored(coop)
    f = tmp_path / "x.pdf"
    f.write_bytes(pdf("x"))
    cases: list[tuple[list[Any], dict[str, str], int, str]] = [
        ([f, "--kind", "receipt"], {}, 2, "--member, --loan, --entry or --general"),
        ([f, "--general", "--loan", papers["loan_no"], "--kind", "receipt"], {}, 2, "at most one"),
        ([f, "--loan", ids.make("L", 9_999_999), "--kind", "receipt"], {}, 3, "not found"),
        ([f, "--loan", "L99999999", "--kind", "receipt"], {}, 2, "LOAN_NO"),
        ([f, "--entry", "JE99999999", "--kind", "receipt"], {}, 3, "not found"),
        ([f, "--general", "--kind", "no/slash"], {}, 2, "--kind"),
        ([f, "--general", "--kind", "k", "--title", "a\x1b[31mred"], {}, 2, "--title"),
        ([f, "--general", "--kind", "k", "--title", "t" * 201], {}, 2, "--title"),
        ([tmp_path / "missing.pdf", "--general", "--kind", "k"], {}, 3, "FILE"),
        ([f, "--general", "--kind", "k"], {"COOPCTL_DOCUMENTS__MAX_DOCUMENT_BYTES": "20"}, 2,
         "documents.max_document_bytes"),
        ([f, "--general", "--kind", "k"],
         {"COOPCTL_DOCUMENTS__ALLOWED_DOCUMENT_TYPES": "image/png"}, 2, "application/pdf"),
    ]  # fmt: skip
    for args, env, code, words in cases:
        r = coop.cli("docs", "add", *args, **env)
        assert r.exit_code == code and words in r.stderr, (args, r.exit_code, r.stderr)
    text = tmp_path / "note.pdf"
    text.write_bytes(b"just text, named .pdf")
    r = coop.cli("docs", "add", text, "--general", "--kind", "k")
    assert r.exit_code == 2 and "application/octet-stream" in r.stderr
    assert count(coop) == before and stored(coop) == files


def test_hostile_titles_and_file_names_are_kept_literally(coop: Coop, tmp_path: Path) -> None:
    title = "[/bold][red]Minutes[/red] <script>alert(1)</script> 50% _off_"
    name = "evil\n[bold]name[red].pdf"
    f = tmp_path / name
    f.write_bytes(pdf("evil"))
    d = coop.ok("docs", "add", f, "--general", "--kind", "board_minutes", "--title", title)
    assert d["title"] == title and d["original_name"] == "evil?[bold]name[red].pdf"
    r = coop.cli("docs", "list", "--general", "--format", "csv").ok()
    assert title in r.stdout and "evil?[bold]name[red].pdf" in r.stdout
    r = coop.cli("docs", "list", "--general", "--format", "table").ok()
    # the title column, its wrapped lines joined: the text as typed, no markup applied
    cells = [line.split("│")[4] for line in r.stdout.splitlines() if line.startswith("│")]
    assert "".join(cells).replace(" ", "") == title.replace(" ", "")
    assert "\x1b" not in r.stdout
    assert ids_of(coop.ok("docs", "search", "--text", "<script>")) == [d["doc_id"]]
    assert ids_of(coop.ok("docs", "search", "--text", "50% _off_")) == [d["doc_id"]]


def ids_of(rows: list[dict[str, Any]]) -> list[int]:
    return [r["doc_id"] for r in rows]


def test_destroying_a_members_documents_keeps_shared_files_until_commit(
    coop: Coop, tmp_path: Path
) -> None:
    from coopctl.docs.service import destroy_member_documents

    a, b = add_member(coop, "Ada", "Obi"), add_member(coop, "Bisi", "Ola")
    open_account(coop, a)
    add(coop, tmp_path, pdf("shared"), "s.pdf", "--member", a, "--kind", "id_card")
    theirs = add(coop, tmp_path, pdf("shared"), "s.pdf", "--member", b, "--kind", "id_card")
    own = add(coop, tmp_path, pdf("own"), "o.pdf", "--member", a, "--kind", "utility_bill")
    assert len(stored(coop)) == 2
    member_id = coop.sql("SELECT member_id FROM documents WHERE id = :i", i=own["doc_id"])[0][0]

    with coop.uow("manager1") as u:  # rolled back: rows and files stay
        assert destroy_member_documents(u, member_id) == 2
    assert count(coop) == 3 and len(stored(coop)) == 2

    with coop.uow("manager1") as u:
        assert destroy_member_documents(u, member_id) == 2
        u.commit()
    left = coop.sql("SELECT member_id FROM documents")
    assert len(left) == 1 and left[0][0] != member_id
    assert len(stored(coop)) == 1  # B's copy of the shared bytes stays
    out = tmp_path / "b.pdf"
    coop.ok("members", "docs", "get", theirs["doc_id"], "-o", out)
    assert out.read_bytes() == pdf("shared")


def test_a_fresh_coopctl_process_files_and_reads_documents(coop: Coop, tmp_path: Path) -> None:
    """The real executable, one process per command (the models a command needs load
    on their own, not because an earlier command in this test process loaded them)."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, **coop.env("manager1")}
    f = tmp_path / "by-laws.pdf"
    f.write_bytes(pdf("fresh"))

    def run(*args: Any) -> Any:
        out = subprocess.run(
            [sys.executable, "-m", "coopctl", *map(str, args), "--format", "json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    d = run("docs", "add", f, "--general", "--kind", "by_laws", "--title", "Bye-laws")
    assert [r["doc_id"] for r in run("docs", "search", "--text", "bye")] == [d["doc_id"]]
    back = tmp_path / "back.pdf"
    run("docs", "get", d["doc_id"], "-o", back)
    assert back.read_bytes() == pdf("fresh")


def test_doctor_and_encrypt_documents_cover_every_owner(
    coop: Coop, tmp_path: Path, papers: dict[str, Any]
) -> None:
    """A store from before encryption: the loan's deed and the by-laws as plain files
    named by SHA-256. `doctor` reports them; `security encrypt-documents` converts them."""
    import os

    from coopctl.core.security import document_cipher
    from coopctl.members import doc_crypto

    with coop.uow() as u:
        cipher = document_cipher(u)
    rows = coop.sql(
        "SELECT sha256, address FROM documents WHERE owner_type IN ('loan', 'general') "
        "AND title IN ('Land deed, Plot 14', 'Bye-laws (2019 edition)')"
    )
    assert len(rows) == 2
    for sha, addr in rows:
        enc = doc_crypto.store_path(coop.data_dir, addr)
        with enc.open("rb") as fh:
            plain = b"".join(cipher.decrypt_stream(fh, str(enc)))
        dest = doc_crypto.store_path(coop.data_dir, sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(plain)
        os.chmod(dest, 0o600)
        enc.unlink()
        coop.sql("UPDATE documents SET address = NULL, key_id = NULL WHERE sha256 = :s", s=sha)

    def stored_problems() -> list[str]:
        r = coop.cli("doctor", "--format", "json", operator="auditor1")
        return [p["detail"] for p in r.json["problems"] if p["check"] == "documents_stored"]

    found = stored_problems()
    assert len(found) == 2 and all("stored unencrypted" in d for d in found)
    assert any("loan:" in d for d in found) and any("general" in d for d in found)
    coop.ok("security", "encrypt-documents")
    assert stored_problems() == []
    for f in stored(coop):
        assert b"SECRET-PLAINTEXT" not in f.read_bytes()
    out = tmp_path / "deed-back.pdf"
    coop.ok("docs", "get", papers["deed"]["doc_id"], "-o", out)
    assert out.read_bytes() == pdf("deed")


def test_the_database_keeps_a_filed_documents_identity(coop: Coop, papers: dict[str, Any]) -> None:
    """Triggers (both databases): owner, kind, title, version and content of a filed
    document never change; only the storage columns may (encrypt-documents)."""
    doc_id = papers["receipt"]["doc_id"]
    for change in (
        "title = 'Something else'",
        "version = 9",
        "sha256 = 'ab'",
        "kind = 'invoice'",
        "owner_type = 'general', owner_key = 'general', entry_id = NULL",
    ):
        with pytest.raises(Exception, match="never change"):
            coop.sql(f"UPDATE documents SET {change} WHERE id = :i", i=doc_id)
    coop.sql("UPDATE documents SET key_id = key_id, address = address WHERE id = :i", i=doc_id)
    assert coop.ok("docs", "list", "--entry", papers["entry_no"])[0]["title"] == "Generator fuel"
