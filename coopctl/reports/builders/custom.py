"""Custom reports from TOML definitions (a regulator's or union's return, without code).

Definitions are ``*.toml`` files in the shipped ``reports/custom/`` folder and
in ``<[reports] templates_dir>/custom/``; a file there with the same report
name replaces the shipped one. Format (see docs/reports.md and the example
``reports/custom/union-quarterly-return.toml``)::

    name = "union-quarterly-return"     # lower-case, digits, '-'
    title = "Quarterly Return"
    description = "…"                   # optional

    [[columns]]                          # a figure per row
    key = "q"                            # unique
    title = "This quarter"
    measure = "balance"                  # balance | movement | debits | credits
    period = "quarter"                   # month | quarter | year | ytd
    offset = 0                           # 0 = the period of --as-of, -1 the one before…

    [[columns]]                          # or computed from earlier columns
    key = "change"
    title = "Change"
    difference = ["q", "q1"]             # q − q1   (or change_percent = ["q", "q1"])

    [[rows]]
    key = "cash"                         # optional; needed to be summed
    label = "Cash and bank"
    accounts = ["1100", "13*"]           # codes (a header takes its children), or prefix*
    side = "debit"                       # optional: default from the first account's type
    sign = 1                             # optional: 1 or -1
    style = "indent1"                    # normal | heading | subtotal | total | indent1 | indent2

    [[rows]]
    label = "Total"
    sum = ["cash", "-loans"]             # earlier row keys; '-' subtracts
    style = "total"

The current period ends on the report date (quarter to date, …); earlier ones
are whole. ``balance`` is the balance at the end of the column's period;
movements leave out year-end closing entries. Errors name the file and the key
(``rows[3].accounts``) and exit 2.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import ZERO
from coopctl.core.security import require
from coopctl.reports.builders.common import (
    NATURAL_SIDE,
    Chart,
    add_months,
    fiscal_year_start,
    gl_sums,
    money,
    month_start,
    pct,
)
from coopctl.reports.model import ROW_STYLES, Column, Report, Row, Table

MEASURES = ("balance", "movement", "debits", "credits")
PERIODS = ("month", "quarter", "year", "ytd")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class ReportDefinitionError(ValidationError):
    """A custom report definition must be valid TOML with known keys of the right kind."""


@dataclass
class ColumnDef:
    key: str
    title: str
    measure: str | None = None
    period: str = "month"
    offset: int = 0
    difference: list[str] | None = None
    change_percent: list[str] | None = None


@dataclass
class RowDef:
    label: str
    key: str | None = None
    accounts: list[str] = field(default_factory=list)
    sum: list[str] = field(default_factory=list)
    side: str | None = None
    sign: int = 1
    style: str = "normal"


@dataclass
class Definition:
    path: Path
    name: str
    title: str
    description: str
    columns: list[ColumnDef]
    rows: list[RowDef]


# --- loading -----------------------------------------------------------------------------
def definition_dirs(settings: Any) -> list[Path]:
    from coopctl.reports.render.pdf import _shipped_reports_dir

    dirs = [_shipped_reports_dir() / "custom"]
    tdir = settings["reports"]["templates_dir"] if settings is not None else ""
    if tdir:
        dirs.append(Path(tdir) / "custom")
    return dirs


def _err(path: Path, key: str, msg: str) -> ReportDefinitionError:
    return ReportDefinitionError(f"{path}: {key}: {msg}")


def _str(path: Path, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    v = data.get(key)
    if v is None and not required:
        return ""
    if not isinstance(v, str) or not v.strip():
        raise _err(path, f"{where}{key}", "must be a non-empty string")
    return v.strip()


def _strlist(path: Path, v: Any, where: str) -> list[str]:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
        raise _err(path, where, "must be a non-empty list of strings")
    return [x.strip() for x in v]


def _check_keys(path: Path, data: dict[str, Any], allowed: set[str], where: str) -> None:
    for k in data:
        if k not in allowed:
            raise _err(path, f"{where}{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _column(path: Path, i: int, c: Any, seen: list[str]) -> ColumnDef:
    w = f"columns[{i}]."
    if not isinstance(c, dict):
        raise _err(path, f"columns[{i}]", "must be a table")
    _check_keys(
        path, c, {"key", "title", "measure", "period", "offset", "difference", "change_percent"}, w
    )
    col = ColumnDef(_str(path, c, "key", w), _str(path, c, "title", w))
    if col.key in seen:
        raise _err(path, f"{w}key", f"{col.key!r} is used twice")
    for comp in ("difference", "change_percent"):
        if comp in c:
            refs = _strlist(path, c[comp], f"{w}{comp}")
            if len(refs) != 2 or any(r not in seen for r in refs):
                raise _err(path, f"{w}{comp}", "must name two earlier column keys")
            setattr(col, comp, refs)
            return col
    measure = c.get("measure")
    if measure not in MEASURES:
        raise _err(path, f"{w}measure", f"must be one of {', '.join(MEASURES)}")
    col.measure = measure
    period = c.get("period", "month")
    if period not in PERIODS:
        raise _err(path, f"{w}period", f"must be one of {', '.join(PERIODS)}")
    col.period = period
    offset = c.get("offset", 0)
    if not isinstance(offset, int) or isinstance(offset, bool) or not -60 <= offset <= 0:
        raise _err(path, f"{w}offset", "must be a whole number from -60 to 0")
    col.offset = offset
    return col


def _row(path: Path, i: int, r: Any, keys: list[str]) -> RowDef:
    w = f"rows[{i}]."
    if not isinstance(r, dict):
        raise _err(path, f"rows[{i}]", "must be a table")
    _check_keys(path, r, {"key", "label", "accounts", "sum", "side", "sign", "style"}, w)
    row = RowDef(_str(path, r, "label", w))
    if "key" in r:
        row.key = _str(path, r, "key", w)
        if row.key in keys:
            raise _err(path, f"{w}key", f"{row.key!r} is used twice")
    if "accounts" in r and "sum" in r:
        raise _err(path, w + "sum", "a row has accounts or sum, not both")
    if "accounts" in r:
        row.accounts = _strlist(path, r["accounts"], f"{w}accounts")
    if "sum" in r:
        row.sum = _strlist(path, r["sum"], f"{w}sum")
        for ref in row.sum:
            if ref.lstrip("-") not in keys:
                raise _err(path, f"{w}sum", f"{ref!r} is not the key of an earlier row")
    if "side" in r:
        if r["side"] not in ("debit", "credit"):
            raise _err(path, f"{w}side", "must be debit or credit")
        row.side = r["side"]
    if "sign" in r:
        if r["sign"] not in (1, -1) or isinstance(r["sign"], bool):
            raise _err(path, f"{w}sign", "must be 1 or -1")
        row.sign = int(r["sign"])
    style = r.get("style", "normal")
    if style not in ROW_STYLES:
        raise _err(path, f"{w}style", f"must be one of {', '.join(sorted(ROW_STYLES))}")
    row.style = style
    return row


def parse_definition(path: Path, text: str) -> Definition:
    """Parse and validate one definition (structure only; GL codes are checked at run)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportDefinitionError(f"{path}: not valid TOML: {exc}") from None
    _check_keys(path, data, {"name", "title", "description", "columns", "rows"}, "")
    name = _str(path, data, "name", "")
    if not NAME_RE.match(name):
        raise _err(path, "name", f"{name!r}: use lower-case letters, digits and '-'")
    from coopctl.reports.registry import BUILT_INS

    if name in BUILT_INS or name in ("list", "run", "pack"):
        raise _err(path, "name", f"{name!r} is a built-in report or command")
    cols_raw, rows_raw = data.get("columns"), data.get("rows")
    if not isinstance(cols_raw, list) or not cols_raw:
        raise _err(path, "columns", "at least one [[columns]] table is needed")
    if not isinstance(rows_raw, list) or not rows_raw:
        raise _err(path, "rows", "at least one [[rows]] table is needed")
    cols: list[ColumnDef] = []
    for i, c in enumerate(cols_raw):
        cols.append(_column(path, i, c, [x.key for x in cols]))
    rows: list[RowDef] = []
    for i, r in enumerate(rows_raw):
        rows.append(_row(path, i, r, [x.key for x in rows if x.key]))
    return Definition(
        path,
        name,
        _str(path, data, "title", ""),
        _str(path, data, "description", "", required=False),
        cols,
        rows,
    )


def load_definitions(settings: Any) -> list[Definition]:
    """Every definition, later folders overriding earlier ones by name."""
    found: dict[str, Definition] = {}
    for folder in definition_dirs(settings):
        if not folder.is_dir():
            continue
        names: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            d = parse_definition(path, path.read_text(encoding="utf-8"))
            if d.name in names:
                raise _err(path, "name", f"{d.name!r} is also defined in {names[d.name]}")
            names[d.name] = path
            found[d.name] = d
    return sorted(found.values(), key=lambda d: d.name)


def find_definition(settings: Any, name: str) -> Definition | None:
    return next((d for d in load_definitions(settings) if d.name == name), None)


# --- running -----------------------------------------------------------------------------
def column_window(uow: UnitOfWork, col: ColumnDef, as_of: date) -> tuple[date, date]:
    """The [start, end] of a column's period relative to the report date."""
    if col.period == "month":
        start = add_months(month_start(as_of), col.offset)
        end = add_months(start, 1) - timedelta(days=1)
    elif col.period == "quarter":
        q0 = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        start = add_months(q0, 3 * col.offset)
        end = add_months(start, 3) - timedelta(days=1)
    elif col.period == "year":
        start = add_months(fiscal_year_start(uow, as_of), 12 * col.offset)
        end = add_months(start, 12) - timedelta(days=1)
    else:  # ytd
        start = add_months(fiscal_year_start(uow, as_of), 12 * col.offset)
        end = add_months(as_of, 12 * col.offset)
    return start, min(end, as_of) if col.offset == 0 else end


def _resolve(chart: Chart, d: Definition, i: int, row: RowDef) -> tuple[list[int], str]:
    ids: list[int] = []
    for spec in row.accounts:
        if spec.endswith("*"):
            nodes = [
                n
                for n in chart.by_code.values()
                if n.code.startswith(spec[:-1]) and not n.gl.is_header
            ]
            if not nodes:
                raise _err(d.path, f"rows[{i}].accounts", f"no GL account matches {spec!r}")
        elif spec in chart.by_code:
            nodes = chart.descendants(spec)
        else:
            raise _err(d.path, f"rows[{i}].accounts", f"unknown GL code {spec!r}")
        ids += [n.gl.id for n in nodes if n.gl.id not in ids]
    side = row.side or NATURAL_SIDE[chart.by_id[ids[0]].gl.type]
    return ids, side


def run_definition(uow: UnitOfWork, d: Definition, params: Any) -> Report:
    """Compute a custom report for ``params.date`` (the end of ``--to`` or ``--as-of``)."""
    require(uow.operator, "reports.view")
    as_of = params.date(uow)
    chart = Chart(uow)
    sums_cache: dict[tuple[str, date, date], dict[int, tuple[int, int]]] = {}

    def sums(col: ColumnDef) -> dict[int, tuple[int, int]]:
        start, end = column_window(uow, col, as_of)
        k = ("b" if col.measure == "balance" else "m", start, end)
        if k not in sums_cache:
            sums_cache[k] = (
                gl_sums(uow, end=end)
                if col.measure == "balance"
                else gl_sums(uow, start=start, end=end, exclude_closing=True)
            )
        return sums_cache[k]

    values: dict[str, dict[str, Any]] = {}
    out_rows: list[Row] = []
    json_rows: list[dict[str, Any]] = []
    for i, row in enumerate(d.rows):
        cells: dict[str, Any] = {"label": row.label}
        resolved = _resolve(chart, d, i, row) if row.accounts else None
        for col in d.columns:
            if col.difference or col.change_percent:
                a, b = col.difference or col.change_percent  # type: ignore[misc]
                va, vb = cells.get(a), cells.get(b)
                if va is None or vb is None:
                    cells[col.key] = None
                elif col.difference:
                    cells[col.key] = va - vb
                else:
                    cells[col.key] = pct(va - vb, vb) if vb else "n/a"
                continue
            if resolved is not None:
                ids, side = resolved
                s = sums(col)
                k = 0
                for gid in ids:
                    dr, cr = s.get(gid, (0, 0))
                    if col.measure == "debits":
                        k += dr
                    elif col.measure == "credits":
                        k += cr
                    else:
                        k += dr - cr if side == "debit" else cr - dr
                cells[col.key] = money(k) * row.sign
            elif row.sum:
                total = ZERO
                for ref in row.sum:
                    v = values[ref.lstrip("-")].get(col.key)
                    if isinstance(v, Decimal):
                        total += -v if ref.startswith("-") else v
                cells[col.key] = total * row.sign
            else:
                cells[col.key] = None
        if row.key:
            values[row.key] = cells
        out_rows.append(Row(cells, row.style))
        json_rows.append({"key": row.key, "style": row.style, **cells})
    columns = [Column("label", "", "text")]
    for col in d.columns:
        kind = "percent" if col.change_percent else "money"
        columns.append(Column(col.key, col.title, kind))
    windows = {col.key: column_window(uow, col, as_of) for col in d.columns if col.measure}
    return Report(
        name=d.name,
        title=d.title,
        period=f"As of {as_of.isoformat()}",
        tables=[Table(None, columns, out_rows, label="label")],
        summary={"as_of": as_of, "definition": str(d.path)},
        notes=[d.description] if d.description else [],
        json_payload={
            "as_of": as_of,
            "report": d.name,
            "title": d.title,
            "columns": [
                {
                    "key": c.key,
                    "title": c.title,
                    "from": windows.get(c.key, (None, None))[0],
                    "to": windows.get(c.key, (None, None))[1],
                }
                for c in d.columns
            ],
            "rows": json_rows,
        },
    )
