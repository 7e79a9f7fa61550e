"""The demo's bank side: each month the bank sends a statement of what went through
the cooperative's account (the receipts and payments the books hold, plus charges,
stamp duty and interest only the bank knows); the accountant imports it, runs the
matcher, accepts its proposals and books the bank-only lines with ``recon post``."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, create_engine, func, select, type_coerce

from coopctl.core.money import from_minor
from coopctl.core.sums import exact_engine, exact_sum

Run = Callable[..., tuple[int, Any, str]]
CHARGES_GL = "5600"
INTEREST_GL = "4900"


def _book_lines(
    url: str, gl_code: str, start: date, end: date
) -> tuple[Decimal, list[tuple[Any, ...]]]:
    from coopctl.ledger.models import GLAccount, JournalEntry, JournalLine
    from coopctl.recon.models import BankStatement

    eng = exact_engine(create_engine(url))
    try:
        with eng.connect() as c:
            gl = c.execute(select(GLAccount.id).where(GLAccount.code == gl_code)).scalar_one()
            jl, je = JournalLine, JournalEntry
            rows = c.execute(
                select(
                    je.business_date,
                    type_coerce(jl.debit, BigInteger),
                    type_coerce(jl.credit, BigInteger),
                    je.reference,
                    je.narration,
                    je.id,
                )
                .join(je, je.id == jl.entry_id)
                .where(
                    jl.gl_account_id == gl,
                    je.status == "posted",
                    je.business_date >= start,
                    je.business_date <= end,
                )
                .order_by(je.business_date, je.id)
            ).all()
            last = c.execute(
                select(type_coerce(BankStatement.closing, BigInteger))
                .where(BankStatement.closing.is_not(None))
                .order_by(BankStatement.closing_date.desc(), BankStatement.id.desc())
                .limit(1)
            ).scalar()
            if last is None:
                dr, cr = c.execute(
                    select(
                        func.coalesce(exact_sum(type_coerce(jl.debit, BigInteger)), 0),
                        func.coalesce(exact_sum(type_coerce(jl.credit, BigInteger)), 0),
                    )
                    .join(je, je.id == jl.entry_id)
                    .where(jl.gl_account_id == gl, je.status == "posted", je.business_date < start)
                ).one()
                opening = from_minor(int(dr) - int(cr))
            else:
                opening = from_minor(int(last))
    finally:
        eng.dispose()
    return opening, [
        (d, from_minor(int(dr) - int(cr)), ref, narr) for d, dr, cr, ref, narr, _ in rows
    ]


def _money(v: Decimal) -> str:
    return f"{v:,.2f}"


def bank_month(
    run: Run,
    url: str,
    folder: Path,
    bank: str,
    gl_code: str,
    start: date,
    end: date,
    rng: random.Random,
) -> dict[str, Any]:
    """Write the bank's statement for ``start``..``end``, import and reconcile it."""
    opening, book = _book_lines(url, gl_code, start, end)
    lines: list[tuple[date, Decimal, str, str]] = []
    for d, amount, ref, narr in book:
        when = min(d + timedelta(days=rng.choice([0, 0, 1])), end)
        text = f"NIP {'TRF FROM' if amount > 0 else 'TRF TO'} {narr[:40]}".upper()
        lines.append((when, amount, ref, text))
    credits = [a for _, a, _, _ in lines if a >= Decimal("10000")]
    n_sms = len(lines) + rng.randint(2, 6)
    lines.append((end, Decimal("-4.00") * n_sms, "", f"SMS ALERT CHARGES {start:%b %Y}".upper()))
    lines.append((end, Decimal("-1075.00"), "", "ACCOUNT MAINTENANCE FEE"))
    if credits:
        lines.append((end, Decimal("-50.00") * len(credits), "", "EMTL STAMP DUTY"))
    interest = (max(opening, Decimal(0)) * Decimal("0.001")).quantize(Decimal("0.01"))
    if interest > 0:
        lines.append((end, interest, "", "CREDIT INTEREST"))
    lines.sort(key=lambda x: x[0])
    balance = opening
    rows = ["Trans Date,Reference,Value Date,Debit,Credit,Balance,Remarks"]
    rows.append(f',,,,,"{_money(opening)}",Opening Balance')
    for d, amount, ref, text in lines:
        balance += amount
        dr = _money(-amount) if amount < 0 else ""
        cr = _money(amount) if amount > 0 else ""
        day = d.strftime("%d-%b-%Y")
        rows.append(f'{day},{ref},{day},"{dr}","{cr}","{_money(balance)}",{text.replace(",", " ")}')
    rows.append(f',,,,,"{_money(balance)}",Closing Balance')
    path = folder / f"bank-{bank.lower()}-{start:%Y-%m}.csv"
    path.write_text("\n".join(rows) + "\n")
    _, imported, _ = run(
        "demo-accountant", "recon", "import", path, "--bank", bank, "--profile", "gtbank"
    )
    _, matched, _ = run("demo-accountant", "recon", "match", "--bank", bank)
    _, open_lines, _ = run("demo-accountant", "recon", "list", "--bank", bank, "--unmatched")
    posted = linked = 0
    for ln in open_lines or []:
        sugg = ln.get("suggestion") or ""
        if sugg and "pending" not in sugg:
            entries = [w for w in sugg.split() if w.startswith("JE")]
            if run("demo-accountant", "recon", "link", ln["id"], *entries, check=False)[0] == 0:
                linked += 1
                continue
        gl = INTEREST_GL if Decimal(ln["amount"]) > 0 else CHARGES_GL
        run(
            "demo-accountant",
            "recon",
            "post",
            ln["id"],
            "--gl",
            gl,
            "--narration",
            ln["description"][:60],
        )
        posted += 1
    return {
        "file": str(path),
        "imported": imported["imported"],
        "matched": matched["matched"],
        "linked": linked,
        "posted": posted,
    }
