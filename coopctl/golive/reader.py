"""Read a go-live template (CSV or XLSX) into rows of plain strings (pure: no database).

Every problem is collected, never raised one by one: :class:`Report` keeps
``file:sheet:row:column: reason`` lines in order, and the caller raises them all
at once (exit 2). Hostile input is refused per cell: control characters, cells
longer than :data:`MAX_CELL`, files larger than the configured limit; markup such
as ``[/bold]`` is plain text here and stays plain text wherever it is printed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from coopctl.core.errors import FileFormatError
from coopctl.golive.columns import COLUMNS, REQUIRED

MAX_CELL = 200  # characters in one cell (the guarantors column allows more)
MAX_GUARANTORS_CELL = 1000
MAX_PROBLEMS = 1000  # a file with more stops being read; the count is still reported
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class Report:
    """Problems found so far, each ``file:sheet:row:column: reason``."""

    def __init__(self, name: str, sheet: str) -> None:
        self.name = name
        self.sheet = sheet
        self.items: list[tuple[int, int, str]] = []

    def add(self, row: int, column: str, reason: str) -> None:
        text = f"{self.name}:{self.sheet}:{row}:{column}: {reason}"
        self.items.append((row, len(self.items), text))

    @property
    def lines(self) -> list[str]:
        return [t for _, _, t in sorted(self.items)]

    def raise_if_any(self) -> None:
        if self.items:
            lines = self.lines
            shown = lines[:MAX_PROBLEMS]
            if len(lines) > MAX_PROBLEMS:
                shown.append(f"… and {len(lines) - MAX_PROBLEMS} more")
            raise FileFormatError(
                f"{self.name}: {len(lines)} problem(s); nothing imported", details=shown
            )


@dataclass
class Table:
    """The data rows of one template: (row number in the file, column → text)."""

    kind: str
    sheet: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, float):
        # A typed number in a spreadsheet: its shortest decimal form, never float math.
        d = Decimal(repr(v))
        return format(d.normalize(), "f") if d == d.to_integral_value() else repr(v)
    return str(v)


def clean(rep: Report, row: int, column: str, raw: str) -> str | None:
    """The cell stripped, or None (and a problem) when it is hostile."""
    text = raw.strip()
    limit = MAX_GUARANTORS_CELL if column == "guarantors" else MAX_CELL
    if len(text) > limit:
        rep.add(row, column, f"longer than {limit} characters ({len(text)})")
        return None
    if _CONTROL.search(text):
        rep.add(row, column, "contains control characters")
        return None
    return text


def _check_header(kind: str, header: list[str], rep: Report) -> None:
    known = set(COLUMNS[kind])
    for h in header:
        if h and h not in known:
            shown = h[:40] if not _CONTROL.search(h) else "?"
            rep.add(1, "header", f"unknown column {shown!r} (expected {','.join(COLUMNS[kind])})")
    for h in sorted({h for h in header if h and header.count(h) > 1}):
        rep.add(1, "header", f"column {h!r} appears twice")
    for h in REQUIRED[kind]:
        if h not in header:
            rep.add(1, "header", f"required column {h!r} is missing")


def _table(kind: str, sheet: str, it: Any, rep: Report, *, texts: bool = False) -> Table:
    """The rows of ``it`` under its first row (the header). ``texts``: every cell is
    already a ``str`` (CSV), so a row with no hostile cell is taken whole (one length
    check and one control-character search per row, not a call per cell)."""
    try:
        first = next(it)
    except StopIteration:
        rep.add(1, "header", "the file is empty")
        rep.raise_if_any()
        raise AssertionError("unreachable") from None
    header = [_cell_text(h).strip().lower() for h in first]
    while header and not header[-1]:
        header.pop()
    _check_header(kind, header, rep)
    rep.raise_if_any()
    table = Table(kind, sheet, header)
    named = all(header)
    width = len(header)
    for n, values in enumerate(it, 2):
        if texts and named and len(values) == width:
            joined = "".join(values)
            if not joined.strip():
                continue
            if max(map(len, values)) <= MAX_CELL and not _CONTROL.search(joined):
                if len(rep.items) > MAX_PROBLEMS:
                    break
                table.rows.append((n, dict(zip(header, map(str.strip, values), strict=True))))
                continue
        cells = [_cell_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        if len(rep.items) > MAX_PROBLEMS:
            break
        extra = cells[len(header) :]
        if any(c.strip() for c in extra):
            rep.add(n, "row", f"more cells than the {len(header)} columns of the header")
            continue
        record: dict[str, str] = {}
        ok = True
        for col, raw in zip(header, cells + [""] * (len(header) - len(cells)), strict=False):
            if not col:
                continue
            text = clean(rep, n, col, raw)
            if text is None:
                ok = False
                continue
            record[col] = text
        if ok:
            table.rows.append((n, record))
    return table


def read_csv(name: str, raw: bytes, kind: str, rep: Report) -> Table:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        rep.add(raw[: exc.start].count(b"\n") + 1, "file", "not UTF-8 text")
        rep.raise_if_any()
        raise AssertionError("unreachable") from None
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows() -> Any:
        while True:
            try:
                yield next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                rep.add(reader.line_num, "row", f"not valid CSV ({exc})")
                return

    return _table(kind, rep.sheet, rows(), rep, texts=True)


def read_xlsx(name: str, raw: bytes, kind: str, rep: Report) -> Table:
    """The sheet named like the kind (else the first sheet that is not the example)."""
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        rep.add(1, "file", f"not a readable XLSX workbook ({type(exc).__name__})")
        rep.raise_if_any()
        raise AssertionError("unreachable") from None
    try:
        names = list(wb.sheetnames)
        pick = (
            kind
            if kind in names
            else next((s for s in names if s.lower() not in ("example", "help")), None)
        )
        if pick is None:
            rep.add(1, "file", f"no sheet named {kind!r}")
            rep.raise_if_any()
        assert pick is not None
        rep.sheet = pick
        return _table(kind, pick, wb[pick].iter_rows(values_only=True), rep)
    finally:
        wb.close()


def read_table(name: str, raw: bytes, kind: str, *, max_bytes: int) -> tuple[Table, Report]:
    """Parse ``raw`` (XLSX if it is a zip, else CSV); header problems raise at once."""
    rep = Report(name, kind)
    if len(raw) > max_bytes:
        rep.add(1, "file", f"larger than {max_bytes // (1024 * 1024)} MiB")
        rep.raise_if_any()
    if raw[:4] == b"PK\x03\x04":
        return read_xlsx(name, raw, kind, rep), rep
    return read_csv(name, raw, kind, rep), rep
