"""The month-end pack: one PDF (cover, contents, every standard report) and one XLSX.

Reports whose context is not installed (e.g. loans aging before the loans
context exists) are left out and named in the result's ``skipped``; the
general ledger detail is added only on request (it can run to thousands of
pages). Member statements are produced separately (``reports member-statements``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.reports.builders.common import month_end, render_meta
from coopctl.reports.model import Report
from coopctl.reports.service import PACK_ORDER, Params, run_report


def pack_reports(
    uow: UnitOfWork, year: int, month: int, *, with_general_ledger: bool = False
) -> tuple[list[Report], list[str]]:
    """The pack's reports for ``year-month`` and the names of those not available."""
    from datetime import date

    end = month_end(date(year, month, 1))
    names = list(PACK_ORDER)
    if with_general_ledger:
        names.append("general-ledger")
    reports, skipped = [], []
    for name in names:
        range_report = name in ("income-statement", "cash-flow", "general-ledger")
        params = Params(start=date(year, month, 1), end=end) if range_report else Params(as_of=end)
        try:
            reports.append(run_report(uow, name, params))
        except NotFoundError as exc:
            if "not available" not in exc.message:
                raise
            skipped.append(name)
    return reports, skipped


def build_pack(
    uow: UnitOfWork, year: int, month: int, folder: Path, *, with_general_ledger: bool = False
) -> dict[str, Any]:
    """Write ``pack-YYYY-MM.pdf`` and ``pack-YYYY-MM.xlsx`` into ``folder``."""
    from coopctl.reports.render.pdf import render_pdf
    from coopctl.reports.render.xlsx import render_xlsx

    require(uow.operator, "reports.view")
    reports, skipped = pack_reports(uow, year, month, with_general_ledger=with_general_ledger)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"pack-{year}-{month:02d}"
    pdf, xlsx = folder / f"{stem}.pdf", folder / f"{stem}.xlsx"
    meta = render_meta(uow)
    render_pdf(
        reports,
        pdf,
        coop_name=meta["coop_name"],
        logo_path=meta["logo_path"],
        generated_by=meta["generated_by"],
        generated_at=meta["generated_at"],
        cover=True,
        contents=True,
        templates_dir=meta["templates_dir"],
        document_title=f"Month-end report pack {year}-{month:02d}",
    )
    render_xlsx(
        reports,
        xlsx,
        coop_name=meta["coop_name"],
        generated_by=meta["generated_by"],
        generated_at=meta["generated_at"],
    )
    return {
        "month": f"{year}-{month:02d}",
        "pdf": str(pdf),
        "xlsx": str(xlsx),
        "reports": [r.name for r in reports],
        "skipped": skipped,
    }
