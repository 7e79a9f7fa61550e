"""Budget CSV parsing and validation: pure (no database).

The file has a header naming ``gl_code`` and twelve monthly amount columns,
either ``jan … dec`` or ``m01 … m12`` (calendar months; case-insensitive), and
optionally a ``name`` column that is ignored (it is there for people). Amounts
follow the money rules (``12500``, ``12,500.50``; at most two decimals; not
negative); an empty cell means zero.

Every bad line is reported, as ``file:line:field: problem``, and nothing is
imported unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from coopctl.core.errors import FileFormatError, MoneyFormatError
from coopctl.core.money import ZERO, parse

MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_CODES = tuple(f"m{i:02d}" for i in range(1, 13))
MAX_ERRORS = 200


@dataclass(frozen=True)
class GLInfo:
    """What the parser needs to know about a GL account."""

    code: str
    is_header: bool
    active: bool = True


@dataclass(frozen=True)
class BudgetRow:
    line: int
    gl_code: str
    amounts: tuple[Decimal, ...]  # 12 calendar months, January first

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


class BudgetFileError(FileFormatError):
    """A budget file must parse completely: every line's GL account and amounts valid."""


def _month_columns(header: list[str]) -> list[str] | None:
    cols = set(header)
    if all(m in cols for m in MONTH_NAMES):
        return list(MONTH_NAMES)
    if all(m in cols for m in MONTH_CODES):
        return list(MONTH_CODES)
    return None


def parse_budget_csv(text: str, filename: str, chart: Mapping[str, GLInfo]) -> list[BudgetRow]:
    """Parse and validate a budget file; raise :class:`BudgetFileError` listing every problem."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        raw_header = next(reader)
    except StopIteration:
        raise BudgetFileError(f"{filename}:1: the file is empty") from None
    header = [h.strip().lower() for h in raw_header]
    months = _month_columns(header)
    if "gl_code" not in header or months is None:
        raise BudgetFileError(
            f"{filename}:1: header must name gl_code and jan..dec (or m01..m12); got "
            f"{', '.join(raw_header) or 'nothing'}"
        )
    allowed = {"gl_code", "name", *months}
    unknown = [h for h in header if h not in allowed]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if unknown or dupes:
        what = f"unknown column(s) {', '.join(unknown)}" if unknown else ""
        what += ("; " if what and dupes else "") + (
            f"repeated column(s) {', '.join(dupes)}" if dupes else ""
        )
        raise BudgetFileError(f"{filename}:1: {what}")
    idx = {h: i for i, h in enumerate(header)}

    errors: list[str] = []
    rows: list[BudgetRow] = []
    seen: dict[str, int] = {}
    for lineno, rec in enumerate(reader, start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            errors.append(f"{filename}:{lineno}: expected {len(header)} fields, got {len(rec)}")
            continue
        code = rec[idx["gl_code"]].strip()
        gl = chart.get(code)
        if not code:
            errors.append(f"{filename}:{lineno}:gl_code: missing")
        elif gl is None:
            errors.append(f"{filename}:{lineno}:gl_code: unknown GL account {code!r}")
        elif gl.is_header:
            errors.append(
                f"{filename}:{lineno}:gl_code: {code} is a header account; "
                "budget its posting accounts"
            )
        elif not gl.active:
            errors.append(f"{filename}:{lineno}:gl_code: {code} is inactive")
        elif code in seen:
            errors.append(
                f"{filename}:{lineno}:gl_code: {code} already budgeted on line {seen[code]}"
            )
        else:
            seen[code] = lineno
        amounts: list[Decimal] = []
        for m in months:
            cell = rec[idx[m]].strip()
            if not cell:
                amounts.append(ZERO)
                continue
            try:
                amounts.append(parse(cell, field=m, allow_zero=True))
            except MoneyFormatError as exc:
                errors.append(f"{filename}:{lineno}:{m}: {exc.message.split(': ', 1)[-1]}")
        if len(amounts) == 12 and gl is not None and not gl.is_header:
            rows.append(BudgetRow(lineno, code, tuple(amounts)))
        if len(errors) >= MAX_ERRORS:
            errors.append(f"{filename}: stopped after {MAX_ERRORS} problems")
            break
    if errors:
        raise BudgetFileError(
            f"{filename}: {len(errors)} problem(s); nothing imported", details=errors
        )
    if not rows:
        raise BudgetFileError(f"{filename}: no budget lines")
    return rows
