"""Reports as fixed-width lines, for PDF documents of thousands of member statements.

A table laid out by WeasyPrint costs a box, a line box and a style per cell;
for 200,000 one-page statements that is hours. Here each table becomes one
block of monospaced lines, with the columns padded in Python: figures
right-aligned, text left-aligned, a long narration wrapped onto continuation
lines (never cut), an amount wider than its column written whole. About four
times faster to print, and it reads like a bank statement.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from coopctl.reports.model import Column, Report, Table
from coopctl.reports.render.cells import human, is_right_aligned

# characters a line holds in the statements stylesheet's monospaced 8pt type:
# A4 portrait and A4 landscape, less the margins
PORTRAIT_CHARS = 104
LANDSCAPE_CHARS = 156
MIN_TEXT = 16
_KIND_WIDTH = {"date": 10, "money": 16, "int": 9, "percent": 9}
_BOLD = frozenset({"total", "subtotal", "heading"})
_INDENT = {"indent1": 2, "indent2": 4}


@dataclass(frozen=True)
class Line:
    text: str
    bold: bool = False
    muted: bool = False  # opening balances and other indented detail


@dataclass(frozen=True)
class PrintTable:
    title: str | None
    header: str  # the column titles, one line (more when a title is wider than its column)
    lines: list[Line]


@dataclass(frozen=True)
class PrintReport:
    id: str
    title: str
    period: str
    tables: list[PrintTable]
    notes: list[str]
    wide: bool  # printed on a landscape page


def _flat(text: str) -> str:
    return " ".join(text.split())  # no tabs or line breaks inside a cell


def _fixed(columns: list[Column], label: int | None) -> list[int | None]:
    """Fixed widths: figures and dates by kind, text by its width hint; ``None`` for
    the label column and text without a hint (they share what is left)."""
    return [
        _KIND_WIDTH.get(c.kind, 10) if c.kind != "text" else c.width if i != label else None
        for i, c in enumerate(columns)
    ]


def widths(columns: list[Column], label: int | None, room: int) -> list[int]:
    """Characters per column: the fixed ones, and what is left of ``room`` (less one
    space between columns) shared by the others, at least ``MIN_TEXT`` each."""
    fixed = _fixed(columns, label)
    free = fixed.count(None)
    left = room - sum(w for w in fixed if w is not None) - (len(columns) - 1)
    share = max(MIN_TEXT, left // free) if free else 0
    return [w if w is not None else share for w in fixed]


def needed(table: Table) -> int:
    """Characters a line of ``table`` needs at least."""
    fixed = _fixed(table.columns, table.label_index())
    return sum(w for w in fixed if w is not None) + MIN_TEXT * fixed.count(None) + len(fixed) - 1


def table_lines(table: Table, room: int = PORTRAIT_CHARS) -> PrintTable:
    label = table.label_index()
    cols = table.columns
    ws = widths(cols, label, room)
    right = [is_right_aligned(c.kind) for c in cols]

    def fit(cells: list[str]) -> list[str]:
        # one or more physical lines: text cells wrapped to their width, figures whole
        parts = [
            [t] if r or len(t) <= w else textwrap.wrap(t, w, break_on_hyphens=False) or [""]
            for t, w, r in zip(cells, ws, right, strict=True)
        ]
        out = []
        for k in range(max(len(p) for p in parts)):
            line = []
            for p, w, r in zip(parts, ws, right, strict=True):
                t = p[k] if k < len(p) else ""
                line.append(t.rjust(w) if r else t.ljust(w))
            out.append(" ".join(line).rstrip())
        return out

    header = "\n".join(fit([c.title for c in cols]))  # a long title wraps too
    lines: list[Line] = []
    for row in table.rows:
        cells = [_flat(human(row.cells.get(c.key), c.kind)) for c in cols]
        indent = _INDENT.get(row.style, 0)
        if indent and label is not None and cells[label]:
            cells[label] = " " * indent + cells[label]
        bold, muted = row.style in _BOLD, row.style in _INDENT
        lines.extend(Line(t, bold, muted) for t in fit(cells))
    return PrintTable(table.title, header, lines)


def print_report(report: Report, index: int) -> PrintReport:
    """The report as printed lines; landscape when its columns need more than a
    portrait line (a text column then keeps at least ``MIN_TEXT`` characters)."""
    wide = any(needed(t) > PORTRAIT_CHARS for t in report.tables)
    room = LANDSCAPE_CHARS if wide else PORTRAIT_CHARS
    return PrintReport(
        id=f"report-{index}",
        title=report.title,
        period=report.period,
        tables=[table_lines(t, room) for t in report.tables],
        notes=list(report.notes),
        wide=wide,
    )


def body(table: PrintTable) -> Any:
    """A table's lines as the inside of a ``<pre>``: escaped, bold and muted rows marked."""
    from markupsafe import Markup, escape

    out = []
    for ln in table.lines:
        if ln.bold:
            out.append(Markup("<b>%s</b>") % ln.text)
        elif ln.muted:
            out.append(Markup('<span class="m">%s</span>') % ln.text)
        else:
            out.append(escape(ln.text))
    return Markup("\n").join(out)
