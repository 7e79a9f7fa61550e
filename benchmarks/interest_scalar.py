"""The scalar baselines of ``benchmarks/interest.py`` and the database copies they run on.

``bench_scalar_posting``: the month-end interest step done the way the job runner
defines an item — per account, in its own unit of work, read its balances (two
queries), compute, post its entry through ``ledger.posting.post`` (with its audit
record), commit — on a sample of accounts of a copy of the database.
``bench_compute_only``: the read and the computation alone, for transparency.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

MONTH_END = date(2026, 1, 31)


def _ctx(url: str, data_dir: Path) -> Any:
    from coopctl.core import config
    from coopctl.core.context import AppContext

    settings = config.load(None, db_url=url)
    settings.data_dir_override = str(data_dir)
    return AppContext(settings=settings)


def _sample(url: str, data_dir: Path, sample: int, seed: int) -> list[tuple[int, str]]:
    """``sample`` random (id, account_no) of the active SAV accounts (the same for any
    copy of the database: the ids are the generated ones)."""
    from sqlalchemy import text

    ctx = _ctx(url, data_dir)
    with ctx.engine.connect() as c:
        rows = [
            (int(r[0]), str(r[1]))
            for r in c.execute(
                text(
                    "SELECT a.id, a.account_no FROM accounts a JOIN deposit_accounts d"
                    " ON d.account_id = a.id WHERE a.status = 'active' ORDER BY a.id"
                )
            )
        ]
    ctx.engine.dispose()
    return random.Random(seed).sample(rows, min(sample, len(rows)))


Q_OPEN = (
    "SELECT COALESCE(SUM(l.credit - l.debit), 0) FROM journal_lines l JOIN journal_entries e"
    " ON e.id = l.entry_id WHERE l.account_id = :a AND e.status = 'posted'"
    " AND e.business_date < :s"
)
Q_MOVES = (
    "SELECT e.business_date, SUM(l.credit - l.debit)"
    " FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id"
    " WHERE l.account_id = :a AND e.status = 'posted'"
    " AND e.business_date BETWEEN :s AND :e GROUP BY e.business_date"
)


def _read_one(c: Any, account_id: int) -> tuple[Decimal, list[tuple[date, Decimal]]]:
    """One account's opening balance and January movements (naira), two queries."""
    from sqlalchemy import text

    start = date(2026, 1, 1)
    opening = Decimal(int(c.execute(text(Q_OPEN), {"a": account_id, "s": start}).scalar_one()))
    moves = [
        (d if isinstance(d, date) else date.fromisoformat(d), Decimal(int(v)) / 100)
        for d, v in c.execute(text(Q_MOVES), {"a": account_id, "s": start, "e": MONTH_END})
    ]
    return opening / 100, moves


def bench_scalar_posting(
    url: str, data_dir: Path, pick: list[tuple[int, str]]
) -> tuple[float, dict[str, tuple[int, int]]]:
    """The step's scalar path on ``pick``, on a copy of the database: per account, in
    its own unit of work, read, compute, ``ledger.posting.post`` its entry, commit.
    Returns seconds per account and {account_no: (gross, net)} in kobo as posted."""
    from sqlalchemy import select

    from coopctl.core.db import dispose_engines
    from coopctl.deposits.interest import month_interest, withholding
    from coopctl.deposits.interest_service import _draft
    from coopctl.deposits.models import DepositProduct
    from coopctl.ledger.models import GLAccount
    from coopctl.ledger.posting import post

    dispose_engines()
    os.environ.update({"COOPCTL_OPERATOR": "system", "COOPCTL_TODAY": "2026-02-01"})
    ctx = _ctx(url, data_dir)
    with ctx.uow() as u:  # the product's terms, once (not timed)
        p = u.session.scalars(select(DepositProduct).where(DepositProduct.code == "SAV")).one()
        terms = {
            "annual_rate": p.annual_rate,
            "method": p.interest_method,
            "days_in_year": p.days_in_year,
            "min_balance": p.min_interest_balance,
        }
        expense = u.session.get(GLAccount, p.interest_gl_id)
        control = u.session.get(GLAccount, p.control_gl_id)
        assert expense is not None and control is not None
        codes = (expense.code, control.code)
        wht_pct = Decimal(str(u.settings["deposits"]["wht_percent"]))
    warm = min(10, len(pick) // 10)  # the first few warm caches and imports: not timed
    t = time.perf_counter()
    for n, (account_id, account_no) in enumerate(pick):
        if n == warm:
            t = time.perf_counter()
        with ctx.uow() as u:
            opening, moves = _read_one(u.session.connection(), account_id)
            gross = month_interest(opening, moves, 2026, 1, **terms)
            wht, net = withholding(gross, wht_pct)
            if gross > 0:
                draft = _draft("SAV", "2026-01", MONTH_END, account_no, gross, wht, net, codes)
                post(u, draft)
            u.commit()
    per = (time.perf_counter() - t) / (len(pick) - warm)
    posted = _posted(ctx, [no for _, no in pick])
    dispose_engines()
    ctx.engine.dispose()
    return per, posted


def _posted(ctx: Any, numbers: list[str]) -> dict[str, tuple[int, int]]:
    """{account_no: (entry total, member credit)} in kobo of the posted interest entries."""
    from sqlalchemy import bindparam, text

    q = text(
        "SELECT a.account_no, e.total, l.credit FROM journal_entries e"
        " JOIN journal_lines l ON l.entry_id = e.id JOIN accounts a ON a.id = l.account_id"
        " WHERE e.kind = 'interest' AND e.status = 'posted' AND a.account_no IN :nos"
    ).bindparams(bindparam("nos", expanding=True))
    with ctx.engine.connect() as c:
        return {str(r[0]): (int(r[1]), int(r[2])) for r in c.execute(q, {"nos": numbers})}


def bench_compute_only(url: str, data_dir: Path, pick: list[tuple[int, str]]) -> float:
    """Read and compute only (no posting, no transaction per account): seconds per
    account — printed for transparency, not the ratio's baseline. (Like the scalar
    path, the first tenth of the sample, at most 10 accounts, warms up untimed.)"""
    from coopctl.deposits.interest import month_interest, withholding

    ctx = _ctx(url, data_dir)
    warm = min(10, len(pick) // 10)
    t = time.perf_counter()
    with ctx.engine.connect() as c:
        for n, (account_id, _no) in enumerate(pick):
            if n == warm:
                t = time.perf_counter()
            opening, moves = _read_one(c, account_id)
            gross = month_interest(
                opening,
                moves,
                2026,
                1,
                annual_rate=Decimal("4"),
                method="daily_balance",
                days_in_year=365,
                min_balance=Decimal("1000"),
            )
            withholding(gross, Decimal("10"))
    per = (time.perf_counter() - t) / (len(pick) - warm)
    ctx.engine.dispose()
    return per


def copy_sqlite(path: Path, dest: Path) -> None:
    """A consistent copy of the SQLite database (its WAL included): SQLite's backup API."""
    src, dst = sqlite3.connect(path), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def copy_pg(admin_url: str, source: str, dest: str) -> None:
    """``CREATE DATABASE dest TEMPLATE source`` (no session may be connected to source)."""
    from sqlalchemy import create_engine

    from coopctl.core.db import dispose_engines

    dispose_engines()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        for attempt in range(10):
            try:
                with admin.connect() as c:
                    c.exec_driver_sql(f'CREATE DATABASE "{dest}" TEMPLATE "{source}"')
                return
            except Exception:  # "source database is being accessed by other users"
                if attempt == 9:
                    raise
                time.sleep(1)
    finally:
        admin.dispose()
