"""``security rotate-key``: re-encrypt every protected field under a new key.

1. :func:`rotate` (inside the caller's unit of work) writes a fresh key to
   ``<key>.new`` (0600), then decrypts every protected value with the old key
   and encrypts — and re-indexes — it with the new one, in that one
   transaction. Anything failing before commit removes ``<key>.new`` and
   changes nothing.
2. After the caller commits, :func:`install` keeps the old key as
   ``<key>.old-<UTC timestamp>`` (0600, a hard link so the key file never
   disappears) and atomically renames ``<key>.new`` over ``<key>``.

If the process dies between commit and install, the database is encrypted
under ``<key>.new``; the next ``rotate-key`` notices (the new key decrypts,
the old one does not) and finishes the install instead of rotating again.

Protected fields are registered in :data:`REENCRYPTORS` (members' PII and
operators' TOTP secrets here); a context that adds encrypted columns
registers its own function ``(uow, old, new) -> rows``.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from coopctl.core import audit, clock, crypto
from coopctl.core.crypto import FieldCipher
from coopctl.core.db import UnitOfWork
from coopctl.core.models import Operator
from coopctl.core.security import require
from coopctl.members import pii
from coopctl.members.files import fsync_dir, remove_on_rollback
from coopctl.members.models import Member

Reencryptor = Callable[[UnitOfWork, FieldCipher, FieldCipher], int]
REENCRYPTORS: dict[str, Reencryptor] = {}


def reencryptor(name: str) -> Callable[[Reencryptor], Reencryptor]:
    def deco(fn: Reencryptor) -> Reencryptor:
        REENCRYPTORS[name] = fn
        return fn

    return deco


@reencryptor("members")
def _members(uow: UnitOfWork, old: FieldCipher, new: FieldCipher) -> int:
    n = 0
    for m in uow.session.scalars(select(Member).order_by(Member.id)):
        pii.reencrypt_member(old, new, m)
        n += 1
    return n


@reencryptor("operators")
def _operators(uow: UnitOfWork, old: FieldCipher, new: FieldCipher) -> int:
    n = 0
    for op in uow.session.scalars(select(Operator).where(Operator.totp_secret.is_not(None))):
        op.totp_secret = new.encrypt(old.decrypt(op.totp_secret, context="totp"), context="totp")
        n += 1
    return n


@dataclass
class Rotation:
    key_file: Path
    new_file: Path
    counts: dict[str, int] = field(default_factory=dict)
    resumed: bool = False  # an interrupted earlier rotation was finished instead
    old_copy: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_file": str(self.key_file),
            "old_key": str(self.old_copy) if self.old_copy else None,
            "resumed": self.resumed,
            "reencrypted": dict(self.counts),
        }


def new_path(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


def _probe(uow: UnitOfWork) -> tuple[str, str] | None:
    """One ciphertext (and its associated data) to tell which key the database uses."""
    m = uow.session.scalars(select(Member).order_by(Member.id).limit(1)).first()
    if m is not None:
        return m.phone_enc, pii.aad(m.member_no, "phone")
    token = uow.session.scalars(
        select(Operator.totp_secret).where(Operator.totp_secret.is_not(None)).limit(1)
    ).first()
    return (token, "totp") if token else None


def _decrypts(cipher: FieldCipher, probe: tuple[str, str]) -> bool:
    try:
        cipher.decrypt(probe[0], context=probe[1])
        return True
    except crypto.KeyFileError:
        return False


def _write_key(path: Path, key: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(key) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def _lock_tables(uow: UnitOfWork) -> None:
    """Keep other writers out until commit (SQLite: BEGIN IMMEDIATE already does)."""
    if uow.dialect == "postgresql":
        uow.session.execute(text("LOCK TABLE members, operators IN SHARE ROW EXCLUSIVE MODE"))


def rotate(uow: UnitOfWork, key_file: Path | None = None) -> Rotation:
    """Re-encrypt everything under a new key in this unit of work (see module doc)."""
    require(uow.operator, "security.rotate_key")
    key_file = key_file or uow.settings.key_file
    old_key = crypto.read_key(key_file)
    old = FieldCipher(old_key)
    pending = new_path(key_file)
    _lock_tables(uow)
    if pending.exists():
        probe = _probe(uow)
        pending_cipher = FieldCipher(crypto.read_key(pending))
        if probe is not None and not _decrypts(old, probe) and _decrypts(pending_cipher, probe):
            uow.note(
                f"{pending} holds the key the database already uses (an earlier rotation "
                "committed but was not installed); installing it now"
            )
            audit.record(uow, "security.rotate_key_resumed", "key_file", key_file.name)
            return Rotation(key_file, pending, resumed=True)
        uow.note(f"removing {pending}, left over from an earlier rotation that did not commit")
        pending.unlink()
    new_key = os.urandom(crypto.KEY_BYTES)
    _write_key(pending, new_key)
    remove_on_rollback(uow, pending)
    new = FieldCipher(new_key)
    rot = Rotation(key_file, pending)
    for name, fn in REENCRYPTORS.items():
        rot.counts[name] = fn(uow, old, new)
    uow.session.flush()
    audit.record(uow, "security.rotate_key", "key_file", key_file.name, after=dict(rot.counts))
    return rot


def install(rot: Rotation, ctx: Any = None) -> Rotation:
    """After commit: keep the old key as ``<key>.old-<timestamp>``, move the new one in."""
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    old_copy = rot.key_file.with_name(f"{rot.key_file.name}.old-{stamp}")
    try:
        os.link(rot.key_file, old_copy)
    except OSError:
        shutil.copy2(rot.key_file, old_copy)
    os.chmod(old_copy, 0o600)
    os.chmod(rot.new_file, 0o600)
    os.replace(rot.new_file, rot.key_file)
    fsync_dir(rot.key_file.parent)
    rot.old_copy = old_copy
    if ctx is not None:
        ctx._cipher = None  # the next unit of work reads the new key
    return rot
