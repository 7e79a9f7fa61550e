"""Writing member statements: one file for all, or one file per member (``--split``).

PDF: WeasyPrint's cost per document (font subsetting, ≈ 0.4 CPU-seconds) would
dominate one-page statements, so members are rendered in batches (many
statements per document, ``render_pdf_many``, each account's lines printed as
fixed-width text), and the batches are spread over worker processes (one per
core by default). The parent builds each batch's statements from the Polars
frames (the forked workers never touch Polars, whose thread pool does not survive
a fork) while the workers render, and joins the batch files page by page as they
arrive. For ``--split`` each batch document is laid out once and its pages are
cut into one file per member.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from coopctl.reports.builders.statements import StatementSet, combined_report, member_reports
from coopctl.reports.model import Report

# statements per PDF document, at most: each document has a fixed cost (fonts subset,
# ≈ 0.4 CPU-seconds against ≈ 15 ms a statement), so fewer, larger documents win; below
# that size the members are split evenly over the worker processes
BATCH = 1000
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


def member_batches(data: StatementSet, size: int) -> list[StatementSet]:
    """The statement set cut into sets of ``size`` members each, in member order."""
    import polars as pl

    if data.accounts.height == 0:
        return []
    acc = data.accounts.with_columns(_batch=(pl.col("member_no").rank("dense") - 1) // size)
    lines = data.lines.join(acc.select("account_id", "_batch"), on="account_id", how="left")
    acc_parts = acc.partition_by("_batch", as_dict=True, maintain_order=True, include_key=False)
    line_parts = lines.partition_by("_batch", as_dict=True, maintain_order=True, include_key=False)
    empty = data.lines.clear()
    return [
        StatementSet(data.window, a, line_parts.get(k, empty)) for k, a in sorted(acc_parts.items())
    ]


def _render_batch(args: tuple[list[Report], str, dict[str, Any]]) -> str:
    from coopctl.reports.render.pdf import render_pdf_many

    reports, path, meta = args
    render_pdf_many(reports, path, document_title="Member statements", **meta)
    return path


def _imap(func: Any, jobs: Iterable[Any], workers: int) -> Iterator[Any]:
    """``func`` over ``jobs`` in order, in ``workers`` forked processes when more than one."""
    if workers <= 1:
        yield from (func(j) for j in jobs)
        return
    import multiprocessing as mp

    import weasyprint  # noqa: F401 - imported once here, inherited by the forked workers

    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    with ctx.Pool(workers) as pool:
        yield from pool.imap(func, jobs)


def _map(func: Any, jobs: list[Any], workers: int) -> list[Any]:
    return list(_imap(func, jobs, workers if len(jobs) > 1 else 1))


def write_pdf(
    data: StatementSet,
    path: Path,
    meta: dict[str, Any],
    *,
    processes: int | None = None,
    batch: int | None = None,
) -> int:
    """All statements in one PDF; returns the number of statements.

    The same document whatever ``processes`` and ``batch`` are: each statement starts
    on a new page and the pages come in member order.
    """
    members = data.member_count
    meta = _pdf_meta(meta)
    if batch is None:
        wanted = _workers(processes, members)
        batch = max(MIN_BATCH, min(BATCH, -(-members // wanted)))
    try:
        import pypdf  # noqa: F401 - joins the batch files (a runtime dependency)
    except ImportError:  # pragma: no cover - without pypdf: one process, one document
        batch = max(members, 1)
    parts = member_batches(data, batch)
    if len(parts) <= 1:
        _render_batch(([r for _, r in member_reports(data)], str(path), meta))
        return members
    from pypdf import PdfWriter

    writer = PdfWriter()
    with tempfile.TemporaryDirectory(prefix="coopctl-st-") as tmp:
        # a generator: the pool's feeder thread builds the next batches while workers render
        jobs = (
            ([r for _, r in member_reports(p)], str(Path(tmp) / f"part-{i:05d}.pdf"), meta)
            for i, p in enumerate(parts)
        )
        for part_path in _imap(_render_batch, jobs, _workers(processes, len(parts))):
            writer.append(part_path)  # joined while the workers render the next batches
            os.unlink(part_path)
        with open(path, "wb") as fh:
            writer.write(fh)
    return members


def _render_split(args: tuple[list[tuple[str, Report]], str, dict[str, Any]]) -> list[str]:
    """Lay a batch out once, then write each member's pages to ``<dir>/<member_no>.pdf``."""
    from weasyprint import HTML

    from coopctl.reports.render.pdf import render_html, templates_path

    items, folder, meta = args
    html = render_html(
        [r for _, r in items],
        document_title="Member statement",
        for_pdf=True,
        statements=True,
        **meta,
    )
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
