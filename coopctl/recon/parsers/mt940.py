"""SWIFT MT940 customer statements: ``{1:}``…``{5:}`` framing with SOH/ETX bytes, CRLF,
bank preambles, several statements per file, ``:60F:/:60M:`` and ``:62F:/:62M:``
balances, multi-line ``:86:``. See docs/recon.md for why not the mt-940 package."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import BankLine, Statement, clean_text

_TAG = re.compile(r"^:(\d\d[A-Z]?):(.*)$")
_BLOCK = re.compile(r"\{[1235]:(?:\{[^{}]*\}|[^{}])*\}")
_BAL = re.compile(r"^([CD])(\d{6})([A-Z]{3})(\d{1,15},\d{0,2})$")
_61 = re.compile(
    r"^(\d{6})(\d{4})?(R?[CD])([A-Z])?(\d{1,15},\d{0,2})([NSF][A-Z0-9]{3})"
    r"([^/]{0,16}?)(?://(.{0,16}))?$"
)


def _yymmdd(s: str, where: str) -> date:
    try:
        return date(2000 + int(s[:2]), int(s[2:4]), int(s[4:6]))
    except ValueError:
        raise StatementFormatError(f"{where}: {s!r} is not a date (YYMMDD)") from None


def _amt(s: str) -> Decimal:
    whole, frac = s.split(",")
    return Decimal(f"{whole}.{frac or '0'}").quantize(Decimal("0.01"))


def parse(data: bytes, name: str) -> list[Statement]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    text = text.replace("\x01", "").replace("\x03", "")
    text = _BLOCK.sub("", text).replace("{4:", "\n")
    # (tag, value, line number); continuation lines join their tag
    fields: list[list[object]] = []
    for n, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        m = _TAG.match(line)
        if m:
            fields.append([m.group(1), m.group(2), n])
        elif line.strip() in ("-", "-}", "}"):
            fields.append(["-", "", n])
        elif fields and fields[-1][0] != "-" and line.strip():
            fields[-1][1] = f"{fields[-1][1]}\n{line}"
    out: list[Statement] = []
    stmt: Statement | None = None
    last: BankLine | None = None
    for ftag, fvalue, fn in fields:
        tag, value, where = str(ftag), str(fvalue), f"{name}:{fn}"
        if tag == "20":
            stmt, last = Statement(statement_id=clean_text(value, 100)), None
            out.append(stmt)
            continue
        if stmt is None or tag == "-":
            continue
        if tag == "25":
            stmt.account = clean_text(value, 60)
        elif tag in ("28", "28C"):
            stmt.statement_id = f"{stmt.statement_id}/{clean_text(value, 30)}"
        elif tag[:2] in ("60", "62"):
            m = _BAL.match(value.strip())
            if m is None:
                raise StatementFormatError(f"{where}: :{tag}: {value[:40]!r} is not a balance")
            bal = _amt(m.group(4)) * (1 if m.group(1) == "C" else -1)
            stmt.currency = stmt.currency or m.group(3)
            if tag[:2] == "60":
                stmt.opening, stmt.opening_date = bal, _yymmdd(m.group(2), f"{where}: :{tag}:")
            else:
                stmt.closing, stmt.closing_date = bal, _yymmdd(m.group(2), f"{where}: :{tag}:")
        elif tag == "61":
            first, _, extra = value.partition("\n")
            m = _61.match(first.strip())
            if m is None:
                raise StatementFormatError(f"{where}: :61: {first[:40]!r} is not a statement line")
            vd = _yymmdd(m.group(1), f"{where}: :61: value date")
            booked = vd
            if m.group(2):
                try:
                    booked = date(vd.year, int(m.group(2)[:2]), int(m.group(2)[2:]))
                except ValueError:
                    raise StatementFormatError(f"{where}: :61: entry date {m.group(2)!r}") from None
                if (booked - vd).days > 180:
                    booked = booked.replace(year=booked.year - 1)
                elif (vd - booked).days > 180:
                    booked = booked.replace(year=booked.year + 1)
            mark = m.group(3)
            sign = 1 if mark in ("C", "RD") else -1
            bank_ref = (m.group(8) or "").strip()
            cust_ref = m.group(7).strip()
            last = BankLine(
                booking_date=booked,
                value_date=vd,
                amount=_amt(m.group(5)) * sign,
                currency=stmt.currency,
                reference=clean_text(cust_ref if cust_ref != "NONREF" else "", 100),
                bank_id=bank_ref if bank_ref and bank_ref != "NONREF" else "",
                description=clean_text(extra),
                raw=clean_text(value, 1000),
                source=where,
            )
            stmt.lines.append(last)
        elif tag == "86" and last is not None:
            last.description = clean_text(f"{value} {last.description}".replace("\n", ""))
            last.raw = clean_text(f"{last.raw} :86:{value}", 1000)
    if not out:
        raise StatementFormatError(f"{name}: no :20: statement in the MT940 file")
    for s in out:
        if s.opening is None or s.closing is None:
            raise StatementFormatError(f"{name}: statement {s.statement_id}: :60: or :62: missing")
        for ln in s.lines:
            ln.currency = ln.currency or s.currency
    return out
