"""Raw bulk inserts for go-live (tens of thousands of rows): the ledger's
:class:`~coopctl.ledger.bulk_io.BulkIO` routes (COPY on PostgreSQL, executemany on
SQLite), with every value converted by its column's own type (Money to kobo, dates,
UTC timestamps) so the rows are exactly what the ORM would write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.ledger.bulk_io import BulkIO


def new_ids(io: BulkIO, table: str, n: int) -> list[int]:
    """``n`` fresh ids (PostgreSQL: from the table's sequence; SQLite: above the maximum,
    under the transaction's write lock)."""
    if io.pg:
        seq = io._q(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar_one()
        rows = io._q("SELECT nextval(%s) FROM generate_series(1, %s)", (seq, n))
        return [int(r[0]) for r in rows]
    top = io._q(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def insert_rows(
    uow: UnitOfWork, table: Any, rows: Sequence[dict[str, Any]], *, ids: bool = False
) -> list[int]:
    """Insert ``rows`` (same keys each) into ``table``; with ``ids`` allocate and return them."""
    if not rows:
        return []
    uow.session.flush()
    io = BulkIO(uow, "copy" if uow.dialect == "postgresql" else "executemany")
    dialect = io.conn.dialect
    cols = list(rows[0])
    procs = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in cols]
    new = new_ids(io, table.name, len(rows)) if ids else []
    data = [tuple(p(r[c]) if p else r[c] for c, p in zip(cols, procs, strict=True)) for r in rows]
    if ids:
        data = [(i, *t) for i, t in zip(new, data, strict=True)]
        cols = ["id", *cols]
    io._insert(table.name, cols, data)
    return new
