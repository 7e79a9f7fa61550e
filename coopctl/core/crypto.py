"""Field and document encryption at rest: AES-256-GCM, key ids, key check values.

The 256-bit key lives in a 0600 key file made by ``init`` (or
``$COOPCTL_SECRET_KEY_FILE``). Every key has a public *key id* and a *key check
value* (both HMAC-SHA256 of a fixed label under the key: they reveal nothing
about it). The database stores the check value of the key its data is under
(table ``key_checks``), so a command run with another valid key is refused
before it reads or writes anything (:class:`KeyMismatchError`, exit 4).

Field ciphertexts are ``v2:<key id>:<base64(nonce|ct|tag)>``; the key id is
also bound into the associated data. ``v1:<base64>`` (no key id) is still read,
for cooperatives initialised before key ids (``security upgrade`` rewrites them).

Documents are encrypted with :func:`encrypt_stream` — chunked AES-GCM in the
STREAM construction (nonce = random prefix | chunk counter | last-chunk flag),
so a truncated, reordered or spliced file fails to decrypt. The blind index
(HMAC-SHA256 under a key derived from the same secret) enforces BVN/NIN
uniqueness and search without storing them in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from coopctl.core.errors import BusinessRuleError, CoopError, PermissionDeniedError

KEY_BYTES = 32


class KeyFileError(CoopError):
    """PII must stay encrypted: the key file must exist, hold 32 bytes and be private (0600)."""

    exit_code = 5


class KeyMismatchError(PermissionDeniedError):
    """Data is read and written only under the key it is encrypted with: a command given
    another (valid) key is refused before it can write values no one could read later."""


def key_id(key: bytes) -> str:
    """The public name of a key: 16 hex digits of HMAC-SHA256(key, label)."""
    return hmac.new(key, b"coopctl key id v1", hashlib.sha256).hexdigest()[:16]


def check_value(key: bytes) -> str:
    """The key check value stored in the database (full HMAC-SHA256 of a label)."""
    return hmac.new(key, b"coopctl key check value v1", hashlib.sha256).hexdigest()


def derive(key: bytes, label: str) -> bytes:
    """A sub-key for one purpose (HMAC-SHA256 as a PRF)."""
    return hmac.new(key, f"coopctl {label}".encode(), hashlib.sha256).digest()


def write_key_file(path: Path, key: bytes) -> None:
    """Write ``key`` (base64) to a new file, mode 0600, fsync; refuse to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(key) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())


def create_key_file(path: Path) -> None:
    """Write a fresh random 256-bit key, mode 0600; refuse to overwrite."""
    if path.exists():
        raise BusinessRuleError(f"{path}: key file already exists; not overwritten")
    write_key_file(path, os.urandom(KEY_BYTES))


def decode_key(text: bytes | str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise KeyFileError(f"{where}: not a base64 key") from None
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{where}: does not hold a 256-bit key")
    return key


def read_key(path: Path) -> bytes:
    if not path.is_file():
        raise KeyFileError(
            f"{path}: key file missing (run `coopctl init` or set COOPCTL_SECRET_KEY_FILE)"
        )
    return decode_key(path.read_bytes(), str(path))


def key_file_problems(path: Path) -> list[str]:
    """Problems with a key file (for doctor): missing, wrong size, readable by others."""
    if not path.is_file():
        return [f"{path}: missing"]
    problems = []
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        problems.append(f"{path}: mode {oct(mode)} lets others read it (want 0600)")
    try:
        read_key(path)
    except (KeyFileError, ValueError) as exc:
        problems.append(str(exc))
    return problems


def token_key_id(token: str) -> str | None:
    """The key id a ``v2`` ciphertext names (None for a legacy ``v1`` one)."""
    if token.startswith("v2:"):
        return token.split(":", 2)[1]
    return None


class FieldCipher:
    """Encrypts, decrypts and blind-indexes PII fields under one master key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._key = key
        self._aead = AESGCM(key)
        self._index_key = hmac.new(key, b"coopctl blind index v1", hashlib.sha256).digest()
        self.key_id = key_id(key)
        self.check_value = check_value(key)

    @classmethod
    def from_file(cls, path: Path) -> FieldCipher:
        return cls(read_key(path))

    def encrypt(self, plaintext: str | None, *, context: str = "") -> str | None:
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, plaintext.encode(), f"{self.key_id}|{context}".encode())
        return f"v2:{self.key_id}:" + base64.b64encode(nonce + ct).decode()

    def decrypt(self, token: str | None, *, context: str = "") -> str | None:
        if token is None:
            return None
        if token.startswith("v2:"):
            _, kid, body = token.split(":", 2)
            if kid != self.key_id:
                raise KeyMismatchError(
                    f"a protected value is encrypted under key id {kid}; the key file holds "
                    f"key id {self.key_id}"
                )
            ad: bytes | None = f"{kid}|{context}".encode()
        elif token.startswith("v1:"):
            body, ad = token[3:], (context.encode() or None)
        else:
            raise KeyFileError("unknown ciphertext version")
        raw = base64.b64decode(body)
        try:
            return self._aead.decrypt(raw[:12], raw[12:], ad).decode()
        except Exception:
            raise KeyFileError("cannot decrypt a protected field: wrong key file?") from None

    def blind_index(self, value: str, *, kind: str) -> str:
        return hmac.new(self._index_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def wrap(self, secret: bytes, *, context: str) -> str:
        """Encrypt a sub-key (e.g. the document key) for storage in the database."""
        token = self.encrypt(base64.b64encode(secret).decode(), context=context)
        assert token is not None
        return token

    def unwrap(self, token: str, *, context: str) -> bytes:
        text = self.decrypt(token, context=context)
        assert text is not None
        return base64.b64decode(text)


# --- documents: streamed, chunked AES-GCM ---------------------------------------------
DOC_MAGIC = b"COOPDOC1"
CHUNK = 64 * 1024
_HEADER = struct.Struct(">8s16s7s")  # magic, key id (ascii hex), nonce prefix
_TAG = 16


class DocumentCipher:
    """Encrypts document files and computes their keyed content address.

    ``key`` is the cooperative's document key (random, kept wrapped under the field
    key in ``key_checks``); the AES key and the address key are derived from it.
    """

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.key_id = key_id(key)
        self._aead = AESGCM(derive(key, "document encryption v1"))
        self._addr_key = derive(key, "document address v1")

    def address_hasher(self) -> hmac.HMAC:
        """HMAC-SHA256 over the plaintext: the store's file name (reveals nothing)."""
        return hmac.new(self._addr_key, digestmod=hashlib.sha256)

    def address(self, data: bytes) -> str:
        h = self.address_hasher()
        h.update(data)
        return h.hexdigest()

    @staticmethod
    def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
        return prefix + struct.pack(">IB", counter, 1 if last else 0)

    def encrypt_stream(self, src: BinaryIO, dst: BinaryIO) -> int:
        """Encrypt ``src`` into ``dst`` chunk by chunk; returns the plaintext size."""
        prefix = os.urandom(7)
        header = _HEADER.pack(DOC_MAGIC, self.key_id.encode(), prefix)
        dst.write(header)
        total, counter = 0, 0
        chunk = src.read(CHUNK)
        while True:
            nxt = src.read(CHUNK) if chunk else b""
            last = not nxt
            dst.write(self._aead.encrypt(self._nonce(prefix, counter, last), chunk, header))
            total += len(chunk)
            if last:
                return total
            chunk, counter = nxt, counter + 1

    def decrypt_stream(self, src: BinaryIO, where: str) -> Iterator[bytes]:
        """Yield the plaintext chunks of an encrypted document; raise on any tampering."""
        header = src.read(_HEADER.size)
        if len(header) != _HEADER.size or not header.startswith(DOC_MAGIC):
            raise KeyFileError(f"{where}: not an encrypted document")
        _, kid_raw, prefix = _HEADER.unpack(header)
        kid = kid_raw.decode("ascii", "replace")
        if kid != self.key_id:
            raise KeyMismatchError(
                f"{where}: encrypted under document key id {kid}, this cooperative's "
                f"document key is {self.key_id}"
            )
        counter = 0
        block = src.read(CHUNK + _TAG)
        while True:
            nxt = src.read(CHUNK + _TAG)
            last = not nxt
            try:
                yield self._aead.decrypt(self._nonce(prefix, counter, last), block, header)
            except Exception:
                raise KeyFileError(
                    f"{where}: chunk {counter} does not decrypt (altered or truncated)"
                ) from None
            if last:
                return
            block, counter = nxt, counter + 1


def is_encrypted_document(head: bytes) -> bool:
    return head.startswith(DOC_MAGIC)


def mask(value: str | None, visible: int = 4) -> str | None:
    """``12345678901`` → ``*******8901``."""
    if value is None:
        return None
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
