"""Member statements: the bulk (Polars) result equals the scalar reference to the kobo,
on random activity, for every account; closing balances equal the account rows."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from coopctl.core.money import D


def make_members(coop: Any, n: int) -> list[tuple[str, str, str]]:
    """n members, each with a savings account (SAV, credit-normal, through the deposits
    service) and a fees-receivable sub-account (GL 1230, debit-normal)."""
    from sqlalchemy import select

    from coopctl.core import clock
    from coopctl.deposits.accounts import open_account
    from coopctl.ledger.models import Account, GLAccount
    from coopctl.members.service import add_member

    out = []
    with coop.uow("admin") as u:
        gl = {g.code: g.id for g in u.session.scalars(select(GLAccount))}
        # this cooperative keeps fees receivable per member: 1230 gets a sub-ledger
        u.session.get(GLAccount, gl["1230"]).is_control = True
        for i in range(1, n + 1):
            m = add_member(
                u,
                {
                    "first_name": "Ada" + "abcdefghij"[i % 10],
                    "last_name": "Obi",
                    "phone": f"0803123{i:04d}",
                    "joined": "2026-01-01",
                },
            )
            sav = open_account(u, m.member_no, "SAV", on=date(2026, 1, 1))
            rec = Account(
                account_no=f"TR{i:05d}",
                member_id=m.id,
                kind="receivable",
                product_code="FEES",
                gl_account_id=gl["1230"],
                opened_on=date(2026, 1, 1),
                created_at=clock.utcnow(),
            )
            u.session.add(rec)
            u.session.flush()
            out.append((m.member_no, sav.account_no, rec.account_no))
        u.commit()
    return out


def random_activity(coop: Any, members: list[tuple[str, str, str]], seed: int) -> None:
    from coopctl.ledger.posting import post
    from coopctl.ledger.rules import EntryDraft, LineDraft

    rnd = random.Random(seed)
    bal = {s: Decimal(0) for _, s, _ in members}
    with coop.uow("admin") as u:
        for k in range(160):
            _, sav, loan = rnd.choice(members)
            d = date(2026, 9, 1) + timedelta(days=rnd.randrange(0, 88))
            amt = Decimal(rnd.randrange(1, 5_000_000)) / 100
            what = rnd.random()
            if what < 0.5 or bal[sav] < amt:
                lines = [
                    LineDraft("1110", debit=amt),
                    LineDraft("2110", credit=amt, account_no=sav),
                ]
                bal[sav] += amt
            elif what < 0.75:
                lines = [
                    LineDraft("2110", debit=amt, account_no=sav),
                    LineDraft("1110", credit=amt),
                ]
                bal[sav] -= amt
            else:
                lines = [
                    LineDraft("1230", debit=amt, account_no=loan),
                    LineDraft("4200", credit=amt),
                ]
            post(u, EntryDraft(business_date=d, kind="test", lines=lines, narration=f"op {k}"))
        u.commit()


def test_bulk_equals_scalar_on_random_data(coop: Any) -> None:
    from coopctl.reports.builders.common import Window
    from coopctl.reports.builders.statements import build_statement_set, statement_for_account

    members = make_members(coop, 8)
    random_activity(coop, members, seed=20261128)
    for window in (
        Window(date(2026, 10, 1), date(2026, 10, 31)),
        Window(date(2026, 9, 1), date(2026, 11, 28)),
    ):
        with coop.uow("accountant1") as u:
            bulk = build_statement_set(u, window)
            assert bulk.member_count == 8
            for _, sav, loan in members:
                for no in (sav, loan):
                    assert bulk.account(no) == statement_for_account(u, no, window), no
    with coop.uow("accountant1") as u:
        from sqlalchemy import select

        from coopctl.ledger.models import Account

        bulk = build_statement_set(u, Window(date(2026, 11, 1), date(2026, 11, 28)))
        for _, sav, rec in members:
            for no in (sav, rec):
                a = u.session.scalars(select(Account).where(Account.account_no == no)).one()
                assert bulk.account(no).closing == a.balance
    coop.ok("ledger", "verify")


def test_member_statements_cli_formats(coop: Any, tmp_path: Path) -> None:
    members = make_members(coop, 3)
    random_activity(coop, members, seed=7)
    args = ("reports", "member-statements", "--from", "2026-10-01", "--to", "2026-10-31")
    js = coop.ok(*args)
    nos = [m for m, _, _ in members]
    assert [m["member_no"] for m in js["members"]] == nos
    acct = js["members"][0]["accounts"][0]
    running = D(acct["opening"])
    for ln in acct["lines"]:
        running += D(ln["credit"]) - D(ln["debit"])  # savings: credit-normal
        assert D(ln["balance"]) == running
    assert running == D(acct["closing"])
    csv = coop.cli(*args, "--format", "csv").ok().stdout
    assert csv.splitlines()[0].startswith("member_no,name,account_no,date")
    out = tmp_path / "st.xlsx"
    coop.cli(*args, "-f", "xlsx", "-o", out).ok()
    from openpyxl import load_workbook

    ws = load_workbook(out).worksheets[0]
    closings = [r for r in ws.iter_rows(values_only=True) if r[5] == "Totals and closing balance"]
    assert len(closings) == 6
    assert Decimal(str(closings[0][8])).quantize(D("0.01")) == D(acct["closing"])
    # the streaming writer used for large books gives the same figures
    from coopctl.reports.builders.common import Window, render_meta
    from coopctl.reports.builders.statements import build_statement_set
    from coopctl.reports.builders.statements_out import _write_xlsx_streamed

    big = tmp_path / "big.xlsx"
    with coop.uow("accountant1") as u:
        data = build_statement_set(u, Window(date(2026, 10, 1), date(2026, 10, 31)))
        _write_xlsx_streamed(data, big, render_meta(u))
        # the vectorised CSV equals the shared renderer's, byte for byte
        from coopctl.reports.builders.statements import combined_report
        from coopctl.reports.builders.statements_out import csv_text
        from coopctl.reports.render.csvout import render_csv

        assert csv_text(data) == render_csv(combined_report(data, with_json=False)) == csv
    streamed = [
        r
        for r in load_workbook(big).worksheets[0].iter_rows(values_only=True)
        if len(r) > 5 and r[5] == "Totals and closing balance"
    ]
    assert [tuple(x[:3]) + tuple(x[6:]) for x in streamed] == [
        tuple(x[:3]) + tuple(x[6:]) for x in closings
    ]
    pdf = tmp_path / "st.pdf"
    coop.cli(*args, "-f", "pdf", "-o", pdf, "--processes", "1").ok()
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert f"Member Statement — {nos[1]} Adac Obi" in text
    split = tmp_path / "split"
    coop.cli(*args, "-f", "pdf", "-o", split, "--split", "--processes", "2").ok()
    files = sorted(p.name for p in split.iterdir())
    assert files == [f"{n}.pdf" for n in nos]
    one = "\n".join(p.extract_text() for p in PdfReader(split / f"{nos[2]}.pdf").pages)
    assert nos[2] in one and nos[0] not in one
