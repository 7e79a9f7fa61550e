"""XLSX output: one worksheet per report, ready for an accountant to work with.

Each sheet carries the cooperative's name, the report title and the period in its
top rows, then each table under a bold header row. Amounts are real numbers
(written from ``Decimal``, never through ``float`` in our code) formatted
``#,##0.00``; percents are fractions formatted ``0.00%`` (a cell of
``Decimal("12.5")`` percent is stored as ``0.125``); dates are real dates
formatted ``yyyy-mm-dd``. Panes are frozen below the first header row, which is
also repeated on every printed page; wide reports print landscape, all fit to
one page wide.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.reports.model import Column, Report, Row
from coopctl.reports.render.cells import as_decimal, human, human_timestamp

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.00%"
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"

_MAX_SHEET_TITLE = 31
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_INDENT_LEVEL = {"indent1": 1, "indent2": 2}
_HEADER_FILL = "DCE6F0"  # light slate blue behind column headers
_HEADING_FILL = "F2F2F2"  # light grey behind section heading rows


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet title (≤ 31 characters, no ``[]:*?/\\``)."""
    base = _BAD_SHEET_CHARS.sub("-", title).strip().strip("'") or "Report"
    candidate = base[:_MAX_SHEET_TITLE]
    n = 2
    while candidate.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        candidate = base[: _MAX_SHEET_TITLE - len(suffix)] + suffix
        n += 1
    taken.add(candidate)
    return candidate


def _cell_value(value: Any, kind: str) -> tuple[Any, str | None]:
    """The value to store in the cell and its number format."""
    if value is None:
        return None, None
    if kind == "money":
        d = as_decimal(value)
        return (d, MONEY_FORMAT) if d is not None else (str(value), None)
    if kind == "percent":
        d = as_decimal(value)
        return (d / Decimal(100), PERCENT_FORMAT) if d is not None else (str(value), None)
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value, INT_FORMAT
        d = as_decimal(value)
        return (d, INT_FORMAT) if d is not None else (str(value), None)
    if kind == "date" and isinstance(value, date):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones
        return value, DATE_FORMAT
    if isinstance(value, Decimal):
        return value, MONEY_FORMAT
    if isinstance(value, datetime):
        return human_timestamp(value), None  # a timestamp in a text column: say it plainly
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, int | str):
        return value, None
    return str(value), None


def _display_len(value: Any, kind: str) -> int:
    return len(human(value, kind))


def _write_sheet(ws: Any, report: Report, coop_name: str, footer: str) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties

    thin = Side(style="thin", color="000000")
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    heading_fill = PatternFill("solid", fgColor=_HEADING_FILL)
    bold = Font(bold=True)
    ncols = max((len(t.columns) for t in report.tables), default=1) or 1
    widths: dict[int, int] = {}

    def note_width(col: int, length: int) -> None:
        widths[col] = max(widths.get(col, 0), length)

    ws.cell(row=1, column=1, value=coop_name).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=report.title).font = Font(bold=True, size=12)
    ws.cell(row=3, column=1, value=report.period).font = Font(italic=True, color="555555")
    r = 5
    first_header: int | None = None
    hints: dict[int, int] = {}

    for table in report.tables:
        if table.title:
            ws.cell(row=r, column=1, value=table.title).font = Font(bold=True, size=11)
            r += 1
        for ci, col in enumerate(table.columns, start=1):
            c = ws.cell(row=r, column=ci, value=col.title)
            c.font = bold
            c.fill = header_fill
            c.border = Border(bottom=thin)
            right = col.kind in ("money", "percent", "int")
            c.alignment = Alignment(horizontal="right" if right else "left", wrap_text=True)
            note_width(ci, len(col.title))
            if col.width:
                hints[ci] = max(hints.get(ci, 0), col.width)
        if first_header is None:
            first_header = r
        r += 1
        label = table.label_index() + 1
        for row in table.rows:
            _write_row(ws, r, table.columns, row, label)
            for ci, col in enumerate(table.columns, start=1):
                extra = 2 * _INDENT_LEVEL.get(row.style, 0) if ci == label else 0
                note_width(ci, _display_len(row.cells.get(col.key), col.kind) + extra)
            if row.style == "heading":
                for ci in range(1, len(table.columns) + 1):
                    ws.cell(row=r, column=ci).fill = heading_fill
            r += 1
        r += 1  # blank line between tables

    for note in report.notes:
        ws.cell(row=r, column=1, value=note).font = Font(italic=True)
        r += 1
    ws.cell(row=r + 1, column=1, value=footer).font = Font(italic=True, size=8, color="777777")

    for ci in range(1, ncols + 1):
        width = hints.get(ci) or min(max(widths.get(ci, 0) + 2, _MIN_WIDTH), _MAX_WIDTH)
        ws.column_dimensions[get_column_letter(ci)].width = width
    # Widths come from the tables only: the title rows in column A may overflow to the right.

    if first_header is not None:
        ws.freeze_panes = ws.cell(row=first_header + 1, column=1)
        ws.print_title_rows = f"{first_header}:{first_header}"
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = "landscape" if ncols > 6 else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False
    # Printed header/footer; "&" starts a field code there (&P page, &N pages).
    ws.oddHeader.left.text = _hf(coop_name)
    ws.oddHeader.right.text = _hf(f"{report.title} — {report.period}")
    ws.oddFooter.left.text = _hf(footer)
    ws.oddFooter.right.text = "Page &P of &N"


def _hf(text: str) -> str:
    """Text for a printed header/footer, with a literal ``&`` escaped."""
    return text.replace("&", "&&")


def _write_row(ws: Any, r: int, columns: list[Column], row: Row, label: int) -> None:
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin", color="000000")
    double = Side(style="double", color="000000")
    emphasised = row.style in ("subtotal", "total", "heading")
    for ci, col in enumerate(columns, start=1):
        value, number_format = _cell_value(row.cells.get(col.key), col.kind)
        c = ws.cell(row=r, column=ci, value=value)
        if number_format:
            c.number_format = number_format
        if emphasised:
            c.font = Font(bold=True)
        if row.style == "subtotal":
            c.border = Border(top=thin)
        elif row.style == "total":
            c.border = Border(top=thin, bottom=double)
        if ci == label and row.style in _INDENT_LEVEL:
            c.alignment = Alignment(indent=_INDENT_LEVEL[row.style])


def build_workbook(
    reports: list[Report],
    *,
    coop_name: str,
    generated_by: str,
    generated_at: datetime,
) -> Any:
    """An ``openpyxl.Workbook`` with one sheet per report."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    footer = f"Generated by {generated_by} at {human_timestamp(generated_at)}"
    for report in reports:
        ws = wb.create_sheet(title=sheet_title(report.title, taken))
        _write_sheet(ws, report, coop_name, footer)
    if not reports:
        wb.create_sheet(title="Report")

    created = generated_at if generated_at.tzinfo is None else generated_at.astimezone(UTC)
    created = created.replace(tzinfo=None)
    props = wb.properties
    props.creator = coop_name or "coopctl"
    props.lastModifiedBy = generated_by
    props.title = reports[0].title if len(reports) == 1 else f"{coop_name} — reports"
    props.subject = "; ".join(dict.fromkeys(r.period for r in reports))
    props.description = footer
    props.keywords = ", ".join(r.name for r in reports)
    props.created = created
    props.modified = created
    return wb


def render_xlsx(
    reports: list[Report],
    path: Path | str,
    *,
    coop_name: str,
    generated_by: str,
    generated_at: datetime,
) -> None:
    """Write ``reports`` to the workbook at ``path`` (one sheet per report)."""
    wb = build_workbook(
        reports, coop_name=coop_name, generated_by=generated_by, generated_at=generated_at
    )
    wb.save(str(path))


def render_xlsx_bytes(
    reports: list[Report],
    *,
    coop_name: str,
    generated_by: str,
    generated_at: datetime,
) -> bytes:
    """The workbook as bytes (for e-mail attachments and tests)."""
    wb = build_workbook(
        reports, coop_name=coop_name, generated_by=generated_by, generated_at=generated_at
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
