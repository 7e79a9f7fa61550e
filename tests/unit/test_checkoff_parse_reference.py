"""The check-off parser reads plain lines directly (no general amount parser, no cell
dict); on any file it must give exactly what the general per-cell reading gives: the
same lines (numbers, amounts, explicit splits) and the same errors in the same order.
``_reference`` is that general reading, kept here as it was written."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.core import money
from coopctl.core.errors import MoneyFormatError
from coopctl.core.money import ZERO
from coopctl.deposits.checkoff import (
    REQUIRED_COLUMNS,
    SPLIT_COLUMNS,
    FileLine,
    ParsedFile,
    parse_file,
)


def _amount(text: str, *, name: str, where: str, allow_zero: bool) -> tuple[Decimal | None, str]:
    try:
        return money.parse(text, field=name, allow_zero=allow_zero), ""
    except MoneyFormatError as exc:
        return None, f"{where}:{exc.message}"


def _reference(text: str, name: str) -> ParsedFile:
    out = ParsedFile()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        out.errors.append(f"{name}:1:header: the file is empty")
        return out
    cols = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    unknown = [c for c in cols if c not in REQUIRED_COLUMNS + SPLIT_COLUMNS]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    for c in missing:
        out.errors.append(f"{name}:1:header: column {c!r} is missing")
    for c in unknown:
        out.errors.append(
            f"{name}:1:header: unknown column {c!r} (allowed: "
            f"{', '.join(REQUIRED_COLUMNS + SPLIT_COLUMNS)})"
        )
    for c in dupes:
        out.errors.append(f"{name}:1:header: column {c!r} appears twice")
    if out.errors:
        return out
    idx = {c: i for i, c in enumerate(cols)}
    seen_any = False
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        seen_any = True
        where = f"{name}:{line_no}"
        if len(row) != len(cols):
            out.errors.append(f"{where}:row: expected {len(cols)} fields, found {len(row)}")
            continue
        cell = {c: row[i].strip() for c, i in idx.items()}
        member_no = cell["member_no"]
        errors = []
        if not member_no:
            errors.append(f"{where}:member_no: empty")
        amount, err = _amount(cell["amount"], name="amount", where=where, allow_zero=False)
        if err:
            errors.append(err)
        explicit: dict[str, Decimal] | None = None
        if any(cell.get(c) for c in SPLIT_COLUMNS):
            explicit = {}
            for c in SPLIT_COLUMNS:
                v, err = _amount(cell.get(c) or "0", name=c, where=where, allow_zero=True)
                if err:
                    errors.append(err)
                elif v is not None:
                    explicit[c] = v
            if not errors and amount is not None and sum(explicit.values(), ZERO) != amount:
                errors.append(
                    f"{where}:savings: savings + shares + loan = "
                    f"{sum(explicit.values(), ZERO):,.2f}, not the amount {amount:,.2f}"
                )
        if errors or amount is None:
            out.errors.extend(errors)
            continue
        out.lines.append(FileLine(line_no, member_no, amount, explicit))
    if not seen_any:
        out.errors.append(f"{name}:2:member_no: the file has no lines")
    return out


cells = st.one_of(
    st.sampled_from(["", " ", "0", "0.00", "12500", "12,500.50", "70000", "5000.5", "1.234"]),
    st.sampled_from(["-5", "+5", "1e3", "100000000000.00", "100000000000.01", " 42 ", "M0012"]),
    st.from_regex(r"\A[0-9]{1,13}(\.[0-9]{1,2})?\Z"),
    st.text(alphabet="0123456789., M-", max_size=7),
)
headers = st.sampled_from(
    [
        ["member_no", "amount"],
        ["Member_No ", "AMOUNT"],
        ["amount", "member_no"],
        ["member_no", "amount", "savings", "shares", "loan"],
        ["member_no", "amount", "loan"],
        ["member_no", "amount", "savings", "shares", "loan", "extra"],
        ["member_no"],
        ["member_no", "amount", "amount"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(headers, st.lists(st.lists(cells, min_size=0, max_size=6), max_size=8))
def test_the_parser_reads_every_file_as_the_general_reading_does(
    header: list[str], rows: list[list[str]]
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r[: len(header)] if len(r) > len(header) + 1 else r)
    text = buf.getvalue()
    got, want = parse_file(text, "f.csv"), _reference(text, "f.csv")
    assert got.errors == want.errors
    assert got.lines == want.lines
    assert [str(ln.amount) for ln in got.lines] == [str(ln.amount) for ln in want.lines]
