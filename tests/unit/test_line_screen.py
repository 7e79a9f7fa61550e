"""The batch form of the ``line`` rules (``line_screen.screen_lines``) passes a batch
only when every one of its keys passes ``rules.check_line``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.core.errors import CoopError
from coopctl.ledger import rules
from coopctl.ledger.line_screen import SCREENED_LINE_RULES, screen_lines


def test_every_line_rule_is_screened() -> None:
    """A new ``line`` rule must get its batch form too (or bulk posting would skip it)."""
    assert tuple(r.name for r in rules.LINE_RULES) == SCREENED_LINE_RULES


@dataclass
class G:
    id: int
    code: str
    name: str
    active: bool
    is_header: bool
    is_control: bool
    manual_allowed: bool


@dataclass
class A:
    account_no: str
    gl_account_id: int
    status: str


gl_st = st.builds(
    G,
    id=st.integers(1, 3),
    code=st.just(""),
    name=st.just("GL"),
    active=st.booleans(),
    is_header=st.booleans(),
    is_control=st.booleans(),
    manual_allowed=st.booleans(),
)
acct_st = st.builds(
    A,
    account_no=st.just(""),
    gl_account_id=st.integers(1, 4),
    status=st.sampled_from(["active", "dormant", "closed", "frozen"]),
)
codes = st.sampled_from(["1110", "2110", "5100", "9999"])  # 9999: sometimes unknown
numbers = st.sampled_from([None, "", "S1", "S2", "S3", "S4"])  # S4: sometimes unknown


@settings(max_examples=500, deadline=None)
@given(
    gls=st.dictionaries(codes, gl_st, max_size=4),
    accts=st.dictionaries(numbers.filter(bool), acct_st, max_size=4),  # type: ignore[arg-type]
    keys=st.lists(st.tuples(codes, numbers, st.booleans()), min_size=1, max_size=8),
)
def test_screen_agrees_with_check_line(
    gls: dict[str, G], accts: dict[str, A], keys: list[tuple[str, str | None, bool]]
) -> None:
    for code, g in gls.items():
        g.code = code
    for no, a in accts.items():
        a.account_no = no
    facts = rules.Facts(today=date(2026, 1, 31), gls=gls, accounts=accts)
    every_key_passes = True
    for key in keys:
        try:
            rules.check_line(rules.LineKey(*key), facts)
        except CoopError:
            every_key_passes = False
    pairs = {(g, a) for g, a, _m in keys}
    manual_gls = {g for g, _a, m in keys if m}
    assert screen_lines(pairs, manual_gls, facts) == every_key_passes, (keys, gls, accts)


def test_a_clean_interest_batch_passes() -> None:
    gls = {
        "5100": G(1, "5100", "Interest", True, False, False, False),
        "2110": G(2, "2110", "Savings", True, False, True, False),
        "2220": G(3, "2220", "WHT", True, False, False, False),
    }
    accts = {f"S{i}": A(f"S{i}", 2, "active" if i % 2 else "dormant") for i in range(100)}
    facts = rules.Facts(today=date(2026, 1, 31), gls=gls, accounts=accts)
    pairs = {("5100", None), ("2220", None)} | {("2110", no) for no in accts}
    assert screen_lines(pairs, (), facts)
    assert not screen_lines(pairs, {"5100"}, facts)  # a manual journal on 5100
    assert not screen_lines(pairs | {("2110", None)}, (), facts)  # control line, no account
    accts["S7"].status = "closed"
    assert not screen_lines(pairs, (), facts)
