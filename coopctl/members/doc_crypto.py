"""The encrypted document store: ingest (stream in, hash, encrypt), read back, convert.

A document's plaintext is never written under the data folder. It is read in
chunks from the operator's file, hashed (SHA-256 for the row, a keyed HMAC for
the store address) and encrypted (AES-256-GCM, STREAM chunks, see
``core.crypto.DocumentCipher``) into a temporary file beside its destination,
which is renamed to ``documents/<address[:2]>/<address>`` once the upload is
accepted. The address is keyed, so a file name does not tell which document
(which ID card) the store holds.

Stores from before encryption hold plain files named by SHA-256 (rows with
``address`` NULL); :func:`convert_one` turns one of them into an encrypted file
in its own transaction, verified by decrypting it back, and :func:`remove_plain`
deletes a plain file once every row that used it points at its encrypted copy.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select

from coopctl.core import audit, crypto
from coopctl.core.db import UnitOfWork
from coopctl.docs.models import Document
from coopctl.members.errors import DocumentIntegrityError, DocumentRejectedError
from coopctl.members.files import fsync_dir, remove_on_rollback


def store_path(data_dir: Path, name: str) -> Path:
    return data_dir / "documents" / name[:2] / name


def encrypted_size(size: int) -> int:
    chunks = max(1, -(-size // crypto.CHUNK))
    return crypto._HEADER.size + size + 16 * chunks


class _Tee:
    """A reader that hashes and counts what passes through, refusing past ``limit``."""

    def __init__(self, fh: BinaryIO, hasher: Any, limit: int, name: str, setting: str) -> None:
        self.fh, self.hasher, self.limit, self.name = fh, hasher, limit, name
        self.setting = setting
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int) -> bytes:
        data = self.fh.read(n)
        self.size += len(data)
        if self.size > self.limit:
            raise DocumentRejectedError(
                f"FILE: {self.name} is larger than the limit of {self.limit:,} bytes "
                f"({self.setting})"
            )
        self.sha.update(data)
        self.hasher.update(data)
        return data


@dataclass
class Ingested:
    tmp: Path
    sha256: str
    address: str
    size: int


def ingest(
    data_dir: Path,
    cipher: crypto.DocumentCipher,
    src: BinaryIO,
    name: str,
    limit: int,
    setting: str = "members.max_document_bytes",
) -> Ingested:
    """Encrypt ``src`` into a temporary file inside the store (0600, fsync'd)."""
    folder = data_dir / "documents"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".incoming.")
    try:
        with os.fdopen(fd, "wb") as out:
            tee = _Tee(src, cipher.address_hasher(), limit, name, setting)
            cipher.encrypt_stream(tee, out)  # type: ignore[arg-type]
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Ingested(Path(tmp), tee.sha.hexdigest(), tee.hasher.hexdigest(), tee.size)


def place(uow: UnitOfWork, ing: Ingested) -> bool:
    """Move an ingested file to its address unless an intact copy is there already; a
    file placed here is removed again if the unit of work rolls back."""
    dest = store_path(uow.settings.data_dir, ing.address)
    existed = dest.is_file()
    if existed and dest.stat().st_size == encrypted_size(ing.size):
        ing.tmp.unlink(missing_ok=True)
        return False
    dest.parent.mkdir(exist_ok=True, mode=0o700)
    os.replace(ing.tmp, dest)
    fsync_dir(dest.parent)
    if not existed:  # (a damaged copy that was repaired stays)
        remove_on_rollback(uow, dest)
    return True


def plaintext(uow: UnitOfWork, doc: Document) -> Iterator[bytes]:
    """The document's bytes, chunk by chunk, checked against its SHA-256 (and keyed
    address) at the end: the caller must not use the output before the iterator ends."""
    from coopctl.core.security import document_cipher

    data_dir = uow.settings.data_dir
    sha = hashlib.sha256()
    if doc.address is None:  # legacy plain file
        src = store_path(data_dir, doc.sha256)
        if not src.is_file():
            raise DocumentIntegrityError(f"document {doc.id}: stored file {src} is missing")
        with src.open("rb") as fh:
            while chunk := fh.read(crypto.CHUNK):
                sha.update(chunk)
                yield chunk
    else:
        cipher = document_cipher(uow)
        src = store_path(data_dir, doc.address)
        if not src.is_file():
            raise DocumentIntegrityError(f"document {doc.id}: stored file {src} is missing")
        mac = cipher.address_hasher()
        with src.open("rb") as fh:
            try:
                for chunk in cipher.decrypt_stream(fh, str(src)):
                    sha.update(chunk)
                    mac.update(chunk)
                    yield chunk
            except crypto.KeyMismatchError:
                raise
            except crypto.KeyFileError as exc:
                raise DocumentIntegrityError(
                    f"document {doc.id}: stored file no longer matches its SHA-256 "
                    f"(altered?): {exc.message}"
                ) from None
        if mac.hexdigest() != doc.address:
            raise DocumentIntegrityError(
                f"document {doc.id}: stored file {src} does not match its address (swapped?)"
            )
    if sha.hexdigest() != doc.sha256:
        raise DocumentIntegrityError(
            f"document {doc.id}: stored file {src} no longer matches its SHA-256 (altered?)"
        )


# --- converting a plain store -----------------------------------------------------------
def legacy_hashes(uow: UnitOfWork) -> list[str]:
    """SHA-256s of plain stored files still referenced by a row (oldest first)."""
    rows = uow.session.scalars(
        select(Document.sha256)
        .where(Document.address.is_(None))
        .group_by(Document.sha256)
        .order_by(Document.sha256)
    )
    return list(rows)


def convert_one(uow: UnitOfWork, sha256: str) -> int:
    """Encrypt the plain file ``sha256`` and point its rows at the encrypted copy (in this
    unit of work); the encrypted copy is decrypted back and compared before any row moves.
    Returns the number of rows converted. The plain file stays until :func:`remove_plain`."""
    from coopctl.core.security import document_cipher

    cipher = document_cipher(uow)
    data_dir = uow.settings.data_dir
    src = store_path(data_dir, sha256)
    if not src.is_file():
        raise DocumentIntegrityError(f"{src}: plain document file missing; cannot encrypt it")
    with src.open("rb") as fh:
        ing = ingest(data_dir, cipher, fh, src.name, limit=1 << 62)
    if ing.sha256 != sha256:
        ing.tmp.unlink(missing_ok=True)
        raise DocumentIntegrityError(f"{src}: no longer matches its SHA-256 (altered?)")
    back = hashlib.sha256()
    with ing.tmp.open("rb") as fh:
        for chunk in cipher.decrypt_stream(fh, str(ing.tmp)):
            back.update(chunk)
    if back.hexdigest() != sha256:  # pragma: no cover - would be a cipher bug
        ing.tmp.unlink(missing_ok=True)
        raise DocumentIntegrityError(f"{src}: encrypted copy does not decrypt to the original")
    place(uow, ing)
    rows = list(
        uow.session.scalars(
            select(Document).where(Document.sha256 == sha256, Document.address.is_(None))
        )
    )
    for doc in rows:
        doc.address = ing.address
        doc.key_id = cipher.key_id
    audit.record(
        uow,
        "document.encrypt",
        "document",
        ",".join(str(d.id) for d in rows),
        after={"rows": len(rows), "key_id": cipher.key_id},
    )
    return len(rows)


def remove_plain(uow: UnitOfWork) -> list[Path]:
    """Delete plain store files no row needs any more (each has an encrypted copy)."""
    root = uow.settings.data_dir / "documents"
    if not root.is_dir():
        return []
    still = set(legacy_hashes(uow))
    removed = []
    for path in sorted(root.glob("*/*")):
        if not path.is_file() or path.name in still or path.name.startswith("."):
            continue
        with path.open("rb") as fh:
            if crypto.is_encrypted_document(fh.read(len(crypto.DOC_MAGIC))):
                continue
        converted = uow.session.scalars(
            select(Document.id).where(Document.sha256 == path.name).limit(1)
        ).first()
        if converted is not None:  # only files that were documents, now encrypted
            path.unlink()
            removed.append(path)
    return removed
