"""Portfolio aging over the database: the bulk path (Polars) and the per-loan path.

Bulk: two SQL reads, filtered in SQL to what aging needs, straight into Polars:

- the active loans with their ledger balance (``accounts.balance`` of the loan's
  sub-ledger account = outstanding principal), product and watch date;
- the non-superseded installments of active loans that are due on or before the
  date and not fully paid (paid installments and future ones cannot change days
  past due, arrears or class once the outstanding comes from the ledger).

Amounts stay integer kobo from the database to the totals. Polars is imported
inside the functions, so importing this module is cheap.

Per loan (``loans show``): the same definitions through the scalar reference
:func:`coopctl.loans.aging.loan_aging` on the loan's installments.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, NotFoundError
from coopctl.core.money import from_minor
from coopctl.core.security import require
from coopctl.loans.aging import InstallmentRow, LoanAging, LoanRow, PortfolioAging, loan_aging
from coopctl.loans.classification import ClassTable, table_from_settings

if TYPE_CHECKING:
    import polars as pl

_AMOUNTS = (
    "principal", "interest", "fees", "penalty",
    "principal_paid", "interest_paid", "fees_paid", "penalty_paid",
)  # fmt: skip

# Installments of active loans; {p} is the driver's placeholder for the date.
ALL_INSTALLMENTS_SQL = (
    "SELECT i.loan_id, i.due_date, "
    + ", ".join(f"i.{c}" for c in _AMOUNTS)
    + " FROM loan_installments i JOIN loans l ON l.id = i.loan_id"
    " WHERE l.status = 'active' AND NOT i.superseded"
)
# ... only those due by the date and not fully paid: all that aging needs.
INSTALLMENTS_SQL = (
    ALL_INSTALLMENTS_SQL + " AND i.due_date <= {p}"
    " AND (i.principal_paid < i.principal OR i.interest_paid < i.interest"
    " OR i.fees_paid < i.fees OR i.penalty_paid < i.penalty)"
)
LOANS_SQL = (
    "SELECT l.id, a.balance, l.product_code, l.watch_until"
    " FROM loans l LEFT JOIN accounts a ON a.id = l.account_id"
    " WHERE l.status = 'active'"
)


class LoanAccountMissingError(BusinessRuleError):
    """Every active loan has a sub-ledger account holding its outstanding principal."""


def table_of(uow: UnitOfWork) -> ClassTable:
    """The classification table configured for this cooperative."""
    return table_from_settings(uow.settings)


# --- bulk ----------------------------------------------------------------------------
def _date_series(name: str, values: Sequence[Any]) -> pl.Series:
    """Dates as SQLite returns them (ISO text) or as PostgreSQL does (``date``)."""
    import polars as pl

    first = next((v for v in values if v is not None), None)
    if isinstance(first, str):
        return pl.Series(name, values, dtype=pl.String).str.to_date("%Y-%m-%d")
    return pl.Series(name, values, dtype=pl.Date)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of row tuples are built: they
    hold no cycles, and collections triggered by the allocations cost more than the read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _fetch(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    """Columns (one sequence each) through the raw DB-API cursor, no per-row processing."""
    placeholder = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cur = conn.connection.cursor()
    try:
        with _no_gc():
            cur.execute(sql.format(p=placeholder), params)
            rows = cur.fetchall()
            ncols = len(cur.description)
            return list(zip(*rows, strict=True)) if rows else [()] * ncols
    finally:
        cur.close()


def read_frames(
    conn: Connection, as_of: date, *, needed_only: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(installments, loans) frames for :func:`coopctl.loans.aging_bulk.portfolio_aging_bulk`.

    ``conn`` is a SQLAlchemy connection (the unit of work's, so the read sees the
    same transaction). ``needed_only=False`` reads every non-superseded installment
    of the active loans (same result, more rows). Raises
    :class:`LoanAccountMissingError` if an active loan has no ledger account.
    """
    import polars as pl

    sqlite = conn.dialect.name == "sqlite"
    param = as_of.isoformat() if sqlite else as_of
    if needed_only:
        cols = _fetch(conn, INSTALLMENTS_SQL, (param,))
    else:
        cols = _fetch(conn, ALL_INSTALLMENTS_SQL, ())
    installments = pl.DataFrame(
        [
            pl.Series("loan_id", cols[0], dtype=pl.Int64),
            _date_series("due_date", cols[1]),
            *[pl.Series(c, cols[2 + i], dtype=pl.Int64) for i, c in enumerate(_AMOUNTS)],
        ]
    )
    lcols = _fetch(conn, LOANS_SQL, ())
    loans = pl.DataFrame(
        [
            pl.Series("loan_id", lcols[0], dtype=pl.Int64),
            pl.Series("outstanding", lcols[1], dtype=pl.Int64),
            pl.Series("product_code", lcols[2], dtype=pl.String),
            _date_series("watch_until", lcols[3]),
        ]
    )
    missing = loans.filter(pl.col("outstanding").is_null()).height
    if missing:
        raise LoanAccountMissingError(f"{missing} active loan(s) have no ledger account")
    return installments, loans


def compute(uow: UnitOfWork, as_of: date, table: ClassTable | None = None) -> PortfolioAging:
    """Bulk aging of the active portfolio on ``as_of`` (no permission check: internal)."""
    from coopctl.loans.aging_bulk import portfolio_aging_bulk

    installments, loans = read_frames(uow.session.connection(), as_of)
    return portfolio_aging_bulk(installments, loans, as_of, table or table_of(uow))


def portfolio_aging(uow: UnitOfWork, as_of: date) -> PortfolioAging:
    """Aging, classification, PAR and required provision of the active portfolio."""
    require(uow.operator, "loans.view")
    return compute(uow, as_of)


# --- one loan (scalar reference) ------------------------------------------------------
_LOAN_SQL = text(
    "SELECT l.id, a.balance, l.product_code, l.watch_until"
    " FROM loans l LEFT JOIN accounts a ON a.id = l.account_id WHERE l.id = :loan_id"
)


def installments_of(uow: UnitOfWork, loan_id: int) -> list[InstallmentRow]:
    """The loan's non-superseded installments in due order, as :class:`InstallmentRow`."""
    from sqlalchemy import Date

    stmt = text(
        "SELECT no, due_date, paid_on, "
        + ", ".join(_AMOUNTS)
        + " FROM loan_installments WHERE loan_id = :loan_id AND NOT superseded"
        " ORDER BY due_date, no"
    ).columns(due_date=Date(), paid_on=Date())
    out = []
    for row in uow.session.execute(stmt, {"loan_id": loan_id}):
        m = row._mapping
        amounts: dict[str, Any] = {c: from_minor(int(m[c] or 0)) for c in _AMOUNTS}
        out.append(
            InstallmentRow(no=int(m["no"]), due_date=m["due_date"], paid_on=m["paid_on"], **amounts)
        )
    return out


@dataclass(frozen=True)
class _LoanFacts:
    row: LoanRow
    installments: list[InstallmentRow]


def _facts(uow: UnitOfWork, loan_id: int) -> _LoanFacts:
    from sqlalchemy import Date

    r = uow.session.execute(_LOAN_SQL.columns(watch_until=Date()), {"loan_id": loan_id}).first()
    if r is None:
        raise NotFoundError(f"loan id {loan_id} not found")
    balance = from_minor(int(r[1])) if r[1] is not None else None
    row = LoanRow(int(r[0]), balance, str(r[2] or ""), r[3])
    return _LoanFacts(row, installments_of(uow, loan_id))


def loan_aging_of(uow: UnitOfWork, loan_id: int, as_of: date) -> LoanAging:
    """Aging of one loan (``loans show``): the scalar reference on its installments.

    The outstanding principal is the loan's ledger balance (all installments'
    unpaid principal when the loan has no account yet, e.g. before disbursement).
    """
    f = _facts(uow, loan_id)
    return loan_aging(
        f.installments,
        as_of,
        table_of(uow),
        f.row.outstanding_principal,
        watch_until=f.row.watch_until,
    )


def portfolio_aging_reference(uow: UnitOfWork, as_of: date) -> PortfolioAging:
    """The whole active portfolio loan by loan through the scalar reference (slow;
    for tests and for checking the bulk path on a live database)."""
    from coopctl.loans.aging import portfolio_aging_scalar

    active = text("SELECT id FROM loans WHERE status = 'active' ORDER BY id")
    ids = [int(i) for (i,) in uow.session.execute(active)]
    facts = [_facts(uow, i) for i in ids]
    return portfolio_aging_scalar(
        [f.row for f in facts], {f.row.loan_id: f.installments for f in facts}, as_of, table_of(uow)
    )
