"""CSV and XLSX statements through TOML rules profiles (in the spirit of hledger's CSV
rules). See docs/recon.md for every key; shipped profiles live in
``coopctl/recon/profiles/*.toml``.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from coopctl.recon.errors import StatementFormatError
from coopctl.recon.lines import BankLine, Statement, clean_text

MAX_AMOUNT = Decimal("100000000000.00")
FIELDS = (
    "date", "value_date", "description", "reference", "id", "counterparty", "amount",
    "debit", "credit", "fee", "balance", "currency",
)  # fmt: skip
PROFILE_KEYS = {
    "name", "description", "delimiter", "encoding", "skip", "header", "decimal_mark",
    "thousands", "date_format", "currency", "fields", "rules", "ignore_zero", "negate",
    "fee_description",
}  # fmt: skip


def profile_names() -> list[str]:
    root = resources.files("coopctl.recon") / "profiles"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_profile(name_or_path: str) -> dict[str, Any]:
    """A shipped profile by name, or a TOML rules file by path."""
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.is_file():
        text, label = p.read_text(encoding="utf-8"), str(p)
    else:
        res = resources.files("coopctl.recon") / "profiles" / f"{name_or_path}.toml"
        if not re.fullmatch(r"[a-z0-9_-]{1,40}", name_or_path) or not res.is_file():
            known = ", ".join(profile_names())
            raise StatementFormatError(f"--profile: {name_or_path!r} not found (shipped: {known})")
        text, label = res.read_text(encoding="utf-8"), name_or_path
    try:
        prof = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StatementFormatError(f"{label}: not a TOML rules file: {exc}") from None
    unknown = set(prof) - PROFILE_KEYS
    if unknown:
        raise StatementFormatError(f"{label}: unknown profile key(s) {', '.join(sorted(unknown))}")
    bad = set(prof.get("fields", {})) - set(FIELDS)
    if bad:
        raise StatementFormatError(f"{label}: unknown field(s) {', '.join(sorted(bad))}")
    fields = prof.get("fields", {})
    if "date" not in fields or not (
        {"amount"} <= fields.keys() or {"debit", "credit"} <= fields.keys()
    ):
        raise StatementFormatError(f"{label}: fields need date and amount (or debit and credit)")
    for r in prof.get("rules", []):
        try:
            r["_re"] = re.compile(r["if"], re.IGNORECASE)
        except (KeyError, re.error) as exc:
            raise StatementFormatError(f"{label}: rule {r!r}: bad `if` pattern: {exc}") from None
    prof.setdefault("name", label)
    return prof


def parse_amount(text: Any, prof: dict[str, Any], where: str) -> Decimal:
    """``"59 258,71"`` with decimal mark ``,`` and thousands `` ``; ``(600.00)`` negative."""
    if isinstance(text, (int, Decimal)):
        value = Decimal(text)
    elif isinstance(text, float):
        value = Decimal(repr(text))
    elif prof.get("decimal_mark", ".") == "." and _PLAIN.fullmatch(str(text)):
        value = Decimal(str(text))
    else:
        s = str(text).strip().replace("\u00a0", " ")
        neg = s.startswith("(") and s.endswith(")")
        s = s.strip("()").strip()
        dm, ts = prof.get("decimal_mark", "."), prof.get("thousands", ",")
        m = (
            re.fullmatch(
                rf"([+-]?)(\d+|\d{{1,3}}(?:{re.escape(ts)}\d{{3}})+)(?:{re.escape(dm)}(\d+))?", s
            )
            if ts
            else None
        )
        if m is None:
            m = re.fullmatch(rf"([+-]?)(\d+)(?:{re.escape(dm)}(\d+))?", s)
        if m is None:
            raise StatementFormatError(f"{where}: {clean_text(s, 40)!r} is not an amount")
        digits = m.group(2).replace(ts, "") if ts else m.group(2)
        value = Decimal(f"{m.group(1)}{digits}.{m.group(3) or '0'}")
        value = -value if neg else value
    if value != value.quantize(Decimal("0.01")) or abs(value) > MAX_AMOUNT:
        raise StatementFormatError(f"{where}: {value} is not an amount of at most two decimals")
    return value.quantize(Decimal("0.01"))


_DAYS: dict[tuple[str, str], date] = {}
_PLAIN = re.compile(r"-?\d{1,15}(?:\.\d{1,2})?")


def parse_day(text: Any, fmt: str, where: str) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    s = str(text).strip()
    hit = _DAYS.get((s, fmt))
    if hit is not None:
        return hit
    try:
        day = datetime.strptime(s, fmt).date()
    except ValueError:
        raise StatementFormatError(
            f"{where}: {clean_text(s, 40)!r} is not a date ({fmt})"
        ) from None
    if len(_DAYS) < 100_000:
        _DAYS[(s, fmt)] = day
    return day


def parse_csv(data: bytes, prof: dict[str, Any], name: str) -> Statement:
    if b"\x00" in data:
        raise StatementFormatError(f"{name}: a binary file, not a CSV statement")
    enc = prof.get("encoding", "utf-8-sig")
    try:
        text = data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise StatementFormatError(f"{name}: not {enc} text (wrong encoding?)") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=prof.get("delimiter", ",")))
    except csv.Error as exc:
        raise StatementFormatError(f"{name}: not CSV: {exc}") from None
    return parse_rows(rows, prof, name)


def xlsx_rows(data: bytes, name: str) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise StatementFormatError(f"{name}: not a readable XLSX workbook: {exc}") from None
    return rows


def _cell(row: list[Any], col: int) -> Any:
    return row[col] if col < len(row) else ""


def parse_rows(rows: list[list[Any]], prof: dict[str, Any], name: str) -> Statement:
    skip = int(prof.get("skip", 0))
    fields: dict[str, Any] = prof["fields"]
    cols: dict[str, list[int]] = {}
    start = skip
    width = 0
    if prof.get("header", True):
        if len(rows) <= skip:
            raise StatementFormatError(f"{name}: no header row")
        header = [clean_text(str(h)).lower() for h in rows[skip]]
        width = len(header)
        start = skip + 1
    for key, spec in fields.items():
        specs = spec if isinstance(spec, list) else [spec]
        idx = []
        for s in specs:
            if isinstance(s, int):
                idx.append(s - 1)
            elif prof.get("header", True) and str(s).lower() in header:
                idx.append(header.index(str(s).lower()))
            else:
                raise StatementFormatError(f"{name}:{skip + 1}: missing column {s!r} ({key})")
        cols[key] = idx
    stmt = Statement(currency=str(prof.get("currency", "")).upper())
    dfmt = prof.get("date_format", "%Y-%m-%d")
    delim = prof.get("delimiter", ",")
    sign = -1 if prof.get("negate") else 1
    for n, row in enumerate(rows[start:], start + 1):
        if not any(str(c).strip() for c in row):
            continue
        where = f"{name}:{n}"
        if width and len(row) > width and any(str(c).strip() for c in row[width:]):
            raise StatementFormatError(f"{where}: {len(row)} fields, the header has {width}")
        whole = delim.join(str(c) for c in row)
        rule: dict[str, Any] = next(
            (r for r in prof.get("rules", []) if r["_re"].search(whole)), {}
        )
        if rule.get("skip"):
            continue
        if rule.get("opening") or rule.get("closing"):
            obal = parse_amount(_cell(row, cols["balance"][0]), prof, f"{where}: balance")
            day = _cell(row, cols.get("value_date", cols["date"])[0])
            when = parse_day(day, dfmt, f"{where}: date") if str(day).strip() else None
            if rule.get("opening"):
                stmt.opening, stmt.opening_date = obal, when
            else:
                stmt.closing, stmt.closing_date = obal, when
            continue

        def get(key: str, row: list[Any] = row) -> Any:
            vals = [_cell(row, i) for i in cols.get(key, [])]
            if len(vals) == 1:
                return vals[0]
            return " ".join(str(v).strip() for v in vals if str(v).strip())

        booked = parse_day(get("date"), dfmt, f"{where}: date")
        if "amount" in cols:
            amount = parse_amount(get("amount"), prof, f"{where}: amount") * sign
        else:
            dr, cr = str(get("debit")).strip(), str(get("credit")).strip()
            amount = (parse_amount(cr, prof, f"{where}: credit") if cr else Decimal("0.00")) - (
                parse_amount(dr, prof, f"{where}: debit") if dr else Decimal("0.00")
            )
        fee = Decimal("0.00")
        if "fee" in cols and str(get("fee")).strip():
            fee = abs(parse_amount(get("fee"), prof, f"{where}: fee"))
        if prof.get("ignore_zero") and amount == 0 and fee == 0:
            continue
        vd = get("value_date") if "value_date" in cols else ""
        bal = get("balance") if "balance" in cols else ""
        cur = str(get("currency")).strip().upper() if "currency" in cols else stmt.currency
        if cur and not re.fullmatch(r"[A-Z]{3}", cur):
            raise StatementFormatError(f"{where}: currency {clean_text(cur, 10)!r} is not ISO 4217")
        line = BankLine(
            booking_date=booked,
            value_date=parse_day(vd, dfmt, f"{where}: value_date") if str(vd).strip() else None,
            amount=amount,
            currency=cur,
            description=clean_text(str(get("description"))) if "description" in cols else "",
            reference=clean_text(str(get("reference")), 100) if "reference" in cols else "",
            bank_id=clean_text(str(get("id")), 100) if "id" in cols else "",
            counterparty=clean_text(str(get("counterparty")), 200)
            if "counterparty" in cols
            else "",
            balance=parse_amount(bal, prof, f"{where}: balance") if str(bal).strip() else None,
            raw=clean_text(whole, 1000),
            source=where,
            suggest_gl=str(rule.get("gl", "")),
            suggest_member=str(rule.get("member", "")),
        )
        stmt.lines.append(line)
        if fee:
            stmt.lines.append(
                BankLine(
                    booking_date=booked,
                    value_date=line.value_date,
                    amount=-fee,
                    currency=cur,
                    description=f"{prof.get('fee_description', 'Fee')}: {line.description}"[:500],
                    reference=line.reference,
                    bank_id=f"{line.bank_id}:fee" if line.bank_id else "",
                    raw=line.raw,
                    source=f"{where} (fee)",
                )
            )
        if not stmt.currency and cur:
            stmt.currency = cur
    return stmt
