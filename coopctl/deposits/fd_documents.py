"""Certificate of deposit and maturity advice: data here, layout in the Jinja2
templates ``reports/templates/fd_certificate.html.j2`` and ``fd_advice.html.j2``
(a cooperative overrides them through ``[reports] templates_dir`` like every report),
rendered to PDF with weasyprint. Stored text (names) is escaped by the templates'
autoescape; amounts are formatted here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.money import fmt_human
from coopctl.core.security import require
from coopctl.deposits import fd_math
from coopctl.deposits.accounts_lookup import get_account, member_of
from coopctl.deposits.errors import FixedDepositRuleError
from coopctl.deposits.fixed_deposits import fd_details, principal_of
from coopctl.deposits.models import DepositAccount
from coopctl.deposits.products import fmt_rate
from coopctl.ledger.models import Account, JournalEntry

CERTIFICATE = "fd_certificate.html.j2"
ADVICE = "fd_advice.html.j2"


def _common(uow: UnitOfWork, fd: Account) -> dict[str, Any]:
    det = fd_details(uow, fd)
    if det.placed_on is None or det.maturity_date is None:
        raise FixedDepositRuleError(f"fixed deposit {fd.account_no} is not placed yet")
    member = member_of(uow, fd)
    principal = principal_of(uow, fd)
    term = fd_math.term_days(det.placed_on, det.maturity_date)
    gross = fd_math.interest(principal, det.annual_rate, det.product.days_in_year, term)
    wht_pct = str(uow.settings["fixed_deposits"]["wht_percent"])
    from decimal import Decimal

    wht, net = fd_math.withholding(gross, Decimal(wht_pct))
    payout = uow.session.get(Account, det.payout_account_id) if det.payout_account_id else None
    return {
        "account_no": fd.account_no,
        "member_no": member.member_no,
        "member_name": " ".join(
            p for p in (member.first_name, member.other_names, member.last_name) if p
        ),
        "product": det.product.name,
        "product_code": det.product.code,
        "principal": fmt_human(principal),
        "rate": fmt_rate(det.annual_rate),
        "days_in_year": det.product.days_in_year,
        "term_days": term,
        "placed_on": det.placed_on.isoformat(),
        "maturity_date": det.maturity_date.isoformat(),
        "interest": fmt_human(gross),
        "wht_percent": wht_pct,
        "wht": fmt_human(wht),
        "net_interest": fmt_human(net),
        "amount_at_maturity": fmt_human(principal + net),
        "instruction": det.maturity_instruction or "payout",
        "payout_account": payout.account_no if payout else None,
    }


def certificate_data(uow: UnitOfWork, account_no: str) -> dict[str, Any]:
    """What the certificate of deposit states (the terms agreed at placement)."""
    require(uow.operator, "accounts.view")
    return _common(uow, get_account(uow, account_no))


def advice_data(uow: UnitOfWork, account_no: str) -> dict[str, Any]:
    """What the maturity advice states: the maturity as posted (entry, WHT, where the
    money went, the new deposit of a rollover)."""
    require(uow.operator, "accounts.view")
    fd = get_account(uow, account_no)
    det = fd_details(uow, fd)
    if det.matured_on is None:
        raise FixedDepositRuleError(
            f"fixed deposit {fd.account_no} has not matured (due {det.maturity_date})"
        )
    out = _common(uow, fd)
    entry = uow.session.scalars(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"fd.mature:{fd.account_no}")
    ).first()
    credits = []
    if entry is not None:
        for ln in entry.lines:
            if ln.account is not None and ln.credit > 0:
                credits.append(
                    {
                        "account_no": ln.account.account_no,
                        "kind": ln.account.kind.replace("_", " "),
                        "amount": fmt_human(ln.credit),
                    }
                )
    new = uow.session.scalars(
        select(Account)
        .join(DepositAccount, DepositAccount.account_id == Account.id)
        .where(DepositAccount.rolled_from_id == fd.id)
    ).first()
    new_det = uow.session.get(DepositAccount, new.id) if new is not None else None
    out.update(
        matured_on=det.matured_on.isoformat(),
        entry_no=entry.entry_no if entry is not None else None,
        credits=credits,
        new_deposit=new.account_no if new is not None else None,
        new_rate=fmt_rate(new_det.annual_rate) if new_det is not None else None,
        new_maturity=(
            new_det.maturity_date.isoformat()
            if new_det is not None and new_det.maturity_date
            else None
        ),
    )
    return out


def render(uow: UnitOfWork, template: str, data: dict[str, Any], path: Path) -> None:
    """Write ``data`` through ``template`` as a PDF at ``path``."""
    from markupsafe import Markup
    from weasyprint import HTML

    from coopctl.reports.builders.common import render_meta
    from coopctl.reports.render.cells import human_timestamp
    from coopctl.reports.render.pdf import (
        _environment,
        _folders,
        _logo_uri,
        _stylesheet,
        templates_path,
    )

    meta = render_meta(uow)
    folders = _folders(meta["templates_dir"])
    html = (
        _environment(folders)
        .get_template(template)
        .render(
            d=data,
            coop_name=meta["coop_name"],
            logo_uri=_logo_uri(meta["logo_path"]),
            generated_by=meta["generated_by"],
            generated_at=human_timestamp(meta["generated_at"]),
            css=Markup(_stylesheet(folders)),
        )
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, base_url=str(templates_path(meta["templates_dir"]))).write_pdf(str(path))
