"""Terminal output never interprets data (issue 9 item 1), small input fixes (item 10),
and output people can read (issue 10 items 5 and 7)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coopctl.core.text import visible
from tests.conftest import Coop, run_cli
from tests.integration.deposits_support import add_member, open_account

HOSTILE = [
    "[/bold]x",
    "[bold red]FAKE[/]",
    "\x1b[31mred\x1b[0m",
    "a\u202eevil",
    "c1\x9bcontrol",
    "tab\there",
    "line\nbreak",
    ":smile: [link=http://x]y[/link]",
]


def _member_account(coop: Coop) -> str:
    return open_account(coop, add_member(coop))


# --- done when: postings deposit ACC 10 --narration '[/bold]x' ---------------------------
def test_markup_in_narration_is_printed_literally(coop: Coop) -> None:
    acct = _member_account(coop)
    r = coop.cli("postings", "deposit", acct, "10", "--narration", "[/bold]x", operator="teller1")
    assert r.exit_code == 0, r.stderr
    assert "[/bold]x" in r.stdout
    entry_no = coop.ok("postings", "list", operator="auditor1")[0]["entry_no"]
    for args in (
        ("postings", "list"),
        ("postings", "show", entry_no),
        ("accounts", "statement", acct),
    ):
        r = coop.cli(*args, operator="auditor1")
        assert r.exit_code == 0, (args, r.stderr)
        assert "[/bold]x" in r.stdout, args


def test_hostile_text_is_escaped_in_every_format(coop: Coop) -> None:
    """Control characters, ESC sequences and bidi overrides never reach the terminal raw;
    JSON and CSV carry the text exactly."""
    acct = _member_account(coop)
    coop.ok("operators", "add", "mallory", "--role", "teller", "--name", "[/i]\x1b]0;x\x07")
    for text in HOSTILE:
        r = coop.cli("postings", "deposit", acct, "1", "--narration", text, operator="teller1")
        assert r.exit_code == 0, (text, r.stderr)
    table = coop.cli("postings", "list", operator="auditor1").ok().stdout
    statement = coop.cli("accounts", "statement", acct, operator="auditor1").ok().stdout
    ops = coop.cli("operators", "list").ok().stdout
    for out in (table, statement, ops):
        assert "\x1b" not in out and "\u202e" not in out and "\x9b" not in out
    assert "\\x1b[31mred\\x1b[0m" in table and "a\\u202eevil" in statement
    assert "[/i]\\x1b]0;x\\x07" in ops
    assert "line\\nbreak" in table and "[bold red]FAKE[/]" in table
    stored = [e["narration"] for e in coop.ok("postings", "list", operator="auditor1")]
    assert set(HOSTILE) <= set(stored)
    rows = list(csv.DictReader(io.StringIO(coop.cli("postings", "list", "-f", "csv").stdout)))
    assert set(HOSTILE) <= {r["narration"] for r in rows}


# --- hypothesis: every stored and printed free-text field ---------------------------------
free_text = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() != "")
letters = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Lo")), min_size=1, max_size=30
)


_serial = itertools.count(1)


def _formats(coop: Coop, args: tuple[str, ...], operator: str) -> dict[str, str]:
    out = {}
    for fmt in ("table", "json", "csv"):
        r = coop.cli(*args, "--format", fmt, operator=operator)
        assert r.exit_code == 0, (args, fmt, r.stderr)
        out[fmt] = r.stdout
    return out


def _shown(text: str, table: str) -> bool:
    return visible(text).strip() in table


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(narration=free_text, reference=free_text, name=free_text, employer=free_text)
def test_arbitrary_text_round_trips_through_every_format(
    sqlite_coop: Coop, narration: str, reference: str, name: str, employer: str
) -> None:
    coop = sqlite_coop
    acct = _member_account(coop)
    args = ["postings", "deposit", acct, "1", "--narration", narration, "--ref", reference]
    dep = coop.cli(*args, "-f", "json", operator="teller1")
    assert dep.exit_code == 0, dep.stderr
    entry = dep.json
    shown = _formats(coop, ("postings", "show", entry["entry_no"]), "auditor1")
    assert json.loads(shown["json"])["narration"] == entry["narration"]
    assert json.loads(shown["json"])["reference"] == entry["reference"]
    assert entry["narration"].strip() == narration.strip()
    assert _shown(entry["narration"], shown["table"]) and _shown(entry["reference"], shown["table"])
    assert "\x1b" not in shown["table"]
    listed = coop.cli("postings", "list", "-f", "csv", operator="auditor1").ok().stdout
    row = next(r for r in csv.DictReader(io.StringIO(listed)) if r["entry_no"] == entry["entry_no"])
    assert row["narration"] == entry["narration"] and row["reference"] == entry["reference"]

    n = next(_serial)
    user = f"u{n}"
    r = coop.cli("operators", "add", user, "--role", "teller", "--name", name)
    if r.exit_code == 0:
        ops = _formats(coop, ("operators", "list"), "admin")
        stored = next(o["name"] for o in json.loads(ops["json"]) if o["username"] == user)
        assert _shown(stored, ops["table"])
        assert stored in {row["name"] for row in csv.DictReader(io.StringIO(ops["csv"]))}
    else:  # refused only for its length, never by the renderer
        assert r.exit_code == 2, r.stderr

    r = coop.cli(
        "members", "add", "--first-name", "Ada", "--last-name", "Obi",
        "--phone", f"0805{n:07d}", "--employer", employer,
        "-f", "json", operator="teller1",
    )  # fmt: skip
    if r.exit_code == 0:
        no = r.json["member_no"]
        m = _formats(coop, ("members", "show", no), "manager1")
        assert json.loads(m["json"])["employer"] == r.json["employer"]
        assert _shown(r.json["employer"], m["table"])
    else:  # the member rules refuse control characters in employer: exit 2, never 1
        assert r.exit_code == 2, r.stderr


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=letters, last=letters, text=st.text(max_size=40))
def test_renderer_shows_any_text_in_records_and_tables(first: str, last: str, text: str) -> None:
    """The renderer alone, on every free-text key (names, memo, reference, narration)."""
    from contextlib import redirect_stdout

    from coopctl.cli.render import render_table, write_csv, write_json

    record = {"first_name": first, "last_name": last, "narration": text, "reference": text}
    lines = [{"memo": text, "debit": Decimal("10000.50")}, {"memo": first, "debit": None}]
    out = io.StringIO()
    with redirect_stdout(out):
        render_table([record], None, record=True)
        render_table(lines, ["memo", "debit"], header={"narration": text})
        write_csv(lines, ["memo", "debit"], out)
        write_json(record, out)
    s = out.getvalue()
    assert visible(first) in s and visible(last) in s
    assert "10,000.50" in s
    for ch in ("\x1b", "\u202e", "\x9b", "\x00"):
        assert ch not in s.split("memo,debit")[0]  # the terminal part


def test_date_empty_is_refused(coop: Coop) -> None:
    acct = _member_account(coop)
    r = coop.cli("postings", "deposit", acct, "10", "--date", "", operator="teller1")
    assert r.exit_code == 2 and "--date" in r.stderr


def test_phone_error_names_the_accepted_formats(coop: Coop) -> None:
    r = coop.cli(
        "members", "add", "--first-name", "Ada", "--last-name", "Obi", "--phone", "12345",
        operator="teller1",
    )  # fmt: skip
    assert r.exit_code == 2
    assert "+234" in r.stderr and "0" in r.stderr and "country code" in r.stderr


# --- issue 10 item 5: one renderer, limits ------------------------------------------------
def test_list_limits_table_note_and_full_json(sqlite_coop: Coop) -> None:
    """After 250 postings, JSON returns 250 entries and the table shows 200 of 250."""
    from sqlalchemy import text

    coop = sqlite_coop
    acct = _member_account(coop)
    coop.ok("postings", "deposit", acct, "1", operator="teller1")
    # 249 more entries, cloned in SQL (the posting path is tested elsewhere).
    with coop.engine().begin() as c:
        first = c.execute(text("SELECT * FROM journal_entries")).mappings().one()
        cols = [k for k in first if k != "id"]
        for i in range(2, 251):
            row = dict(first)  # pending: the triggers admit new entries only so
            row.update(entry_no=f"JE{i:08d}", idempotency_key=None, status="pending")
            c.execute(
                text(
                    f"INSERT INTO journal_entries ({', '.join(cols)}) "
                    f"VALUES ({', '.join(':' + k for k in cols)})"
                ),
                {k: row[k] for k in cols},
            )
    assert len(coop.ok("postings", "list", operator="auditor1")) == 250
    r = coop.cli("postings", "list", operator="auditor1").ok()
    assert "showing 200 of 250; --all or --limit N" in r.stderr
    assert r.stdout.count("JE000") == 200
    r = coop.cli("postings", "list", "--all", operator="auditor1").ok()
    assert r.stdout.count("JE000") == 250 and "showing" not in r.stderr
    assert len(coop.ok("postings", "list", "--limit", "7", operator="auditor1")) == 7
    csv_rows = coop.cli("postings", "list", "-f", "csv", operator="auditor1").ok().stdout
    assert len(csv_rows.strip().splitlines()) == 251


def test_every_list_command_takes_limit_and_all() -> None:
    import click

    from coopctl.cli.main import COMMANDS, cli

    ctx = click.Context(cli)
    seen = 0

    def walk(cmd: Any) -> None:
        nonlocal seen
        if isinstance(cmd, click.Group):
            for sub in cmd.commands.values():
                walk(sub)
        elif cmd.name == "list":
            opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
            assert {"--limit", "--all"} <= opts or "--limit" in opts, cmd.name
            seen += 1

    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        if cmd is not None:
            walk(cmd)
    assert seen >= 8


def test_amounts_read_the_same_and_records_leave_out_empty_fields(coop: Coop) -> None:
    acct = _member_account(coop)
    coop.ok("postings", "deposit", acct, "10000.50", operator="teller1")
    show = coop.cli("accounts", "show", acct, operator="auditor1").ok().stdout
    assert "10,000.50" in show and "10000.50" not in show
    member = coop.cli("members", "show", coop.ok("accounts", "show", acct)["member_no"])
    assert member.exit_code == 0
    assert "email" not in member.stdout  # empty fields are left out of a record
    lines = [ln for ln in member.stdout.splitlines() if ln.strip()]
    assert all(ln == ln.rstrip() for ln in lines)


def test_long_values_wrap_instead_of_being_cut(coop: Coop) -> None:
    acct = _member_account(coop)
    long = "word " * 60 + "END"
    coop.ok("postings", "deposit", acct, "1", "--narration", long.strip(), operator="teller1")
    out = coop.cli("postings", "list", operator="auditor1", COOPCTL_WIDTH="80").ok().stdout
    assert "END" in out and "…" not in out


# --- issue 10 item 7: no stray files --------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [("postings", "list"), ("ledger", "trial-balance"), ("members", "list"), ("doctor",)],
)
def test_read_command_without_a_cooperative_creates_no_database(
    isolated: Path, args: tuple[str, ...]
) -> None:
    r = run_cli(list(args), {"COOPCTL_OPERATOR": "admin"})
    assert r.exit_code in (5, 6), r.stderr
    assert "coopctl init" in r.stderr + r.stdout
    assert not (isolated / "coop.db").exists()
    assert not list(isolated.glob("coop.db*"))
