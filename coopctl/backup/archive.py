"""The archive inside the container: a gzip'd tar of parts, the manifest last.

Parts: ``db/database.sqlite`` or ``db/database.pgdump``; ``data/<path>`` for every
file of the data folder (documents, keys, anchors: opaque files, whatever is
there, except the backups folder); ``extra/field.key`` when the field key file
lives outside the data folder. ``manifest.json`` comes last because it records
the SHA-256 of every part, computed while the part is written.

Reading extracts into a staging folder, refusing links, devices, absolute
paths and ``..``; checks every part against the manifest; and drains the stream
to its end so that truncation or trailing bytes are noticed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from coopctl.backup import stream
from coopctl.backup.errors import BackupDamagedError, BackupKeyError

MANIFEST = "manifest.json"
FORMAT = 1
_CHUNK = 1 << 20


class _HashingFile(io.RawIOBase):
    """Wraps a file being written: counts and hashes every byte."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self.fh = fh
        self.sha = hashlib.sha256()
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.sha.update(b)
        self.bytes += len(b)
        self.fh.write(b)
        return len(b)

    def flush(self) -> None:
        self.fh.flush()


class _HashingReader(io.RawIOBase):
    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self.fh = fh
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self.fh.read(len(b))
        self.sha.update(data)
        b[: len(data)] = data
        return len(data)


def data_files(data_dir: Path, exclude: Iterable[Path]) -> list[Path]:
    """Every regular file under the data folder, minus the excluded folders, sorted."""
    if not data_dir.is_dir():
        return []
    skip = [p.resolve() for p in exclude]
    out = []
    for root, dirs, files in os.walk(data_dir):
        rp = Path(root).resolve()
        dirs[:] = sorted(d for d in dirs if (rp / d).resolve() not in skip)
        for f in sorted(files):
            p = Path(root) / f
            if p.is_file() and not p.is_symlink():
                out.append(p)
    return out


class ArchiveWriter:
    """Writes parts into a (possibly encrypted) container file at ``path``."""

    def __init__(self, path: Path, header: stream.Header, key: bytes | None) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._outer = _HashingFile(self._fh)
        self._sealed = stream.Writer(self._outer, header, key)  # type: ignore[arg-type]
        self._gz = gzip.GzipFile(fileobj=self._sealed, mode="wb", compresslevel=3, mtime=0)
        self._tar = tarfile.open(  # noqa: SIM115 - closed by finish()
            fileobj=self._gz, mode="w|", format=tarfile.PAX_FORMAT
        )
        self.parts: dict[str, dict[str, Any]] = {}

    def add_file(self, name: str, path: Path) -> None:
        st = path.stat()
        info = tarfile.TarInfo(name)
        info.mode = st.st_mode & 0o777
        info.mtime = int(st.st_mtime)
        if st.st_size <= 64 << 20:
            data = path.read_bytes()  # a file that changes while read keeps a coherent size
            info.size = len(data)
            self._tar.addfile(info, io.BytesIO(data))
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        else:
            info.size = st.st_size
            with path.open("rb") as fh:
                hr = _HashingReader(fh)
                self._tar.addfile(info, hr)  # type: ignore[arg-type]
            digest, size = hr.sha.hexdigest(), st.st_size
        self.parts[name] = {"sha256": digest, "bytes": size}

    def finish(self, manifest: dict[str, Any]) -> tuple[str, int]:
        """Write the manifest (with the parts' digests) and close; return file SHA-256, size."""
        manifest = dict(manifest, parts=self.parts)
        data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._gz.close()
        self._sealed.close()
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        return self._outer.sha.hexdigest(), self._outer.bytes

    def abort(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass


def _safe_name(name: str) -> PurePosixPath:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        raise BackupDamagedError(f"archive member {name!r}: unsafe path")
    if p.parts[0] not in ("db", "data", "extra") and name != MANIFEST:
        raise BackupDamagedError(f"archive member {name!r}: unexpected")
    return p


def open_container(path: Path, key_for: Any) -> tuple[BinaryIO, stream.Reader, bool]:
    """Open ``path``; ``key_for(header)`` gives the key. Wrong key → BackupKeyError."""
    fh = path.open("rb")
    try:
        header = stream.read_header(fh)
        key = key_for(header) if header.encrypted else None
        reader = stream.open_reader(fh, header, key)
    except stream.StreamDamagedError as exc:
        fh.close()
        raise BackupDamagedError(f"{path}: {exc}") from None
    except stream.StreamKeyError as exc:
        fh.close()
        raise BackupKeyError(f"{path}: {exc}") from None
    except BaseException:
        fh.close()
        raise
    return fh, reader, header.encrypted


def extract(path: Path, staging: Path, key_for: Any) -> dict[str, Any]:
    """Decrypt and unpack ``path`` into ``staging``; check every part; return the manifest."""
    fh, reader, encrypted = open_container(path, key_for)
    found: dict[str, dict[str, Any]] = {}
    manifest: dict[str, Any] | None = None
    try:
        gz = gzip.GzipFile(fileobj=io.BufferedReader(reader, _CHUNK), mode="rb")
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            for m in tar:
                name = _safe_name(m.name)
                if not m.isfile():
                    raise BackupDamagedError(f"archive member {m.name!r}: not a regular file")
                src = tar.extractfile(m)
                assert src is not None
                if m.name == MANIFEST:
                    manifest = json.loads(src.read(16 << 20))
                    continue
                dest = staging.joinpath(*name.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                h, n = hashlib.sha256(), 0
                with dest.open("wb") as out:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        n += len(chunk)
                        out.write(chunk)
                os.chmod(dest, m.mode & 0o700 or 0o600)
                found[m.name] = {"sha256": h.hexdigest(), "bytes": n}
        while gz.read(_CHUNK):
            pass
        while reader.read(_CHUNK):
            pass
    except stream.StreamDamagedError as exc:
        raise BackupDamagedError(f"{path}: {exc}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error, ValueError) as exc:
        raise BackupDamagedError(
            f"{path}: archive unreadable ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        fh.close()
    if (
        not isinstance(manifest, dict)
        or manifest.get("dialect") not in ("sqlite", "postgresql")
        or manifest.get("database") not in found
    ):
        raise BackupDamagedError(f"{path}: manifest missing or incomplete")
    problems = check_parts(manifest.get("parts", {}), found)
    if problems:
        raise BackupDamagedError(f"{path}: {problems[0]}", details=problems[1:])
    manifest["_encrypted"] = encrypted
    return manifest


def check_parts(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    problems = []
    for name in sorted(set(expected) | set(found)):
        e, f = expected.get(name), found.get(name)
        if f is None:
            problems.append(f"part {name}: missing from the archive")
        elif e is None:
            problems.append(f"part {name}: not in the manifest")
        elif e.get("sha256") != f["sha256"] or e.get("bytes") != f["bytes"]:
            problems.append(f"part {name}: SHA-256 does not match the manifest")
    return problems
