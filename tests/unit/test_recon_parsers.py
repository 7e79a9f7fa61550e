"""Statement parsers: the real files in tests/fixtures/bank, our own GTBank export,
and malformed, oversized and hostile input (every error names file:line and field)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import BankLine, fingerprints
from coopctl.recon.parsers import detect, parse
from coopctl.recon.parsers.csvrules import load_profile, parse_amount, profile_names

DOC = b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'>"

FIX = Path(__file__).parents[1] / "fixtures" / "bank"

GTB = (
    "Trans Date,Reference,Value Date,Debit,Credit,Balance,Remarks\n"
    ',,,,,"100,000.00",Opening Balance\n'
    '05-Jan-2026,TRX-001,05-Jan-2026,,"25,000.00","125,000.00",NIP TRF FROM ADAEZE OKAFOR\n'
    '06-Jan-2026,,06-Jan-2026,52.50,,"124,947.50",SMS ALERT CHARGES DEC 2025\n'
    '07-Jan-2026,CHQ 0042,07-Jan-2026,"10,000.00",,"114,947.50","CHQ 0042 [/bold] \x1b[31m"\n'
    ',,,,,"114,947.50",Closing Balance\n'
)


def _one(data: bytes, name: str, profile: str | None = None, fmt: str | None = None):  # type: ignore[no-untyped-def]
    f, stmts = parse(data, name, fmt, load_profile(profile) if profile else None)
    return f, stmts


def test_shipped_profiles() -> None:
    assert {"generic", "gtbank", "stanbic-zm", "revolut", "stripe"} <= set(profile_names())


def test_gtbank_profile_reads_dates_debits_credits_and_balances() -> None:
    fmt, (s,) = _one(GTB.encode(), "gtb.csv", "gtbank")
    assert fmt == "csv" and s.currency == "NGN"
    assert (s.opening, s.closing, s.difference()) == (
        Decimal("100000.00"),
        Decimal("114947.50"),
        Decimal("0.00"),
    )
    assert [(ln.booking_date, ln.amount) for ln in s.lines] == [
        (date(2026, 1, 5), Decimal("25000.00")),
        (date(2026, 1, 6), Decimal("-52.50")),
        (date(2026, 1, 7), Decimal("-10000.00")),
    ]
    assert s.lines[0].reference == "TRX-001" and s.lines[0].source == "gtb.csv:3"
    assert s.lines[1].suggest_gl == "5600"  # the profile's `if` rule for SMS alerts
    # control characters are stripped; markup stays inert text
    assert "\x1b" not in s.lines[2].description and "[/bold]" in s.lines[2].description


def test_gtbank_xlsx_goes_through_the_same_rules() -> None:
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in csv.reader(io.StringIO(GTB.replace("\x1b", ""))):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    fmt, (s,) = _one(buf.getvalue(), "gtb.xlsx", "gtbank")
    assert fmt == "xlsx" and [ln.amount for ln in s.lines] == [
        Decimal("25000.00"),
        Decimal("-52.50"),
        Decimal("-10000.00"),
    ]


@pytest.mark.parametrize(
    ("path", "fmt", "counts", "diffs"),
    [
        (
            "camt053/genkgo__camt__camt053.v2.multi.statement.xml",
            "camt053",
            [1, 1],
            ["0.00", "0.00"],
        ),
        (
            "camt053/OCA__bank-statement-import__test-camt053-multi-currency",
            "camt053",
            [2],
            ["0.00"],
        ),
        (
            "mt940/sandermarechal__jejik-mt940__abnamro.txt",
            "mt940",
            [8, 2],
            ["-2038.00", "-1002.60"],
        ),
        ("mt940/sandermarechal__jejik-mt940__postfinance.txt", "mt940", [2, 2], ["0.00", "0.20"]),
        ("ofx/asgrim__ofxparser__ofxdata-xml.ofx", "ofx", [3], [None]),
        ("ofx/jseutter__ofxparse__multiple_accounts.ofx", "ofx", [4, 1], [None, None]),
    ],
)
def test_real_files(path: str, fmt: str, counts: list[int], diffs: list[str | None]) -> None:
    data = (FIX / path).read_bytes()
    assert detect(data, path) == fmt
    got, stmts = parse(data, path)
    assert got == fmt
    assert [len(s.lines) for s in stmts] == counts
    assert [None if s.difference() is None else str(s.difference()) for s in stmts] == diffs


def test_camt_details() -> None:
    _, (s,) = parse(
        (FIX / "camt053/OCA__bank-statement-import__test-camt053-multi-currency").read_bytes(), "x"
    )
    assert (s.currency, s.opening, s.closing) == ("CHF", Decimal("350777.85"), Decimal("350332.64"))
    assert [ln.amount for ln in s.lines] == [Decimal("-579.21"), Decimal("134.00")]
    assert s.lines[0].bank_id == "DNXK210913CS36481/1001"


def test_mt940_intermediate_balances_continue() -> None:
    _, (a, b) = parse(
        (FIX / "mt940/sandermarechal__jejik-mt940__postfinance.txt").read_bytes(), "pf"
    )
    assert a.closing == b.opening == Decimal("229.20")
    assert [ln.amount for ln in a.lines] == [Decimal("79.70"), Decimal("149.50")]
    assert "JANE DOE" in a.lines[0].description


def test_csv_fixtures_with_their_profiles() -> None:
    _, (s,) = _one(
        (FIX / "csv/BIZ4Africa__ofxstatement-zm-stanbic__sample.csv").read_bytes(),
        "s",
        "stanbic-zm",
    )
    assert (s.opening, s.closing, s.difference(), s.lines[0].amount) == (
        Decimal("59258.71"),
        Decimal("58658.71"),
        Decimal("0.00"),
        Decimal("-600.00"),
    )
    _, (r,) = _one(
        (FIX / "csv/mlaitinen__ofxstatement-revolut__2022-january.csv").read_bytes(), "r", "revolut"
    )
    assert len(r.lines) == 6 and all(ln.amount for ln in r.lines)  # 2 PENDING, 1 zero hold out
    _, (g,) = _one((FIX / "csv/simonmichael__hledger__stripe.csv").read_bytes(), "g", "stripe")
    assert [(ln.amount, ln.bank_id) for ln in g.lines] == [
        (Decimal("12.00"), "txn_14G11HjubSIHf9IKrvJdwN"),
        (Decimal("-0.77"), "txn_14G11HjHgubIH9ZvbPgYO7"),
    ]


def test_thousands_and_decimal_comma() -> None:
    p = {"decimal_mark": ",", "thousands": " "}
    assert parse_amount("59 258,71", p, "f:1: amount") == Decimal("59258.71")
    assert parse_amount("(600,00)", p, "f:1: amount") == Decimal("-600.00")
    with pytest.raises(StatementFormatError, match="f:1: amount"):
        parse_amount("1,2,3", {"decimal_mark": ".", "thousands": ","}, "f:1: amount")
    with pytest.raises(StatementFormatError):
        parse_amount("1.005", {}, "f:1: amount")
    with pytest.raises(StatementFormatError):
        parse_amount("1e9", {}, "f:1: amount")


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"date,description,reference,amount\n2026-13-45,A,R,1.00\n", "x.csv:2: date"),
        (b'date,description,reference,amount\n2026-01-05,A,R,"1,2,3"\n', "x.csv:2: amount"),
        (b"date,description,reference,amount\n2026-01-05,A,R,1,2,3\n", "x.csv:2: 6 fields"),
        (b"date,description,reference,amount\n2026-01-05,A,R,abc\n", "x.csv:2: amount"),
        (b"date,description,amount\n2026-01-05,A,1.00\n", "missing column 'reference'"),
        (
            "date,description,reference,amount\n2026-01-05,caf\xe9,R,1.00\n".encode("latin-1"),
            "encoding",
        ),
        (
            b"<?xml version='1.0'?>" + DOC + b"<BkToCstmrStmt>",
            "XML",
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
            + DOC
            + b"<BkToCstmrStmt>&x;</BkToCstmrStmt></Document>",
            "XML",
        ),
        (
            b"OFXHEADER:100\n<OFX><STMTRS><CURDEF>NGN<BANKTRANLIST><STMTTRN>"
            b"<DTPOSTED>20261345<TRNAMT>1.00</STMTTRN></BANKTRANLIST></STMTRS></OFX>",
            "DTPOSTED",
        ),
        (
            b":20:X\r\n:25:1\r\n:60F:C260101NGN0,\r\n:61:2601010101C1.00NTRFNONREF\r\n:62F:C260101NGN1,00\r\n-",
            ":61:",
        ),
    ],
)
def test_malformed_files_name_the_problem(data: bytes, needle: str) -> None:
    with pytest.raises(StatementFormatError, match=needle):
        parse(data, "x.csv")


def test_entity_expansion_is_refused() -> None:
    bomb = (
        b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
        + DOC
        + b"<BkToCstmrStmt>&b;</BkToCstmrStmt></Document>"
    )
    with pytest.raises(StatementFormatError):
        parse(bomb, "bomb.xml", "camt053")


def test_oversized_file_is_refused() -> None:
    big = b"date,description,reference,amount\n" + b"2026-01-05,A,R,1.00\n" * 1_100_000
    with pytest.raises(StatementFormatError, match="limit"):
        parse(big, "big.csv")


def test_fingerprints_count_occurrences_within_the_day() -> None:
    d = date(2026, 1, 5)
    two = [BankLine(d, Decimal("-4.00"), "SMS  alert"), BankLine(d, Decimal("-4.00"), "sms alert")]
    a, b = fingerprints(two)
    assert a != b  # two identical charges on one day are two lines
    assert fingerprints(two) == [a, b]  # and stay the same two on re-import
    assert fingerprints([BankLine(d, Decimal("1.00"), "x", bank_id="FIT1")]) == ["id:FIT1"]
