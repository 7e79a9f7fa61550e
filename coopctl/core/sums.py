"""Exact sums of money columns on both databases, at any total.

Amounts are BIGINT kobo. A single amount is capped (``[money] max_amount``, at most
:data:`LARGEST_KOBO`) and so is a single balance (the BIGINT column), but a *total*
over many rows is not: a cash GL that received a million deposits of the largest
amount holds more than 2^63 kobo. PostgreSQL's ``SUM(bigint)`` returns ``numeric``
and is exact at any size; SQLite's ``SUM`` raises "integer overflow" past 2^63 (and
``TOTAL`` is a float). So every money aggregate goes through :class:`exact_sum`:

- on PostgreSQL it compiles to ``SUM(x)`` (``numeric``: exact);
- on SQLite to ``coop_sum(x)``, an aggregate registered on every connection
  (:func:`register_sqlite`) that adds Python integers (unbounded) and returns an
  integer while the total fits in 64 bits and its decimal text beyond.

Either way the result type (:class:`KoboSum`, or :class:`MoneySum` for ``Money``
columns) turns what the database returns — int, text or numeric — into an exact
Python ``int`` (kobo) or ``Decimal`` (naira). Raw SQL uses :func:`sum_sql` and
:func:`to_kobo`. Polars bulk paths sum money as ``Int128`` (:func:`wide`), never as
``Int64``, whose sums wrap silently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import BigInteger
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from coopctl.core import money

LARGEST_KOBO = money.LARGEST_KOBO
T = TypeVar("T")

SQLITE_SUM = "coop_sum"


def to_kobo(value: Any) -> int:
    """An aggregate's result (None, int, numeric Decimal or decimal text) as exact kobo."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"a kobo total is not whole: {value}")
        return int(value)
    if isinstance(value, str):
        return int(value)
    raise TypeError(f"not a kobo total: {value!r}")


class KoboSum(TypeDecorator[int]):
    """Result type of an exact sum of raw kobo: always a Python int (None stays None)."""

    impl = BigInteger
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> int | None:
        return None if value is None else to_kobo(value)


class MoneySum(TypeDecorator[Decimal]):
    """Result type of an exact sum of a ``Money`` column: Decimal naira."""

    impl = BigInteger
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else money.from_minor(to_kobo(value))


class exact_sum(FunctionElement[Any]):
    """``SUM`` that never overflows: use it for every money aggregate.

    ``exact_sum(JournalLine.debit)`` (a ``Money`` column) gives Decimal naira;
    ``exact_sum(type_coerce(JournalLine.debit, BigInteger))`` gives int kobo.
    """

    name = "exact_sum"
    inherit_cache = True

    def __init__(self, expr: Any) -> None:
        super().__init__(expr)
        from coopctl.core.db import Money

        col_type = getattr(expr, "type", None)
        self.type = MoneySum() if isinstance(col_type, Money) else KoboSum()


@compiles(exact_sum)
def _sum_default(element: exact_sum, compiler: Any, **kw: Any) -> str:
    return f"SUM({compiler.process(element.clauses, **kw)})"


@compiles(exact_sum, "sqlite")
def _sum_sqlite(element: exact_sum, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_SUM}({compiler.process(element.clauses, **kw)})"


class _native_sum(exact_sum):
    """:class:`exact_sum` compiled to SQLite's own ``SUM`` (see :func:`native_first`)."""

    name = "native_sum"
    inherit_cache = True


@compiles(_native_sum)
def _native_default(element: _native_sum, compiler: Any, **kw: Any) -> str:
    return f"SUM({compiler.process(element.clauses, **kw)})"


_NATIVE: ContextVar[bool] = ContextVar("coopctl_native_sum", default=False)


def fast_sum(expr: Any) -> Any:
    """:class:`exact_sum`, or — inside :func:`native_first` on SQLite — SQLite's built-in
    ``SUM``: on integers it is exact or raises "integer overflow", never wraps or rounds,
    and it is several times faster than the Python aggregate."""
    return _native_sum(expr) if _NATIVE.get() else exact_sum(expr)


def native_first(fn: Callable[..., T]) -> Callable[..., T]:
    """Run ``fn(session, ...)`` with :func:`fast_sum` as SQLite's ``SUM``; should a total
    pass 2^63 (SQLite raises "integer overflow"), run it again with the exact aggregate.
    On PostgreSQL ``SUM`` is already exact: ``fn`` runs once, unchanged."""

    @functools.wraps(fn)
    def run(session: Any, *args: Any, **kw: Any) -> T:
        from sqlalchemy.exc import OperationalError

        if session.get_bind().dialect.name != "sqlite":
            return fn(session, *args, **kw)
        token = _NATIVE.set(True)
        try:
            return fn(session, *args, **kw)
        except OperationalError as exc:
            if "integer overflow" not in str(exc):
                raise
        finally:
            _NATIVE.reset(token)
        return fn(session, *args, **kw)

    return run


def sum_sql(dialect: str, expr: str) -> str:
    """The exact sum of ``expr`` in raw SQL for ``dialect`` ("sqlite" or "postgresql")."""
    return f"{SQLITE_SUM}({expr})" if dialect == "sqlite" else f"SUM({expr})"


class _CoopSum:
    """SQLite aggregate: exact integer sum; NULLs skipped; NULL when no non-NULL row.

    Returns an integer while the total fits SQLite's 64-bit INTEGER, its decimal text
    beyond (SQLite cannot hold a larger integer); :func:`to_kobo` reads both."""

    __slots__ = ("seen", "total")

    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, int):
            # an aggregate over money sees only integers; a REAL or text here is a bug
            raise TypeError(f"{SQLITE_SUM} takes integers, not {type(value).__name__}")
        self.total += value
        self.seen = True

    def finalize(self) -> int | str | None:
        if not self.seen:
            return None
        t = self.total
        return t if -LARGEST_KOBO - 1 <= t <= LARGEST_KOBO else str(t)


def register_sqlite(dbapi_conn: Any) -> None:
    """Register ``coop_sum`` on a new SQLite connection (done for every engine)."""
    dbapi_conn.create_aggregate(SQLITE_SUM, 1, _CoopSum)


def wide(expr: Any) -> Any:
    """A Polars money expression widened to Int128 before it is summed (exact)."""
    import polars as pl

    return expr.cast(pl.Int128)


def exact_engine(engine: Any) -> Any:
    """``engine`` with ``coop_sum`` on its SQLite connections (for engines made outside
    :func:`coopctl.core.db.make_engine`, which registers it itself)."""
    if engine.dialect.name == "sqlite":
        from sqlalchemy import event

        event.listen(engine, "connect", lambda dbapi_conn, _rec: register_sqlite(dbapi_conn))
    return engine
