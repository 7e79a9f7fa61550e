"""The backup container: a header, then authenticated chunks (pure; no SQLAlchemy).

Layout (all integers big-endian)::

    header  = MAGIC(8) | mode(1) | chunk_size(4) | salt(16) | log2_n(1) | r(1) | p(1)
              | nonce_prefix(8) | key_check(16) | sha256(previous header bytes)(32)
    chunk   = length_and_flag(4) | sealed(length)

``mode`` is 0 (not encrypted: each chunk carries a keyed checksum under a public
key, which catches corruption but not a forger), 1 (AES-256-GCM under a raw
32-byte key) or 2 (AES-256-GCM under a key derived from a passphrase with
scrypt). Each chunk's nonce is ``nonce_prefix | counter``; the associated data
binds the header, the counter and the "final" flag (the top bit of the length),
so a reordered, dropped, truncated or extended stream fails — the STREAM
construction of Hoang, Reyhanitabar, Rogaway and Vizár.

The header ends with its own SHA-256, so a flipped header byte is reported as
damage (exit 6) and never mistaken for a wrong key (exit 4); only an intact
header whose key check does not match means the key is wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = b"COOPBAK\x01"
MODE_PLAIN, MODE_KEY, MODE_PASSPHRASE = 0, 1, 2
CHUNK_SIZE = 1 << 20
TAG = 16
_FINAL = 0x80000000
_FIXED = struct.Struct(">8sBI16sBBB8s16s")
HEADER_LEN = _FIXED.size + 32
_PLAIN_KEY = b"coopctl backup: not encrypted"
# scrypt: 2^15 x 8 x 128 bytes = 32 MiB of memory per guess.
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1


class StreamDamagedError(Exception):
    """The container is truncated, extended or altered."""


class StreamKeyError(Exception):
    """The container is intact but the key (or passphrase) is not the one it was made with."""


def derive_key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    """A 256-bit key from a passphrase through scrypt (memory-hard)."""
    return hashlib.scrypt(
        passphrase.encode(), salt=salt, n=1 << log2_n, r=r, p=p, maxmem=256 << 20, dklen=32
    )


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, b"coopctl backup key check v1", hashlib.sha256).digest()[:TAG]


@dataclass(frozen=True)
class Header:
    mode: int
    chunk_size: int
    salt: bytes
    log2_n: int
    r: int
    p: int
    nonce_prefix: bytes
    key_check: bytes

    def encode(self) -> bytes:
        fixed = _FIXED.pack(
            MAGIC,
            self.mode,
            self.chunk_size,
            self.salt,
            self.log2_n,
            self.r,
            self.p,
            self.nonce_prefix,
            self.key_check,
        )
        return fixed + hashlib.sha256(fixed).digest()

    @classmethod
    def decode(cls, raw: bytes) -> Header:
        if len(raw) < HEADER_LEN:
            raise StreamDamagedError("file too short to be a coopctl backup (truncated?)")
        fixed, digest = raw[: _FIXED.size], raw[_FIXED.size : HEADER_LEN]
        magic, mode, chunk, salt, log2_n, r, p, prefix, check = _FIXED.unpack(fixed)
        if magic != MAGIC:
            raise StreamDamagedError("not a coopctl backup (bad magic bytes)")
        if not hmac.compare_digest(hashlib.sha256(fixed).digest(), digest):
            raise StreamDamagedError("backup header damaged (checksum mismatch)")
        if mode not in (MODE_PLAIN, MODE_KEY, MODE_PASSPHRASE) or not 0 < chunk <= 1 << 26:
            raise StreamDamagedError("backup header holds impossible values")
        return cls(mode, chunk, salt, log2_n, r, p, prefix, check)

    @property
    def encrypted(self) -> bool:
        return self.mode != MODE_PLAIN


class _Sealer:
    """Seals and opens chunks for one header and key."""

    def __init__(self, header: Header, key: bytes | None) -> None:
        self.header = header
        self.aad_head = header.encode()
        if header.encrypted:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM

            assert key is not None
            self._aead: AESGCM | None = AESGCM(key)
        else:
            self._aead = None

    def _aad(self, counter: int, final: bool) -> bytes:
        return self.aad_head + struct.pack(">QB", counter, 1 if final else 0)

    def _nonce(self, counter: int) -> bytes:
        return self.header.nonce_prefix + struct.pack(">I", counter)

    def seal(self, counter: int, final: bool, data: bytes) -> bytes:
        if self._aead is not None:
            return self._aead.encrypt(self._nonce(counter), data, self._aad(counter, final))
        mac = hmac.new(_PLAIN_KEY, self._aad(counter, final) + data, hashlib.sha256)
        return data + mac.digest()[:TAG]

    def open(self, counter: int, final: bool, sealed: bytes) -> bytes:
        if self._aead is not None:
            from cryptography.exceptions import InvalidTag

            try:
                return self._aead.decrypt(self._nonce(counter), sealed, self._aad(counter, final))
            except InvalidTag:
                raise StreamDamagedError(f"chunk {counter} fails authentication") from None
        data, tag = sealed[:-TAG], sealed[-TAG:]
        mac = hmac.new(_PLAIN_KEY, self._aad(counter, final) + data, hashlib.sha256)
        if not hmac.compare_digest(mac.digest()[:TAG], tag):
            raise StreamDamagedError(f"chunk {counter} fails its checksum")
        return data


def new_header(
    mode: int, *, salt: bytes | None = None, key: bytes | None = None, chunk_size: int = CHUNK_SIZE
) -> Header:
    return Header(
        mode=mode,
        chunk_size=chunk_size,
        salt=salt or os.urandom(16),
        log2_n=SCRYPT_LOG2_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        nonce_prefix=os.urandom(8),
        key_check=_key_check(key) if key is not None else bytes(TAG),
    )


class Writer(io.RawIOBase):
    """A write-only stream that seals what it is given into chunks on ``out``."""

    def __init__(self, out: BinaryIO, header: Header, key: bytes | None) -> None:
        super().__init__()
        self._out = out
        self._sealer = _Sealer(header, key)
        self._buf = bytearray()
        self._counter = 0
        self._size = header.chunk_size
        out.write(header.encode())

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buf += b
        while len(self._buf) > self._size:  # keep at least one byte for the final chunk
            self._emit(bytes(self._buf[: self._size]), final=False)
            del self._buf[: self._size]
        return len(b)

    def _emit(self, data: bytes, *, final: bool) -> None:
        sealed = self._sealer.seal(self._counter, final, data)
        self._out.write(struct.pack(">I", len(sealed) | (_FINAL if final else 0)) + sealed)
        self._counter += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buf), final=True)
            self._buf.clear()
            self._out.flush()
        super().close()


class Reader(io.RawIOBase):
    """A read-only stream of the opened chunks of ``src`` (after the header)."""

    def __init__(self, src: BinaryIO, header: Header, key: bytes | None) -> None:
        super().__init__()
        self._src = src
        self._sealer = _Sealer(header, key)
        self._max = header.chunk_size + TAG
        self._buf = b""
        self._counter = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        raw = self._src.read(4)
        if len(raw) < 4:
            raise StreamDamagedError("backup truncated (final chunk missing)")
        (word,) = struct.unpack(">I", raw)
        final, n = bool(word & _FINAL), word & ~_FINAL
        if n < TAG or n > self._max:
            raise StreamDamagedError(f"chunk {self._counter}: impossible length")
        sealed = self._src.read(n)
        if len(sealed) < n:
            raise StreamDamagedError("backup truncated (chunk cut short)")
        self._buf = self._sealer.open(self._counter, final, sealed)
        self._counter += 1
        if final:
            if self._src.read(1):
                raise StreamDamagedError("data after the final chunk (file extended)")
            self._done = True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf and not self._done:
            self._next()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


def read_header(src: BinaryIO) -> Header:
    return Header.decode(src.read(HEADER_LEN))


def open_reader(src: BinaryIO, header: Header, key: bytes | None) -> Reader:
    """Check the key against the header's key check, then return the chunk reader."""
    if header.encrypted:
        if key is None:
            raise StreamKeyError("this backup is encrypted: a backup key or passphrase is needed")
        if not hmac.compare_digest(_key_check(key), header.key_check):
            raise StreamKeyError("wrong backup key or passphrase for this backup")
    return Reader(src, header, key)
