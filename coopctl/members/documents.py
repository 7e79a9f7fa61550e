"""KYC documents, encrypted and stored content-addressed:
``<data dir>/documents/<addr[:2]>/<addr>``, where ``addr`` is an HMAC of the plaintext
under the document key (see ``doc_crypto``), so the store reveals nothing.

A document row records SHA-256, size, the MIME type sniffed from the magic
bytes (never the file name), original name, kind, a version per member+kind
and the uploader. The same bytes uploaded again for the same member and kind
return the existing row; the same bytes for another member or kind share the
stored file. A file is written (temp file + rename) only after every check has
passed, and removed again if the transaction rolls back.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.members import doc_crypto
from coopctl.members.errors import DocumentRejectedError, MemberStatusError
from coopctl.members.files import fsync_dir, remove_on_rollback
from coopctl.members.models import Member, MemberDocument

MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG", "image/png"),
)
OCTET = "application/octet-stream"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def sniff(head: bytes) -> str:
    """MIME type from the first bytes: PDF, JPEG, PNG, else application/octet-stream."""
    for magic, mime in MAGIC:
        if head.startswith(magic):
            return mime
    return OCTET


def store_path(data_dir: Path, name: str) -> Path:
    """``<data dir>/documents/<name[:2]>/<name>`` (name: keyed address, or legacy SHA-256)."""
    return doc_crypto.store_path(data_dir, name)


def _write_plaintext(uow: UnitOfWork, doc: MemberDocument, output: Path) -> None:
    """Decrypt (and verify) into a temporary file beside ``output``, then rename it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in doc_crypto.plaintext(uow, doc):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        existed = output.exists()
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(output.parent)
    if not existed:
        remove_on_rollback(uow, output)


def normalise_kind(kind: str) -> str:
    k = kind.strip().lower().replace("-", "_").replace(" ", "_")
    if not _KIND.match(k):
        raise ValidationError(
            f"--kind: {kind!r} is not a document kind (letters, digits, _; e.g. id_card)"
        )
    return k


@dataclass
class AddResult:
    document: MemberDocument
    created: bool  # False: the same bytes were already on file for this member and kind
    file_written: bool  # False: the store already held these bytes


def as_dict(doc: MemberDocument, member_no: str) -> dict[str, Any]:
    return {
        "doc_id": doc.id,
        "member_no": member_no,
        "kind": doc.kind,
        "version": doc.version,
        "mime": doc.mime,
        "size": doc.size,
        "sha256": doc.sha256,
        "original_name": doc.original_name,
        "uploaded_by": doc.uploaded_by,
        "uploaded_at": doc.uploaded_at,
    }


def _open_checked(uow: UnitOfWork, path: Path) -> tuple[Any, str]:
    """Open the upload and check what can be checked before reading it all: it exists,
    is not empty and has an allowed (sniffed) type. The size is checked while streaming."""
    cfg = uow.settings["members"]
    if not path.is_file():
        raise NotFoundError(f"FILE: {path} not found")
    fh = path.open("rb")
    head = fh.read(8)
    if not head:
        fh.close()
        raise DocumentRejectedError(f"FILE: {path.name} is empty")
    mime = sniff(head)
    allowed = list(cfg["allowed_document_types"])
    if mime not in allowed:
        fh.close()
        raise DocumentRejectedError(
            f"FILE: {path.name} is {mime}; allowed types (members.allowed_document_types): "
            f"{', '.join(allowed)}"
        )
    fh.seek(0)
    return fh, mime


def add_document(uow: UnitOfWork, member_no: str, path: Path, kind: str) -> AddResult:
    """Attach a document to a member (see the module doc for storage rules)."""
    from coopctl.core.security import document_cipher
    from coopctl.members.lookup import get_member

    require(uow.operator, "members.manage")
    k = normalise_kind(kind)
    member = get_member(uow, member_no, lock=True)  # serialises versions per member
    if member.status == "exited":
        raise MemberStatusError(f"member {member.member_no} has exited; the record is closed")
    cipher = document_cipher(uow)
    fh, mime = _open_checked(uow, path)
    with fh:
        ing = doc_crypto.ingest(
            uow.settings.data_dir,
            cipher,
            fh,
            path.name,
            int(uow.settings["members"]["max_document_bytes"]),
        )
    try:
        return _add_ingested(uow, member, k, path, mime, ing)
    finally:
        ing.tmp.unlink(missing_ok=True)  # (moved into place unless refused or a duplicate)


def _add_ingested(
    uow: UnitOfWork, member: Member, k: str, path: Path, mime: str, ing: doc_crypto.Ingested
) -> AddResult:
    sha = ing.sha256
    if uow.dialect == "postgresql":  # one writer per content until commit (see place)
        from sqlalchemy import text

        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(ing.address[:15], 16)}
        )
    same = uow.session.scalars(
        select(MemberDocument).where(
            MemberDocument.member_id == member.id,
            MemberDocument.kind == k,
            MemberDocument.sha256 == sha,
        )
    ).first()
    if same is not None:
        return AddResult(same, created=False, file_written=False)
    last = uow.session.scalar(
        select(func.max(MemberDocument.version)).where(
            MemberDocument.member_id == member.id, MemberDocument.kind == k
        )
    )
    doc = MemberDocument(
        member_id=member.id,
        kind=k,
        version=(last or 0) + 1,
        sha256=sha,
        size=ing.size,
        mime=mime,
        original_name=path.name[:255],
        uploaded_by=uow.operator.username,
        uploaded_at=clock.utcnow(),
        address=ing.address,
        key_id=document_key_id(uow),
    )
    uow.session.add(doc)
    uow.session.flush()
    written = doc_crypto.place(uow, ing)
    audit.record(
        uow,
        "document.add",
        "member_document",
        doc.id,
        after={
            "member_no": member.member_no,
            "kind": k,
            "version": doc.version,
            "sha256": sha,
            "size": ing.size,
            "mime": mime,
        },
    )
    return AddResult(doc, created=True, file_written=written)


def document_key_id(uow: UnitOfWork) -> str:
    from coopctl.core.security import document_cipher

    return str(document_cipher(uow).key_id)


def member_no_of(uow: UnitOfWork, doc: MemberDocument) -> str:
    member = uow.session.get(Member, doc.member_id)
    assert member is not None
    return member.member_no


def documents_of(uow: UnitOfWork, member: Member) -> list[MemberDocument]:
    return list(
        uow.session.scalars(
            select(MemberDocument)
            .where(MemberDocument.member_id == member.id)
            .order_by(MemberDocument.kind, MemberDocument.version)
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
    docs = documents_of(uow, m)
    latest: dict[str, int] = {}
    for d in docs:
        latest[d.kind] = max(latest.get(d.kind, 0), d.version)
    return [as_dict(d, m.member_no) | {"latest": d.version == latest[d.kind]} for d in docs]


def parse_doc_id(text: str) -> int:
    t = text.strip()
    if not t.isdigit() or int(t) <= 0:
        raise ValidationError(f"DOC_ID: {text!r} is not a document id (a positive number)")
    return int(t)


def get_document(
    uow: UnitOfWork, doc_id: str, output: Path, *, force: bool = False
) -> dict[str, Any]:
    """Decrypt a stored document to ``output`` after verifying it (SHA-256 and address).

    Documents show identity numbers in clear, so this needs members.reveal and
    leaves an audit row.
    """
    require(uow.operator, "members.reveal")
    doc = uow.session.get(MemberDocument, parse_doc_id(doc_id))
    if doc is None:
        raise NotFoundError(f"document {doc_id} not found")
    if output.exists() and not force:
        raise ValidationError(f"-o: {output} exists; give --force to overwrite")
    _write_plaintext(uow, doc, output)
    member = uow.session.get(Member, doc.member_id)
    assert member is not None
    audit.record(
        uow,
        "document.get",
        "member_document",
        doc.id,
        after={"member_no": member.member_no, "kind": doc.kind, "version": doc.version},
    )
    return as_dict(doc, member.member_no) | {"output": str(output)}
