"""Consistency checks of the members context (run by ``doctor``, not ``ledger verify``).

The document store lives under the data folder, which a check cannot reach from a
session alone: ``doctor`` puts it in ``session.info["data_dir"]``. Without it the
check is skipped (no problem reported).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopctl.core.checks import Problem, check
from coopctl.members.documents import store_path
from coopctl.members.models import Member, MemberDocument

_CHUNK = 1 << 20


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@check("documents_stored", group="members")
def documents_stored(s: Session) -> list[Problem]:
    """Every member document's file exists in the store and still has its SHA-256."""
    data_dir = s.info.get("data_dir")
    if not data_dir:
        return []
    rows = s.execute(
        select(MemberDocument, Member.member_no)
        .join(Member, Member.id == MemberDocument.member_id)
        .order_by(MemberDocument.id)
    ).all()
    actual: dict[str, str | None] = {}  # sha → hash of the stored file (None: missing)
    out = []
    for doc, member_no in rows:
        path = store_path(Path(data_dir), doc.sha256)
        if doc.sha256 not in actual:
            actual[doc.sha256] = _sha256_of(path) if path.is_file() else None
        what = f"document {doc.id} (member {member_no}, {doc.kind} v{doc.version})"
        found = actual[doc.sha256]
        if found is None:
            out.append(Problem("documents_stored", f"{what}: stored file {path} is missing"))
        elif found != doc.sha256:
            out.append(
                Problem(
                    "documents_stored",
                    f"{what}: stored file {path} no longer matches its SHA-256 (altered?)",
                )
            )
    return out
