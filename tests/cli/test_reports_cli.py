"""Custom TOML reports through the CLI: listing, running, and errors naming file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coopctl.core.money import D

DEF = """
name = "mini-return"
title = "Mini Return"

[[columns]]
key = "m"
title = "Month"
measure = "movement"
period = "month"

[[columns]]
key = "b"
title = "Balance"
measure = "balance"
period = "month"

[[rows]]
key = "cash"
label = "Cash"
accounts = ["1100"]

[[rows]]
key = "inc"
label = "Interest"
accounts = ["41*"]

[[rows]]
label = "Cash less interest"
sum = ["cash", "-inc"]
style = "total"
"""


def test_custom_report_list_and_run(sqlite_coop: Any, tmp_path: Path) -> None:
    coop = sqlite_coop
    (tmp_path / "tpl" / "custom").mkdir(parents=True)
    (tmp_path / "tpl" / "custom" / "mini.toml").write_text(DEF)
    env = {"COOPCTL_REPORTS__TEMPLATES_DIR": str(tmp_path / "tpl")}
    coop.ok(
        "postings",
        "journal",
        "--line",
        "1121:DR:300000",
        "--line",
        "4100:CR:300000",
        "--date",
        "2026-11-10",
        operator="accountant1",
    )
    names = {r["name"]: r for r in coop.ok("reports", "list", **env)}
    assert names["mini-return"]["kind"] == "custom"
    assert names["union-quarterly-return"]["kind"] == "custom"
    assert names["balance-sheet"]["kind"] == "built-in"
    out = coop.ok("reports", "run", "mini-return", "--as-of", "2026-11-28", **env)
    rows = {r["label"]: r for r in out["rows"]}
    assert D(rows["Cash"]["m"]) == D("300000.00") and D(rows["Interest"]["b"]) == D("300000.00")
    assert D(rows["Cash less interest"]["b"]) == D("0.00")
    union = coop.ok("reports", "run", "union-quarterly-return", "--as-of", "2026-11-28", **env)
    assert union["report"] == "union-quarterly-return"
    x = tmp_path / "r.xlsx"
    coop.cli("reports", "run", "mini-return", "-f", "xlsx", "-o", x, **env).ok()
    assert coop.cli("reports", "run", "no-such-report").exit_code == 3


def test_bad_definitions_exit_2_naming_file_and_key(sqlite_coop: Any, tmp_path: Path) -> None:
    coop = sqlite_coop
    folder = tmp_path / "tpl" / "custom"
    folder.mkdir(parents=True)
    env = {"COOPCTL_REPORTS__TEMPLATES_DIR": str(tmp_path / "tpl")}
    cases = [
        (DEF.replace('measure = "movement"', 'measure = "flow"'), "columns[0].measure"),
        (DEF.replace('accounts = ["41*"]', 'accounts = ["41*"]\ncolour = "red"'), "rows[1].colour"),
        (DEF.replace('sum = ["cash", "-inc"]', 'sum = ["cash", "-nope"]'), "rows[2].sum"),
        (DEF.replace('name = "mini-return"', 'name = "balance-sheet"'), "name"),
        ("name = [", "not valid TOML"),
    ]
    for text, key in cases:
        path = folder / "bad.toml"
        path.write_text(text)
        r = coop.cli("reports", "list", **env)
        assert r.exit_code == 2, (key, r.stderr)
        assert str(path) in r.stderr and key in r.stderr, r.stderr
    (folder / "bad.toml").write_text(DEF.replace('accounts = ["1100"]', 'accounts = ["8888"]'))
    r = coop.cli("reports", "run", "mini-return", **env)
    assert r.exit_code == 2 and "rows[0].accounts" in r.stderr and "8888" in r.stderr
