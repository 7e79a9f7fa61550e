"""Terminal output with rich: title, period, one table per report table.

Money and numbers are right-aligned with thousands separators; heading rows are
bold and underlined, subtotals bold, totals bold below a rule; ``indent1`` and
``indent2`` rows indent their label column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coopctl.reports.model import Report, Row, Table
from coopctl.reports.render.cells import human, is_right_aligned

if TYPE_CHECKING:
    from rich.console import Console

_INDENT = {"indent1": "  ", "indent2": "    "}
_ROW_STYLE = {"heading": "bold underline", "subtotal": "bold", "total": "bold"}


def _cells(table: Table, row: Row) -> list[Any]:
    """The row's cells as rich ``Text`` (stored text is never markup; controls escaped)."""
    from rich.text import Text

    from coopctl.core.text import visible

    out = [human(row.cells.get(c.key), c.kind) for c in table.columns]
    label = table.label_index()
    if out and row.style in _INDENT and not is_right_aligned(table.columns[label].kind):
        out[label] = _INDENT[row.style] + out[label]
    return [Text(visible(c)) for c in out]


def build_rich_table(table: Table) -> Any:
    """A ``rich.table.Table`` for one report table."""
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    from coopctl.core.text import visible

    rt = RichTable(
        title=Text(visible(table.title)) if table.title else None,
        title_style="bold",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_footer=False,
        pad_edge=False,
    )
    for col in table.columns:
        right = is_right_aligned(col.kind)
        rt.add_column(
            Text(visible(col.title)),
            justify="right" if right else "left",
            no_wrap=right,
            overflow="fold",
        )
    rows = table.rows
    for i, row in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        # A rule above totals: close the section before a total row.
        end_section = nxt is not None and nxt.style == "total"
        rt.add_row(*_cells(table, row), style=_ROW_STYLE.get(row.style), end_section=end_section)
    return rt


def render_table(report: Report, console: Console | None = None) -> None:
    """Print ``report`` to ``console`` (a new stdout console when ``None``)."""
    from rich.console import Console as RichConsole
    from rich.text import Text

    con = console if console is not None else RichConsole()
    from coopctl.core.text import visible

    heading = Text(visible(report.title), style="bold")
    if report.period:
        heading.append("  ")
        heading.append(visible(report.period), style="dim")
    con.print(heading)
    for table in report.tables:
        con.print(build_rich_table(table))
    for note in report.notes:
        con.print(Text(visible(note), style="italic dim"))
