"""Field encryption for PII at rest: AES-256-GCM plus an HMAC blind index.

The 256-bit key lives in a 0600 key file made by ``init`` (or
``$COOPCTL_SECRET_KEY_FILE``). Ciphertexts are ``v1:<base64(nonce|ct|tag)>``.
The blind index (HMAC-SHA256 under a key derived from the same secret) lets us
enforce BVN/NIN uniqueness and search without storing them in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import stat
from pathlib import Path

from coopctl.core.errors import BusinessRuleError, CoopError

KEY_BYTES = 32


class KeyFileError(CoopError):
    """PII must stay encrypted: the key file must exist, hold 32 bytes and be private (0600)."""

    exit_code = 5


def create_key_file(path: Path) -> None:
    """Write a fresh random 256-bit key, mode 0600; refuse to overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        raise BusinessRuleError(f"{path}: key file already exists; not overwritten")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(os.urandom(KEY_BYTES)) + b"\n")


def read_key(path: Path) -> bytes:
    if not path.is_file():
        raise KeyFileError(
            f"{path}: key file missing (run `coopctl init` or set COOPCTL_SECRET_KEY_FILE)"
        )
    key = base64.b64decode(path.read_bytes().strip())
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path}: key file does not hold a 256-bit key")
    return key


def key_file_problems(path: Path) -> list[str]:
    """Problems with the key file (for doctor): missing, wrong size, readable by others."""
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


class FieldCipher:
    """Encrypts, decrypts and blind-indexes PII fields under one master key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self._index_key = hmac.new(key, b"coopctl blind index v1", hashlib.sha256).digest()

    @classmethod
    def from_file(cls, path: Path) -> FieldCipher:
        return cls(read_key(path))

    def encrypt(self, plaintext: str | None, *, context: str = "") -> str | None:
        if plaintext is None:
            return None
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, plaintext.encode(), context.encode() or None)
        return "v1:" + base64.b64encode(nonce + ct).decode()

    def decrypt(self, token: str | None, *, context: str = "") -> str | None:
        if token is None:
            return None
        if not token.startswith("v1:"):
            raise KeyFileError("unknown ciphertext version")
        raw = base64.b64decode(token[3:])
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode() or None).decode()
        except Exception:
            raise KeyFileError("cannot decrypt a protected field: wrong key file?") from None

    def blind_index(self, value: str, *, kind: str) -> str:
        return hmac.new(self._index_key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mask(value: str | None, visible: int = 4) -> str | None:
    """``12345678901`` → ``*******8901``."""
    if value is None:
        return None
    if len(value) <= visible:
        return "*" * len(value)
    return "*" * (len(value) - visible) + value[-visible:]
