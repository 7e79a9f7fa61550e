"""`loans agreement`: the offer letter and agreement, read back from the PDF.

The story: Adaeze Okafor borrows 120,000.00 on the flat-rate product (18 % a year)
over 6 months, guaranteed by Bola Adeyemi and Chinedu Eze for 60,000.00 each.
Flat interest is charged on the original amount for the whole term:
120,000.00 × 18 % × 6 / 12 = 10,800.00, so 130,800.00 is repaid in 6 installments
of 20,000.00 principal + 1,800.00 interest = 21,800.00.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.conftest import Coop
from tests.integration.loans_support import DAY0, active_loan, apply, cast, guarantee

PRINCIPAL = Decimal("120000.00")
RATE = Decimal("18")
TERM = 6


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return " ".join(text.split())  # words, whatever the line breaks


def money(d: Decimal) -> str:
    return f"{d:,.2f}"


def test_the_agreement_states_terms_schedule_and_guarantors(coop: Coop, tmp_path: Path) -> None:
    c = cast(coop)
    loan_no = active_loan(coop, c, "120000", TERM, "LN-FLAT", cover=["60000", "60000"])
    interest = (PRINCIPAL * RATE / 100 * TERM / 12).quantize(Decimal("0.01"))
    assert interest == Decimal("10800.00")
    installment = PRINCIPAL / TERM + interest / TERM
    assert installment == Decimal("21800.00")

    out = tmp_path / "agreement.pdf"
    r = coop.cli("loans", "agreement", loan_no, "-o", out, "--format", "json", operator="auditor1")
    r.ok()
    assert r.json == {
        "loan_no": loan_no,
        "member_no": c.borrower.member_no,
        "status": "active",
        "installments": TERM,
        "guarantors": 2,
        "format": "pdf",
        "output": str(out),
    }
    assert out.read_bytes().startswith(b"%PDF")
    text = pdf_text(out)
    assert loan_no in text
    assert "Adaeze Okafor" in text and c.borrower.member_no in text
    assert f"Amount {money(PRINCIPAL)}" in text
    assert "18.00% a year, flat rate" in text
    assert f"Total interest {money(interest)}" in text
    assert f"Total repayable {money(PRINCIPAL + interest)}" in text
    # the schedule: six rows of 21,800.00 and the totals row
    assert text.count(money(installment)) >= TERM
    assert f"Total {money(PRINCIPAL)} {money(interest)} 0.00 {money(PRINCIPAL + interest)}" in text
    # the guarantors and their amounts
    for g, name in zip(c.guarantors, ("Bola Adeyemi", "Chinedu Eze"), strict=True):
        assert f"{g.member_no} {name} 60,000.00 accepted" in text
    assert "Total guaranteed 120,000.00" in text


def test_before_disbursement_the_schedule_is_projected_and_text_is_literal(
    coop: Coop, tmp_path: Path
) -> None:
    c = cast(coop)
    hostile = "<b>Bold</b> & [/bold] {{ 7*7 }}"
    loan_no = str(
        coop.ok(
            "loans",
            "apply",
            c.borrower.member_no,
            "--product",
            "LN-FLAT",
            "--amount",
            "120000",
            "--term",
            TERM,
            "--purpose",
            hostile,
            operator="officer1",
            COOPCTL_TODAY=DAY0,
        )["loan_no"]
    )
    guarantee(coop, loan_no, c.guarantors[0].member_no, "60000", COOPCTL_TODAY=DAY0)
    html = tmp_path / "offer.html"
    coop.ok("loans", "agreement", loan_no, "-o", html, operator="officer1")
    page = html.read_text(encoding="utf-8")
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; [/bold] {{ 7*7 }}" in page  # escaped, not run
    assert "<b>Bold</b>" not in page and "49" not in page.split("Purpose")[1][:80]
    assert "Projected from" in page
    assert "60,000.00" in page and "accepted" in page

    pdf = tmp_path / "offer.pdf"
    coop.ok("loans", "agreement", loan_no, "-o", pdf, operator="officer1")
    text = pdf_text(pdf)
    assert "<b>Bold</b> & [/bold] {{ 7*7 }}" in text
    assert f"Total repayable {money(Decimal('130800.00'))}" in text


def test_existing_file_is_kept_unless_force_and_bad_loans_refused(
    coop: Coop, tmp_path: Path
) -> None:
    c = cast(coop)
    loan_no = str(apply(coop, c.borrower.member_no, "120000", TERM, "LN-FLAT")["loan_no"])
    out = tmp_path / "a.pdf"
    out.write_bytes(b"keep me")
    r = coop.cli("loans", "agreement", loan_no, "-o", out)
    assert r.exit_code == 2 and "--force" in r.stderr
    assert out.read_bytes() == b"keep me"
    coop.ok("loans", "agreement", loan_no, "-o", out, "--force")
    assert out.read_bytes().startswith(b"%PDF")

    missing = tmp_path / "none.pdf"
    r = coop.cli("loans", "agreement", "L99999999", "-o", missing)
    assert r.exit_code in (2, 3) and not missing.exists()
    coop.ok("loans", "reject", loan_no, "--reason", "withdrawn", operator="manager1")
    r = coop.cli("loans", "agreement", loan_no, "-o", missing)
    assert r.exit_code == 5 and "rejected" in r.stderr and not missing.exists()


def test_a_cooperative_overrides_the_template(coop: Coop, tmp_path: Path) -> None:
    c = cast(coop)
    loan_no = str(apply(coop, c.borrower.member_no, "120000", TERM, "LN-FLAT")["loan_no"])
    custom = tmp_path / "our-reports" / "templates"
    custom.mkdir(parents=True)
    (custom / "loan_agreement.html.j2").write_text(
        "<html><body><h1>Our own offer</h1><p>{{ loan.loan_no }} for {{ member.name }}: "
        "{{ totals.total }}</p></body></html>",
        encoding="utf-8",
    )
    out = tmp_path / "own.html"
    coop.ok(
        "loans",
        "agreement",
        loan_no,
        "-o",
        out,
        COOPCTL_REPORTS__TEMPLATES_DIR=str(tmp_path / "our-reports"),
    )
    assert out.read_text(encoding="utf-8") == (
        f"<html><body><h1>Our own offer</h1><p>{loan_no} for Adaeze Okafor: 130,800.00</p>"
        "</body></html>"
    )


def test_attach_files_the_agreement_with_the_loans_documents(coop: Coop, tmp_path: Path) -> None:
    c = cast(coop)
    loan_no = str(apply(coop, c.borrower.member_no, "120000", TERM, "LN-FLAT")["loan_no"])
    out = tmp_path / "signed-copy.pdf"
    r = coop.cli("loans", "agreement", loan_no, "-o", out, "--attach", operator="auditor1")
    assert r.exit_code == 4 and not out.exists()  # filing needs loans.manage
    data = coop.ok("loans", "agreement", loan_no, "-o", out, "--attach", operator="officer1")
    (doc,) = coop.ok("docs", "list", "--loan", loan_no)
    assert doc["doc_id"] == data["doc_id"]
    assert (doc["kind"], doc["title"], doc["version"]) == (
        "loan_agreement",
        "Offer letter and agreement",
        1,
    )
    back = tmp_path / "back.pdf"
    coop.ok("docs", "get", doc["doc_id"], "-o", back, operator="officer1")
    assert back.read_bytes() == out.read_bytes()
    r = coop.cli("loans", "agreement", loan_no, "-o", tmp_path / "a.html", "--attach")
    assert r.exit_code == 2 and not (tmp_path / "a.html").exists()
