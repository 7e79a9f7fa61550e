"""Writing member statements: one file for all, or one file per member (``--split``).

PDF: WeasyPrint's cost per document dominates one-page statements, so members
are rendered in batches (many statements per document, ``render_pdf_many``),
and the batches are spread over worker processes (one per core by default).
For one PDF the batch files are then joined page by page; for ``--split`` each
batch document is laid out once and its pages are cut into one file per member.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coopctl.reports.builders.statements import StatementSet, combined_report, member_reports
from coopctl.reports.model import Report

# statements per PDF document, at most: each document has a fixed cost (fonts loaded and
# subset, ≈ 0.5-0.8 CPU-seconds), so fewer, larger documents win; the members are split
# evenly over the worker processes below that size (100: 15.8, 300: 17.3 a CPU-second)
BATCH = 400
MIN_BATCH = 20
SPLIT_BATCH = 100  # --split: one document per batch, its pages cut per member


def _pdf_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {
        k: meta.get(k)
        for k in ("coop_name", "logo_path", "generated_by", "generated_at", "templates_dir")
    }


def _chunks(items: Sequence[Any], n: int) -> list[Sequence[Any]]:
    return [items[i : i + n] for i in range(0, len(items), n)]


def _workers(processes: int | None, batches: int) -> int:
    wanted = processes if processes is not None else (os.cpu_count() or 1)
    return max(1, min(wanted, batches))


def _render_batch(args: tuple[list[Report], str, dict[str, Any]]) -> str:
    from coopctl.reports.render.pdf import render_pdf_many

    reports, path, meta = args
    render_pdf_many(reports, path, document_title="Member statements", **meta)
    return path


def _map(func: Any, jobs: list[Any], workers: int) -> list[Any]:
    if workers <= 1 or len(jobs) <= 1:
        return [func(j) for j in jobs]
    import multiprocessing as mp

    import weasyprint  # noqa: F401 - imported once here, inherited by the forked workers

    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    with ctx.Pool(workers) as pool:
        return list(pool.imap(func, jobs))


def write_pdf(
    data: StatementSet,
    path: Path,
    meta: dict[str, Any],
    *,
    processes: int | None = None,
    batch: int | None = None,
) -> int:
    """All statements in one PDF; returns the number of statements."""
    reports = [r for _, r in member_reports(data)]
    meta = _pdf_meta(meta)
    if batch is None:
        wanted = _workers(processes, len(reports))
        batch = max(MIN_BATCH, min(BATCH, -(-len(reports) // wanted)))
    batches = _chunks(reports, batch)
    workers = _workers(processes, len(batches))
    try:
        import pypdf  # noqa: F401 - joins the batch files
    except ImportError:  # pragma: no cover - without pypdf: one process, one document
        workers, batches = 1, [reports]
    if len(batches) <= 1:
        _render_batch((list(reports), str(path), meta))
        return len(reports)
    with tempfile.TemporaryDirectory(prefix="coopctl-st-") as tmp:
        jobs = [
            (list(b), str(Path(tmp) / f"part-{i:05d}.pdf"), meta) for i, b in enumerate(batches)
        ]
        parts = _map(_render_batch, jobs, workers)
        _join(parts, path)
    return len(reports)


def _join(parts: list[str], path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for p in parts:
        writer.append(p)
    with open(path, "wb") as fh:
        writer.write(fh)


_NO_PAGE_NUMBER = "@page { @bottom-right { content: none; } }"


def _render_split(args: tuple[list[tuple[str, Report]], str, dict[str, Any]]) -> list[str]:
    """Lay a batch out once, then write each member's pages to ``<dir>/<member_no>.pdf``."""
    from weasyprint import HTML

    from coopctl.reports.render.pdf import render_html, templates_path

    items, folder, meta = args
    html = render_html(
        [r for _, r in items], document_title="Member statement", for_pdf=True, **meta
    )
    # Pages are numbered across the batch document; in a one-member file that would read
    # "Page 37 of 100", so the split files carry no page number.
    html = html.replace("</head>", f"<style>{_NO_PAGE_NUMBER}</style></head>", 1)
    doc = HTML(string=html, base_url=str(templates_path(meta.get("templates_dir")))).render()
    starts: dict[int, int] = {}
    for pi, page in enumerate(doc.pages):
        for anchor in page.anchors:
            if anchor.startswith("report-"):
                starts.setdefault(int(anchor.split("-")[1]), pi)
    order = sorted(starts.items())
    out = []
    for k, (idx, first) in enumerate(order):
        last = order[k + 1][1] if k + 1 < len(order) else len(doc.pages)
        member_no = items[idx - 1][0]
        target = str(Path(folder) / f"{member_no}.pdf")
        doc.copy(doc.pages[first:last]).write_pdf(target)
        out.append(target)
    return out


def write_split(
    data: StatementSet,
    fmt: str,
    folder: Path,
    meta: dict[str, Any],
    *,
    processes: int | None = None,
    batch: int = SPLIT_BATCH,
) -> list[str]:
    """One file per member (``<member_no>.<fmt>``) in ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    items = list(member_reports(data))
    if fmt == "pdf":
        meta = _pdf_meta(meta)
        jobs = [(list(b), str(folder), meta) for b in _chunks(items, batch)]
        return [p for ps in _map(_render_split, jobs, _workers(processes, len(jobs))) for p in ps]
    from coopctl.reports.render import render

    paths = []
    for member_no, report in items:
        target = folder / f"{member_no}.{fmt}"
        text = render(report, fmt, output=target if fmt in ("xlsx",) else None, **meta)
        if text is not None:
            target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        paths.append(str(target))
    return paths


def write_xlsx(data: StatementSet, path: Path, meta: dict[str, Any]) -> None:
    """Every statement in one sheet (opening, lines, closing per account).

    Large books go through openpyxl's write-only mode (streamed rows; amounts are real
    numbers formatted ``#,##0.00``, dates real dates, closing rows bold); small ones
    through the shared renderer.
    """
    if data.lines.height + 2 * data.accounts.height <= 5_000:
        from coopctl.reports.render.xlsx import render_xlsx

        render_xlsx(
            [combined_report(data, with_json=False)],
            path,
            coop_name=meta["coop_name"],
            generated_by=meta["generated_by"],
            generated_at=meta["generated_at"],
        )
        return
    _write_xlsx_streamed(data, path, meta)


def _write_xlsx_streamed(data: StatementSet, path: Path, meta: dict[str, Any]) -> None:
    import polars as pl

    from coopctl.reports.builders.statements import COMBINED_COLUMNS, combined_frame
    from coopctl.reports.builders.xlsx_stream import write_table
    from coopctl.reports.render.cells import human_timestamp

    closing = pl.col("k") == 2
    frame = combined_frame(data).select(
        "member_no",
        "name",
        "account_no",
        "date",
        pl.when(pl.col("entry_id").is_not_null())
        .then(pl.lit("JE") + pl.col("entry_id").cast(pl.String).str.zfill(8))
        .alias("entry_no"),
        "narration",
        pl.when((pl.col("debit").fill_null(0) != 0) | closing).then(pl.col("debit")).alias("debit"),
        pl.when((pl.col("credit").fill_null(0) != 0) | closing)
        .then(pl.col("credit"))
        .alias("credit"),
        "balance",
        closing.alias("closing"),
    )

    write_table(
        path,
        sheet="Member Statements",
        title_rows=[meta["coop_name"], "Member Statements", data.window.label()],
        header=[c.title for c in COMBINED_COLUMNS],
        kinds=["text", "text", "text", "date", "text", "text", "kobo", "kobo", "kobo"],
        widths=[10, 24, 12, 11, 12, 30, 14, 14, 16],
        frame=frame,
        bold="closing",
        footer=f"Generated by {meta['generated_by']} at {human_timestamp(meta['generated_at'])}",
        creator=meta["coop_name"],
        generated_at=meta["generated_at"],
    )


def _kobo_str(col: str) -> Any:
    """Polars expression: Int64 kobo → exact ``12500.50`` text (no floats)."""
    import polars as pl

    a = pl.col(col).abs()
    return (
        pl.when(pl.col(col) < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + (a // 100).cast(pl.String)
        + pl.lit(".")
        + (a % 100).cast(pl.String).str.zfill(2)
    )


def csv_text(data: StatementSet) -> str:
    """Every statement as CSV (the columns of the combined table), vectorised in Polars."""
    import polars as pl

    from coopctl.reports.builders.statements import combined_frame

    f = combined_frame(data)
    closing = pl.col("k") == 2
    out = f.select(
        "member_no",
        "name",
        "account_no",
        pl.col("date").cast(pl.String),
        pl.when(pl.col("entry_id").is_not_null())
        .then(pl.lit("JE") + pl.col("entry_id").cast(pl.String).str.zfill(8))
        .alias("entry_no"),
        "narration",
        pl.when((pl.col("debit").fill_null(0) != 0) | closing)
        .then(_kobo_str("debit"))
        .alias("debit"),
        pl.when((pl.col("credit").fill_null(0) != 0) | closing)
        .then(_kobo_str("credit"))
        .alias("credit"),
        _kobo_str("balance").alias("balance"),
    )
    return str(out.write_csv(null_value=""))
