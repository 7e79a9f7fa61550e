"""Budget CSV parsing: pure, every bad line reported as file:line:field."""

from __future__ import annotations

import pytest

from coopctl.budgets.parser import BudgetFileError, GLInfo, parse_budget_csv
from coopctl.core.money import D

CHART = {
    "4000": GLInfo("4000", is_header=True),
    "4100": GLInfo("4100", is_header=False),
    "5500": GLInfo("5500", is_header=False),
    "5600": GLInfo("5600", is_header=False, active=False),
}
HEAD = "gl_code,name,jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec\n"


def test_good_file_with_month_names_and_thousands() -> None:
    text = HEAD + '4100,Interest,"100,000",1,2,3,4,5,6,7,8,9,10,11.50\n5500,Admin,,,,,,,,,,,,1\n'
    rows = parse_budget_csv(text, "b.csv", CHART)
    assert [r.gl_code for r in rows] == ["4100", "5500"]
    assert rows[0].amounts[0] == D("100000.00") and rows[0].amounts[11] == D("11.50")
    assert rows[1].amounts[:11] == (D("0.00"),) * 11 and rows[1].total == D("1.00")


def test_m01_columns_and_bom() -> None:
    head = "\ufeffGL_CODE," + ",".join(f"M{i:02d}" for i in range(1, 13)) + "\n"
    rows = parse_budget_csv(head + "5500," + ",".join(["5"] * 12) + "\n", "b.csv", CHART)
    assert rows[0].total == D("60.00")


def test_every_bad_line_is_reported() -> None:
    text = HEAD + (
        "9999,x,1,1,1,1,1,1,1,1,1,1,1,1\n"
        "4000,x,1,1,1,1,1,1,1,1,1,1,1,1\n"
        "4100,x,1.234,1,1,1,1,1,1,1,-5,1,1,abc\n"
        "4100,x,1,1,1,1,1,1,1,1,1,1,1,1\n"
        "5600,x,1,1,1,1,1,1,1,1,1,1,1,1\n"
        "5500,x,1,1\n"
    )
    with pytest.raises(BudgetFileError) as exc:
        parse_budget_csv(text, "b.csv", CHART)
    assert exc.value.exit_code == 2
    assert exc.value.details == [
        "b.csv:2:gl_code: unknown GL account '9999'",
        "b.csv:3:gl_code: 4000 is a header account; budget its posting accounts",
        "b.csv:4:jan: '1.234' has more than two decimals",
        "b.csv:4:sep: '-5' must not be negative",
        "b.csv:4:dec: 'abc' is not an amount (e.g. 12500 or 12,500.50)",
        "b.csv:5:gl_code: 4100 already budgeted on line 4",
        "b.csv:6:gl_code: 5600 is inactive",
        "b.csv:7: expected 14 fields, got 4",
    ]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("gl_code,jan\n4100,1\n", "header must name"),
        (HEAD.replace("name", "colour"), "unknown column(s) colour"),
        (HEAD, "no budget lines"),
    ],
)
def test_bad_header_or_empty(text: str, needle: str) -> None:
    with pytest.raises(BudgetFileError, match=r".*") as exc:
        parse_budget_csv(text, "b.csv", CHART)
    assert needle in exc.value.message and exc.value.message.startswith("b.csv")
