"""JSON output: one document on stdout, amounts as two-decimal strings, ISO dates."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from coopctl.core.money import fmt
from coopctl.reports.model import Report, Table
from coopctl.reports.render.cells import iso_utc


def to_jsonable(obj: Any) -> Any:
    """Convert ``obj`` into plain JSON types.

    ``Decimal`` → ``"12500.50"`` (always two decimals), ``date`` → ``"YYYY-MM-DD"``,
    ``datetime`` → ISO 8601 in UTC, dataclasses/mappings/sequences recursively,
    enums by value, paths as strings. ``None``, booleans, ints and strings pass through.
    """
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, Decimal):
        return fmt(obj)
    if isinstance(obj, datetime):  # before date: datetime is a date
        return iso_utc(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, float):
        # Floats never carry amounts; they may appear as ratios or timings.
        return obj
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, PurePath):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        items = sorted(obj, key=str) if isinstance(obj, set | frozenset) else obj
        return [to_jsonable(v) for v in items]
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")


def table_rows(table: Table) -> list[dict[str, Any]]:
    """The rows of ``table`` as ``{key: value}`` objects, in column order."""
    keys = [c.key for c in table.columns]
    return [{k: to_jsonable(row.cells.get(k)) for k in keys} for row in table.rows]


def report_payload(report: Report) -> Any:
    """The JSON value for one report (before serialisation).

    ``json_payload`` wins when set. Otherwise the summary keys, plus
    ``tables: [{title, rows}]``, plus ``rows`` at the top level when the report has
    exactly one table, plus ``notes`` when there are any.
    """
    if report.json_payload is not None:
        return to_jsonable(report.json_payload)
    out: dict[str, Any] = to_jsonable(report.summary)
    out.setdefault("report", report.name)
    tables = [{"title": t.title, "rows": table_rows(t)} for t in report.tables]
    out["tables"] = tables
    if len(tables) == 1:
        out.setdefault("rows", tables[0]["rows"])
    if report.notes:
        out.setdefault("notes", list(report.notes))
    return out


def render_json(report: Report | list[Report]) -> str:
    """One JSON document: an object for a report, an array for several."""
    value = (
        [report_payload(r) for r in report] if isinstance(report, list) else report_payload(report)
    )
    return json.dumps(value, indent=2, ensure_ascii=False)
