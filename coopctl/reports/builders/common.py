"""What every report builder shares: dates, GL sums, the chart as a tree, meta.

GL sums are taken in SQL as integer kobo and turned into ``Decimal`` once, so a
report's figures are exact and agree with the trial balance to the kobo.
Year-end closing entries (kind ``year_close``) can be left out of movements:
an income statement or a cash-flow statement across a closed year-end must not
see income and expense swept into retained earnings.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, select, type_coerce

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import ValidationError
from coopctl.core.money import from_minor
from coopctl.ledger.models import GLAccount

NATURAL_SIDE = {
    "asset": "debit",
    "expense": "debit",
    "liability": "credit",
    "equity": "credit",
    "income": "credit",
}


# --- dates ----------------------------------------------------------------------------
def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def month_start(d: date) -> date:
    return d.replace(day=1)


def prev_month_end(d: date) -> date:
    """The last day of the month before ``d``'s month (the comparative date)."""
    return month_start(d) - timedelta(days=1)


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def fiscal_start_month(uow: UnitOfWork) -> int:
    from coopctl.ledger.periods import fiscal_start_month as fsm

    return fsm(uow)


def fiscal_year_start(uow: UnitOfWork, d: date) -> date:
    """First day of the fiscal year containing ``d`` (coop setting ``fiscal_year_start``)."""
    m0 = fiscal_start_month(uow)
    year = d.year if d.month >= m0 else d.year - 1
    return date(year, m0, 1)


def fiscal_year_of(uow: UnitOfWork, d: date) -> int:
    """The fiscal year's name: the calendar year in which it starts."""
    return fiscal_year_start(uow, d).year


@dataclass(frozen=True)
class Window:
    """A closed date range [start, end]."""

    start: date
    end: date

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def resolve_window(as_of: date | None, start: date | None, end: date | None, today: date) -> Window:
    """``--from/--to`` if given; else the month to date of ``--as-of`` (default today)."""
    if start is not None or end is not None:
        end = end or as_of or today
        start = start or month_start(end)
    else:
        end = as_of or today
        start = month_start(end)
    if start > end:
        raise ValidationError(f"--from {start} is after --to {end}")
    return Window(start, end)


# --- GL sums ---------------------------------------------------------------------------
def _raw(col: Any) -> Any:
    return type_coerce(col, BigInteger)


def gl_sums(
    uow: UnitOfWork,
    *,
    start: date | None = None,
    end: date | None = None,
    exclude_closing: bool = False,
) -> dict[int, tuple[int, int]]:
    """Posted (debit, credit) in kobo per GL account id for entries dated in [start, end]:
    snapshots of the closed periods inside the range plus the lines of the rest
    (:mod:`coopctl.ledger.period_balances`)."""
    from coopctl.ledger.period_balances import gl_sums as period_gl_sums

    return period_gl_sums(uow.session, start=start, end=end, exclude_closing=exclude_closing)


def gl_sums_many(
    uow: UnitOfWork, specs: list[tuple[date | None, date | None, bool]]
) -> list[dict[int, tuple[int, int]]]:
    """:func:`gl_sums` for several (start, end, exclude_closing) at once: each distinct
    window of lines is read once (a report's columns share the open month)."""
    from coopctl.ledger.period_balances import gl_sums_many as period_gl_sums_many

    return period_gl_sums_many(uow.session, specs)


@dataclass
class Node:
    """A GL account in the chart tree."""

    gl: GLAccount
    children: list[Node] = field(default_factory=list)
    depth: int = 0

    @property
    def code(self) -> str:
        return self.gl.code

    def walk(self) -> Iterable[Node]:
        yield self
        for c in self.children:
            yield from c.walk()

    def leaves(self) -> list[Node]:
        return [n for n in self.walk() if not n.gl.is_header]


class Chart:
    """The chart of accounts as a tree, with helpers to read sums off it."""

    def __init__(self, uow: UnitOfWork) -> None:
        gls = list(uow.session.scalars(select(GLAccount).order_by(GLAccount.code)))
        self.by_id: dict[int, Node] = {g.id: Node(g) for g in gls}
        self.by_code: dict[str, Node] = {n.code: n for n in self.by_id.values()}
        self.roots: list[Node] = []
        for n in self.by_id.values():
            pid = n.gl.parent_id
            if pid is not None and pid in self.by_id:
                self.by_id[pid].children.append(n)
            else:
                self.roots.append(n)
        for r in self.roots:
            list(_with_depth(r, 0))

    def of_type(self, gl_type: str) -> list[Node]:
        """Top-level nodes (roots) of one type, in code order."""
        return [r for r in self.roots if r.gl.type == gl_type]

    def leaves_of_type(self, gl_type: str) -> list[Node]:
        return [n for r in self.of_type(gl_type) for n in r.leaves()]

    def descendants(self, code: str) -> list[Node]:
        node = self.by_code[code]
        return node.leaves() if node.gl.is_header else [node]


def _with_depth(node: Node, depth: int) -> Iterable[Node]:
    node.depth = depth
    yield node
    for c in node.children:
        yield from _with_depth(c, depth + 1)


def side_amount(sums: dict[int, tuple[int, int]], gl_id: int, side: str) -> int:
    """Kobo balance of one account read on ``side`` (debit: dr − cr; credit: cr − dr)."""
    dr, cr = sums.get(gl_id, (0, 0))
    return dr - cr if side == "debit" else cr - dr


def natural(sums: dict[int, tuple[int, int]], node: Node) -> int:
    """Kobo amount of a node on its type's natural side, summing leaves (contras subtract)."""
    side = NATURAL_SIDE[node.gl.type]
    return sum(side_amount(sums, n.gl.id, side) for n in node.leaves())


def money(kobo: int) -> Decimal:
    return from_minor(kobo)


def total_of_type(chart: Chart, sums: dict[int, tuple[int, int]], gl_type: str) -> int:
    return sum(natural(sums, r) for r in chart.of_type(gl_type))


def earnings(chart: Chart, sums: dict[int, tuple[int, int]]) -> int:
    """Income − expense in kobo for the sums given."""
    return total_of_type(chart, sums, "income") - total_of_type(chart, sums, "expense")


# --- meta for renderers ---------------------------------------------------------------
def coop_name(uow: UnitOfWork) -> str:
    from coopctl.core.init_service import coop_setting

    name = coop_setting(uow.session, "name", "")
    if not name and uow.settings is not None:
        name = uow.settings["cooperative"]["name"]
    return name or "coopctl"


CURRENCY_NAMES = {"NGN": "Nigerian naira", "GHS": "Ghana cedis", "KES": "Kenya shillings"}


def currency_note(uow: UnitOfWork) -> str:
    """``Amounts in Nigerian naira (NGN).`` from the coop setting ``currency``."""
    from coopctl.core.init_service import coop_setting

    code = coop_setting(uow.session, "currency", "NGN") or "NGN"
    name = CURRENCY_NAMES.get(code)
    return f"Amounts in {name} ({code})." if name else f"Amounts in {code}."


def render_meta(uow: UnitOfWork) -> dict[str, Any]:
    """Meta the renderers print: name, logo, who and when, the template folder."""
    from pathlib import Path

    settings = uow.settings
    logo = settings["cooperative"]["logo"] if settings is not None else ""
    tdir = settings["reports"]["templates_dir"] if settings is not None else ""
    return {
        "coop_name": coop_name(uow),
        "logo_path": logo or None,
        "generated_by": uow.username,
        "generated_at": clock.utcnow(),
        "templates_dir": Path(tdir) if tdir else None,
    }


def pct(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """``numerator / denominator`` in percent, 2 decimals; ``None`` when undefined."""
    from coopctl.core.money import round_money

    if denominator == 0:
        return None
    return round_money(numerator * 100 / denominator)


def has_table(uow: UnitOfWork, name: str) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(uow.session.connection()).has_table(name))
