"""HTML and PDF output through Jinja2 templates and WeasyPrint.

The look lives outside the code, in the ``reports/`` folder (shipped in the wheel
as ``coopctl.assets.reports``): ``templates/*.html.j2`` and ``styles/report.css``.
A cooperative restyles its reports by copying that folder, editing it, and pointing
config ``[reports] templates_dir`` at the copy; any file missing from the copy is
taken from the shipped folder.

Values are formatted in Python (:mod:`coopctl.reports.render.cells`) before they
reach a template, so templates only lay out text.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from coopctl.reports.model import Report, Table
from coopctl.reports.render.cells import human, human_timestamp, is_right_aligned

log = logging.getLogger(__name__)

ASSETS_PACKAGE = "coopctl.assets.reports"
DOCUMENT_TEMPLATE = "document.html.j2"
STYLESHEET = Path("styles") / "report.css"
# many member statements in one document: a lean template and stylesheet of their own
STATEMENTS_TEMPLATE = "statements.html.j2"
STATEMENTS_STYLESHEET = Path("styles") / "statements.css"
WIDE_COLUMNS = 7


def _shipped_reports_dir() -> Path:
    """The shipped ``reports/`` folder: the wheel's package data, else the repository's."""
    try:
        spec = importlib.util.find_spec(ASSETS_PACKAGE)
    except ModuleNotFoundError:
        spec = None
    if spec is not None:
        folder = Path(str(resources.files(ASSETS_PACKAGE)))
        if (folder / "templates").is_dir():
            return folder
    return Path(__file__).resolve().parents[3] / "reports"


def templates_path(override: Path | None = None) -> Path:
    """The reports folder (holding ``templates/`` and ``styles/``) to render with."""
    if override is not None:
        return Path(override)
    return _shipped_reports_dir()


# --- view model: what the templates see ---------------------------------------------


@dataclass(frozen=True)
class _Cell:
    text: str
    cls: str


@dataclass(frozen=True)
class _Col:
    title: str
    cls: str
    width: int | None  # characters (the XLSX width hint), applied as CSS ``ch``


@dataclass(frozen=True)
class _Row:
    style: str
    cells: list[_Cell]


@dataclass(frozen=True)
class _Table:
    title: str | None
    columns: list[_Col]
    rows: list[_Row]


@dataclass(frozen=True)
class _Report:
    id: str
    name: str
    title: str
    period: str
    tables: list[_Table]
    notes: list[str]
    wide: bool  # more than WIDE_COLUMNS columns: printed landscape


def _col_class(kind: str, label: bool) -> str:
    classes = [f"k-{kind}", "num" if is_right_aligned(kind) else "txt"]
    if label:
        classes.append("label")
    return " ".join(classes)


def _view_table(table: Table) -> _Table:
    label = table.label_index()
    classes = [_col_class(c.kind, i == label) for i, c in enumerate(table.columns)]
    rows = [
        _Row(
            style=row.style,
            cells=[
                _Cell(human(row.cells.get(c.key), c.kind), classes[i])
                for i, c in enumerate(table.columns)
            ],
        )
        for row in table.rows
    ]
    cols = [_Col(c.title, classes[i], c.width) for i, c in enumerate(table.columns)]
    return _Table(table.title, cols, rows)


def _view_report(report: Report, index: int) -> _Report:
    return _Report(
        id=f"report-{index}",
        name=report.name,
        title=report.title,
        period=report.period,
        tables=[_view_table(t) for t in report.tables],
        notes=list(report.notes),
        wide=any(len(t.columns) > WIDE_COLUMNS for t in report.tables),
    )


# --- Jinja2 -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _environment(folders: tuple[str, ...]) -> Any:
    from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

    loader = ChoiceLoader([FileSystemLoader(str(Path(f) / "templates")) for f in folders])
    return Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _folders(templates_dir: Path | None) -> tuple[str, ...]:
    chosen = templates_path(templates_dir)
    shipped = _shipped_reports_dir()
    folders = [str(chosen)]
    if chosen.resolve() != shipped.resolve():
        folders.append(str(shipped))  # fall back to shipped files the override lacks
    return tuple(folders)


def _stylesheet(folders: tuple[str, ...], for_pdf: bool = False, name: Path = STYLESHEET) -> str:
    for folder in folders:
        css = Path(folder) / name
        if css.is_file():
            text = css.read_text(encoding="utf-8")
            return resolve_root_variables(text) if for_pdf else text
    return ""


def template_environment(templates_dir: Path | None = None) -> tuple[Any, Path, str]:
    """(Jinja2 environment, base folder, stylesheet) for documents other than reports
    (the loan agreement): the same override folder and fall-back, autoescape on."""
    folders = _folders(templates_dir)
    return _environment(folders), templates_path(templates_dir), _stylesheet(folders)


_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_ROOT_RULE = re.compile(r":root\s*\{([^}]*)\}")
_CUSTOM_DECL = re.compile(r"(--[A-Za-z0-9_-]+)\s*:\s*([^;{}]+)(?:;|(?=\}))")
_VAR = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)\s*\)")


def resolve_root_variables(css: str) -> str:
    """Write the palette's ``var(--name)`` out as the values ``:root`` gives them.

    WeasyPrint resolves custom properties on every element's computed style; for
    thousands of one-page statements that is about a sixth of the time. The
    stylesheet keeps its variables (a cooperative still edits one place); they
    are substituted only when each is declared once, in ``:root``, and never
    with a fallback, so the result is the same document. Otherwise the CSS is
    left as it is.
    """
    original = css
    css = _COMMENT.sub("", css)
    root = _ROOT_RULE.search(css)
    if root is None:
        return original
    declared = _CUSTOM_DECL.findall(root.group(1))
    values = dict(declared)
    if len(values) != len(declared) or len(_CUSTOM_DECL.findall(css)) != len(declared):
        return original  # declared twice or outside :root: leave it to the cascade
    body = css[: root.start()] + css[root.end() :]
    if any(name not in values for name in _VAR.findall(body)) or "var(--" in _VAR.sub("", body):
        return original  # an unknown variable or one with a fallback
    return _VAR.sub(lambda m: values[m.group(1)].strip(), body)


def _logo_uri(logo_path: str | None) -> str | None:
    if not logo_path:
        return None
    logo = Path(logo_path).expanduser()
    if not logo.is_file():
        log.warning("logo %s not found; reports are printed without it", logo)
        return None
    return logo.resolve().as_uri()


def render_html(
    reports: Iterable[Report],
    *,
    coop_name: str,
    logo_path: str | None = None,
    generated_by: str,
    generated_at: datetime,
    cover: bool = False,
    contents: bool = False,
    templates_dir: Path | None = None,
    document_title: str | None = None,
    for_pdf: bool = False,
    statements: bool = False,
) -> str:
    """One HTML document for ``reports`` (each starts on a new page).

    ``cover`` adds a cover page and ``contents`` a table of contents with page
    numbers (the month-end pack). ``document_title`` names the document on the
    cover and in the PDF metadata (default: the report's title, or "Reports").
    ``for_pdf`` writes the stylesheet's ``:root`` variables out
    (:func:`resolve_root_variables`); HTML output keeps the stylesheet as written.
    ``statements`` prints the reports as fixed-width lines
    (:mod:`coopctl.reports.render.printout`) through the member-statements template
    and stylesheet (``statements.html.j2``, ``styles/statements.css``; no cover or
    contents): thousands of statements at a time.
    """
    from markupsafe import Markup

    from coopctl.reports.render.printout import body, print_report

    views: list[Any] = [
        print_report(r, i) if statements else _view_report(r, i)
        for i, r in enumerate(reports, start=1)
    ]
    folders = _folders(templates_dir)
    env = _environment(folders)
    if document_title is None:
        document_title = views[0].title if len(views) == 1 else "Reports"
    periods = list(dict.fromkeys(v.period for v in views if v.period))
    template, sheet = (
        (STATEMENTS_TEMPLATE, STATEMENTS_STYLESHEET)
        if statements
        else (DOCUMENT_TEMPLATE, STYLESHEET)
    )
    html: str = env.get_template(template).render(
        reports=views,
        coop_name=coop_name,
        logo_uri=_logo_uri(logo_path),
        generated_by=generated_by,
        generated_at=human_timestamp(generated_at),
        cover=cover,
        contents=contents,
        document_title=document_title,
        periods=periods,
        css=Markup(_stylesheet(folders, for_pdf, sheet)),
        body=body,
    )
    return html


def _write(html: str, path: Path | str, base_url: Path) -> None:
    from weasyprint import HTML

    HTML(string=html, base_url=str(base_url)).write_pdf(str(path))


def render_pdf(
    reports: Iterable[Report],
    path: Path | str,
    *,
    coop_name: str,
    logo_path: str | None = None,
    generated_by: str,
    generated_at: datetime,
    cover: bool = False,
    contents: bool = False,
    templates_dir: Path | None = None,
    document_title: str | None = None,
) -> None:
    """Write ``reports`` as one PDF at ``path`` (A4; see :func:`render_html`)."""
    html = render_html(
        reports,
        coop_name=coop_name,
        logo_path=logo_path,
        generated_by=generated_by,
        generated_at=generated_at,
        cover=cover,
        contents=contents,
        templates_dir=templates_dir,
        document_title=document_title,
        for_pdf=True,
    )
    _write(html, path, templates_path(templates_dir))


def render_pdf_many(
    reports: Iterable[Report],
    path: Path | str,
    *,
    coop_name: str,
    logo_path: str | None = None,
    generated_by: str,
    generated_at: datetime,
    templates_dir: Path | None = None,
    document_title: str | None = None,
) -> None:
    """Many small reports (e.g. 1,000 member statements) in ONE PDF document.

    WeasyPrint's fixed cost per document (fonts subset, ≈ 0.4 s) dominates small
    reports, so they are laid out as one HTML document with a page break before
    each, in the member-statements layout (``statements=True`` of
    :func:`render_html`: tables as fixed-width lines; ≈ 60 one-page statements a
    CPU-second here). ``reports`` may be a generator. Callers wanting both cores
    split the members into several documents and render them in several processes.
    """
    html = render_html(
        reports,
        coop_name=coop_name,
        logo_path=logo_path,
        generated_by=generated_by,
        generated_at=generated_at,
        templates_dir=templates_dir,
        document_title=document_title or "Statements",
        for_pdf=True,
        statements=True,
    )
    _write(html, path, templates_path(templates_dir))
