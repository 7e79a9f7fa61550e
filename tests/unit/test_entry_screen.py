"""The batch form of the ``entry`` rules (``rules.screen_entries``) never lets through a
draft the rules themselves refuse, and converts every draft it passes exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.core.errors import CoopError
from coopctl.ledger import rules
from coopctl.ledger.rules import EntryDraft, LineDraft

DAY = date(2026, 11, 28)


def test_every_entry_rule_is_screened() -> None:
    """A new ``entry`` rule must get its batch form too (or bulk posting would skip it)."""
    assert tuple(r.name for r in rules.ENTRY_RULES) == rules.SCREENED_ENTRY_RULES


amounts = st.one_of(
    st.integers(0, 10_000_000).map(lambda k: Decimal(k).scaleb(-2)),  # whole kobo
    st.sampled_from(
        [
            Decimal("0"),
            Decimal("-0"),
            Decimal("-5.00"),
            Decimal("1.005"),  # sub-kobo
            Decimal("1.000"),  # exact, three places written
            Decimal("NaN"),
            Decimal("sNaN"),
            Decimal("Infinity"),
            Decimal("1E+30"),  # beyond a BIGINT of kobo
            1.5,  # a float, not a Decimal
        ]
    ),
)
lines = st.lists(
    st.tuples(st.sampled_from(["5100", "2110"]), amounts, amounts), min_size=0, max_size=5
)
drafts = st.lists(st.tuples(st.sampled_from(["interest", ""]), lines), min_size=1, max_size=20)


def _draft(kind: str, spec: list[tuple[str, object, object]]) -> EntryDraft:
    return EntryDraft(
        DAY,
        kind,
        [LineDraft(g, debit=dr, credit=cr, memo=f"m{i}") for i, (g, dr, cr) in enumerate(spec)],  # type: ignore[arg-type]
    )


def _refused(d: EntryDraft) -> bool:
    try:
        rules.validate_draft(d)
    except CoopError:
        return True
    except Exception:
        return True
    return False


@settings(max_examples=300, deadline=None)
@given(specs=drafts)
def test_screen_flags_every_refused_draft_and_converts_the_rest_exactly(
    specs: list[tuple[str, list[tuple[str, object, object]]]],
) -> None:
    batch = [_draft(k, s) for k, s in specs]
    screen = rules.screen_entries(batch)
    for i, d in enumerate(batch):
        if _refused(d):
            assert i in screen.flagged, d
        if i in screen.flagged:
            assert screen.lines[i] is None
            continue
        # passed: the rules agree, and the kobo are the amounts × 100, exactly
        rules.validate_draft(d)
        expected = [
            (ln.gl_code, ln.account_no, int(ln.debit * 100), int(ln.credit * 100), ln.memo)
            for ln in d.lines
        ]
        assert screen.lines[i] == expected
        assert screen.debits[i] == sum(int(ln.debit * 100) for ln in d.lines)
        assert Decimal(screen.debits[i]) / 100 == d.total


def test_a_balanced_batch_passes_whole() -> None:
    """₦12.34 / ₦0.01 / ₦99,999.99 interest credits: nothing flagged, totals in kobo."""
    batch = [
        EntryDraft(DAY, "interest", [LineDraft("5100", debit=a), LineDraft("2110", credit=a)])
        for a in (Decimal("12.34"), Decimal("0.01"), Decimal("99999.99"))
    ]
    screen = rules.screen_entries(batch)
    assert screen.flagged == []
    assert screen.debits == [1234, 1, 9_999_999]
