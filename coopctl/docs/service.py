"""Documents attached to a member, a loan, a journal entry or the cooperative.

One store for all of them (docs/documents.md): every document is encrypted
(AES-256-GCM, the document key) into ``<data dir>/documents/<addr[:2]>/<addr>``,
``addr`` being a keyed HMAC of the plaintext (:mod:`coopctl.members.doc_crypto`).
A row records SHA-256, size, the MIME type sniffed from the magic bytes (never the
file name), the original name, kind, title, a version per owner + kind + title,
the uploader and the business date it was filed on.

Adding the same kind and title to the same owner again makes a new version; the
same bytes again return the existing row (nothing stored twice). Who may do what
depends on what the document is attached to (:data:`PERMISSIONS`): member papers
are the members context's (reading one reveals identity numbers: members.reveal),
loan papers the loans context's, receipts and invoices of an entry the ledger's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.core.security import has_permission, require
from coopctl.docs import store
from coopctl.docs.models import Document
from coopctl.members import doc_crypto

# owner type → permission to add, to list/search, to read the file back
PERMISSIONS: dict[str, dict[str, str]] = {
    "member": {"add": "members.manage", "view": "members.view", "get": "members.reveal"},
    "loan": {"add": "loans.manage", "view": "loans.view", "get": "loans.manage"},
    "entry": {"add": "ledger.journal", "view": "ledger.view", "get": "ledger.view"},
    "general": {"add": "docs.manage", "view": "docs.view", "get": "docs.view"},
}


@dataclass(frozen=True)
class Owner:
    type: str  # member | loan | entry | general
    id: int | None
    ref: str | None  # member_no, loan_no, entry_no; None for general

    @property
    def key(self) -> str:
        return "general" if self.type == "general" else f"{self.type}:{self.id}"

    def columns(self) -> dict[str, int | None]:
        return {
            "member_id": self.id if self.type == "member" else None,
            "loan_id": self.id if self.type == "loan" else None,
            "entry_id": self.id if self.type == "entry" else None,
        }


def chosen_owner(
    member: str | None, loan: str | None, entry: str | None, general: bool
) -> tuple[str, str | None] | None:
    """The one owner named on the command line (type, number), or None for none."""
    given: list[tuple[str, str | None]] = [
        (t, v) for t, v in (("member", member), ("loan", loan), ("entry", entry)) if v is not None
    ]
    if general:
        given.append(("general", None))
    if len(given) > 1:
        raise ValidationError("give at most one of --member, --loan, --entry, --general")
    return given[0] if given else None


def resolve_owner(uow: UnitOfWork, owner_type: str, ref: str | None) -> Owner:
    """Look the owner up by its number (exit 3 if it does not exist)."""
    if owner_type == "member":
        from coopctl.members.lookup import get_member

        m = get_member(uow, ref or "")
        return Owner("member", m.id, m.member_no)
    if owner_type == "loan":
        from coopctl.loans.common import get_loan

        loan = get_loan(uow, ref or "")
        return Owner("loan", loan.id, loan.loan_no)
    if owner_type == "entry":
        from coopctl.ledger.approvals import get_entry

        e = get_entry(uow, ref or "")
        return Owner("entry", e.id, e.entry_no)
    if owner_type == "general":
        return Owner("general", None, None)
    raise ValidationError(f"unknown document owner {owner_type!r}")  # pragma: no cover


def _limits(uow: UnitOfWork, owner_type: str) -> tuple[int, list[str], str]:
    """(largest size, allowed MIME types, setting section) for documents of this owner."""
    section = "members" if owner_type == "member" else "documents"
    cfg = uow.settings[section]
    return int(cfg["max_document_bytes"]), list(cfg["allowed_document_types"]), section


@dataclass
class AddResult:
    document: Document
    owner: Owner
    created: bool  # False: the same bytes were already on file under this kind and title
    file_written: bool  # False: the store already held these bytes


def add_document(
    uow: UnitOfWork, owner: Owner, path: Path, kind: str, title: str | None = None
) -> AddResult:
    """Attach ``path`` to ``owner`` (see the module doc). Checks the permission for the
    owner, the kind, the title, the type and the size before anything is stored."""
    from coopctl.core.security import document_cipher

    require(uow.operator, PERMISSIONS[owner.type]["add"])
    k = store.normalise_kind(kind)
    t = store.clean_title(title)
    if owner.type == "member":
        from coopctl.members.errors import MemberStatusError
        from coopctl.members.lookup import get_member

        member = get_member(uow, owner.ref or "", lock=True)  # serialises versions
        if member.status == "exited":
            raise MemberStatusError(f"member {member.member_no} has exited; the record is closed")
    limit, allowed, section = _limits(uow, owner.type)
    cipher = document_cipher(uow)
    fh, mime = store.open_checked(path, allowed, f"{section}.allowed_document_types")
    with fh:
        ing = doc_crypto.ingest(
            uow.settings.data_dir, cipher, fh, path.name, limit, f"{section}.max_document_bytes"
        )
    try:
        return _add_ingested(uow, owner, k, t, path, mime, ing, str(cipher.key_id))
    finally:
        ing.tmp.unlink(missing_ok=True)  # (moved into place unless refused or a duplicate)


def add(
    uow: UnitOfWork,
    owner: tuple[str, str | None],
    path: Path,
    kind: str,
    title: str | None = None,
) -> AddResult:
    """:func:`add_document` for an owner named by type and number (permission first)."""
    require(uow.operator, PERMISSIONS[owner[0]]["add"])
    return add_document(uow, resolve_owner(uow, *owner), path, kind, title)


def _pg_lock(uow: UnitOfWork, text_key: str) -> None:
    """One writer per key until commit (PostgreSQL; SQLite writers are serialised)."""
    if uow.dialect != "postgresql":
        return
    import hashlib

    from sqlalchemy import text

    k = int(hashlib.sha256(text_key.encode()).hexdigest()[:15], 16)
    uow.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": k})


def _add_ingested(
    uow: UnitOfWork,
    owner: Owner,
    k: str,
    t: str,
    path: Path,
    mime: str,
    ing: doc_crypto.Ingested,
    key_id: str,
) -> AddResult:
    sha = ing.sha256
    if uow.dialect == "postgresql":  # one writer per content (see doc_crypto.place)
        from sqlalchemy import text

        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(ing.address[:15], 16)}
        )
    _pg_lock(uow, f"documents:{owner.key}")
    same_series = (Document.owner_key == owner.key, Document.kind == k, Document.title == t)
    same = uow.session.scalars(
        select(Document).where(*same_series, Document.sha256 == sha).order_by(Document.id)
    ).first()
    if same is not None:
        return AddResult(same, owner, created=False, file_written=False)
    last = uow.session.scalar(select(func.max(Document.version)).where(*same_series))
    doc = Document(
        owner_type=owner.type,
        owner_key=owner.key,
        **owner.columns(),
        kind=k,
        title=t,
        version=(last or 0) + 1,
        sha256=sha,
        size=ing.size,
        mime=mime,
        original_name=store.stored_name(path),
        uploaded_by=uow.operator.username,
        uploaded_at=clock.utcnow(),
        added_on=uow.today(),
        address=ing.address,
        key_id=key_id,
    )
    uow.session.add(doc)
    uow.session.flush()
    written = doc_crypto.place(uow, ing)
    audit.record(
        uow,
        "document.add",
        "document",
        doc.id,
        after={
            "owner": owner.type,
            "ref": owner.ref,
            "kind": k,
            "title": t,
            "version": doc.version,
            "sha256": sha,
            "size": ing.size,
            "mime": mime,
        },
    )
    return AddResult(doc, owner, created=True, file_written=written)


# --- reading ---------------------------------------------------------------------------
def _refs(uow: UnitOfWork, docs: list[Document]) -> dict[int, str | None]:
    """Document id → its owner's number (member_no, loan_no, entry_no; None: general)."""
    from coopctl.ledger.models import entry_no_of
    from coopctl.loans.models import Loan
    from coopctl.members.models import Member

    member_ids = {d.member_id for d in docs if d.member_id is not None}
    loan_ids = {d.loan_id for d in docs if d.loan_id is not None}
    members = (
        dict(
            uow.session.execute(
                select(Member.id, Member.member_no).where(Member.id.in_(member_ids))
            )
            .tuples()
            .all()
        )
        if member_ids
        else {}
    )
    loans = (
        dict(
            uow.session.execute(select(Loan.id, Loan.loan_no).where(Loan.id.in_(loan_ids)))
            .tuples()
            .all()
        )
        if loan_ids
        else {}
    )
    out: dict[int, str | None] = {}
    for d in docs:
        if d.member_id is not None:
            out[d.id] = members.get(d.member_id)
        elif d.loan_id is not None:
            out[d.id] = loans.get(d.loan_id)
        elif d.entry_id is not None:
            out[d.id] = entry_no_of(d.entry_id)
        else:
            out[d.id] = None
    return out


def as_dict(doc: Document, ref: str | None) -> dict[str, Any]:
    return {
        "doc_id": doc.id,
        "owner_type": doc.owner_type,
        "owner": ref,
        "kind": doc.kind,
        "title": doc.title,
        "version": doc.version,
        "mime": doc.mime,
        "size": doc.size,
        "sha256": doc.sha256,
        "original_name": doc.original_name,
        "added_on": doc.added_on,
        "uploaded_by": doc.uploaded_by,
        "uploaded_at": doc.uploaded_at,
    }


def _visible_types(uow: UnitOfWork) -> list[str]:
    return [t for t, p in PERMISSIONS.items() if has_permission(uow.operator, p["view"])]


def _rows(uow: UnitOfWork, where: list[Any], order: list[Any]) -> list[dict[str, Any]]:
    """The documents matching ``where``, with their owner's number and whether each is
    the latest version of its series: one query (outer joins to the owners, a grouped
    subquery for the latest version), however many documents and owners there are."""
    from sqlalchemy import and_

    from coopctl.ledger.models import entry_no_of
    from coopctl.loans.models import Loan
    from coopctl.members.models import Member

    latest = (
        select(
            Document.owner_key,
            Document.kind,
            Document.title,
            func.max(Document.version).label("v"),
        )
        .group_by(Document.owner_key, Document.kind, Document.title)
        .subquery()
    )
    stmt = (
        select(Document, Member.member_no, Loan.loan_no, latest.c.v)
        .outerjoin(Member, Member.id == Document.member_id)
        .outerjoin(Loan, Loan.id == Document.loan_id)
        .join(
            latest,
            and_(
                latest.c.owner_key == Document.owner_key,
                latest.c.kind == Document.kind,
                latest.c.title == Document.title,
            ),
        )
        .where(*where)
        .order_by(*order)
    )
    out = []
    for doc, member_no, loan_no, last in uow.session.execute(stmt).tuples():
        ref = member_no or loan_no or (entry_no_of(doc.entry_id) if doc.entry_id else None)
        out.append(as_dict(doc, ref) | {"latest": doc.version == last})
    return out


def list_documents(
    uow: UnitOfWork, owner: tuple[str, str | None] | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Documents of one owner (or, with none, every document the operator may see),
    optionally of one kind; every version, oldest first per series."""
    if owner is not None:
        require(uow.operator, PERMISSIONS[owner[0]]["view"])
        o = resolve_owner(uow, *owner)
        where = [Document.owner_key == o.key]
    else:
        types = _visible_types(uow)
        if not types:
            require(uow.operator, "docs.view")  # names a permission in the refusal
        where = [Document.owner_type.in_(types)]
    if kind is not None:
        where.append(Document.kind == store.normalise_kind(kind))
    order = [
        Document.owner_type,
        Document.owner_key,
        Document.kind,
        Document.title,
        Document.version,
    ]
    return _rows(uow, where, order)


def search(
    uow: UnitOfWork,
    text: str | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[dict[str, Any]]:
    """Documents whose title, kind or original file name contains ``text`` (any case;
    the contents are encrypted and never searched), of ``kind``, filed between
    ``date_from`` and ``date_to`` (business dates, inclusive). Only documents the
    operator may see are returned; newest first."""
    types = _visible_types(uow)
    if not types:
        require(uow.operator, "docs.view")
    if date_from and date_to and date_from > date_to:
        raise ValidationError(f"--from {date_from} is after --to {date_to}")
    where: list[Any] = [Document.owner_type.in_(types)]
    if text is not None and text.strip():
        needle = text.strip().lower()
        where.append(
            or_(
                func.lower(Document.title).contains(needle, autoescape=True),
                func.lower(Document.kind).contains(needle, autoescape=True),
                func.lower(Document.original_name).contains(needle, autoescape=True),
            )
        )
    if kind is not None:
        where.append(Document.kind == store.normalise_kind(kind))
    if date_from is not None:
        where.append(Document.added_on >= date_from)
    if date_to is not None:
        where.append(Document.added_on <= date_to)
    return _rows(uow, where, [Document.added_on.desc(), Document.id.desc()])


def parse_doc_id(text: str) -> int:
    t = text.strip()
    if not t.isdigit() or int(t) <= 0 or len(t) > 18:
        raise ValidationError(f"DOC_ID: {text!r} is not a document id (a positive number)")
    return int(t)


def find(uow: UnitOfWork, doc_id: str) -> Document:
    doc = uow.session.get(Document, parse_doc_id(doc_id))
    if doc is None:
        raise NotFoundError(f"document {doc_id.strip()} not found")
    return doc


def get_document(
    uow: UnitOfWork,
    doc_id: str,
    output: Path,
    *,
    force: bool = False,
    owner_type: str | None = None,
) -> dict[str, Any]:
    """Decrypt a stored document to ``output`` after verifying it (SHA-256 and address).
    Refuses to replace an existing file unless ``force``; audited (a read of a member's
    papers reveals identity numbers). ``owner_type``: only documents of that owner."""
    doc = find(uow, doc_id)
    if owner_type is not None and doc.owner_type != owner_type:
        require(uow.operator, PERMISSIONS[owner_type]["get"])
        raise NotFoundError(f"document {doc.id} is not a {owner_type} document")
    require(uow.operator, PERMISSIONS[doc.owner_type]["get"])
    if output.is_dir():
        raise ValidationError(f"-o: {output} is a folder; give a file name")
    if output.exists() and not force:
        raise ValidationError(f"-o: {output} exists; give --force to overwrite")
    store.write_plaintext(uow, doc, output)
    ref = _refs(uow, [doc])[doc.id]
    audit.record(
        uow,
        "document.get",
        "document",
        doc.id,
        after={"owner": doc.owner_type, "ref": ref, "kind": doc.kind, "version": doc.version},
    )
    return as_dict(doc, ref) | {"output": str(output)}


# --- destroying (member erasure) -----------------------------------------------------
def destroy_member_documents(uow: UnitOfWork, member_id: int) -> int:
    """Delete every document attached to the member ``member_id``: the rows now, the
    stored files once the unit of work commits (unless another row still uses the same
    bytes). Called by member erasure, which checks its own permission and approval.
    Returns the number of rows deleted. Loan and entry documents are kept: they are
    records of the loan and of the books (docs/documents.md)."""
    docs = list(
        uow.session.scalars(
            select(Document).where(Document.owner_type == "member", Document.member_id == member_id)
        )
    )
    if not docs:
        return 0
    names = {(d.address or d.sha256, d.address is None) for d in docs}
    ids = [d.id for d in docs]
    for d in docs:
        uow.session.delete(d)
    uow.session.flush()
    for name, legacy in sorted(names):
        column = Document.sha256 if legacy else Document.address
        still = uow.session.scalar(select(func.count()).select_from(Document).where(column == name))
        if not still:
            store.remove_on_commit(uow, doc_crypto.store_path(uow.settings.data_dir, name))
    audit.record(
        uow,
        "document.destroy",
        "document",
        ",".join(str(i) for i in ids),
        after={"member_id": member_id, "rows": len(ids)},
    )
    return len(ids)
