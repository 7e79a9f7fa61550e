"""File-side helpers of the document store: sniff the type, open an upload with its
checks, write a verified plaintext copy out, remove files once a deletion commits.

The encryption itself (ingest, place, read back, convert a plain store) is
:mod:`coopctl.members.doc_crypto`, shared by every document whatever its owner.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.docs.models import Document
from coopctl.members import doc_crypto
from coopctl.members.errors import DocumentRejectedError
from coopctl.members.files import fsync_dir, remove_on_commit, remove_on_rollback  # noqa: F401

MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG", "image/png"),
)
OCTET = "application/octet-stream"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
MAX_TITLE = 200
MAX_NAME = 255


def sniff(head: bytes) -> str:
    """MIME type from the first bytes: PDF, JPEG, PNG, else application/octet-stream."""
    for magic, mime in MAGIC:
        if head.startswith(magic):
            return mime
    return OCTET


def normalise_kind(kind: str) -> str:
    k = kind.strip().lower().replace("-", "_").replace(" ", "_")
    if not _KIND.match(k):
        raise ValidationError(
            f"--kind: {kind!r} is not a document kind (letters, digits, _; e.g. id_card)"
        )
    return k


def clean_title(title: str | None) -> str:
    """A title is one line of printable text (stored as typed, shown literally)."""
    t = (title or "").strip()
    if len(t) > MAX_TITLE:
        raise ValidationError(f"--title: {len(t)} characters; the limit is {MAX_TITLE}")
    if _CONTROL.search(t):
        raise ValidationError("--title: control or bidirectional characters are not allowed")
    return t


def stored_name(path: Path) -> str:
    """The original file name as kept on the row: control characters shown as ``?``
    (a file name may hold a newline or an escape), at most 255 characters."""
    return _CONTROL.sub("?", path.name)[:MAX_NAME]


def open_checked(path: Path, allowed: list[str], setting: str) -> tuple[Any, str]:
    """Open the upload and check what can be checked before reading it all: it exists,
    is a regular file, is not empty and has an allowed (sniffed) type. The size is
    checked while streaming (``doc_crypto.ingest``)."""
    if not path.is_file():
        raise NotFoundError(f"FILE: {path} not found (or not a regular file)")
    fh = path.open("rb")
    head = fh.read(8)
    if not head:
        fh.close()
        raise DocumentRejectedError(f"FILE: {path.name!r} is empty")
    mime = sniff(head)
    if mime not in allowed:
        fh.close()
        raise DocumentRejectedError(
            f"FILE: {path.name!r} is {mime}; allowed types ({setting}): {', '.join(allowed)}"
        )
    fh.seek(0)
    return fh, mime


def write_plaintext(uow: UnitOfWork, doc: Document, output: Path) -> None:
    """Decrypt (and verify) into a temporary file beside ``output``, then rename it; a
    new file is removed again if the unit of work rolls back."""
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
