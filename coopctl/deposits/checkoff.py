"""Payroll check-off: the pure part (no database).

A check-off file is the employer's list of deductions, paid to the cooperative
in one bank transfer::

    member_no,amount[,savings,shares,loan]

Each line's amount is applied by the configured priority (``checkoff.priority``):

``loan_due``
    what the member's loans have due (the workflow asks the loans context:
    :func:`coopctl.loans.shared.member_dues`);
``fixed_savings``
    the fixed monthly contribution ``checkoff.monthly_savings`` into the member's
    shares account, up to that amount (skipped when the member has none);
``savings``
    everything left, into the member's savings account. Whatever no item took
    (e.g. ``savings`` missing from the priority) also goes to savings.

When a line fills any of the optional ``savings``, ``shares``, ``loan`` columns, those
amounts are used instead (empty cells count as zero) and must add up to ``amount``.
A ``loan`` amount is spread over the loans due in order, each up to its due; any
excess goes to the first loan (a prepayment the loans context accepts or refuses).

The import itself (database, posting) is the workflow :mod:`coopctl.workflows.checkoff`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from coopctl.core import money
from coopctl.core.errors import MoneyFormatError
from coopctl.core.limits import current
from coopctl.core.money import CENT, ZERO

PRIORITY_ITEMS = ("loan_due", "fixed_savings", "savings")
REQUIRED_COLUMNS = ("member_no", "amount")
SPLIT_COLUMNS = ("savings", "shares", "loan")


# --- the split ------------------------------------------------------------------------
@dataclass(frozen=True)
class Split:
    """How one member's amount is applied."""

    loans: tuple[tuple[str, Decimal], ...] = ()
    shares: Decimal = ZERO
    savings: Decimal = ZERO

    @cached_property
    def to_loans(self) -> Decimal:
        return sum((a for _, a in self.loans), ZERO) if self.loans else ZERO

    @property
    def total(self) -> Decimal:
        return self.to_loans + self.shares + self.savings


def check_priority(priority: Sequence[str]) -> None:
    unknown = [p for p in priority if p not in PRIORITY_ITEMS]
    if unknown:
        raise ValueError(
            f"checkoff.priority: unknown item(s) {', '.join(unknown)} "
            f"(known: {', '.join(PRIORITY_ITEMS)})"
        )


def split_by_priority(
    amount: Decimal,
    *,
    priority: Sequence[str],
    loan_dues: Sequence[tuple[str, Decimal]] = (),
    monthly_savings: Decimal = ZERO,
    has_shares: bool = True,
) -> Split:
    """Apply ``amount`` item by item in ``priority`` order; parts sum to ``amount``."""
    check_priority(priority)
    if amount < 0:
        raise ValueError("amount must not be negative")
    remaining = amount
    loans: list[tuple[str, Decimal]] = []
    shares = savings = ZERO
    for item in priority:
        if item == "loan_due":
            for loan_no, due in loan_dues:
                take = min(remaining, max(due, ZERO))
                if take > 0:
                    loans.append((loan_no, take))
                    remaining -= take
        elif item == "fixed_savings":
            if has_shares and monthly_savings > 0:
                take = min(remaining, monthly_savings)
                shares += take
                remaining -= take
        else:  # savings: everything left
            savings += remaining
            remaining = ZERO
    savings += remaining
    result = Split(tuple(loans), shares, savings)
    assert result.total == amount, "check-off split must sum to the amount"
    return result


def split_explicit(
    amount: Decimal,
    *,
    savings: Decimal,
    shares: Decimal,
    loan: Decimal,
    loan_dues: Sequence[tuple[str, Decimal]] = (),
) -> Split:
    """The file's own split. Raises ValueError (field: reason) when it does not fit."""
    if savings + shares + loan != amount:
        raise ValueError(
            f"savings: savings {savings} + shares {shares} + loan {loan} ≠ amount {amount}"
        )
    paid: dict[str, Decimal] = {}  # loan → amount, in the order the loans were listed
    if loan > 0:
        if not loan_dues:
            raise ValueError("loan: the member has no loan to pay")
        remaining = loan
        for loan_no, due in loan_dues:
            take = min(remaining, max(due, ZERO))
            if take > 0:
                paid[loan_no] = paid.get(loan_no, ZERO) + take
                remaining -= take
        if remaining > 0:
            first = loan_dues[0][0]
            paid = {
                first: paid.get(first, ZERO) + remaining,
                **{k: v for k, v in paid.items() if k != first},
            }
    return Split(tuple(paid.items()), shares, savings)


# --- the file -----------------------------------------------------------------------------
@dataclass
class FileLine:
    line_no: int
    member_no: str
    amount: Decimal
    explicit: dict[str, Decimal] | None = None  # savings/shares/loan when given


@dataclass
class ParsedFile:
    lines: list[FileLine] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)


# digits with at most two decimals: what a payroll system writes, and what money.parse
# accepts as it is (no sign, no thousands separators)
_PLAIN = re.compile(r"\d{1,15}(?:\.\d{1,2})?", re.ASCII)


def _amount(
    text: str, *, name: str, where: str, allow_zero: bool, cap: Decimal | None = None
) -> tuple[Decimal | None, str]:
    """:func:`coopctl.core.money.parse` of a stripped cell; a plain positive amount up to
    ``cap`` (the configured largest amount) is read here without the general parser
    (the same value: the tests compare both)."""
    if cap is not None and _PLAIN.fullmatch(text):
        value = Decimal(text).quantize(CENT)
        if 0 < value <= cap:
            return value, ""
    try:
        return money.parse(text, field=name, allow_zero=allow_zero), ""
    except MoneyFormatError as exc:
        return None, f"{where}:{exc.message}"


def parse_file(text: str, name: str) -> ParsedFile:
    """Parse the CSV text; every problem is reported as ``file:line:field: reason``."""
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
    i_no, i_amount = idx["member_no"], idx["amount"]
    split_at = [(c, idx[c]) for c in SPLIT_COLUMNS if c in idx]
    cap = current().max_amount
    plain, cent, width = _PLAIN.fullmatch, CENT, len(cols)
    seen_any = False
    for line_no, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        seen_any = True
        if len(row) != width:
            out.errors.append(f"{name}:{line_no}:row: expected {width} fields, found {len(row)}")
            continue
        member_no = row[i_no].strip()
        text_amount = row[i_amount].strip()
        amount: Decimal | None = None
        if member_no and plain(text_amount) and not any(row[i].strip() for _, i in split_at):
            amount = Decimal(text_amount).quantize(cent)  # the common line, read directly
            if 0 < amount <= cap:
                out.lines.append(FileLine(line_no, member_no, amount, None))
                continue
        where = f"{name}:{line_no}"
        errors = []
        if not member_no:
            errors.append(f"{where}:member_no: empty")
        amount, err = _amount(text_amount, name="amount", where=where, allow_zero=False, cap=cap)
        if err:
            errors.append(err)
        explicit: dict[str, Decimal] | None = None
        cell = {c: row[i].strip() for c, i in split_at}
        if any(cell.values()):
            explicit = {}
            for c in SPLIT_COLUMNS:
                v, err = _amount(cell.get(c) or "0", name=c, where=where, allow_zero=True, cap=cap)
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
