"""Renderers: one :class:`~coopctl.reports.model.Report`, five formats.

``render(report, fmt, output=..., **meta)`` is the one entry point the CLI uses.
Each format lives in its own module and imports its heavy library (rich,
openpyxl, jinja2, weasyprint) only when called, so importing this package is cheap.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coopctl.core.errors import ValidationError
from coopctl.reports.model import Report

FORMATS = ("table", "json", "csv", "xlsx", "pdf")
FILE_FORMATS = frozenset({"xlsx", "pdf"})

__all__ = ["FILE_FORMATS", "FORMATS", "default_operator", "render"]


def default_operator() -> str:
    """Who is generating the document: ``$COOPCTL_OPERATOR``, else the OS login name."""
    name = os.environ.get("COOPCTL_OPERATOR")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def _meta(meta: dict[str, Any]) -> dict[str, Any]:
    known = {"coop_name", "generated_by", "generated_at"}
    out = {k: v for k, v in meta.items() if k not in known}
    out["coop_name"] = meta.get("coop_name") or "coopctl"
    out["generated_by"] = meta.get("generated_by") or default_operator()
    out["generated_at"] = meta.get("generated_at") or datetime.now(UTC)
    return out


def render(
    report_or_reports: Report | Sequence[Report],
    fmt: str,
    *,
    output: Path | None = None,
    console: Any = None,
    **meta: Any,
) -> str | None:
    """Render one or several reports as ``fmt`` (table, json, csv, xlsx, pdf).

    - ``table`` prints to ``console`` (a rich Console; stdout when ``None``).
    - ``json`` / ``csv`` return the text for the caller to print; when ``output``
      is given they write it there instead and return ``None``.
    - ``xlsx`` / ``pdf`` need ``output`` and write the file (several reports go into
      one workbook, one sheet each, or one PDF). ``meta``: ``coop_name``,
      ``generated_by``, ``generated_at`` and, for PDF, ``logo_path``, ``cover``,
      ``contents``, ``templates_dir``, ``document_title``.
    """
    reports = (
        [report_or_reports] if isinstance(report_or_reports, Report) else list(report_or_reports)
    )
    if fmt not in FORMATS:
        raise ValidationError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt in FILE_FORMATS and output is None:
        raise ValidationError(f"--format {fmt} needs -o PATH")

    if fmt == "table":
        from coopctl.reports.render.table import render_table

        for report in reports:
            render_table(report, console)
        return None

    if fmt in ("json", "csv"):
        if fmt == "json":
            from coopctl.reports.render.jsonout import render_json

            text = render_json(reports[0] if len(reports) == 1 else reports)
        else:
            from coopctl.reports.render.csvout import render_csv

            text = render_csv(reports)
        if output is None:
            return text
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        return None

    assert output is not None
    full = _meta(meta)
    if fmt == "xlsx":
        from coopctl.reports.render.xlsx import render_xlsx

        render_xlsx(
            reports,
            output,
            coop_name=full["coop_name"],
            generated_by=full["generated_by"],
            generated_at=full["generated_at"],
        )
        return None

    from coopctl.reports.render.pdf import render_pdf

    render_pdf(reports, output, **full)
    return None
