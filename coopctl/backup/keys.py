"""Where the backup key comes from: ``$COOPCTL_BACKUP_KEY``, a key file, or a passphrase.

Order: ``$COOPCTL_BACKUP_KEY`` (base64 of 32 bytes), then ``[backup] key_file``
(the same base64 text), then the passphrase in the environment variable named by
``[backup] passphrase_env`` (stretched with scrypt, salt in the backup header).
The backup key must differ from the field-encryption key: a stolen backup must
not carry the key that opens it next to the PII it protects.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coopctl.backup.errors import BackupConfigError, BackupKeyError

ENV_KEY = "COOPCTL_BACKUP_KEY"


@dataclass(frozen=True)
class KeySource:
    """Either a raw 32-byte key or a passphrase (never both)."""

    key: bytes | None = None
    passphrase: str | None = None
    where: str = ""


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BackupKeyError(f"{where}: not base64 text") from None
    if len(key) != 32:
        raise BackupKeyError(f"{where}: must hold 32 bytes (base64), holds {len(key)}")
    return key


def resolve(settings: Any) -> KeySource | None:
    """The configured backup key or passphrase, or None when none is configured."""
    env = os.environ.get(ENV_KEY)
    if env:
        return KeySource(key=_decode(env, f"${ENV_KEY}"), where=f"${ENV_KEY}")
    cfg = settings["backup"]
    if cfg["key_file"]:
        path = Path(cfg["key_file"])
        if not path.is_file():
            raise BackupKeyError(f"{path}: backup key file ([backup] key_file) not found")
        return KeySource(key=_decode(path.read_text(), str(path)), where=str(path))
    var = cfg["passphrase_env"]
    if var and os.environ.get(var):
        phrase = os.environ[var]
        if len(phrase) < 12:
            raise BackupConfigError(f"${var}: a backup passphrase needs at least 12 characters")
        return KeySource(passphrase=phrase, where=f"${var}")
    return None


def refuse_field_key(source: KeySource, settings: Any) -> None:
    """The backup key must not be the field-encryption key."""
    if source.key is None:
        return
    try:
        from coopctl.core.crypto import read_key

        field_key = read_key(settings.key_file)
    except Exception:
        return
    if field_key == source.key:
        raise BackupConfigError(
            f"{source.where}: the backup key equals the field-encryption key; "
            "make a distinct one (e.g. `head -c 32 /dev/urandom | base64`)"
        )


def new_key_text() -> str:
    return base64.b64encode(os.urandom(32)).decode()
