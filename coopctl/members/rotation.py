"""``security rotate-key``: re-encrypt every protected field under a new key.

1. :func:`rotate` (inside the caller's unit of work) writes a fresh key to
   ``<key>.new`` (0600), then decrypts every protected value with the old key
   and encrypts — and re-indexes — it with the new one, in that one
   transaction. Anything failing before commit removes ``<key>.new`` and
   changes nothing.
2. After the caller commits, :func:`install` keeps the old key as
   ``<key>.old-<UTC timestamp>`` (0600, a hard link so the key file never
   disappears) and atomically renames ``<key>.new`` over ``<key>``.

The database's key check (``key_checks``, purpose ``field``) is replaced in the
same transaction, and it is updated first: on PostgreSQL that row lock makes
every writer that checked the old key finish first, and every later writer
wait and then refuse the old key (the rotation race). If the process dies
between commit and install, the database is under ``<key>.new``; the next
``rotate-key`` notices (its key check names the new key) and finishes the
install instead of rotating again. The document key is stored wrapped under the
field key and is re-wrapped; document files do not change.

Protected fields are registered in :data:`REENCRYPTORS` (members' PII and
operators' TOTP secrets here); a context that adds encrypted columns
registers its own function ``(uow, old, new) -> rows``.
"""

from __future__ import annotations

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
from coopctl.core.security import key_check_row, require, store_key_check, wrong_key
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
    # An erased member has no personal data left to re-encrypt (and is frozen).
    for m in uow.session.scalars(
        select(Member).where(Member.erased_on.is_(None)).order_by(Member.id)
    ):
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


@reencryptor("documents_key")
def _documents_key(uow: UnitOfWork, old: FieldCipher, new: FieldCipher) -> int:
    """The document key is wrapped under the field key: re-wrap it (files stay as they are)."""
    row = key_check_row(uow, "documents")
    if row is None or not row.wrapped:
        return 0
    row.wrapped = new.wrap(old.unwrap(row.wrapped, context="document key"), context="document key")
    return 1


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
    m = uow.session.scalars(
        select(Member).where(Member.erased_on.is_(None)).order_by(Member.id).limit(1)
    ).first()
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
    except (crypto.KeyFileError, crypto.KeyMismatchError):
        return False


def _database_uses(uow: UnitOfWork, cipher: FieldCipher, row: Any) -> bool:
    """Whether the database's data is under ``cipher``'s key (key check, else a probe)."""
    if row is not None:
        return bool(row.check_value == cipher.check_value)
    probe = _probe(uow)
    return probe is None or _decrypts(cipher, probe)


def _write_key(path: Path, key: bytes) -> None:
    crypto.write_key_file(path, key)


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
    # The key check row first (PostgreSQL: a row lock): writers that checked the key
    # finish before, later ones wait and then see the new key id (no rotation race).
    row = key_check_row(uow, "field", exclusive=True)
    _lock_tables(uow)
    if pending.exists():
        pending_cipher = FieldCipher(crypto.read_key(pending))
        if not _database_uses(uow, old, row) and _database_uses(uow, pending_cipher, row):
            uow.note(
                f"{pending} holds the key the database already uses (an earlier rotation "
                "committed but was not installed); installing it now"
            )
            audit.record(uow, "security.rotate_key_resumed", "key_file", key_file.name)
            return Rotation(key_file, pending, resumed=True)
        uow.note(f"removing {pending}, left over from an earlier rotation that did not commit")
        pending.unlink()
    if not _database_uses(uow, old, row):
        raise wrong_key(key_file, old.key_id, row.key_id if row is not None else "?")
    store_key_check(uow, "field", (new_key := os.urandom(crypto.KEY_BYTES)))
    _write_key(pending, new_key)
    remove_on_rollback(uow, pending)
    new = FieldCipher(new_key)
    rot = Rotation(key_file, pending)
    for name, fn in REENCRYPTORS.items():
        rot.counts[name] = fn(uow, old, new)
    uow.session.flush()
    audit.record(
        uow,
        "security.rotate_key",
        "key_file",
        key_file.name,
        after={"reencrypted": dict(rot.counts), "old_key_id": old.key_id, "key_id": new.key_id},
    )
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


# --- one-time upgrade of a cooperative initialised before key ids ---------------------------
@dataclass
class Upgrade:
    key_id: str
    audit_key_id: str
    converted: dict[str, int] = field(default_factory=dict)
    key_checks_stored: bool = False
    audit_key_created: Path | None = None

    @property
    def changed(self) -> bool:
        return self.key_checks_stored or any(self.converted.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "audit_key_id": self.audit_key_id,
            "key_checks_stored": self.key_checks_stored,
            "audit_key_created": str(self.audit_key_created) if self.audit_key_created else None,
            "converted": dict(self.converted),
        }


def upgrade(uow: UnitOfWork) -> Upgrade:
    """Bring a cooperative from before key ids to the current formats, in one transaction:
    every ``v1`` ciphertext must decrypt under the key file (else nothing changes) and
    is rewritten as ``v2`` (with the key id); the key checks of the field key, the audit
    key (created if missing) and a new document key are stored; the audit row of this
    upgrade is the first keyed row of the chain and seals the plain-hash rows before it.
    Running it again changes nothing."""
    from coopctl.core.security import ensure_audit_key_file, install_key_checks

    require(uow.operator, "security.upgrade")
    key_file = uow.settings.key_file
    key = crypto.read_key(key_file)
    cipher = FieldCipher(key)
    row = key_check_row(uow, "field", exclusive=True)
    _lock_tables(uow)
    if row is not None and row.check_value != cipher.check_value:
        raise wrong_key(key_file, cipher.key_id, row.key_id)
    res = Upgrade(cipher.key_id, "")
    try:
        res.converted["members"] = _upgrade_members(uow, cipher)
        res.converted["operators"] = _upgrade_operators(uow, cipher)
    except crypto.KeyFileError:
        raise crypto.KeyMismatchError(
            f"the key file {key_file} (key id {cipher.key_id}) does not decrypt every stored "
            "value: put the cooperative's key back; nothing was changed"
        ) from None
    res.audit_key_created = ensure_audit_key_file(uow.settings)
    if res.audit_key_created is not None:
        remove_on_rollback(uow, res.audit_key_created)
    needs_checks = any(key_check_row(uow, p) is None for p in ("field", "audit", "documents"))
    if needs_checks:
        install_key_checks(uow, key)
        res.key_checks_stored = True
    audit_row = key_check_row(uow, "audit")
    res.audit_key_id = audit_row.key_id if audit_row is not None else ""
    if res.changed:
        audit.record(uow, "security.upgrade", "key_file", key_file.name, after=res.as_dict())
    return res


def _upgrade_members(uow: UnitOfWork, cipher: FieldCipher) -> int:
    n = 0
    for m in uow.session.scalars(
        select(Member).where(Member.erased_on.is_(None)).order_by(Member.id)
    ):
        tokens = [getattr(m, f"{f}_enc") for f in pii.PII_FIELDS]
        if any(t and t.startswith("v1:") for t in tokens):
            pii.reencrypt_member(cipher, cipher, m)
            n += 1
    return n


def _upgrade_operators(uow: UnitOfWork, cipher: FieldCipher) -> int:
    n = 0
    for op in uow.session.scalars(select(Operator).where(Operator.totp_secret.like("v1:%"))):
        op.totp_secret = cipher.encrypt(
            cipher.decrypt(op.totp_secret, context="totp"), context="totp"
        )
        n += 1
    return n
