"""ISO 20022 CAMT.053 (bank-to-customer statement), versions 001.02 to 001.08, several
statements per file. Parsed with defusedxml: no DTDs, no entity expansion, no
external entities."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import BankLine, Statement, clean_text

_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d\d)")


def _t(el: Any, path: str) -> str:
    found = el.find(path) if el is not None else None
    return clean_text(found.text or "") if found is not None and found.text else ""


def _day(value: str, where: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise StatementFormatError(f"{where}: {value[:30]!r} is not a date") from None


def _amount(el: Any, where: str) -> tuple[Decimal, str]:
    amt = el.find("{*}Amt") if el is not None else None
    if amt is None or not amt.text:
        raise StatementFormatError(f"{where}: Amt missing")
    v = amt.text.strip()
    if not re.fullmatch(r"\d{1,15}(\.\d{1,2})?", v):
        raise StatementFormatError(f"{where}: Amt {v[:30]!r} is not an amount")
    try:
        value = Decimal(v).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise StatementFormatError(f"{where}: Amt {v[:30]!r} is not an amount") from None
    ind = _t(el, "{*}CdtDbtInd")
    if ind not in ("CRDT", "DBIT"):
        raise StatementFormatError(f"{where}: CdtDbtInd {ind[:10]!r} is not CRDT or DBIT")
    return (value if ind == "CRDT" else -value), (amt.get("Ccy") or "").upper()


def parse(data: bytes, name: str) -> list[Statement]:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise StatementFormatError(f"{name}: not well-formed, safe XML: {exc}") from None
    m = _NS.match(root.tag.strip("{").split("}")[0])
    if m is None or not ("02" <= m.group(1) <= "08"):
        raise StatementFormatError(f"{name}: not a camt.053.001.02–08 document ({root.tag[:80]})")
    out: list[Statement] = []
    for si, st in enumerate(root.iterfind("{*}BkToCstmrStmt/{*}Stmt"), 1):
        sw = f"{name}:Stmt[{si}]"
        acct = _t(st, "{*}Acct/{*}Id/{*}IBAN") or _t(st, "{*}Acct/{*}Id/{*}Othr/{*}Id")
        stmt = Statement(account=acct, currency=_t(st, "{*}Acct/{*}Ccy").upper())
        stmt.statement_id = _t(st, "{*}Id")[:100]
        for bal in st.iterfind("{*}Bal"):
            code = _t(bal, "{*}Tp/{*}CdOrPrtry/{*}Cd")
            value, ccy = _amount(bal, f"{sw}/Bal[{code}]")
            when = _day(_t(bal, "{*}Dt/{*}Dt") or _t(bal, "{*}Dt/{*}DtTm"), f"{sw}/Bal[{code}]")
            stmt.currency = stmt.currency or ccy
            if code in ("OPBD", "PRCD") and stmt.opening is None:
                stmt.opening, stmt.opening_date = value, when
            elif code == "CLBD":
                stmt.closing, stmt.closing_date = value, when
        for ni, e in enumerate(st.iterfind("{*}Ntry"), 1):
            where = f"{sw}/Ntry[{ni}]"
            status = _t(e, "{*}Sts/{*}Cd") or _t(e, "{*}Sts")
            if status and status != "BOOK":
                continue
            value, ccy = _amount(e, where)
            booked = _day(_t(e, "{*}BookgDt/{*}Dt") or _t(e, "{*}BookgDt/{*}DtTm"), where)
            if booked is None:
                raise StatementFormatError(f"{where}: BookgDt missing")
            tx = e.find("{*}NtryDtls/{*}TxDtls")
            texts = [
                _t(tx, "{*}RmtInf/{*}Ustrd"),
                _t(e, "{*}AddtlNtryInf"),
                _t(tx, "{*}AddtlTxInf"),
            ]
            party = _t(tx, "{*}RltdPties/{*}Dbtr/{*}Nm") if value > 0 else ""
            party = (
                party
                or _t(tx, "{*}RltdPties/{*}Cdtr/{*}Nm")
                or _t(tx, "{*}RltdPties/{*}Dbtr/{*}Pty/{*}Nm")
            )
            e2e = _t(tx, "{*}Refs/{*}EndToEndId")
            stmt.lines.append(
                BankLine(
                    booking_date=booked,
                    value_date=_day(_t(e, "{*}ValDt/{*}Dt"), where),
                    amount=value,
                    currency=ccy or stmt.currency,
                    description=clean_text(" ".join(dict.fromkeys(t for t in texts if t))),
                    reference=(e2e if e2e != "NOTPROVIDED" else "") or _t(e, "{*}NtryRef"),
                    bank_id=(_t(e, "{*}AcctSvcrRef") or _t(e, "{*}NtryRef"))[:100],
                    counterparty=party[:200],
                    raw=f"Ntry {ni}: {value} {ccy} {booked}",
                    source=where,
                )
            )
        out.append(stmt)
    if not out:
        raise StatementFormatError(f"{name}: no Stmt in the camt.053 document")
    return out
