"""``golive template KIND -o FILE``: an empty template to fill (XLSX or CSV).

The XLSX workbook has the data sheet (named like the kind: header row, a comment
on each header, data validation on dates, amounts, whole numbers and product
codes), an ``example`` sheet filled with a small worked cooperative, and a ``help``
sheet describing each column. The CSV is the header row only (for scripts).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from coopctl.core.errors import ValidationError
from coopctl.golive.columns import COLUMNS, DESCRIPTIONS, EXAMPLE, KINDS, REQUIRED

DATE_COLS = {"dob", "joined_on", "opened_on", "placed_on", "maturity_date", "disbursed_on",
             "arrears_since"}  # fmt: skip
AMOUNT_COLS = {"opening_balance", "principal", "outstanding_principal", "arrears_principal",
               "arrears_interest", "arrears_penalty", "debit", "credit"}  # fmt: skip
INT_COLS = {"term", "installments_paid"}
RATE_COLS = {"rate", "annual_rate"}
ROWS = 100_000  # validation ranges cover this many data rows


def write_template(kind: str, out: Path, products: Sequence[str] = ()) -> Path:
    if kind not in KINDS:
        raise ValidationError(f"KIND: {kind!r} is not one of {', '.join(KINDS)}")
    suffix = out.suffix.lower()
    if suffix == ".csv":
        with out.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(COLUMNS[kind])
        return out
    if suffix != ".xlsx":
        raise ValidationError(f"-o: {out.name} must end in .xlsx or .csv")
    _write_xlsx(kind, out, products)
    return out


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def _write_xlsx(kind: str, out: Path, products: Sequence[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = COLUMNS[kind]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = kind
    ws.append(list(cols))
    for i, col in enumerate(cols, 1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=col in REQUIRED[kind])
        cell.comment = Comment(DESCRIPTIONS[col], "coopctl")
        ws.column_dimensions[_letter(i)].width = max(12, len(col) + 2)
        rng = f"{_letter(i)}2:{_letter(i)}{ROWS + 1}"
        dv = None
        if col in DATE_COLS:
            dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)")
            dv.error = f"{col}: a date (YYYY-MM-DD)"
        elif col in AMOUNT_COLS:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            dv.error = f"{col}: an amount of 0 or more, at most 2 decimals"
        elif col in INT_COLS:
            dv = DataValidation(type="whole", operator="between", formula1="0", formula2="600")
            dv.error = f"{col}: a whole number"
        elif col in RATE_COLS:
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
            dv.error = f"{col}: a percentage from 0 to 100"
        elif col == "product" and products:
            dv = DataValidation(type="list", formula1='"' + ",".join(products)[:250] + '"')
            dv.error = f"{col}: one of the product codes"
        if dv is not None:
            dv.allow_blank = col not in REQUIRED[kind]
            dv.errorTitle = "coopctl go-live"
            dv.showErrorMessage = True
            ws.add_data_validation(dv)
            dv.add(rng)
    ws.freeze_panes = "A2"
    ex = wb.create_sheet("example")
    ex.append(list(cols))
    for row in EXAMPLE[kind]:
        ex.append(list(row))
    hp = wb.create_sheet("help")
    hp.append(["column", "required", "meaning"])
    for col in cols:
        hp.append([col, "yes" if col in REQUIRED[kind] else "", DESCRIPTIONS[col]])
    hp.column_dimensions["C"].width = 80
    wb.save(out)


def write_example(kind: str, out: Path) -> Path:
    """The example rows as CSV (the demo and the docs use them)."""
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS[kind])
        w.writerows(EXAMPLE[kind])
    return out
