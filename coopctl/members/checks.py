"""Consistency checks of the members context (run by ``doctor``, not ``ledger verify``).

The document store lives under the data folder, which a check cannot reach from a
session alone: ``doctor`` puts it in ``session.info["data_dir"]`` (and the document
cipher in ``session.info["document_cipher"]``). Without the data folder the check is
skipped (no problem reported).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coopctl.core import crypto
from coopctl.core.checks import Problem, check
from coopctl.docs.models import Document
from coopctl.members.doc_crypto import store_path
from coopctl.members.models import Member

_CHUNK = 1 << 20


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _decrypted_hashes(cipher: Any, path: Path) -> tuple[str, str] | str:
    """(SHA-256, keyed address) of an encrypted file's plaintext, or why it fails."""
    sha, mac = hashlib.sha256(), cipher.address_hasher()
    try:
        with path.open("rb") as fh:
            for chunk in cipher.decrypt_stream(fh, str(path)):
                sha.update(chunk)
                mac.update(chunk)
    except crypto.KeyFileError as exc:
        return exc.message
    return sha.hexdigest(), mac.hexdigest()


@check("documents_stored", group="members")
def documents_stored(s: Session) -> list[Problem]:
    """Every document's file (member, loan, entry and general documents: one store)
    exists, decrypts and matches its SHA-256 and address; plain (unencrypted) stored
    files are reported too."""
    data_dir = s.info.get("data_dir")
    if not data_dir:
        return []
    cipher = s.info.get("document_cipher")
    rows = s.execute(
        select(Document, Member.member_no)
        .outerjoin(Member, Member.id == Document.member_id)
        .order_by(Document.id)
    ).all()
    seen: dict[str, tuple[str, str] | str | None] = {}  # file name → result
    out = []
    for doc, member_no in rows:
        owner = f"member {member_no}" if member_no else doc.owner_key
        what = f"document {doc.id} ({owner}, {doc.kind} v{doc.version})"
        name = doc.address or doc.sha256
        path = store_path(Path(data_dir), name)
        if name not in seen:
            if not path.is_file():
                seen[name] = None
            elif doc.address is None:
                seen[name] = (_sha256_of(path), "")
            elif cipher is None:
                seen[name] = "no document key to decrypt it"
            else:
                seen[name] = _decrypted_hashes(cipher, path)
        found = seen[name]
        if found is None:
            out.append(Problem("documents_stored", f"{what}: stored file {path} is missing"))
        elif isinstance(found, str):
            out.append(
                Problem(
                    "documents_stored",
                    f"{what}: stored file {path} cannot be checked against its SHA-256: {found}",
                )
            )
        elif found[0] != doc.sha256 or (doc.address is not None and found[1] != doc.address):
            out.append(
                Problem(
                    "documents_stored",
                    f"{what}: stored file {path} no longer matches its SHA-256 (altered?)",
                )
            )
        elif doc.address is None:
            out.append(
                Problem(
                    "documents_stored",
                    f"{what}: stored unencrypted; run `coopctl security encrypt-documents`",
                )
            )
    return out
