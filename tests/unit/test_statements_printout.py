"""Member statements printed as fixed-width lines, and the batched PDF path: the same
document whatever the batch size and number of processes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from coopctl.reports.builders.common import Window
from coopctl.reports.builders.statements import (
    STATEMENT_COLUMNS,
    StatementSet,
    member_reports,
)
from coopctl.reports.model import Column, Report, Row, Table
from coopctl.reports.render.printout import (
    LANDSCAPE_CHARS,
    PORTRAIT_CHARS,
    body,
    print_report,
    table_lines,
    widths,
)

META: dict[str, Any] = {
    "coop_name": "Ikeja Teachers' Cooperative",
    "generated_by": "ada",
    "generated_at": datetime(2026, 11, 1, 7, 30, tzinfo=UTC),
}


def _statement_table(rows: list[Row]) -> Table:
    return Table("S0000001 — SAV (savings)", STATEMENT_COLUMNS, rows, label="narration")


def test_columns_fill_a_portrait_line_and_figures_align_right() -> None:
    t = _statement_table(
        [
            Row(
                {
                    "date": date(2026, 10, 1),
                    "narration": "Opening balance",
                    "balance": Decimal("9439.12"),
                },
                "indent1",
            ),
            Row(
                {
                    "date": date(2026, 10, 3),
                    "entry_no": "JE00200001",
                    "narration": "Deposit",
                    "credit": Decimal("43759.16"),
                    "balance": Decimal("53198.28"),
                }
            ),
            Row(
                {
                    "narration": "Totals and closing balance",
                    "debit": Decimal("0.00"),
                    "credit": Decimal("43759.16"),
                    "balance": Decimal("1234567.00"),
                },
                "total",
            ),
        ]
    )
    ws = widths(t.columns, t.label_index(), PORTRAIT_CHARS)
    assert sum(ws) + len(ws) - 1 == PORTRAIT_CHARS
    p = table_lines(t)
    assert p.header.startswith("Date") and p.header.endswith("Balance")
    assert len(p.header) == PORTRAIT_CHARS
    opening, deposit, total = p.lines
    assert opening.muted and not opening.bold and total.bold
    assert opening.text.endswith("9,439.12") and len(opening.text) == PORTRAIT_CHARS
    assert deposit.text.startswith("2026-10-03 JE00200001  Deposit")
    # every figure ends where its column header ends
    credit_end = p.header.index("Credit") + len("Credit")
    assert deposit.text[:credit_end].endswith("43,759.16")
    assert total.text[:credit_end].endswith("43,759.16")
    assert total.text.endswith("1,234,567.00")
    assert "  Opening balance" in opening.text  # indent1: its label indented


def test_long_text_wraps_and_nothing_is_lost() -> None:
    words = " ".join(f"word{i}" for i in range(40))
    t = _statement_table(
        [
            Row(
                {
                    "date": date(2026, 10, 5),
                    "entry_no": "JE00000007",
                    "narration": words,
                    "debit": Decimal("1.00"),
                    "balance": Decimal("-1.00"),
                }
            )
        ]
    )
    lines = [ln.text for ln in table_lines(t).lines]
    assert len(lines) > 1
    assert all(len(x) <= PORTRAIT_CHARS for x in lines)
    narration_at = table_lines(t).header.index("Narration")
    joined = " ".join(x[narration_at:].split("  ")[0].strip() for x in lines)
    assert joined.replace("1.00", "").split() == words.split()
    assert lines[0].endswith("-1.00")  # the figures stay on the first line


def test_an_amount_wider_than_its_column_is_written_whole() -> None:
    t = _statement_table(
        [
            Row(
                {
                    "narration": "x",
                    "credit": Decimal("123456789012345.67"),
                    "balance": Decimal("1.00"),
                }
            )
        ]
    )
    assert "123,456,789,012,345.67" in table_lines(t).lines[0].text


def test_body_escapes_text_and_marks_rows() -> None:
    t = _statement_table(
        [
            Row({"narration": "<script>&", "balance": Decimal("1.00")}),
            Row({"narration": "Totals", "balance": Decimal("1.00")}, "total"),
            Row({"narration": "tab\there\nnewline", "balance": Decimal("1.00")}),
        ]
    )
    html = str(body(table_lines(t)))
    assert "&lt;script&gt;&amp;" in html and "<script>" not in html
    lines = html.split("\n")
    assert len(lines) == 3
    assert lines[1].startswith("<b>") and lines[1].endswith("</b>")
    assert "tab here newline" in lines[2]


def test_many_columns_go_landscape() -> None:
    statement = Report(
        name="member-statement",
        title="S",
        period="",
        tables=[_statement_table([Row({"narration": "x"})])],
        summary={},
    )
    assert not print_report(statement, 1).wide
    cols = [Column(f"c{i}", f"C{i}", "money") for i in range(7)]  # 7 x 16 + 6 > 104
    wide = Report(
        name="x",
        title="X",
        period="",
        tables=[Table(None, cols, [Row({"c0": Decimal("1")})])],
        summary={},
    )
    p = print_report(wide, 2)
    assert p.wide and PORTRAIT_CHARS < len(p.tables[0].header) <= LANDSCAPE_CHARS


# --- the batched PDF path ------------------------------------------------------------------
def random_statement_set(members: int, seed: int) -> StatementSet:
    """A statement set built directly as frames: 1-2 accounts a member, 0-6 lines each."""
    import polars as pl

    rnd = random.Random(seed)
    acc, lines = [], []
    aid = eid = 0
    for m in range(1, members + 1):
        for _ in range(rnd.choice((1, 1, 2))):
            aid += 1
            opening = rnd.randrange(-(10**6), 10**8)
            bal, dr, cr = opening, 0, 0
            for k in range(rnd.randrange(0, 7)):
                eid += 1
                d, c = (
                    (rnd.randrange(1, 10**7), 0)
                    if rnd.random() < 0.4
                    else (0, rnd.randrange(1, 10**7))
                )
                bal += c - d
                dr, cr = dr + d, cr + c
                lines.append((aid, date(2026, 10, 1 + k * 4), eid, 2, f"op {eid} & <x>", d, c, bal))
            acc.append(
                (
                    aid,
                    f"S{aid:07d}",
                    m,
                    f"M{m:06d}",
                    f"Member N{m}",
                    "SAV",
                    "savings",
                    -1,
                    opening,
                    bal,
                    dr,
                    cr,
                )
            )
    accounts = pl.DataFrame(
        acc,
        schema=[
            "account_id",
            "account_no",
            "member_id",
            "member_no",
            "name",
            "product",
            "kind",
            "sign",
            "opening",
            "closing",
            "total_debit",
            "total_credit",
        ],
        orient="row",
    )
    frame = pl.DataFrame(
        lines,
        schema={
            "account_id": pl.Int64,
            "date": pl.Date,
            "entry_id": pl.Int64,
            "line_no": pl.Int64,
            "narration": pl.String,
            "debit": pl.Int64,
            "credit": pl.Int64,
            "balance": pl.Int64,
        },
        orient="row",
    )
    return StatementSet(Window(date(2026, 10, 1), date(2026, 10, 31)), accounts, frame)


def test_member_batches_cover_every_member_once_in_order() -> None:
    from coopctl.reports.builders.statements_out import member_batches

    data = random_statement_set(23, seed=3)
    parts = member_batches(data, 5)
    assert [p.member_count for p in parts] == [5, 5, 5, 5, 3]
    whole = [(m, r.tables) for m, r in member_reports(data)]
    assert [(m, r.tables) for p in parts for m, r in member_reports(p)] == whole


def _pages(path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf")
    return [page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages]


def test_parallel_batches_write_the_same_statements_as_one_document(tmp_path: Path) -> None:
    from coopctl.reports.builders.statements_out import write_pdf

    data = random_statement_set(13, seed=11)
    one, many = tmp_path / "one.pdf", tmp_path / "many.pdf"
    assert write_pdf(data, one, META, processes=1, batch=1000) == 13
    assert write_pdf(data, many, META, processes=2, batch=3) == 13
    pages = _pages(one)
    assert pages == _pages(many)
    assert len(pages) == 13  # one page each, in member order
    for i, text in enumerate(pages, start=1):
        assert f"Member Statement — M{i:06d} Member N{i}" in text
    # the closing balance of every account is printed on its member's page
    for r in data.accounts.iter_rows(named=True):
        page = pages[int(r["member_no"][1:]) - 1]
        closing = data.account(r["account_no"]).closing
        assert f"{closing:,.2f}" in page


def test_sample_preview_of_the_statements_layout(tmp_path: Path) -> None:
    from coopctl.reports.render.samples import main

    out = tmp_path / "preview.pdf"
    main(["-o", str(out), "--statements"])
    pages = _pages(out)
    assert len(pages) == 4  # the 60-line statement runs onto a second page
    assert "M00001" in pages[0] and "M00003" in pages[3]
    assert "Member Statement — M00002" in pages[2]  # its title repeated on the next page
    assert "JE-0002-060" in pages[2]


def test_a_title_wider_than_its_column_wraps_in_the_header() -> None:
    cols = [Column("a", "Account reference", "text", width=8), Column("b", "Amount", "money")]
    header = table_lines(Table(None, cols, [Row({"a": "X1"})])).header
    assert header.split("\n")[0].startswith("Account") and "reference" in header
