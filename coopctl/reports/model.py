"""The data every report builder returns, and every renderer reads.

Pure: no database, no heavy imports. A builder fills a :class:`Report`; the
renderers in :mod:`coopctl.reports.render` turn it into a terminal table, JSON,
CSV, an XLSX workbook or a PDF without knowing which report it is.

Cell values are ``str | int | Decimal | date | None`` and are interpreted by the
column's ``kind``:

- ``text``: shown as is;
- ``money``: a ``Decimal`` amount (two decimals in JSON/CSV, thousands separators
  in tables and PDF, a real number with ``#,##0.00`` in XLSX);
- ``int``: a count;
- ``date``: a ``date``;
- ``percent``: a ``Decimal`` *in percent* (``Decimal("12.50")`` means 12.5 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

COLUMN_KINDS = frozenset({"text", "money", "int", "date", "percent"})
ROW_STYLES = frozenset({"normal", "subtotal", "total", "heading", "indent1", "indent2"})


@dataclass
class Column:
    """One column of a table: ``key`` for machines, ``title`` for people."""

    key: str
    title: str
    kind: str = "text"  # text | money | int | date | percent
    width: int | None = None  # optional XLSX width hint (characters)

    def __post_init__(self) -> None:
        if self.kind not in COLUMN_KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}")


@dataclass
class Row:
    """One row: cells by column key, and how it is emphasised."""

    cells: dict[str, Any]  # key -> str | int | Decimal | date | None
    style: str = "normal"  # normal | subtotal | total | heading | indent1 | indent2

    def __post_init__(self) -> None:
        if self.style not in ROW_STYLES:
            raise ValueError(f"unknown row style {self.style!r}")


@dataclass
class Table:
    """A titled grid of rows."""

    title: str | None
    columns: list[Column]
    rows: list[Row]
    # The column that carries row labels ("Cash in hand"), which indent1/indent2 rows
    # indent. Default: the first text column used by a heading/subtotal/total row,
    # else the first text column, else the first column.
    label: str | None = None

    def label_index(self) -> int:
        """Position of the label column (see ``label``)."""
        keys = [c.key for c in self.columns]
        if self.label in keys:
            return keys.index(self.label)
        texts = [i for i, c in enumerate(self.columns) if c.kind == "text"]
        emphasised = [r for r in self.rows if r.style in ("heading", "subtotal", "total")]
        for i in texts:
            if any(r.cells.get(keys[i]) not in (None, "") for r in emphasised):
                return i
        return texts[0] if texts else 0


@dataclass
class Report:
    """A finished report, ready to be rendered in any format."""

    name: str  # machine name, e.g. "balance-sheet"
    title: str  # "Statement of Financial Position"
    period: str  # "As of 2026-10-31" or "2026-10-01 to 2026-10-31"
    tables: list[Table]
    summary: dict[str, Any]  # top-level JSON keys, e.g. {"as_of": date, "assets": Decimal}
    notes: list[str] = field(default_factory=list)
    # When set, JSON output is exactly this (after conversion) instead of the generic shape.
    json_payload: dict[str, Any] | list[Any] | None = None
