"""Statement of cash flows, indirect method, from GL movements.

Every posted line moves a cash account (``cash_flow = 'cash'``: cash on hand,
banks, gateway clearing) or something else; because each entry balances, the
change in cash over a window equals the net income of the window plus the
credit-side movement of every other balance-sheet account. Each account's
``cash_flow`` category (operating, investing, financing) says where its
movement is shown; balance-sheet accounts marked ``none`` (retained earnings)
go to financing if they are equity, else to operating. Contra accounts
(loan-loss provision, accumulated depreciation) are the non-cash adjustments.
Year-end closing entries are left out: they move no cash and would otherwise
swap net income for a retained-earnings movement.

The statement reconciles to the change in cash and bank by construction; it
still checks it and says so (``reconciled``) rather than assume it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.security import require
from coopctl.reports.builders.common import (
    NATURAL_SIDE,
    Chart,
    Node,
    Window,
    earnings,
    gl_sums_many,
    money,
    side_amount,
)
from coopctl.reports.model import Column, Report, Row, Table

BS_TYPES = ("asset", "liability", "equity")


def _category(node: Node) -> str:
    cf = node.gl.cash_flow
    if cf == "none":
        return "financing" if node.gl.type == "equity" else "operating"
    return cf


def _label(node: Node) -> str:
    name = node.gl.name
    if node.gl.contra:
        return f"Non-cash: {name}"
    if node.gl.type == "asset":
        return f"(Increase) decrease in {name[0].lower()}{name[1:]}"
    return f"Increase (decrease) in {name[0].lower()}{name[1:]}"


def cash_accounts(chart: Chart) -> list[Node]:
    return [n for r in chart.roots for n in r.leaves() if n.gl.cash_flow == "cash"]


def cash_balance(chart: Chart, sums: dict[int, tuple[int, int]]) -> int:
    return sum(side_amount(sums, n.gl.id, "debit") for n in cash_accounts(chart))


def build_cash_flow(uow: UnitOfWork, window: Window) -> Report:
    """Cash flows of ``window``: operating, investing, financing; ties to cash and bank."""
    require(uow.operator, "reports.view")
    chart = Chart(uow)
    moves, before, to_end = gl_sums_many(
        uow,
        [
            (window.start, window.end, True),
            (None, window.start - timedelta(days=1), False),
            (None, window.end, False),
        ],
    )
    opening = cash_balance(chart, before)
    closing = cash_balance(chart, to_end)
    ni = earnings(chart, moves)

    buckets: dict[str, list[tuple[Node, int]]] = {
        "adjust": [],
        "operating": [],
        "investing": [],
        "financing": [],
    }
    for root in chart.roots:
        if root.gl.type not in BS_TYPES:
            continue
        for n in root.leaves():
            if n.gl.cash_flow == "cash":
                continue
            amt = side_amount(moves, n.gl.id, "credit")
            if amt == 0:
                continue
            cat = _category(n)
            if n.gl.contra and cat == "operating":
                cat = "adjust"
            buckets[cat].append((n, amt))

    operating = ni + sum(a for _, a in buckets["adjust"]) + sum(a for _, a in buckets["operating"])
    investing = sum(a for _, a in buckets["investing"])
    financing = sum(a for _, a in buckets["financing"])
    net_change = operating + investing + financing
    reconciled = net_change == closing - opening

    cols = [
        Column("gl_code", "Code", "text", width=8),
        Column("name", "Item", "text"),
        Column("amount", "Amount", "money"),
    ]
    rows: list[Row] = []
    sections: list[dict[str, Any]] = []

    def line(code: str | None, name: str, kobo: int | None, style: str) -> dict[str, Any]:
        rows.append(
            Row(
                {"gl_code": code, "name": name, "amount": None if kobo is None else money(kobo)},
                style,
            )
        )
        return {"gl_code": code, "name": name, "amount": None if kobo is None else money(kobo)}

    rows.append(Row({"name": "Cash flows from operating activities"}, "heading"))
    op_lines = [line(None, "Net surplus (deficit) for the period", ni, "indent1")]
    if buckets["adjust"]:
        rows.append(Row({"name": "Adjustments for non-cash items"}, "indent1"))
        op_lines += [line(n.code, _label(n), a, "indent2") for n, a in buckets["adjust"]]
    if buckets["operating"]:
        rows.append(Row({"name": "Changes in operating assets and liabilities"}, "indent1"))
        op_lines += [line(n.code, _label(n), a, "indent2") for n, a in buckets["operating"]]
    line(None, "Net cash from operating activities", operating, "subtotal")
    sections.append({"name": "operating", "total": money(operating), "lines": op_lines})

    for key, title in (
        ("investing", "Cash flows from investing activities"),
        ("financing", "Cash flows from financing activities"),
    ):
        rows.append(Row({"name": title}, "heading"))
        items = [line(n.code, _label(n), a, "indent1") for n, a in buckets[key]]
        total = investing if key == "investing" else financing
        line(None, f"Net cash from {key} activities", total, "subtotal")
        sections.append({"name": key, "total": money(total), "lines": items})

    line(None, "Net increase (decrease) in cash and cash equivalents", net_change, "total")
    line(None, "Cash and cash equivalents at the beginning of the period", opening, "normal")
    line(None, "Cash and cash equivalents at the end of the period", closing, "total")

    notes = [
        "Indirect method from GL movements; year-end closing entries excluded.",
        "Cash and cash equivalents: "
        + ", ".join(f"{n.code} {n.gl.name}" for n in cash_accounts(chart))
        + ".",
    ]
    if not reconciled:
        notes.insert(0, "WARNING: the net change does not equal the change in cash and bank.")
    summary = {
        "from": window.start,
        "to": window.end,
        "net_income": money(ni),
        "operating": money(operating),
        "investing": money(investing),
        "financing": money(financing),
        "net_change": money(net_change),
        "opening_cash": money(opening),
        "closing_cash": money(closing),
        "reconciled": reconciled,
    }
    return Report(
        name="cash-flow",
        title="Statement of Cash Flows",
        period=window.label(),
        tables=[Table(None, cols, rows, label="name")],
        summary=summary,
        notes=notes,
        json_payload={**summary, "sections": sections},
    )


__all__ = ["NATURAL_SIDE", "build_cash_flow", "cash_balance"]
