"""Statement parsers: every format to :class:`coopctl.recon.lines.Statement` lists.

Pure: no database. ``detect(data)`` names the format from the content; ``parse``
dispatches. Every error is a :class:`StatementFormatError` naming ``file:line`` and
the field.
"""

from __future__ import annotations

import re
from typing import Any

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import MAX_FILE_BYTES, Statement

FORMATS = ("csv", "xlsx", "ofx", "camt053", "mt940")


def check_bytes(data: bytes, name: str) -> None:
    if not data.strip():
        raise StatementFormatError(f"{name}: the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise StatementFormatError(f"{name}: {len(data)} bytes is over the {MAX_FILE_BYTES} limit")


def detect(data: bytes, name: str) -> str:
    """The format of ``data`` from its content (the name's extension is not trusted)."""
    check_bytes(data, name)
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:4096].lstrip(b"\xef\xbb\xbf\x00\r\n\t ")
    low = head.lower()
    if b"camt.053" in data[:8192] or b"<bktocstmrstmt" in data[:8192].lower():
        return "camt053"
    if low.startswith(b"ofxheader") or b"<ofx>" in low or b"<?ofx" in low:
        return "ofx"
    text = head.lstrip(b"\x01")
    if re.search(rb"(^|\n|\{4:\s*)\s*:20:", text) and b":25:" in data and b":60" in data:
        return "mt940"
    if b"\x00" in data[:4096]:
        raise StatementFormatError(f"{name}: a binary file, not a statement")
    return "csv"


def parse(
    data: bytes, name: str, fmt: str | None = None, profile: dict[str, Any] | None = None
) -> tuple[str, list[Statement]]:
    """Parse ``data`` as ``fmt`` (detected when None); returns (format, statements)."""
    fmt = fmt or detect(data, name)
    check_bytes(data, name)
    if fmt == "csv" or fmt == "xlsx":
        from coopctl.recon.parsers import csvrules

        prof = profile or csvrules.load_profile("generic")
        if fmt == "xlsx":
            return fmt, [csvrules.parse_rows(csvrules.xlsx_rows(data, name), prof, name)]
        return fmt, [csvrules.parse_csv(data, prof, name)]
    if fmt == "ofx":
        from coopctl.recon.parsers import ofx

        return fmt, ofx.parse(data, name)
    if fmt == "camt053":
        from coopctl.recon.parsers import camt

        return fmt, camt.parse(data, name)
    if fmt == "mt940":
        from coopctl.recon.parsers import mt940

        return fmt, mt940.parse(data, name)
    raise StatementFormatError(f"--file-format: {fmt!r} is not one of {', '.join(FORMATS)}")
