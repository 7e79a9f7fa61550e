"""Bounded reading of import files (check-off, members, budgets and every later one).

An import file is checked before a byte of it is read: it must exist (else exit 3),
be a regular file (a device such as ``/dev/zero``, a FIFO or a folder is refused,
exit 2, without opening it, so nothing can block or stream forever) and be no
larger than ``[imports] max_file_bytes``. It is then read line by line; a line
with a NUL byte (binary data) or bytes that are not UTF-8 is reported as
``file:line:file: reason``. At most ``[imports] max_errors`` problems are listed,
then "and N more". Nothing is written when any problem is found.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from coopctl.core.errors import FileFormatError, NotFoundError, ValidationError
from coopctl.core.limits import current


@dataclass
class ImportText:
    raw: bytes  # the bytes read (for the file's fingerprint)
    text: str  # decoded, BOM removed


def capped(problems: list[str], total: int | None = None) -> list[str]:
    """The first ``max_errors`` problems, then one line "and N more"."""
    cap = current().max_errors
    total = len(problems) if total is None else total
    if total <= cap:
        return problems[:cap]
    return [*problems[:cap], f"… and {total - cap} more"]


def check_file(path: Path) -> os.stat_result:
    """Exists, is a regular file and is within the size limit; nothing is opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = (
            "a folder"
            if stat.S_ISDIR(st.st_mode)
            else "a pipe (FIFO)"
            if stat.S_ISFIFO(st.st_mode)
            else "a device"
            if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "not a regular file"
        )
        raise FileFormatError(f"{path}: {kind}, not an import file; nothing imported")
    limit = current().max_file_bytes
    if st.st_size > limit:
        raise FileFormatError(
            f"{path}: {st.st_size:,} bytes; the limit is {limit:,} "
            "([imports] max_file_bytes); nothing imported"
        )
    return st


def read_text(path: Path, *, name: str | None = None) -> ImportText:
    """Read an import file within the limits (module docstring); raise on any problem."""
    path = Path(path)
    name = name or path.name
    check_file(path)
    limit = current().max_file_bytes
    problems: list[str] = []
    count = 0
    parts: list[str] = []
    chunks: list[bytes] = []
    size = 0
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read ({exc.strerror})") from None
    with fh:
        for line_no, line in enumerate(fh, start=1):
            size += len(line)
            if size > limit:  # the file grew after the size check
                raise FileFormatError(
                    f"{path}: more than {limit:,} bytes ([imports] max_file_bytes); "
                    "nothing imported"
                )
            chunks.append(line)
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if b"\x00" in line:
                count += 1
                if len(problems) < current().max_errors:
                    col = line.index(b"\x00") + 1
                    problems.append(
                        f"{name}:{line_no}:file: binary data (NUL byte at column {col})"
                    )
                continue
            try:
                parts.append(line.decode("utf-8"))
            except UnicodeDecodeError as exc:
                count += 1
                if len(problems) < current().max_errors:
                    problems.append(
                        f"{name}:{line_no}:file: not UTF-8 text "
                        f"(byte 0x{line[exc.start]:02x} at column {exc.start + 1})"
                    )
    if count:
        raise FileFormatError(
            f"{name}: {count} problem(s); not a UTF-8 text file; nothing imported",
            details=capped(problems, count),
        )
    return ImportText(raw=b"".join(chunks), text="".join(parts))
