"""The pure rules of a journal entry (no database): one named error per rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopctl.core.errors import BusinessRuleError, UnbalancedEntryError, ValidationError
from coopctl.core.money import allocate
from coopctl.ledger.rules import (
    AmountPrecisionError,
    EntryDraft,
    LineDraft,
    LineSideError,
    OneSidedEntryError,
    validate_draft,
    validate_lines,
)

D = Decimal


def dr(code: str, amt: str) -> LineDraft:
    return LineDraft(code, debit=D(amt))


def cr(code: str, amt: str) -> LineDraft:
    return LineDraft(code, credit=D(amt))


def test_balanced_entry_returns_its_total() -> None:
    """Electricity ₦60,000 with 10% WHT: Dr 5500 60,000 / Cr 2220 6,000 / Cr 1121 54,000."""
    lines = [dr("5500", "60000.00"), cr("2220", "6000.00"), cr("1121", "54000.00")]
    assert validate_lines(lines) == D("60000.00")
    draft = EntryDraft(business_date=date(2026, 11, 28), kind="manual_journal", lines=lines)
    assert validate_draft(draft) == draft.total == D("60000.00")


@pytest.mark.parametrize(
    ("lines", "error", "needle"),
    [
        ([dr("5500", "100"), cr("1110", "99.99")], UnbalancedEntryError, "difference 0.01"),
        ([dr("5500", "100"), dr("5600", "100")], OneSidedEntryError, "debit and one credit"),
        ([cr("5500", "100"), cr("1110", "100")], OneSidedEntryError, "debit and one credit"),
        ([], OneSidedEntryError, "debit and one credit"),
        (
            [LineDraft("5500", debit=D("5"), credit=D("5")), cr("1110", "5")],
            LineSideError,
            "line 1 (5500)",
        ),
        ([LineDraft("5500"), dr("5600", "5"), cr("1110", "5")], LineSideError, "line 1"),
        ([dr("5500", "-5"), cr("1110", "-5")], LineSideError, "line 1"),
        ([dr("5500", "1.005"), cr("1110", "1.005")], AmountPrecisionError, "1.005"),
        ([dr("5500", "NaN"), cr("1110", "1")], LineSideError, "not a number"),
        ([dr("5500", "Infinity"), cr("1110", "1")], LineSideError, "not a number"),
        ([LineDraft("5500", debit=5), cr("1110", "5")], LineSideError, "Decimal"),  # type: ignore[arg-type]
    ],
)
def test_each_rule_has_its_named_error(
    lines: list[LineDraft], error: type[Exception], needle: str
) -> None:
    with pytest.raises(error, match=needle.replace("(", r"\(").replace(")", r"\)")):
        validate_lines(lines)


def test_error_families_map_to_exit_codes() -> None:
    assert issubclass(UnbalancedEntryError, BusinessRuleError)  # exit 5
    assert issubclass(OneSidedEntryError, BusinessRuleError)
    assert issubclass(LineSideError, ValidationError)  # exit 2
    assert issubclass(AmountPrecisionError, ValidationError)


def test_kind_is_required() -> None:
    with pytest.raises(ValidationError, match="kind"):
        validate_draft(
            EntryDraft(business_date=date(2026, 1, 1), kind="", lines=[dr("1", "1"), cr("2", "1")])
        )


@st.composite
def balanced(draw: st.DrawFn) -> list[LineDraft]:
    debits = draw(st.lists(st.integers(1, 10**12), min_size=1, max_size=6))
    total = D(sum(debits)).scaleb(-2)
    weights = draw(st.lists(st.integers(1, 1000), min_size=1, max_size=6))
    credits = [p for p in allocate(total, weights) if p > 0]
    lines = [LineDraft(f"D{i}", debit=D(k).scaleb(-2)) for i, k in enumerate(debits)]
    lines += [LineDraft(f"C{i}", credit=p) for i, p in enumerate(credits)]
    return draw(st.permutations(lines))


@given(balanced())
def test_any_balanced_entry_validates_to_the_sum_of_its_debits(lines: list[LineDraft]) -> None:
    total = validate_lines(lines)
    assert total == sum((ln.debit for ln in lines), D("0"))
    assert total == sum((ln.credit for ln in lines), D("0"))


@given(balanced(), st.integers(0, 50), st.integers(1, 10**6), st.booleans())
def test_any_one_line_off_by_any_kobo_is_unbalanced(
    lines: list[LineDraft], which: int, kobo: int, up: bool
) -> None:
    from dataclasses import replace

    i = which % len(lines)
    ln = lines[i]
    delta = D(kobo).scaleb(-2) * (1 if up else -1)
    side = "debit" if ln.debit > 0 else "credit"
    new = getattr(ln, side) + delta
    if new <= 0:
        new = getattr(ln, side) + abs(delta)
    changed = [*lines[:i], replace(ln, **{side: new}), *lines[i + 1 :]]
    with pytest.raises(UnbalancedEntryError):
        validate_lines(changed)
