"""``coopctl demo --bulk``: a large cooperative built through the bulk services.

The plain demo drives one command per member action, which is right for thirty
members and far too slow for two hundred thousand. The bulk demo builds the same
kind of books the way a large cooperative really fills them, through the batch
paths only — never by writing rows around the services:

1. ``init``, the staff and the bank account, as in the plain demo;
2. go-live from an old system's spreadsheets (:mod:`coopctl.golive.demo` writes
   them): ``golive import members`` (the members importer's checks, PII encrypted
   and blind-indexed), ``golive import accounts`` (accounts opened in bulk with
   their opening balances), ``golive import loans`` (loans in progress with their
   guarantors) and the auditor's trial balance; ``golive check`` must be clean and
   ``golive finish`` locks it;
3. every month: the employer's payroll check-off file for the salaried members
   (``postings import``: one ``post_many`` batch that pays loan dues first, then
   shares, then savings), savings interest (``accounts interest``: computed in
   Polars, posted with ``post_many``), loan provisioning, and the month's close;
4. ``ledger verify`` and the trial balance.

Members come in through go-live with their KYC pending (an old system's files are
scanned later); the cooperative accepts deposits before KYC (``[members]
block_deposits_before_kyc`` is off by default), and nobody withdraws, so the
KYC rules are never bypassed. Deterministic for a given ``--seed``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core import clock
from coopctl.core.errors import AlreadyInitialisedError
from coopctl.demo_data import FIRST, LAST, _month_starts

CONTRIBUTIONS = (15000, 20000, 25000, 30000)  # a salaried member's monthly check-off
BORROWER_EXTRA = 40000  # what a borrower adds for the loan due (the import pays dues first)
SALARIED = 0.8  # share of members paid through the payroll check-off


def run_bulk_demo(
    folder: Path,
    *,
    members: int,
    months: int,
    seed: int = 7,
    db_url: str | None = None,
    end: date | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> Any:
    """Build a cooperative of ``members`` members with ``months`` months of history;
    returns a :class:`coopctl.demo.DemoResult` (``timings`` in ``pack``)."""
    from coopctl.demo import STAFF, DemoResult, Runner
    from coopctl.golive.demo import make_files

    folder.mkdir(parents=True, exist_ok=True)
    if db_url is None and (folder / "coop.db").exists():
        raise AlreadyInitialisedError(
            f"{folder} already holds a cooperative; choose an empty --dir"
        )
    rng = random.Random(seed)
    r = Runner(folder, progress)
    if db_url:
        r.env["COOPCTL_DATABASE_URL"] = db_url
    timings: dict[str, float] = {}
    end = end or clock.today()
    month_starts = _months_before(end, months)
    golive = month_starts[0]
    r.today = golive

    def timed(name: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - t0, 2)
        return out

    progress(f"initialising a cooperative in {folder}")
    r.run("demo-admin", "init", "--name", "Unity Staff Multipurpose Cooperative",
          "--admin", "demo-admin")  # fmt: skip
    for user, role in STAFF:
        r.run("demo-admin", "operators", "add", user, "--role", role)
    r.run("demo-admin", "recon", "banks", "add", "UBA", "--gl", "1121",
          "--name", "United Bank for Africa - current")  # fmt: skip

    progress(f"go-live: {members} members, their accounts and loans from spreadsheets")
    names = (FIRST, LAST)
    files = timed("golive_files", make_files, folder / "golive", rng, members, golive, names)
    for kind in ("members", "accounts", "loans", "gl"):
        timed(f"golive_{kind}", r.run, "demo-admin", "golive", "import", kind, files[kind],
              "--as-of", golive.isoformat())  # fmt: skip
    timed("golive_check", r.run, "demo-admin", "golive", "check")
    timed("golive_finish", r.run, "demo-admin", "golive", "finish")

    borrowers = _borrowers(files["loans"])
    legacy_to_no = _member_numbers(r)
    salaried = sorted(no for no in legacy_to_no.values() if rng.random() < SALARIED)
    borrowing = {legacy_to_no[b] for b in borrowers if b in legacy_to_no}

    for start in month_starts:
        progress(f"month {start:%Y-%m}: payroll check-off, provisioning, interest, close")
        timed("checkoff", _checkoff, r, rng, folder, salaried, borrowing, start)
        last = _end_of_month(start)
        r.today = last
        timed("provision", r.run, "demo-system", "loans", "provision", "--date",
              last.isoformat(), check=False)  # fmt: skip
        r.today = last + timedelta(days=1)
        timed("interest", r.run, "demo-accountant", "accounts", "interest", "--month",
              f"{start:%Y-%m}")  # fmt: skip
        timed("close", _close, r, start)

    r.today = end
    progress("verifying the books")
    code, verify, _ = timed("verify", r.run, "demo-accountant", "ledger", "verify", check=False)
    _, tb, _ = timed("trial_balance", r.run, "demo-accountant", "ledger", "trial-balance")
    entries = _count_entries(r)
    return DemoResult(
        folder=folder,
        database=r.env["COOPCTL_DATABASE_URL"],
        members=len(legacy_to_no),
        months=months,
        commands=r.count,
        entries=entries,
        loans=len(borrowing),
        verify_ok=code == 0 and bool(verify and verify.get("ok")),
        pack={"timings": timings},
        trial_balance={"total_debit": tb["total_debit"], "total_credit": tb["total_credit"]},
    )


def _months_before(end: date, months: int) -> list[date]:
    """The first days of the ``months`` complete months before ``end``'s month."""
    first = date(end.year, end.month, 1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return _month_starts(first, months)


def _end_of_month(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _borrowers(loans_csv: Path) -> set[str]:
    import csv

    with loans_csv.open(newline="", encoding="utf-8") as fh:
        return {row[0] for i, row in enumerate(csv.reader(fh)) if i > 0 and row}


def _member_numbers(r: Any) -> dict[str, str]:
    """legacy id → member number, read back from the books through ``golive`` state
    (the import keeps the mapping in ``golive_members``)."""
    from sqlalchemy import select

    from coopctl.core.db import make_engine
    from coopctl.golive.models import GoliveMember
    from coopctl.members.models import Member

    engine = make_engine(r.env["COOPCTL_DATABASE_URL"], create=False)
    with engine.connect() as c:
        rows = c.execute(
            select(GoliveMember.legacy_id, Member.member_no).join(
                Member, Member.id == GoliveMember.member_id
            )
        ).all()
    return {str(lid): str(no) for lid, no in rows}


def _checkoff(
    r: Any,
    rng: random.Random,
    folder: Path,
    salaried: list[str],
    borrowing: set[str],
    start: date,
) -> None:
    """The employer's payroll deductions on the 25th, one file, one bank transfer."""
    r.today = start.replace(day=25)
    lines = ["member_no,amount"]
    total = 0
    for no in salaried:
        amt = rng.choice(CONTRIBUTIONS) + (BORROWER_EXTRA if no in borrowing else 0)
        lines.append(f"{no},{amt}")
        total += amt
    path = folder / f"checkoff-{start:%Y-%m}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r.run("demo-accountant", "postings", "import", path, "--bank", "UBA",
          "--ref", f"FMC-PAYROLL-{start:%Y%m}", "--total", str(Decimal(total)))  # fmt: skip


def _close(r: Any, start: date) -> None:
    """``ledger close-year`` for the fiscal year's last month, else ``close-period``."""
    if start.month == (12 if r.fiscal_year_start == 1 else r.fiscal_year_start - 1):
        fiscal_year = start.year if start.month == 12 else start.year - 1
        r.run("demo-accountant", "ledger", "close-year", str(fiscal_year))
    else:
        r.run("demo-accountant", "ledger", "close-period", f"{start:%Y-%m}")


def _count_entries(r: Any) -> int:
    from sqlalchemy import func, select

    from coopctl.core.db import make_engine
    from coopctl.ledger.models import JournalEntry

    engine = make_engine(r.env["COOPCTL_DATABASE_URL"], create=False)
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(JournalEntry)).scalar_one())
