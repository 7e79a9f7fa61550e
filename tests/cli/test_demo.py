"""`coopctl demo`: the README's first command runs a cooperative end to end."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def test_demo_builds_verified_books_and_a_report_pack(isolated: Path) -> None:
    folder = isolated / "demo"
    r = run_cli(
        ["demo", "--dir", str(folder), "--members", "8", "--months", "2", "--format", "json"],
        {"COOPCTL_TODAY": "2026-11-28"},
    )
    assert r.exit_code == 0, r.stderr
    out = r.json
    assert out["members"] == 8 and out["ledger_verify_ok"] is True
    assert out["total_debit"] == out["total_credit"]
    assert out["entries"] > 8 * 2  # opening deposits at least
    assert Path(out["report_pdf"]).read_bytes().startswith(b"%PDF")
    assert Path(out["report_xlsx"]).stat().st_size > 0
    # a second run into the same folder is refused and changes nothing
    again = run_cli(["demo", "--dir", str(folder), "--members", "3"], {})
    assert again.exit_code == 5
