"""The one renderer of command output: records (key/value), tables, JSON and CSV.

Rules (docs/architecture.md, "Output"):

- stored text is data, never markup: every value becomes a rich ``Text`` (never a
  markup string), and control characters (C0, DEL, C1) and bidirectional
  overrides are shown escaped (``\\x1b``, ``\\u202e``) so they cannot move the
  cursor, recolour the terminal or reorder what a reader sees;
- amounts look the same everywhere in table mode (``10,000.50``), whether the
  value is a ``Decimal`` or a two-decimal string;
- a record leaves out empty fields; a table leaves out columns empty in every row;
- long values wrap inside their column instead of being cut;
- rendering cannot fail: if a rich layout ever raises, the same text is written as
  plain ``key: value`` lines, so a command whose write committed never exits
  non-zero because of its output.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TextIO

from coopctl.core.money import CENT as _CENT
from coopctl.core.money import fmt as money_fmt
from coopctl.core.text import visible

_AMOUNT_TEXT = re.compile(r"^-?\d+\.\d{2}$")
_NOTE_LIMIT = 200  # default rows a table shows (CLI.md)


def to_jsonable(obj: Any) -> Any:
    from datetime import date, datetime

    from coopctl.core import money

    if isinstance(obj, Decimal):
        return money.fmt(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj


def plain_cell(v: Any) -> str:
    """Machine form of a value (CSV): as JSON carries it, ``None`` empty."""
    v = to_jsonable(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(plain_cell(x) for x in v)
    return str(v)


def human_cell(v: Any) -> str:
    """People's form of a value (tables and records): amounts ``10,000.50``, text escaped."""
    from coopctl.core import money

    if isinstance(v, Decimal):
        return money.fmt_human(v)
    if isinstance(v, str) and _AMOUNT_TEXT.match(v):
        return money.fmt_human(Decimal(v))
    return visible(plain_cell(v))


def is_empty(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, list | dict | tuple) and not v)


def _is_numeric(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    return isinstance(v, Decimal | int) or (isinstance(v, str) and bool(_AMOUNT_TEXT.match(v)))


def columns_of(rows: Sequence[dict[str, Any]]) -> list[str]:
    cols: list[str] = []
    for r in rows:
        for k, v in r.items():
            if k not in cols and not isinstance(v, list | dict):
                cols.append(k)
    return cols


def console(*, stderr: bool = False) -> Any:
    """A rich console: colour only on a TTY without NO_COLOR; 160 columns (or
    ``$COOPCTL_WIDTH``) when not a terminal; never highlights or interprets emoji."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    width: int | None = None
    if not tty:
        try:
            width = max(40, int(os.environ.get("COOPCTL_WIDTH", "") or 160))
        except ValueError:
            width = 160
    return Console(
        file=stream,
        no_color=bool(os.environ.get("NO_COLOR")) or not tty,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )


def _record_table(record: dict[str, Any]) -> Any:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for k, v in record.items():
        if (
            is_empty(v)
            or isinstance(v, dict)
            or (isinstance(v, list) and any(isinstance(x, dict | list) for x in v))
        ):
            continue
        grid.add_row(Text(visible(str(k))), Text(human_cell(v)))
    return grid


def _rows_table(rows: Sequence[dict[str, Any]], cols: Sequence[str], title: str | None) -> Any:
    from rich.table import Table
    from rich.text import Text

    t = Table(title=Text(visible(title)) if title else None, show_lines=False)
    for c in cols:
        numeric = any(_is_numeric(r.get(c)) for r in rows)
        t.add_column(
            Text(visible(c)),
            justify="right" if numeric else "left",
            no_wrap=numeric,
            overflow="fold",
        )
    for r in rows:
        t.add_row(*[Text(human_cell(r.get(c))) for c in cols])
    return t


def render_table(
    rows: Sequence[dict[str, Any]],
    cols: Sequence[str] | None,
    *,
    title: str | None = None,
    header: dict[str, Any] | None = None,
    record: bool = False,
    out: Any = None,
) -> None:
    """Print a record (``record=True``: ``rows[0]`` key/value) or a table, with an
    optional key/value ``header`` above the table."""
    con = out if out is not None else console()
    chosen = list(cols) if cols else columns_of(rows)
    try:
        with con.capture() as cap:
            if record:
                shown = {c: rows[0].get(c) for c in chosen} if rows else {}
                if rows and not cols:
                    shown = dict(rows[0])
                con.print(_record_table(shown))
            else:
                if header:
                    con.print(_record_table(header))
                if rows or not header:
                    kept = [c for c in chosen if not all(is_empty(r.get(c)) for r in rows)]
                    con.print(_rows_table(rows, kept or chosen, title))
        text = cap.get()
    except Exception:  # pragma: no cover - the fallback must never be needed
        _plain_fallback(rows, chosen, header, con.file)
        return
    # No trailing blanks: the text is copied into documents and diffs.
    con.file.write("".join(line.rstrip() + "\n" for line in text.rstrip("\n").split("\n")))


def _plain_fallback(
    rows: Sequence[dict[str, Any]], cols: Sequence[str], header: dict[str, Any] | None, fh: TextIO
) -> None:
    for k, v in (header or {}).items():
        if not is_empty(v) and not isinstance(v, list | dict):
            fh.write(f"{visible(str(k))}: {human_cell(v)}\n")
    for r in rows:
        fh.write("  ".join(f"{visible(c)}={human_cell(r.get(c))}" for c in cols) + "\n")


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(rows: Sequence[dict[str, Any]], cols: Sequence[str], fh: TextIO) -> None:
    """RFC 4180 CSV with a header row and ``\n`` line ends. Cells are the data verbatim;
    a cell with a comma, a quote, CR or LF is quoted (the csv module would leave a
    lone CR unquoted with a ``\n`` terminator, and readers would split the row)."""
    fh.write(",".join(_csv_field(str(c)) for c in cols) + "\n")
    for r in rows:
        fh.write(",".join(_csv_field(plain_cell(r.get(c))) for c in cols) + "\n")


def _json_default(obj: Any) -> Any:
    """What the C encoder cannot write itself: the same values :func:`to_jsonable` gives."""
    if type(obj) is Decimal:
        return format(obj.quantize(_CENT), "f")  # money.fmt, inlined: called per amount
    from datetime import date, datetime

    if isinstance(obj, Decimal):
        return money_fmt(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def _is_flat(obj: Any) -> bool:
    return isinstance(obj, dict) and not any(
        isinstance(v, dict | list | tuple) for v in obj.values()
    )


def write_json(data: Any, fh: TextIO, *, fast: bool = True) -> None:
    """JSON with two-space indentation; a row of a list (a dict of plain values) is one
    line. Large documents (a check-off's lines, a month's interest accounts) are written
    row by row through the C encoder: the indenting encoder is pure Python and took
    80 µs a row. A list of rows that each hold plain values and lists of such one-line
    rows (a check-off line and its loans) is written by :func:`_rows_text` (``fast``;
    the tests compare it with the general walk)."""
    import json

    compact = json.JSONEncoder(ensure_ascii=False, default=_json_default, separators=(", ", ": "))

    def write(obj: Any, pad: str) -> None:
        inner = pad + "  "
        if isinstance(obj, dict) and any(not isinstance(k, str) for k in obj):
            obj = {str(k): v for k, v in obj.items()}  # as to_jsonable names them
        if isinstance(obj, dict) and obj and not (_is_flat(obj) and pad):
            fh.write("{\n")
            for i, (k, v) in enumerate(obj.items()):
                fh.write(f"{inner}{json.dumps(k, ensure_ascii=False)}: ")
                write(v, inner)
                fh.write(",\n" if i < len(obj) - 1 else "\n")
            fh.write(pad + "}")
        elif isinstance(obj, list | tuple) and obj:
            fh.write("[\n")
            if all(_is_flat(v) and all(isinstance(k, str) for k in v) for v in obj):
                enc = compact.encode
                fh.write(",\n".join(inner + enc(v) for v in obj))
                fh.write("\n")
            elif fast and _rows_text(obj[:1], inner, compact.encode) is not None:
                for i in range(0, len(obj), 1000):  # a thousand rows a write
                    text = _rows_text(obj[i : i + 1000], inner, compact.encode)
                    if text is None:  # a row of another shape: the general walk
                        for j, v in enumerate(obj[i:]):
                            fh.write(",\n" if i + j else "")
                            fh.write(inner)
                            write(v, inner)
                        break
                    fh.write(",\n" + text if i else text)
                fh.write("\n")
            else:
                last = len(obj) - 1
                for i, v in enumerate(obj):
                    fh.write(inner)
                    write(v, inner)
                    fh.write(",\n" if i < last else "\n")
            fh.write(pad + "]")
        else:
            fh.write(compact.encode(obj))

    write(data, "")
    fh.write("\n")


def _rows_text(rows: Sequence[Any], pad: str, enc: Any) -> str | None:
    """``rows`` as :func:`write_json` writes the items of a list at indentation ``pad``,
    when each is a dict of plain values and of lists of one-line rows (``None`` for any
    other shape). Plain values are formatted here as the C encoder does (strings through
    its own escaping; amounts as two-decimal strings); anything else goes to ``enc``."""
    from datetime import date
    from json.encoder import encode_basestring as quote

    inner, deeper = pad + "  ", pad + "    "
    keys: dict[str, str] = {}
    out = []
    for row in rows:
        if type(row) is not dict:
            return None
        parts = []
        nested = False  # a row of plain values only is one line (the C encoder's)
        for k, v in row.items():
            t = type(v)
            if t is str:
                text = quote(v)
            elif t is Decimal:
                text = '"' + format(v.quantize(_CENT), "f") + '"'
            elif v is None:
                text = "null"
            elif t is int:
                text = int.__repr__(v)
            elif t is list or t is tuple:
                nested = True
                if not v:
                    text = "[]"
                elif all(_is_flat(x) and all(type(y) is str for y in x) for x in v):
                    body = ",\n".join(deeper + enc(x) for x in v)
                    text = "[\n" + body + "\n" + inner + "]"
                else:
                    return None
            elif t is dict:
                nested = True
                if not _is_flat(v) or any(type(y) is not str for y in v):
                    return None
                text = enc(v)
            elif t is bool or t is date:
                text = enc(v)
            else:
                return None
            if type(k) is not str:
                return None
            head = keys.get(k)
            if head is None:
                head = keys[k] = inner + quote(k) + ": "
            parts.append(head + text)
        if nested:
            out.append(pad + "{\n" + ",\n".join(parts) + "\n" + pad + "}")
        else:
            out.append(pad + enc(row))
    return ",\n".join(out)


def limit_rows(
    rows: list[dict[str, Any]], fmt: str, *, limit: int | None, all_rows: bool
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows to show and, when some are held back, the note for stderr.

    Tables show at most ``limit`` rows (default 200); JSON and CSV every row unless
    ``--limit`` was given. ``--all`` shows every row in every format.
    """
    if all_rows:
        return rows, None
    cap = limit if limit is not None else (_NOTE_LIMIT if fmt == "table" else None)
    if cap is None or len(rows) <= cap:
        return rows, None
    return rows[:cap], f"showing {cap} of {len(rows)}; --all or --limit N"
