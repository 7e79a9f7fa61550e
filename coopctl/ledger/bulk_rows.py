"""Raw bulk inserts of plain rows (go-live, bulk KYC submissions: tens of thousands of
rows) through the ledger's :class:`~coopctl.ledger.bulk_io.BulkIO` routes (COPY on
PostgreSQL, multi-row INSERTs on SQLite), with every value converted by its column's
own type (Money to kobo, dates, UTC timestamps) so the rows are exactly what the ORM
would write. A column left out of the rows gets its Python-side default, as in a flush
that never set it, else NULL or the database's default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.limits import check_rows
from coopctl.ledger.bulk_io import BulkIO


def new_ids(io: BulkIO, table: str, n: int) -> list[int]:
    """``n`` fresh ids (PostgreSQL: from the table's sequence; SQLite: above the maximum,
    under the transaction's write lock)."""
    if io.pg:
        seq = io._q(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar_one()
        got = io._q(
            "SELECT ARRAY(SELECT nextval(%s) FROM generate_series(1, %s))", (seq, n)
        ).scalar_one()
        return [int(i) for i in got]
    top = io._q(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def insert_rows(
    uow: UnitOfWork,
    table: Any,
    rows: Sequence[dict[str, Any]],
    *,
    ids: bool = False,
    model: type | None = None,
) -> list[int]:
    """Insert ``rows`` (same keys each) into ``table``; with ``ids`` allocate and return them.

    ``model``: the mapped class whose text limits the rows must respect, checked as the
    ORM's flush checks them (:func:`coopctl.core.limits.check_rows`)."""
    if not rows:
        return []
    if model is not None:
        check_rows(model, rows)
    uow.session.flush()
    io = BulkIO(uow, "copy" if uow.dialect == "postgresql" else "executemany")
    dialect = io.conn.dialect
    cols = list(rows[0])
    fill = _defaults(table, cols)
    columns: list[list[Any]] = []
    for c in cols:  # column by column: one C-level map per column, not a call per value
        proc = table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
        values = [r[c] for r in rows]
        if proc and values.count(values[0]) == len(values):  # one value (balance 0): once
            columns.append([proc(values[0])] * len(values))
        else:
            columns.append(list(map(proc, values)) if proc else values)
    for c, value in fill.items():
        proc = table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
        columns.append([proc(value) if proc else value] * len(rows))
        cols.append(c)
    new = new_ids(io, table.name, len(rows)) if ids else []
    if ids:
        columns.insert(0, new)
        cols = ["id", *cols]
    io._insert(table.name, cols, list(zip(*columns, strict=True)))
    return new


def _defaults(table: Any, present: Sequence[str]) -> dict[str, Any]:
    """The Python-side scalar defaults of the columns the rows leave out (not the id)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in present or col.primary_key or col.default is None:
            continue
        if not col.default.is_scalar:
            raise AssertionError(f"{table.name}.{col.name}: its default is computed; give it")
        out[col.name] = col.default.arg
    return out
