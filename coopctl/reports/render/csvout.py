"""CSV output: machine-friendly, header of column keys, amounts like ``12500.50``.

One table: a plain CSV. Several tables: each is preceded by a one-cell line with
its title, and tables are separated by a blank line.
"""

from __future__ import annotations

import csv
import io

from coopctl.reports.model import Report, Table
from coopctl.reports.render.cells import plain


def _write_table(writer: csv.DictWriter[str], table: Table) -> None:
    writer.writeheader()
    for row in table.rows:
        writer.writerow({c.key: plain(row.cells.get(c.key), c.kind) for c in table.columns})


def render_csv(report: Report | list[Report]) -> str:
    """The report's tables as CSV text (``\\n`` line ends)."""
    reports = report if isinstance(report, list) else [report]
    tables = [t for r in reports for t in r.tables]
    buf = io.StringIO()
    several = len(tables) > 1
    for i, table in enumerate(tables):
        if several:
            if i:
                buf.write("\n")
            csv.writer(buf, lineterminator="\n").writerow([table.title or f"Table {i + 1}"])
        writer = csv.DictWriter(
            buf,
            fieldnames=[c.key for c in table.columns],
            lineterminator="\n",
            extrasaction="ignore",
        )
        _write_table(writer, table)
    return buf.getvalue()
