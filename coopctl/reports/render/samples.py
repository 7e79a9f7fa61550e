"""Fixed sample reports, for tests and for previewing a restyled template folder.

Preview a restyle (see reports/README.md)::

    python -m coopctl.reports.render.samples -o preview.pdf --templates-dir ./my-reports
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from coopctl.core.money import D
from coopctl.reports.model import Column, Report, Row, Table

SAMPLE_COOP = "Ikeja Teachers' Cooperative Multipurpose Society Ltd"
SAMPLE_GENERATED_AT = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def _amount_columns(first_title: str) -> list[Column]:
    return [
        Column("code", "Code", "text", width=8),
        Column("name", first_title, "text"),
        Column("amount", "Amount (NGN)", "money"),
    ]


def sample_balance_sheet() -> Report:
    """A small statement of financial position with headings, subtotals and totals."""
    assets = Table(
        title="Assets",
        columns=_amount_columns("Account"),
        rows=[
            Row({"code": None, "name": "Current assets", "amount": None}, "heading"),
            Row({"code": "1010", "name": "Cash in hand", "amount": D("245300.00")}, "indent1"),
            Row({"code": "1020", "name": "Bank — Zenith", "amount": D("3456789.50")}, "indent1"),
            Row({"code": "1030", "name": "Bank — GTBank", "amount": D("1200000.00")}, "indent1"),
            Row(
                {"code": None, "name": "Total current assets", "amount": D("4902089.50")},
                "subtotal",
            ),
            Row({"code": None, "name": "Loans to members", "amount": None}, "heading"),
            Row(
                {"code": "1110", "name": "Loans — performing", "amount": D("12500000.00")},
                "indent1",
            ),
            Row(
                {"code": "1120", "name": "Loans — substandard", "amount": D("850000.00")}, "indent1"
            ),
            Row(
                {"code": "1190", "name": "Loan loss provision", "amount": D("-185421.61")},
                "indent1",
            ),
            Row({"code": None, "name": "Net loans", "amount": D("13164578.39")}, "subtotal"),
            Row({"code": None, "name": "Total assets", "amount": D("18066667.89")}, "total"),
        ],
    )
    liabilities = Table(
        title="Liabilities and equity",
        columns=_amount_columns("Account"),
        rows=[
            Row({"code": None, "name": "Liabilities", "amount": None}, "heading"),
            Row({"code": "2010", "name": "Members' savings", "amount": D("9876543.21")}, "indent1"),
            Row({"code": "2020", "name": "Fixed deposits", "amount": D("2000000.00")}, "indent1"),
            Row(
                {"code": None, "name": "Total liabilities", "amount": D("11876543.21")}, "subtotal"
            ),
            Row({"code": None, "name": "Equity", "amount": None}, "heading"),
            Row({"code": "3010", "name": "Members' shares", "amount": D("4955557.11")}, "indent1"),
            Row({"code": "3020", "name": "Retained surplus", "amount": D("1234567.57")}, "indent1"),
            Row({"code": None, "name": "Total equity", "amount": D("6190124.68")}, "subtotal"),
            Row(
                {"code": None, "name": "Total liabilities and equity", "amount": D("18066667.89")},
                "total",
            ),
        ],
    )
    return Report(
        name="balance-sheet",
        title="Statement of Financial Position",
        period="As of 2026-10-31",
        tables=[assets, liabilities],
        summary={
            "as_of": date(2026, 10, 31),
            "assets": D("18066667.89"),
            "liabilities": D("11876543.21"),
            "equity": D("6190124.68"),
        },
        notes=["Amounts in Nigerian naira (NGN)."],
    )


def sample_member_statement(i: int = 1, lines: int = 12) -> Report:
    """A member's savings statement with ``lines`` transactions (wide: 7 columns)."""
    columns = [
        Column("date", "Date", "date"),
        Column("entry_no", "Entry", "text"),
        Column("narration", "Narration", "text"),
        Column("debit", "Debit", "money"),
        Column("credit", "Credit", "money"),
        Column("balance", "Balance", "money"),
        Column("rate", "Rate", "percent"),
    ]
    balance = D("50000.00")
    rows = [Row({"date": date(2026, 10, 1), "narration": "Opening balance", "balance": balance})]
    for n in range(1, lines + 1):
        credit = D(5000 + 250 * ((i + n) % 7)) if n % 3 else None
        debit = None if credit else D("2500.00")
        balance = balance + (credit or 0) - (debit or 0)
        rows.append(
            Row(
                {
                    "date": date(2026, 10, min(28, n * 2)),
                    "entry_no": f"JE-{i:04d}-{n:03d}",
                    "narration": "Payroll check-off" if credit else "Withdrawal",
                    "debit": debit,
                    "credit": credit,
                    "balance": balance,
                    "rate": D("4.50"),
                }
            )
        )
    rows.append(Row({"narration": "Closing balance", "balance": balance}, "total"))
    return Report(
        name="member-statement",
        title=f"Member Statement — M{i:05d}",
        period="2026-10-01 to 2026-10-31",
        tables=[Table(title=f"Savings account SV-{i:06d}", columns=columns, rows=rows)],
        summary={"member_no": f"M{i:05d}", "closing_balance": balance},
    )


def main(argv: list[str] | None = None) -> None:
    """Render the sample reports to a PDF (or XLSX), to preview a template folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help=".pdf or .xlsx path")
    parser.add_argument("--templates-dir", type=Path, default=None)
    parser.add_argument("--logo", default=None)
    parser.add_argument("--pack", action="store_true", help="add a cover and contents page")
    parser.add_argument(
        "--statements",
        action="store_true",
        help="three member statements in the bulk layout (statements.html.j2)",
    )
    args = parser.parse_args(argv)
    reports = [sample_balance_sheet(), sample_member_statement(1, lines=60)]
    meta: dict[str, Any] = {
        "coop_name": SAMPLE_COOP,
        "generated_by": "preview",
        "generated_at": datetime.now(UTC),
    }
    if args.output.suffix.lower() == ".xlsx":
        from coopctl.reports.render.xlsx import render_xlsx

        render_xlsx(reports, args.output, **meta)
        return
    from coopctl.reports.render.pdf import render_pdf, render_pdf_many

    if args.statements:
        render_pdf_many(
            [sample_member_statement(i, lines=n) for i, n in ((1, 8), (2, 60), (3, 3))],
            args.output,
            logo_path=args.logo,
            templates_dir=args.templates_dir,
            **meta,
        )
        return
    render_pdf(
        reports,
        args.output,
        logo_path=args.logo,
        templates_dir=args.templates_dir,
        cover=args.pack,
        contents=args.pack,
        document_title="Month-end report pack" if args.pack else None,
        **meta,
    )


if __name__ == "__main__":
    main()
