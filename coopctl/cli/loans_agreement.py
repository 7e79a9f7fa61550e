"""``coopctl loans agreement``: the offer letter and agreement of a loan as PDF.

Registered on the ``loans`` sub-app by :func:`register_agreement` (called at the end
of :mod:`coopctl.cli.loans`). WeasyPrint is imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coopctl.cli.common import FormatOpt, emit, message, uow


def agreement(
    loan_no: Annotated[str, typer.Argument(help="Loan number, e.g. L00000007.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Write here: FILE.pdf (or FILE.html).")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    attach: Annotated[
        bool,
        typer.Option(
            "--attach", help="Also file the PDF with the loan's documents (loans.manage)."
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Write the loan's offer letter and agreement: terms, charges, the repayment
    schedule with its totals, and the guarantors with their amounts.

    The layout is the template loan_agreement.html.j2 of the report templates; a
    cooperative overrides it with [reports] templates_dir (see docs/loans.md). Before
    disbursement the schedule is projected from the business date. An existing file
    is kept unless --force; a name ending in .html gives the HTML instead of a PDF.
    With --attach the PDF is also filed as the loan's document (kind loan_agreement;
    a changed agreement becomes a new version).

    Example:

        coopctl loans agreement L00000007 -o agreements/L00000007.pdf
    """
    from coopctl.core.errors import ValidationError
    from coopctl.loans import agreement as agreement_mod

    if attach and output.suffix.lower() in (".html", ".htm"):
        raise ValidationError("--attach files the PDF: give -o FILE.pdf")
    with uow("loans.manage" if attach else "loans.view") as u:
        existed = output.exists()
        data = agreement_mod.write(u, loan_no, output, force=force)
        if attach:
            try:
                data["doc_id"] = agreement_mod.attach(u, data["loan_no"], output)
                u.commit()
            except BaseException:
                if not existed:  # a failed command leaves nothing behind
                    output.unlink(missing_ok=True)
                raise
    message(f"loan {data['loan_no']}: agreement written to {output}")
    if attach:
        message(f"filed with the loan's documents as document {data['doc_id']}")
    emit(data, fmt)


def register_agreement(app: typer.Typer) -> None:
    app.command("agreement")(agreement)
