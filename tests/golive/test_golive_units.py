"""Pure parts of go-live: the regenerated schedule of a loan in progress, and the reader."""

from __future__ import annotations

import io
import random
from datetime import date, datetime
from decimal import Decimal

import pytest

from coopctl.core.errors import FileFormatError
from coopctl.golive.loanplan import PlanError, plan_loan
from coopctl.golive.reader import read_table

D = Decimal
GOLIVE = date(2026, 11, 28)
METHODS = ["declining_equal_installment", "declining_equal_principal", "flat"]


def _plan(**kw: object) -> object:
    args: dict[str, object] = dict(
        principal=D(300000), annual_rate=D(24), term=12, disbursed_on=date(2026, 1, 19),
        installments_paid=9, outstanding=D(120000), arrears_principal=D(28000),
        arrears_interest=D(1200), arrears_penalty=D(300), arrears_since=date(2026, 10, 19),
        golive=GOLIVE, method="declining_equal_installment", frequency="monthly",
    )  # fmt: skip
    args.update(kw)
    return plan_loan(**args)  # type: ignore[arg-type]


def test_one_installment_in_arrears_then_the_rest_over_the_remaining_term() -> None:
    p = _plan()
    first, *rest = p.installments  # type: ignore[attr-defined]
    # Everything overdue on one installment due on the oldest unpaid date.
    assert (first.no, first.due_date, first.origin) == (10, date(2026, 10, 19), "golive_arrears")
    assert (first.principal, first.interest, first.penalty) == (D(28000), D(1200), D(300))
    # 92,000 left over the two installments due after the go-live (Dec 19, Jan 19),
    # interest at 2 % a month from the last due date before go-live (Nov 19).
    assert [(i.no, i.due_date) for i in rest] == [(11, date(2026, 12, 19)), (12, date(2027, 1, 19))]
    assert rest[0].interest == D("1840.00")  # 92,000 × 2 %
    assert sum(i.principal for i in rest) == D(92000)
    assert p.anchor_date == date(2026, 11, 19) and p.anchor_no == 10  # type: ignore[attr-defined]


def test_a_matured_loan_must_carry_its_whole_principal_as_arrears() -> None:
    with pytest.raises(PlanError) as exc:
        _plan(term=6)
    assert exc.value.column == "arrears_principal"
    ok = _plan(term=6, arrears_principal=D(120000))
    assert [i.origin for i in ok.installments] == ["golive_arrears"]  # type: ignore[attr-defined]


def test_a_performing_loan_has_no_arrears_installment() -> None:
    p = _plan(
        arrears_principal=D(0), arrears_interest=D(0), arrears_penalty=D(0), arrears_since=None
    )
    assert all(i.origin == "golive" for i in p.installments)  # type: ignore[attr-defined]
    assert all(i.due_date > GOLIVE for i in p.installments)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", range(5))
def test_random_loans_schedule_exactly_the_outstanding_principal(seed: int) -> None:
    rng = random.Random(seed)
    planned = 0
    for _ in range(200):
        term = rng.randint(2, 48)
        principal = D(rng.randint(1000, 5_000_000))
        months_ago = rng.randint(1, term - 1)
        disbursed = (
            date(2026 - (months_ago // 12), 1, 1)
            if months_ago >= 11
            else date(2026, 11 - months_ago, 15)
        )
        outstanding = (principal * D(rng.randint(1, 100)) / 100).quantize(D("0.01"))
        late = rng.random() < 0.5
        a_p = (outstanding * D(rng.randint(0, 50)) / 100).quantize(D("0.01")) if late else D(0)
        a_i = D(rng.randint(0, 5000)) if late else D(0)
        since = date(2026, 10, 1) if late and date(2026, 10, 1) > disbursed else None
        if since is None:
            a_p = a_i = D(0)
        try:
            p = plan_loan(
                principal=principal, annual_rate=D(rng.choice([0, 12, 24, 36])), term=term,
                disbursed_on=disbursed, installments_paid=rng.randint(0, term - 1),
                outstanding=outstanding, arrears_principal=a_p, arrears_interest=a_i,
                arrears_penalty=D(0), arrears_since=since, golive=GOLIVE,
                method=rng.choice(METHODS),
                frequency="monthly",
            )  # fmt: skip
        except PlanError:
            continue
        assert sum(i.principal for i in p.installments) == outstanding
        assert sum(i.interest for i in p.installments if i.origin == "golive_arrears") == a_i
        nos = [i.no for i in p.installments]
        assert nos == sorted(set(nos)) and max(nos) <= term
        planned += 1
    assert planned > 100  # most random rows make a schedule; the rest are refused rows


def _xlsx(rows: list[list[object]], sheet: str = "accounts") -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_typed_cells_read_as_text_exactly() -> None:
    raw = _xlsx([
        ["member", "product", "opening_balance", "opened_on"],
        ["M1", "SAV", 125000.5, datetime(2019, 3, 1)],
        ["M2", "SAV", 300000, date(2020, 1, 1)],
        ["M3", "SAV", 0.1, "2021-05-05"],
    ])  # fmt: skip
    table, rep = read_table("f.xlsx", raw, "accounts", max_bytes=10**6)
    assert not rep.items
    got = [(r["opening_balance"], r["opened_on"]) for _, r in table.rows]
    assert got == [("125000.5", "2019-03-01"), ("300000", "2020-01-01"), ("0.1", "2021-05-05")]


def test_reader_refuses_oversized_files_and_unknown_headers() -> None:
    with pytest.raises(FileFormatError) as exc:
        read_table("f.csv", b"x" * 2000, "gl", max_bytes=1000)
    assert "larger than" in exc.value.details[0]
    with pytest.raises(FileFormatError) as exc:
        read_table("f.csv", b"gl_code,debit,credit,[/bold]\n", "gl", max_bytes=10**6)
    assert exc.value.details == [
        "f.csv:gl:1:header: unknown column '[/bold]' (expected gl_code,debit,credit)"
    ]
    with pytest.raises(FileFormatError) as exc:
        read_table("f.csv", b"", "gl", max_bytes=10**6)
    assert exc.value.details == ["f.csv:gl:1:header: the file is empty"]


@pytest.mark.parametrize("seed", range(4))
def test_csv_rows_taken_whole_equal_the_cell_by_cell_reading(seed: int) -> None:
    """The reader takes a CSV row with no hostile cell whole; any row, clean or not
    (blank, short, long, too-long cells, control characters), reads exactly as the
    cell-by-cell path reads it, problems included."""
    from coopctl.golive import reader

    rng = random.Random(seed)
    pieces = ["Ada", " Okafor ", "", "  ", "0803 123 4567", "a\tb", "x\x07y", "z\u202e",
              "n" * 200, "n" * 201, " " * 205, "\u00c0d\u00e9", "[/bold]", "1,5"]  # fmt: skip
    header = ["legacy_id", "first_name", "last_name", "phone", "joined_on"]
    rows = [header]
    for _ in range(400):
        width = rng.choice([5, 5, 5, 4, 6, 0])
        rows.append([rng.choice(pieces) for _ in range(width)])
    fast_rep = reader.Report("f.csv", "members")
    slow_rep = reader.Report("f.csv", "members")
    fast = reader._table("members", "members", iter(rows), fast_rep, texts=True)
    slow = reader._table("members", "members", iter(rows), slow_rep)
    assert fast.rows == slow.rows and fast_rep.items == slow_rep.items
    assert fast.rows and fast_rep.items  # both kinds of rows were met
