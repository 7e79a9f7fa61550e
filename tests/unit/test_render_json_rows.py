"""The JSON writer's fast path for lists of rows (a check-off's lines with their loans)
writes exactly what the general walk writes, on any mix of values and shapes."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from coopctl.cli.render import write_json

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=12),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, max_value=10**12, min_value=-(10**12)
    ),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=4, max_value=10**6, min_value=-(10**6)
    ),
    st.dates(),
    st.datetimes(),
    st.floats(allow_nan=False, allow_infinity=False),
)
keys = st.text(min_size=1, max_size=8)
flat = st.dictionaries(keys, scalars, max_size=4)
values = st.one_of(
    scalars,
    st.lists(flat, max_size=3),
    st.tuples(flat),
    flat,
    st.lists(scalars, max_size=2),
    st.dictionaries(keys, st.lists(flat, max_size=2), max_size=2),
)
rows = st.lists(
    st.one_of(st.dictionaries(keys, values, max_size=6), flat, scalars),
    max_size=6,
)


def _both(data: Any) -> tuple[str, str]:
    fast, slow = io.StringIO(), io.StringIO()
    write_json(data, fast)
    write_json(data, slow, fast=False)
    return fast.getvalue(), slow.getvalue()


@settings(max_examples=400, deadline=None)
@given(rows)
def test_fast_rows_equal_the_general_walk(data: list[Any]) -> None:
    fast, slow = _both({"lines": data, "n": len(data)})
    assert fast == slow
    fast, slow = _both(data)
    assert fast == slow


def test_a_checkoff_document_and_a_change_of_shape_past_a_thousand_rows() -> None:
    line = {
        "line": 2,
        "member_no": "M00000013",
        "amount": Decimal("70000"),
        "loans": [{"loan_no": "L00000013", "amount": Decimal("19365.45")}],
        "to_loans": Decimal("19365.45"),
        "shares": Decimal("5000.00"),
        "shares_account": None,
        "savings": Decimal("45634.55"),
        "savings_account": 'A0000000013 «ü»\n"',
        "on": date(2026, 12, 25),
    }
    lines: list[Any] = [
        dict(line, line=i, loans=[] if i % 3 else line["loans"]) for i in range(2500)
    ]
    lines[1700] = dict(line, nested={"a": {"b": 1}})  # another shape: the general walk from here
    lines[2100] = {"at": datetime(2026, 12, 25, 9, 30)}
    fast, slow = _both({"file": "x.csv", "lines": lines, "total": Decimal("1.5")})
    assert fast == slow
    assert json.loads(fast)["lines"][5]["amount"] == "70000.00"
