"""Migration 0021 moves the member documents of revision 0020 into the one store with
their ids, and back on downgrade; they stay readable and new ids do not collide."""

from __future__ import annotations

from pathlib import Path

from coopctl.core import migrate
from coopctl.core.db import dispose_engines, make_engine
from tests.conftest import Coop
from tests.integration.deposits_support import add_member
from tests.integration.test_documents import add, pdf


def test_member_documents_move_into_the_store_and_back(coop: Coop, tmp_path: Path) -> None:
    m = add_member(coop, "Ada", "Obi")
    d1 = add(coop, tmp_path, pdf("id1"), "id.pdf", "--member", m, "--kind", "id_card")
    d2 = add(coop, tmp_path, pdf("id2"), "id2.pdf", "--member", m, "--kind", "id_card")
    add(coop, tmp_path, pdf("minutes"), "min.pdf", "--general", "--kind", "board_minutes")
    member_id = coop.sql("SELECT id FROM members WHERE member_no = :m", m=m)[0][0]

    dispose_engines()
    engine = make_engine(coop.url)
    migrate.downgrade(engine, "0020")
    old = coop.sql("SELECT id, member_id, kind, version, sha256 FROM member_documents ORDER BY id")
    assert [tuple(r) for r in old] == [
        (d1["doc_id"], member_id, "id_card", 1, d1["sha256"]),
        (d2["doc_id"], member_id, "id_card", 2, d2["sha256"]),
    ]
    migrate.upgrade(engine)
    dispose_engines()

    moved = coop.sql(
        "SELECT id, owner_type, owner_key, member_id, kind, title, version, added_on "
        "FROM documents ORDER BY id"
    )
    assert [tuple(r)[:7] for r in moved] == [
        (d1["doc_id"], "member", f"member:{member_id}", member_id, "id_card", "", 1),
        (d2["doc_id"], "member", f"member:{member_id}", member_id, "id_card", "", 2),
    ]
    assert str(moved[0][7]) == d1["uploaded_at"][:10]  # the UTC date it was uploaded
    # still readable, still versioned, and a new document takes a fresh id
    out = tmp_path / "back.pdf"
    coop.ok("members", "docs", "get", d2["doc_id"], "-o", out)
    assert out.read_bytes() == pdf("id2")
    d3 = add(coop, tmp_path, pdf("id3"), "id3.pdf", "--member", m, "--kind", "id_card")
    assert d3["version"] == 3 and d3["doc_id"] > d2["doc_id"]
