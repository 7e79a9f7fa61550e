"""The loans of a payroll file as plain rows: what booking their repayments reads.

A check-off pays the dues of tens of thousands of loans in one entry. Building an ORM
object for every loan and installment (and setting attributes on them) cost more than
the allocation itself, so :class:`Loans` reads, one statement per chunk, plain tuples:

- the members' active loans with their ledger account number (locked on PostgreSQL,
  as ``loans repay`` locks its loan), oldest first per member;
- of their non-superseded installments only those a payment can still change: not
  fully paid, or without a ``paid_on`` date. A fully paid and dated installment owes
  nothing, so it takes no part of a payment, never gets a date again and adds nothing
  to the unpaid principal: leaving it out changes no allocation, no hold and no
  decision of :func:`coopctl.loans.payment_posting.needs_settling`.

Amounts stay integer kobo; each loan's :class:`~coopctl.loans.allocation.Due` list is
made once, from those rows, and serves both the check-off's ``loan_due`` and the
allocation (:func:`coopctl.loans.payment_posting.plan_of`). The ORM path
(:func:`coopctl.loans.shared.member_dues`) is the reference the tests compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.money import ZERO
from coopctl.loans.allocation import Due, due_up_to

CHUNK = 5000
COMPONENT_INDEX = {"principal": 0, "interest": 1, "fees": 2, "penalty": 3}


def dec(kobo: int) -> Decimal:
    """Integer kobo → Decimal with two places (:func:`coopctl.core.money.from_minor`,
    without the division: the same value and exponent, a third of the time)."""
    return Decimal(kobo).scaleb(-2) if kobo else ZERO


def kobo(amount: Decimal) -> int:
    """An exact amount → integer kobo; refuses a fraction of a kobo, as the Money column
    type does (amounts here come from kobo and parsed input)."""
    k = amount.scaleb(2)
    i = int(k)
    if i != k:
        raise ValueError(f"{amount} has a fraction of a kobo")
    return i


def as_date(value: Any) -> date:
    """A DATE as the driver returns it: ISO text on SQLite, ``date`` on PostgreSQL."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[no-any-return]


class Inst:
    """One installment: due and paid amounts in kobo (principal, interest, fees, penalty)."""

    __slots__ = ("due", "due_date", "id", "no", "paid", "paid_on")

    def __init__(
        self, id: int, no: int, due_date: date, due: list[int], paid: list[int], paid_on: Any
    ) -> None:
        self.id, self.no, self.due_date = id, no, due_date
        self.due, self.paid, self.paid_on = due, paid, paid_on

    @property
    def total_unpaid(self) -> int:
        return sum(self.due) - sum(self.paid)

    def as_due(self) -> Due:
        d, p = self.due, self.paid
        return Due(
            self.no,
            self.due_date,
            dec(d[0] - p[0]),
            dec(d[1] - p[1]),
            dec(d[2] - p[2]),
            dec(d[3] - p[3]),
        )


class LoanRow:
    """A loan as booking reads it; ``rows``: its installments a payment can change."""

    __slots__ = (
        "_dues",
        "account_id",
        "account_no",
        "id",
        "loan_no",
        "member_id",
        "principal",
        "product_code",
        "rows",
        "status",
        "written_off_on",
    )

    def __init__(self, r: Sequence[Any]) -> None:
        self.id, self.loan_no, self.member_id, self.status, self.product_code = r[:5]
        self.principal = dec(r[5])
        self.account_id, self.account_no = r[6], r[7]
        self.written_off_on = as_date(r[8]) if r[8] is not None else None
        self.rows: list[Inst] = []
        self._dues: list[Due] | None = None

    @property
    def dues(self) -> list[Due]:
        """The unpaid amounts of the installments, made once."""
        if self._dues is None:
            self._dues = [r.as_due() for r in self.rows]
        return self._dues


_LOAN_COLS = (
    "l.id, l.loan_no, l.member_id, l.status, l.product_code, l.principal, l.account_id, "
    "a.account_no, l.written_off_on FROM loans l LEFT JOIN accounts a ON a.id = l.account_id"
)
_INST_SQL = (
    "SELECT loan_id, id, no, due_date, principal, interest, fees, penalty, principal_paid, "
    "interest_paid, fees_paid, penalty_paid, paid_on FROM loan_installments "
    "WHERE loan_id IN ({in}) AND NOT superseded AND (paid_on IS NULL "
    "OR principal_paid < principal OR interest_paid < interest OR fees_paid < fees "
    "OR penalty_paid < penalty) ORDER BY loan_id, no, id"
)


def chunks(items: Sequence[Any], n: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def select_in(uow: UnitOfWork, sql: str, values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    """Rows of ``sql`` (raw driver SQL with an ``{in}`` marker and ``?`` placeholders)
    for ``values``, one statement per chunk, as the driver returns them."""
    conn = uow.session.connection()
    pg = uow.dialect == "postgresql"
    for chunk in chunks(values):
        text = sql.format(**{"in": ", ".join("?" * len(chunk))})
        if pg:
            text = text.replace("?", "%s")
        yield from conn.exec_driver_sql(text, tuple(chunk)).fetchall()


def execute_many(uow: UnitOfWork, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """One executemany of raw driver SQL with ``?`` placeholders."""
    if rows:
        if uow.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        uow.session.connection().exec_driver_sql(sql, list(rows))


class Driver:
    """Values as the driver takes them, converted by the columns' own types (SQLite:
    ``'2026-11-28'``, ``'2026-11-28 09:30:00.000000'``, 1/0), so rows written here are
    exactly what the ORM writes."""

    def __init__(self, uow: UnitOfWork) -> None:
        from sqlalchemy import Boolean, Date

        from coopctl.core.db import UTCDateTime

        dialect = uow.session.connection().dialect
        self._day = Date().dialect_impl(dialect).bind_processor(dialect)
        self._ts = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
        self._flag = Boolean().dialect_impl(dialect).bind_processor(dialect)

    def day(self, value: date | None) -> Any:
        return self._day(value) if self._day and value is not None else value

    def ts(self, value: datetime | None) -> Any:
        return self._ts(value) if self._ts and value is not None else value

    def flag(self, value: bool | None) -> Any:
        return self._flag(value) if self._flag and value is not None else value


def converters(table: Any, cols: Sequence[str], drv: Driver) -> list[Callable[[Any], Any]]:
    """For each column of ``table``, what turns a value into the driver's form."""
    from sqlalchemy import Boolean, Date

    from coopctl.core.db import Money, UTCDateTime

    out: list[Callable[[Any], Any]] = []
    for c in cols:
        t = table.c[c].type
        if isinstance(t, Money):
            out.append(lambda v: None if v is None else kobo(v))
        elif isinstance(t, UTCDateTime):
            out.append(drv.ts)
        elif isinstance(t, Date):
            out.append(drv.day)
        elif isinstance(t, Boolean):
            out.append(drv.flag)
        else:
            out.append(lambda v: v)
    return out


def new_ids(uow: UnitOfWork, table: str, n: int) -> list[int]:
    """``n`` fresh ids for ``table``, ascending (PostgreSQL: from its sequence; SQLite:
    above the largest, under the transaction's write lock: what a flush would give)."""
    conn = uow.session.connection()
    if uow.dialect == "postgresql":
        seq = conn.exec_driver_sql(f"SELECT pg_get_serial_sequence('{table}', 'id')").scalar_one()
        got = conn.exec_driver_sql(
            "SELECT ARRAY(SELECT nextval(%s) FROM generate_series(1, %s))", (seq, n)
        ).scalar_one()
        return [int(i) for i in got]
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def insert_plain(
    uow: UnitOfWork, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]], *, ids: bool
) -> list[int]:
    """Insert rows already in the driver's form (:class:`Driver`, kobo) through the bulk
    posting routes (COPY on PostgreSQL, executemany on SQLite); with ``ids``, allocate
    them first, in the order of ``rows``, as the ORM's flush would."""
    from coopctl.ledger.bulk_io import BulkIO

    if not rows:
        return []
    io = BulkIO(uow, "copy" if uow.dialect == "postgresql" else "executemany")
    new = new_ids(uow, table, len(rows)) if ids else []
    if ids:
        rows = [(i, *r) for i, r in zip(new, rows, strict=True)]
        cols = ["id", *cols]
    io._insert(table, cols, rows)
    return new


def read_installments(uow: UnitOfWork, loans: Sequence[LoanRow]) -> None:
    """Fill each loan's ``rows`` (see the module docstring for which)."""
    by_id = {loan.id: loan for loan in loans}
    for r in select_in(uow, _INST_SQL, sorted(by_id)):
        by_id[r[0]].rows.append(
            Inst(
                r[1],
                r[2],
                as_date(r[3]),
                [r[4], r[5], r[6], r[7]],
                [r[8], r[9], r[10], r[11]],
                r[12],
            )
        )
    for loan in loans:
        loan._dues = None


def read_loans(uow: UnitOfWork, where: str, values: Sequence[Any], *, lock: bool) -> list[LoanRow]:
    """Loans (``where``: an SQL condition on ``l`` with an ``{in}`` marker), oldest first
    per member; locked on PostgreSQL when ``lock``."""
    sql = f"SELECT {_LOAN_COLS} WHERE {where} ORDER BY l.member_id, l.disbursed_on, l.id"
    if lock and uow.dialect == "postgresql":
        sql += " FOR UPDATE OF l"
    return [LoanRow(r) for r in select_in(uow, sql, values)]


@dataclass
class Loans:
    """The active loans of a set of members, with their installments (plain rows)."""

    by_member: dict[int, list[LoanRow]] = field(default_factory=dict)
    by_no: dict[str, LoanRow] = field(default_factory=dict)

    @classmethod
    def load(cls, uow: UnitOfWork, member_ids: Sequence[int]) -> Loans:
        out = cls()
        loans = read_loans(
            uow,
            "l.member_id IN ({in}) AND l.status = 'active'",
            sorted(set(member_ids)),
            lock=True,
        )
        for loan in loans:
            out.by_member.setdefault(loan.member_id, []).append(loan)
            out.by_no[loan.loan_no] = loan
        read_installments(uow, loans)
        return out

    def dues(self, member_id: int, as_of: date) -> list[tuple[str, Decimal]]:
        """:func:`coopctl.loans.shared.member_dues` from what is loaded."""
        return [
            (loan.loan_no, due_up_to(loan.dues, as_of))
            for loan in self.by_member.get(member_id, [])
        ]
