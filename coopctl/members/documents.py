"""A member's documents (KYC scans and other member papers): the shortcuts
``members docs add|list|get`` onto the one document store (:mod:`coopctl.docs.service`,
docs/documents.md).

Member documents are rows of ``documents`` with owner_type 'member'. They are
versioned per member + kind (+ title, empty for KYC papers), encrypted with the
document key and content-addressed by a keyed HMAC
(``<data dir>/documents/<addr[:2]>/<addr>``), so the store reveals nothing. The
same bytes uploaded again for the same member and kind return the existing row;
the same bytes for another member or kind share the stored file. A file is
written (temp file + rename) only after every check has passed, and removed
again if the transaction rolls back. Their limits are ``[members]
max_document_bytes`` and ``allowed_document_types``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.security import require
from coopctl.docs import service as docs
from coopctl.docs.models import Document
from coopctl.docs.store import normalise_kind, sniff
from coopctl.members import doc_crypto
from coopctl.members.models import Member

AddResult = docs.AddResult
parse_doc_id = docs.parse_doc_id
__all__ = [
    "AddResult",
    "add_document",
    "as_dict",
    "documents_of",
    "get_document",
    "list_documents",
    "missing_kinds",
    "normalise_kind",
    "parse_doc_id",
    "sniff",
    "store_path",
]


def store_path(data_dir: Path, name: str) -> Path:
    """``<data dir>/documents/<name[:2]>/<name>`` (name: keyed address, or legacy SHA-256)."""
    return doc_crypto.store_path(data_dir, name)


def as_dict(doc: Document, member_no: str) -> dict[str, Any]:
    return {
        "doc_id": doc.id,
        "member_no": member_no,
        "kind": doc.kind,
        "title": doc.title,
        "version": doc.version,
        "mime": doc.mime,
        "size": doc.size,
        "sha256": doc.sha256,
        "original_name": doc.original_name,
        "uploaded_by": doc.uploaded_by,
        "uploaded_at": doc.uploaded_at,
    }


def add_document(
    uow: UnitOfWork, member_no: str, path: Path, kind: str, title: str | None = None
) -> docs.AddResult:
    """Attach a document to a member (members.manage; not to an exited member)."""
    require(uow.operator, "members.manage")
    owner = docs.resolve_owner(uow, "member", member_no)
    return docs.add_document(uow, owner, path, kind, title)


def member_no_of(uow: UnitOfWork, doc: Document) -> str:
    member = uow.session.get(Member, doc.member_id)
    assert member is not None
    return member.member_no


def documents_of(uow: UnitOfWork, member: Member) -> list[Document]:
    return list(
        uow.session.scalars(
            select(Document)
            .where(Document.owner_type == "member", Document.member_id == member.id)
            .order_by(Document.kind, Document.title, Document.version)
        )
    )


def missing_kinds(uow: UnitOfWork, member: Member) -> list[str]:
    """Required document kinds (config members.required_documents) not yet on file."""
    have = {d.kind for d in documents_of(uow, member)}
    return [k for k in uow.settings["members"]["required_documents"] if k not in have]


def list_documents(uow: UnitOfWork, member_no: str) -> list[dict[str, Any]]:
    from coopctl.members.lookup import get_member

    require(uow.operator, "members.view")
    m = get_member(uow, member_no)
    rows = documents_of(uow, m)
    latest: dict[tuple[str, str], int] = {}
    for d in rows:
        latest[(d.kind, d.title)] = max(latest.get((d.kind, d.title), 0), d.version)
    return [
        as_dict(d, m.member_no) | {"latest": d.version == latest[(d.kind, d.title)]} for d in rows
    ]


def get_document(
    uow: UnitOfWork, doc_id: str, output: Path, *, force: bool = False
) -> dict[str, Any]:
    """Decrypt a member's stored document to ``output`` after verifying it (SHA-256 and
    address). Documents show identity numbers in clear, so this needs members.reveal
    and leaves an audit row; a document of a loan or an entry is not found here."""
    require(uow.operator, "members.reveal")
    data = docs.get_document(uow, doc_id, output, force=force, owner_type="member")
    doc = docs.find(uow, doc_id)
    return as_dict(doc, member_no_of(uow, doc)) | {"output": data["output"]}
