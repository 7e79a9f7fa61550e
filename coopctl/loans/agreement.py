"""The offer letter and loan agreement of one loan, as PDF (or HTML).

The data (:func:`agreement_data`) is gathered here and formatted in Python:
amounts as ``12,500.00``, rates as ``24.00``, dates as ``2026-03-01``; the layout
is the Jinja2 template ``[loans.agreement] template`` (default
``loan_agreement.html.j2``) in the report templates folder, which a cooperative
overrides by copying ``reports/`` and pointing ``[reports] templates_dir`` at the
copy (docs/loans.md, "Loan agreement"). Autoescaping is on: a name like
``<b>Ada</b>`` or ``[/bold]`` is printed as typed, never interpreted.

Before disbursement the schedule is the projection from the business date (what
``loans schedule`` shows); after, the loan's own installments. Totals are sums
of the rows shown.
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import ZERO, fmt_human
from coopctl.core.security import require

FREQUENCIES = {"monthly": "monthly", "fortnightly": "fortnightly", "weekly": "weekly"}
METHODS = {
    "declining_equal_installment": "reducing balance, equal installments",
    "declining_equal_principal": "reducing balance, equal principal",
    "flat": "flat rate",
}
FEE_MODES = {
    "deduct": "deducted from the amount disbursed",
    "first_installment": "added to the first installment",
}
PREPAYMENT = {
    "reduce_term": "shortens the term",
    "reduce_installment": "lowers the remaining installments",
}
GUARANTOR_STATUSES = ("requested", "accepted")  # declined and released ones are not parties


def _money(value: Decimal) -> str:
    return fmt_human(value)


def _rate(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _date(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def agreement_data(uow: UnitOfWork, loan_no: str) -> dict[str, Any]:
    """Everything the template prints, as display strings (see the template's header)."""
    from coopctl.loans import guarantors as guarantors_mod
    from coopctl.loans.common import get_loan, member_of, product_of
    from coopctl.loans.errors import LoanStateError
    from coopctl.loans.queries import schedule_of
    from coopctl.members.models import Member
    from coopctl.reports.builders.common import coop_name, currency_note

    require(uow.operator, "loans.view")
    loan = get_loan(uow, loan_no)
    if loan.status == "rejected":
        raise LoanStateError(f"loan {loan.loan_no} was rejected; there is nothing to offer")
    member = member_of(uow, loan)
    product = product_of(uow, loan)
    sched = schedule_of(uow, loan.loan_no)
    rows = sched["installments"]

    def total(key: str) -> Decimal:
        return sum((Decimal(r[key]) for r in rows), ZERO)

    totals = {k: total(k) for k in ("principal", "interest", "fees", "total")}
    guarantors = []
    for g in guarantors_mod.of_loan(uow, loan, *GUARANTOR_STATUSES):
        gm = uow.session.get(Member, g.member_id)
        assert gm is not None
        guarantors.append(
            {
                "member_no": gm.member_no,
                "name": " ".join(p for p in (gm.first_name, gm.other_names, gm.last_name) if p),
                "amount": _money(g.amount),
                "status": g.status,
            }
        )
    guaranteed = sum(
        (g.amount for g in guarantors_mod.of_loan(uow, loan, *GUARANTOR_STATUSES)), ZERO
    )
    first_due = rows[0]["due_date"] if rows else None
    return {
        "coop_name": coop_name(uow),
        "currency_note": currency_note(uow),
        "date": _date(uow.today()),
        "signatory_title": uow.settings["loans.agreement"]["signatory_title"],
        "loan": {
            "loan_no": loan.loan_no,
            "status": loan.status,
            "product_code": product.code,
            "product_name": product.name,
            "principal": _money(loan.principal),
            "annual_rate": _rate(loan.annual_rate),
            "term": loan.term,
            "frequency": FREQUENCIES.get(loan.frequency, loan.frequency),
            "method": METHODS.get(loan.method, loan.method),
            "purpose": loan.purpose,
            "applied_on": _date(loan.applied_on),
            "approved_on": _date(loan.approved_on),
            "disbursed_on": _date(loan.disbursed_on),
            "officer": loan.officer,
            "first_due": _date(first_due),
            "projected": bool(sched.get("projected")),
        },
        "member": {
            "member_no": member.member_no,
            "name": " ".join(
                p for p in (member.first_name, member.other_names, member.last_name) if p
            ),
            "address": member.address,
            "employer": member.employer,
            "staff_no": member.staff_no,
        },
        "charges": {
            "fee": _money(loan.fee_amount),
            "fee_mode": FEE_MODES.get(loan.fee_mode, loan.fee_mode),
            "has_fee": loan.fee_amount > 0,
            "penalty_rate": _rate(product.penalty_rate),
            "penalty_fixed": _money(product.penalty_fixed),
            "has_penalty": product.penalty_rate > 0 or product.penalty_fixed > 0,
            "penalty_grace_days": product.penalty_grace_days,
            "prepayment": PREPAYMENT.get(product.prepayment, product.prepayment),
        },
        "schedule": [
            {
                "no": r["no"],
                "due_date": _date(r["due_date"]),
                "principal": _money(Decimal(r["principal"])),
                "interest": _money(Decimal(r["interest"])),
                "fees": _money(Decimal(r["fees"])),
                "total": _money(Decimal(r["total"])),
                "balance": _money(Decimal(r["balance"])),
            }
            for r in rows
        ],
        "totals": {k: _money(v) for k, v in totals.items()},
        "guarantors": guarantors,
        "guaranteed": _money(guaranteed),
    }


def render_html(uow: UnitOfWork, loan_no: str) -> tuple[str, dict[str, Any], Path]:
    """(HTML, the data, the templates folder used as the base URL)."""
    from markupsafe import Markup

    from coopctl.reports.render.pdf import _logo_uri, template_environment

    data = agreement_data(uow, loan_no)
    tdir = uow.settings["reports"]["templates_dir"]
    env, base, css = template_environment(Path(tdir) if tdir else None)
    name = uow.settings["loans.agreement"]["template"]
    html: str = env.get_template(name).render(
        **data,
        generated_by=uow.username,
        logo_uri=_logo_uri(uow.settings["cooperative"]["logo"] or None),
        css=Markup(css),
    )
    return html, data, base


def write(uow: UnitOfWork, loan_no: str, output: Path, *, force: bool = False) -> dict[str, Any]:
    """Write the agreement to ``output``: HTML if it ends in ``.html``, else PDF.
    An existing file is kept unless ``force``. Returns a summary (no amounts)."""
    if output.is_dir():
        raise ValidationError(f"-o: {output} is a folder; give a file name")
    if output.exists() and not force:
        raise ValidationError(f"-o: {output} exists; give --force to overwrite")
    html, data, base = render_html(uow, loan_no)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    os.close(fd)
    try:
        if output.suffix.lower() in (".html", ".htm"):
            Path(tmp).write_text(html, encoding="utf-8")
            kind = "html"
        else:
            from weasyprint import HTML

            HTML(string=html, base_url=str(base)).write_pdf(tmp)
            kind = "pdf"
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {
        "loan_no": data["loan"]["loan_no"],
        "member_no": data["member"]["member_no"],
        "status": data["loan"]["status"],
        "installments": len(data["schedule"]),
        "guarantors": len(data["guarantors"]),
        "format": kind,
        "output": str(output),
    }


ATTACH_KIND = "loan_agreement"
ATTACH_TITLE = "Offer letter and agreement"


def attach(uow: UnitOfWork, loan_no: str, pdf: Path) -> int:
    """File the written PDF with the loan's documents (loans.manage); the document id."""
    from coopctl.docs import service as docs

    res = docs.add(uow, ("loan", loan_no), pdf, ATTACH_KIND, ATTACH_TITLE)
    return res.document.id
