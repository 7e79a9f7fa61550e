"""The command surface: help, examples, the generated reference, start-up cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coopctl.cli.docgen import render, walk
from tests.conftest import run_cli

ROOT = Path(__file__).parents[2]
COMMANDS = list(walk())


def test_there_are_commands() -> None:
    names = {p for p, _ in COMMANDS}
    for must in (
        "coopctl init",
        "coopctl ledger verify",
        "coopctl postings journal",
        "coopctl operators add",
        "coopctl audit verify",
        "coopctl doctor",
    ):
        assert must in names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example(path: str, cmd: object) -> None:
    help_text = (getattr(cmd, "help", "") or "").strip()
    assert help_text, f"{path} has no help"
    assert "Example:" in help_text, f"{path} help has no example"
    example = help_text.split("Example:", 1)[1].strip().splitlines()[0].strip()
    assert example.startswith("coopctl "), f"{path}: example should be a coopctl invocation"


def test_reference_is_current() -> None:
    ref = (ROOT / "docs" / "cli-reference.md").read_text()
    for path, _ in COMMANDS:
        assert f"## `{path}`" in ref, f"{path} missing from docs/cli-reference.md"
    assert ref == render(), "regenerate: python -m coopctl.cli.docgen > docs/cli-reference.md"


def test_help_and_version_need_no_operator_nor_database(isolated: Path) -> None:
    r = run_cli(["--help"], {"COOPCTL_OPERATOR": "nobody"})
    assert r.exit_code == 0 and "ledger" in r.stdout
    r = run_cli(["--version"], {"COOPCTL_OPERATOR": "nobody"})
    assert r.exit_code == 0 and "coopctl" in r.stdout
    r = run_cli(["ledger", "--help"], {"COOPCTL_OPERATOR": "nobody"})
    assert r.exit_code == 0 and "verify" in r.stdout
    assert not (isolated / "coop.db").exists()


def test_usage_errors_exit_2(isolated: Path) -> None:
    assert run_cli(["ledger", "trial-balance", "--format", "yaml"], {}).exit_code == 2
    assert run_cli(["no-such-command"], {}).exit_code == 2
    assert run_cli(["postings", "journal"], {}).exit_code == 2


def test_uninitialised_database_is_a_clean_error(isolated: Path) -> None:
    r = run_cli(["ledger", "verify"], {"COOPCTL_OPERATOR": "admin"})
    assert r.exit_code in (4, 5)
    assert "Traceback" not in r.stderr


def test_root_help_imports_no_heavy_module() -> None:
    code = (
        "import sys; from coopctl.cli.main import main; "
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])\n"
        "heavy = [m for m in ('sqlalchemy', 'polars', 'weasyprint', 'openpyxl', 'alembic',"
        " 'cryptography', 'typer') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
