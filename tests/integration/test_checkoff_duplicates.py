"""Payroll check-off duplicates on both databases: a receipt (bank, reference) is
imported once whatever the file's bytes; equal lines under another reference post
with a warning that is printed and recorded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Coop
from tests.integration.deposits_support import add_bank, add_member, open_account, snapshot

D = Decimal


def _import(coop: Coop, path: Path, ref: str, *extra: str) -> Any:
    return coop.cli(
        "postings",
        "import",
        path,
        "--bank",
        "GTB",
        "--ref",
        ref,
        "--total",
        "35000",
        "--format",
        "json",
        *extra,
        operator="accountant1",
    )


@pytest.fixture
def payroll(coop: Coop, tmp_path: Path) -> Path:
    """November payroll of two members, saved with Unix line ends."""
    add_bank(coop)
    a, b = (add_member(coop, n, "Staff") for n in ("Ada", "Bola"))
    for m in (a, b):
        open_account(coop, m, "SAV")
    p = tmp_path / "nov.csv"
    p.write_bytes(f"member_no,amount\n{a},20000\n{b},15000\n".encode())
    return p


def test_crlf_resave_under_the_same_reference_is_refused(
    coop: Coop, payroll: Path, tmp_path: Path
) -> None:
    """The payroll is imported as NOV-PAYROLL, then re-saved by a spreadsheet (CRLF,
    BOM, quoted amounts) and imported again as NOV-PAYROLL: exit 5, naming the first
    import, and nothing is posted. A lower-case, padded reference is the same one."""
    first = _import(coop, payroll, "NOV-PAYROLL").ok().json
    before = snapshot(coop)
    rows = payroll.read_text().splitlines()
    variants = {
        "crlf.csv": ("\r\n".join(rows) + "\r\n").encode(),
        "bom.csv": ("\ufeff" + "\n".join(rows) + "\n").encode(),
        "quoted.csv": "\r\n".join(
            [rows[0]] + [f'"{r.split(",")[0]}","{r.split(",")[1]}.00"' for r in rows[1:]]
        ).encode(),
    }
    for name, data in variants.items():
        f = tmp_path / name
        f.write_bytes(data)
        for ref in ("NOV-PAYROLL", "  nov-payroll "):
            r = _import(coop, f, ref)
            assert r.exit_code == 5, (name, ref, r.stderr)
            assert "reference 'NOV-PAYROLL'" in r.stderr or "reference 'nov-payroll'" in r.stderr
            assert f"entry {first['entry_no']}" in r.stderr and "nothing imported" in r.stderr
            assert snapshot(coop) == before
    # the same bytes are refused even in a dry run
    r = _import(coop, payroll, "OTHER-REF", "--dry-run")
    assert r.exit_code == 5 and "this file" in r.stderr


def test_equal_lines_under_another_reference_post_with_a_warning(
    coop: Coop, payroll: Path, tmp_path: Path
) -> None:
    """December's payroll has the same lines as November's (salaries did not change):
    it posts under DEC-PAYROLL, but says so and records the warning on the import."""
    nov = _import(coop, payroll, "NOV-PAYROLL").ok().json
    assert nov["warning"] is None
    dec_file = tmp_path / "dec.csv"
    dec_file.write_bytes(payroll.read_bytes().replace(b"\n", b"\r\n"))
    r = _import(coop, dec_file, "DEC-PAYROLL")
    dec = r.ok().json
    assert dec["status"] == "posted" and dec["content_sha256"] == nov["content_sha256"]
    assert "equal those of import" in r.stderr and nov["entry_no"] in r.stderr
    assert dec["warning"] and nov["entry_no"] in dec["warning"]
    stored = coop.sql("SELECT reference, warning FROM checkoff_imports ORDER BY id")
    assert [s[0] for s in stored] == ["NOV-PAYROLL", "DEC-PAYROLL"]
    assert stored[0][1] is None and nov["entry_no"] in stored[1][1]
    audit = coop.sql("SELECT after FROM audit_log WHERE action = 'checkoff.import' ORDER BY id")
    assert '"same_content_as": null' in audit[0][0] and '"same_content_as": null' not in audit[1][0]


def test_database_refuses_a_second_receipt_with_the_same_bank_and_reference(
    coop: Coop, payroll: Path
) -> None:
    """The unique index holds even if the code's check were bypassed."""
    _import(coop, payroll, "NOV-PAYROLL").ok()
    row = coop.sql("SELECT bank_code, reference_key FROM checkoff_imports")[0]
    assert tuple(row) == ("GTB", "NOV-PAYROLL")
    with pytest.raises(Exception, match=r"(?i)unique"):
        coop.sql(
            "INSERT INTO checkoff_imports (file_sha256, file_name, bank_code, reference, "
            "reference_key, content_sha256, business_date, declared_total, file_total, "
            "lines_count, entry_id, created_at, created_by) SELECT 'x', file_name, bank_code, "
            "reference, reference_key, content_sha256, business_date, declared_total, "
            "file_total, lines_count, entry_id, created_at, created_by FROM checkoff_imports"
        )
