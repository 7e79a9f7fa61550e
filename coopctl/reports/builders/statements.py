"""Member statements for every member and one period, computed in bulk with Polars.

The needed rows are read once, filtered in SQL (member accounts only; opening
balances as one grouped sum; the period's lines), and the running balances are
computed vectorised on Int64 kobo — never floats. :func:`statement_for_account`
is the scalar reference (plain Python, ``Decimal``) that tests compare the bulk
result with, to the kobo.

Balances are in the direction of the account's control GL account (savings and
shares credit-positive, loans debit-positive), like ``accounts.balance``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError
from coopctl.core.security import require
from coopctl.core.sums import sum_sql, to_kobo, wide
from coopctl.ledger.models import Account, entry_no_of
from coopctl.reports.builders.common import Window, money
from coopctl.reports.model import Column, Report, Row, Table


@dataclass
class StatementLine:
    date: date
    entry_no: str
    narration: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass
class AccountStatement:
    account_no: str
    product: str
    kind: str
    opening: Decimal
    closing: Decimal
    lines: list[StatementLine] = field(default_factory=list)


# --- scalar reference ----------------------------------------------------------------
def statement_for_account(uow: UnitOfWork, account_no: str, window: Window) -> AccountStatement:
    """One account's statement, line by line in Decimal: the scalar reference. It is the
    very code ``accounts statement`` uses (:mod:`coopctl.deposits.statements`), so the
    bulk cross-check also proves the single-account command."""
    from coopctl.deposits.statements import opening_balance, statement_lines

    acct = uow.session.scalars(select(Account).where(Account.account_no == account_no)).first()
    if acct is None:
        raise NotFoundError(f"account {account_no} not found")
    opening = opening_balance(uow, acct, window.start)
    lines = [
        StatementLine(**ln) for ln in statement_lines(uow, acct, window.start, window.end, opening)
    ]
    closing = lines[-1].balance if lines else opening
    return AccountStatement(acct.account_no, acct.product_code, acct.kind, opening, closing, lines)


# --- bulk ------------------------------------------------------------------------------
@dataclass
class StatementSet:
    """Every member's statement for one window, as Polars frames (Int64 kobo)."""

    window: Window
    accounts: Any  # pl.DataFrame: account_id, account_no, member_id, member_no, name,
    #                product, kind, sign, opening, closing, total_debit, total_credit
    lines: Any  # pl.DataFrame: account_id, date, entry_id, line_no, narration, debit,
    #             credit, balance

    @property
    def member_count(self) -> int:
        return int(self.accounts["member_id"].n_unique()) if self.accounts.height else 0

    def account(self, account_no: str) -> AccountStatement:
        import polars as pl

        a = self.accounts.filter(pl.col("account_no") == account_no)
        if a.height == 0:
            raise NotFoundError(f"account {account_no} has no statement")
        r = a.row(0, named=True)
        ls = self.lines.filter(pl.col("account_id") == r["account_id"])
        return AccountStatement(
            r["account_no"],
            r["product"],
            r["kind"],
            money(r["opening"]),
            money(r["closing"]),
            [
                StatementLine(
                    x["date"],
                    entry_no_of(x["entry_id"]),
                    x["narration"],
                    money(x["debit"]),
                    money(x["credit"]),
                    money(x["balance"]),
                )
                for x in ls.iter_rows(named=True)
            ],
        )


def _fetch(uow: UnitOfWork, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    return [tuple(r) for r in uow.session.execute(text(sql), params)]


_ACCOUNTS_SQL = """
SELECT a.id, a.account_no, a.member_id, m.member_no, m.first_name, m.last_name,
       a.product_code, a.kind, g.normal_balance
FROM accounts a JOIN members m ON m.id = a.member_id JOIN gl_accounts g ON g.id = a.gl_account_id
WHERE a.opened_on <= :end AND (a.closed_on IS NULL OR a.closed_on >= :start)
"""
_OPENING_SQL = """
SELECT jl.account_id, {dr}, {cr}
FROM journal_lines jl JOIN journal_entries je ON je.id = jl.entry_id
WHERE je.status = 'posted' AND je.business_date < :start AND jl.account_id IS NOT NULL
GROUP BY jl.account_id
"""
_LINES_SQL = """
SELECT jl.account_id, je.business_date, je.id, jl.line_no,
       CASE WHEN je.narration <> '' THEN je.narration ELSE jl.memo END, jl.debit, jl.credit
FROM journal_lines jl JOIN journal_entries je ON je.id = jl.entry_id
WHERE je.status = 'posted' AND je.business_date >= :start AND je.business_date <= :end
  AND jl.account_id IS NOT NULL
"""


def build_statement_set(
    uow: UnitOfWork, window: Window, member_no: str | None = None
) -> StatementSet:
    """Read once, compute every running balance vectorised."""
    import polars as pl

    require(uow.operator, "reports.view")
    p = {"start": window.start, "end": window.end}
    acc_rows = _fetch(uow, _ACCOUNTS_SQL, p)
    accounts = pl.DataFrame(
        acc_rows,
        schema={
            "account_id": pl.Int64,
            "account_no": pl.String,
            "member_id": pl.Int64,
            "member_no": pl.String,
            "first_name": pl.String,
            "last_name": pl.String,
            "product": pl.String,
            "kind": pl.String,
            "normal": pl.String,
        },
        orient="row",
    )
    if member_no:
        accounts = accounts.filter(pl.col("member_no") == member_no.strip().upper())
        if accounts.height == 0:
            raise NotFoundError(f"member {member_no} has no accounts for the period")
    accounts = accounts.with_columns(
        name=pl.concat_str([pl.col("first_name"), pl.col("last_name")], separator=" "),
        sign=pl.when(pl.col("normal") == "debit").then(1).otherwise(-1).cast(pl.Int64),
    ).drop("first_name", "last_name", "normal")
    opening_sql = _OPENING_SQL.format(
        dr=sum_sql(uow.dialect, "jl.debit"), cr=sum_sql(uow.dialect, "jl.credit")
    )
    opening = pl.DataFrame(
        [(a, to_kobo(dr), to_kobo(cr)) for a, dr, cr in _fetch(uow, opening_sql, p)],
        # Int128: an account's lifetime debits can pass 2^63 kobo while its balance cannot
        schema={"account_id": pl.Int64, "dr": pl.Int128, "cr": pl.Int128},
        orient="row",
    )
    lines = pl.DataFrame(
        _fetch(uow, _LINES_SQL, p),
        schema={
            "account_id": pl.Int64,
            "date": pl.Date if uow.dialect != "sqlite" else pl.String,
            "entry_id": pl.Int64,
            "line_no": pl.Int64,
            "narration": pl.String,
            "debit": pl.Int64,
            "credit": pl.Int64,
        },
        orient="row",
    )
    if lines.schema["date"] == pl.String:
        lines = lines.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))
    accounts = (
        accounts.join(opening, on="account_id", how="left")
        .with_columns(
            opening=(pl.col("dr").fill_null(0) - pl.col("cr").fill_null(0)) * pl.col("sign")
        )
        .drop("dr", "cr")
    )
    lines = (
        lines.join(accounts.select("account_id", "sign", "opening"), on="account_id", how="inner")
        .sort("account_id", "date", "entry_id", "line_no")
        .with_columns(delta=(pl.col("debit") - pl.col("credit")) * pl.col("sign"))
        .with_columns(balance=pl.col("opening") + pl.col("delta").cum_sum().over("account_id"))
        .drop("sign", "opening")
    )
    totals = lines.group_by("account_id").agg(
        total_debit=wide(pl.col("debit")).sum(),
        total_credit=wide(pl.col("credit")).sum(),
        movement=wide(pl.col("delta")).sum(),
    )
    accounts = (
        accounts.join(totals, on="account_id", how="left")
        .with_columns(
            pl.col("total_debit").fill_null(0),
            pl.col("total_credit").fill_null(0),
            closing=pl.col("opening") + pl.col("movement").fill_null(0),
        )
        .drop("movement")
        .sort("member_no", "account_no")
    )
    return StatementSet(window, accounts, lines.drop("delta"))


# --- as reports --------------------------------------------------------------------------
STATEMENT_COLUMNS = [
    Column("date", "Date", "date"),
    Column("entry_no", "Entry", "text", width=11),
    Column("narration", "Narration", "text"),
    Column("debit", "Debit", "money"),
    Column("credit", "Credit", "money"),
    Column("balance", "Balance", "money"),
]


def _account_table(acc: dict[str, Any], lines: list[dict[str, Any]], start: date) -> Table:
    rows = [
        Row(
            {"date": start, "narration": "Opening balance", "balance": money(acc["opening"])},
            "indent1",
        )
    ]
    for ln in lines:
        rows.append(
            Row(
                {
                    "date": ln["date"],
                    "entry_no": entry_no_of(ln["entry_id"]),
                    "narration": ln["narration"],
                    "debit": money(ln["debit"]) if ln["debit"] else None,
                    "credit": money(ln["credit"]) if ln["credit"] else None,
                    "balance": money(ln["balance"]),
                }
            )
        )
    rows.append(
        Row(
            {
                "narration": "Totals and closing balance",
                "debit": money(acc["total_debit"]),
                "credit": money(acc["total_credit"]),
                "balance": money(acc["closing"]),
            },
            "total",
        )
    )
    title = f"{acc['account_no']} — {acc['product']} ({acc['kind'].replace('_', ' ')})"
    return Table(title, STATEMENT_COLUMNS, rows, label="narration")


def member_reports(data: StatementSet) -> Iterator[tuple[str, Report]]:
    """(member_no, Report) per member, in member order (for PDF and ``--split``)."""
    lines_by_acc = data.lines.partition_by("account_id", as_dict=True, maintain_order=True)
    w = data.window
    for (member_no,), accs in data.accounts.partition_by(
        "member_no", as_dict=True, maintain_order=True
    ).items():
        tables = []
        name = ""
        for acc in accs.iter_rows(named=True):
            name = acc["name"]
            ldf = lines_by_acc.get((acc["account_id"],))
            lines = list(ldf.iter_rows(named=True)) if ldf is not None else []
            tables.append(_account_table(acc, lines, w.start))
        yield (
            member_no,
            Report(
                name="member-statement",
                title=f"Member Statement — {member_no} {name}",
                period=w.label(),
                tables=tables,
                summary={"member_no": member_no, "name": name, "from": w.start, "to": w.end},
                notes=["Balances: savings and shares in credit, loans in debit (amount owed)."],
            ),
        )


COMBINED_COLUMNS = [
    Column("member_no", "Member", "text", width=10),
    Column("name", "Name", "text"),
    Column("account_no", "Account", "text", width=12),
    Column("date", "Date", "date"),
    Column("entry_no", "Entry", "text", width=11),
    Column("narration", "Narration", "text"),
    Column("debit", "Debit", "money"),
    Column("credit", "Credit", "money"),
    Column("balance", "Balance", "money"),
]


def combined_frame(data: StatementSet) -> Any:
    """All statements in one sorted frame: opening (k=0), lines (k=1), closing (k=2)."""
    import polars as pl

    acc = data.accounts.select(
        "account_id",
        "account_no",
        "member_no",
        "name",
        "opening",
        "closing",
        "total_debit",
        "total_credit",
    )
    opening = acc.select(
        "account_id",
        "member_no",
        "name",
        "account_no",
        pl.lit(0).alias("k"),
        pl.lit(data.window.start).alias("date"),
        pl.lit(None, pl.Int64).alias("entry_id"),
        pl.lit("Opening balance").alias("narration"),
        pl.lit(None, pl.Int64).alias("debit"),
        pl.lit(None, pl.Int64).alias("credit"),
        pl.col("opening").alias("balance"),
        pl.lit(0).alias("line_no"),
    )
    body = data.lines.join(
        acc.select("account_id", "member_no", "name", "account_no"), on="account_id"
    ).select(
        "account_id",
        "member_no",
        "name",
        "account_no",
        pl.lit(1).alias("k"),
        "date",
        "entry_id",
        "narration",
        "debit",
        "credit",
        "balance",
        "line_no",
    )
    closing = acc.select(
        "account_id",
        "member_no",
        "name",
        "account_no",
        pl.lit(2).alias("k"),
        pl.lit(data.window.end).alias("date"),
        pl.lit(None, pl.Int64).alias("entry_id"),
        pl.lit("Totals and closing balance").alias("narration"),
        pl.col("total_debit").alias("debit"),
        pl.col("total_credit").alias("credit"),
        pl.col("closing").alias("balance"),
        pl.lit(0).alias("line_no"),
    )
    return pl.concat([opening, body, closing], how="vertical_relaxed").sort(
        "member_no", "account_no", "k", "date", "entry_id", "line_no", maintain_order=True
    )


def combined_rows(data: StatementSet) -> Iterator[Row]:
    """All statements in one table: opening, lines and closing per account."""
    styles = {0: "indent1", 1: "normal", 2: "subtotal"}
    for r in combined_frame(data).iter_rows(named=True):
        k = r["k"]
        yield Row(
            {
                "member_no": r["member_no"],
                "name": r["name"],
                "account_no": r["account_no"],
                "date": r["date"],
                "entry_no": entry_no_of(r["entry_id"]) if r["entry_id"] else None,
                "narration": r["narration"],
                "debit": money(r["debit"]) if r["debit"] or k == 2 else None,
                "credit": money(r["credit"]) if r["credit"] or k == 2 else None,
                "balance": money(r["balance"]),
            },
            styles[k],
        )


def combined_report(data: StatementSet, *, with_json: bool = True) -> Report:
    """Every statement in one table (terminal, CSV, XLSX) and a nested JSON document."""
    w = data.window
    rows = list(combined_rows(data))
    return Report(
        name="member-statements",
        title="Member Statements",
        period=w.label(),
        tables=[Table(None, COMBINED_COLUMNS, rows, label="narration")],
        summary={
            "from": w.start,
            "to": w.end,
            "members": data.member_count,
            "accounts": data.accounts.height,
            "lines": data.lines.height,
        },
        json_payload=statements_json(data) if with_json else None,
    )


def statements_json(data: StatementSet) -> dict[str, Any]:
    w = data.window
    by_member: dict[str, dict[str, Any]] = {}
    lines_by_acc = data.lines.partition_by("account_id", as_dict=True, maintain_order=True)
    for acc in data.accounts.iter_rows(named=True):
        ldf = lines_by_acc.get((acc["account_id"],))
        member = by_member.setdefault(
            acc["member_no"], {"member_no": acc["member_no"], "name": acc["name"], "accounts": []}
        )
        member["accounts"].append(
            {
                "account_no": acc["account_no"],
                "product": acc["product"],
                "kind": acc["kind"],
                "opening": money(acc["opening"]),
                "closing": money(acc["closing"]),
                "total_debit": money(acc["total_debit"]),
                "total_credit": money(acc["total_credit"]),
                "lines": []
                if ldf is None
                else [
                    {
                        "date": x["date"],
                        "entry_no": entry_no_of(x["entry_id"]),
                        "narration": x["narration"],
                        "debit": money(x["debit"]),
                        "credit": money(x["credit"]),
                        "balance": money(x["balance"]),
                    }
                    for x in ldf.iter_rows(named=True)
                ],
            }
        )
    return {"from": w.start, "to": w.end, "members": list(by_member.values())}
