"""OFX 1.x (SGML) and 2.x (XML) bank and credit-card statements, several accounts per
file. A small tolerant reader of the few aggregates a statement needs (see
docs/recon.md for why not ofxtools): no XML parser is involved, so nothing is ever
expanded or fetched."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import BankLine, Statement, clean_text

_STMT = re.compile(r"<(CC)?STMTRS>(.*?)</(CC)?STMTRS>", re.S | re.I)
_TRN = re.compile(r"<STMTTRN>(.*?)</STMTTRN>", re.S | re.I)
_BAL = re.compile(r"<LEDGERBAL>(.*?)</LEDGERBAL>", re.S | re.I)


def _leaf(block: str, tag: str) -> str:
    m = re.search(rf"<{tag}>([^<\r\n]*)", block, re.I)
    return clean_text(html.unescape(m.group(1))) if m else ""


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _day(value: str, where: str) -> date:
    m = re.match(r"(\d{4})(\d{2})(\d{2})", value)
    try:
        if m is None:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise StatementFormatError(f"{where}: {value[:30]!r} is not an OFX date") from None


def _amount(value: str, where: str) -> Decimal:
    v = value.strip().replace(",", ".")
    if not re.fullmatch(r"[+-]?\d{1,15}(\.\d{1,2})?", v):
        raise StatementFormatError(f"{where}: {value[:30]!r} is not an amount")
    try:
        return Decimal(v).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise StatementFormatError(f"{where}: {value[:30]!r} is not an amount") from None


def parse(data: bytes, name: str) -> list[Statement]:
    text = data.decode("latin-1") if b"\x00" not in data else ""
    if "<OFX>" not in text.upper():
        raise StatementFormatError(f"{name}: not an OFX file (no <OFX> element)")
    out: list[Statement] = []
    for sm in _STMT.finditer(text):
        block, base = sm.group(2), sm.start(2)
        acct = _leaf(block, "ACCTID")
        stmt = Statement(account=acct, currency=_leaf(block, "CURDEF").upper())
        for tm in _TRN.finditer(block):
            t = tm.group(1)
            n = _line_of(text, base + tm.start())
            where = f"{name}:{n}"
            if not _leaf(t, "DTPOSTED"):
                raise StatementFormatError(f"{where}: DTPOSTED missing")
            if not _leaf(t, "TRNAMT"):
                raise StatementFormatError(f"{where}: TRNAMT missing")
            name_, memo = _leaf(t, "NAME") or _leaf(t, "PAYEE"), _leaf(t, "MEMO")
            dtuser = _leaf(t, "DTUSER")
            stmt.lines.append(
                BankLine(
                    booking_date=_day(_leaf(t, "DTPOSTED"), f"{where}: DTPOSTED"),
                    value_date=_day(dtuser, f"{where}: DTUSER") if dtuser else None,
                    amount=_amount(_leaf(t, "TRNAMT"), f"{where}: TRNAMT"),
                    currency=stmt.currency,
                    description=clean_text(" ".join(x for x in (name_, memo) if x)),
                    reference=_leaf(t, "CHECKNUM") or _leaf(t, "REFNUM"),
                    bank_id=_leaf(t, "FITID")[:100],
                    counterparty=name_,
                    raw=clean_text(t, 1000),
                    source=where,
                )
            )
        bal = _BAL.search(block)
        if bal:
            where = f"{name}:{_line_of(text, base + bal.start())}"
            stmt.closing = _amount(_leaf(bal.group(1), "BALAMT"), f"{where}: BALAMT")
            asof = _leaf(bal.group(1), "DTASOF")
            stmt.closing_date = _day(asof, f"{where}: DTASOF") if asof else None
        stmt.statement_id = f"{acct}:{_leaf(block, 'DTEND')[:8]}"
        out.append(stmt)
    if not out:
        raise StatementFormatError(f"{name}: no statement (STMTRS) in the OFX file")
    return out
