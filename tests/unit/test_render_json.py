"""``write_json`` (the C encoder, one line per row of a list) writes the same document
as encoding :func:`to_jsonable` of the data, for any shape of nested data."""

from __future__ import annotations

import io
import json
import random
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from coopctl.cli.render import to_jsonable, write_json

HOSTILE = ["<b>bold</b>", "[red]x[/red]", "\x1b[31mred", "a\u202eb", "Ọ̀lá", "\x00\x7f", '"q"\\']


def _value(rng: random.Random, depth: int) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return Decimal(rng.randrange(-(10**12), 10**12)) / 100
    if kind == 1:
        return date(2026, rng.randrange(1, 13), rng.randrange(1, 29))
    if kind == 2:
        return datetime(2026, 1, 2, rng.randrange(24), rng.randrange(60), 5, 123456)
    if kind == 3:
        return rng.choice([*HOSTILE, "", "plain"])
    if kind == 4:
        return rng.choice([None, True, False, 0, -7, 2**70])
    if kind == 5:
        return rng.randrange(-1000, 1000)
    if kind == 6:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return tuple(_value(rng, depth + 1) for _ in range(rng.randrange(3)))
    keys: list[Any] = [rng.choice(HOSTILE), "amount", "line", rng.randrange(5)]
    return {k: _value(rng, depth + 1) for k in keys[: rng.randrange(5)]}


def _written(data: Any) -> str:
    buf = io.StringIO()
    write_json(data, buf)
    return buf.getvalue()


def test_random_documents_read_back_as_the_reference_encoding() -> None:
    rng = random.Random(20261202)
    for _ in range(2000):
        data = _value(rng, 0)
        text = _written(data)
        assert text.endswith("\n")
        assert json.loads(text) == json.loads(json.dumps(to_jsonable(data))), data


def test_rows_are_one_line_each_and_amounts_two_decimals() -> None:
    data = {
        "entry_no": "JE00000001",
        "lines": [
            {
                "line": 1,
                "member_no": "M0000001",
                "amount": Decimal("25000"),
                "on": date(2026, 11, 25),
            },
            {"line": 2, "member_no": "<script>", "amount": Decimal("0.5"), "on": None},
        ],
    }
    text = _written(data)
    assert text.splitlines() == [
        "{",
        '  "entry_no": "JE00000001",',
        '  "lines": [',
        '    {"line": 1, "member_no": "M0000001", "amount": "25000.00", "on": "2026-11-25"},',
        '    {"line": 2, "member_no": "<script>", "amount": "0.50", "on": null}',
        "  ]",
        "}",
    ]


def test_control_characters_are_escaped_not_written() -> None:
    text = _written({"name": "a\x1b[2Jb", "rows": [{"x": "\x07"}]})
    assert "\x1b" not in text and "\x07" not in text
    assert "\\u001b[2J" in text and "\\u0007" in text
