"""The one bank-line schema every parser produces, and the identity of a line.

Pure: no database. Amounts are signed Decimals from the cooperative's side: money
into the account (a credit on the statement) is positive.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

MAX_FILE_BYTES = 20_000_000
MAX_TEXT = 500


@dataclass
class BankLine:
    """One statement line. ``source`` is ``file:line`` of the raw row, ``raw`` its text."""

    booking_date: date
    amount: Decimal
    description: str = ""
    value_date: date | None = None
    currency: str = ""
    reference: str = ""  # the bank's reference, shown to people
    bank_id: str = ""  # the bank's unique id of the line (FITID, AcctSvcrRef, :61: ref)
    counterparty: str = ""
    balance: Decimal | None = None  # running balance after this line, when given
    raw: str = ""
    source: str = ""
    suggest_gl: str = ""  # from a profile's `if` rule
    suggest_member: str = ""


@dataclass
class Statement:
    """One statement (or one account's part of a file) with its lines and balances."""

    account: str = ""  # the bank's account id (IBAN, ACCTID, :25:) when given
    currency: str = ""
    statement_id: str = ""
    opening: Decimal | None = None
    closing: Decimal | None = None
    opening_date: date | None = None
    closing_date: date | None = None
    lines: list[BankLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), Decimal("0"))

    def difference(self) -> Decimal | None:
        """closing − (opening + lines), or None when the statement gives no balances."""
        if self.opening is None or self.closing is None:
            return None
        return self.closing - (self.opening + self.total)


_SPACE = re.compile(r"\s+")
_CTRL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Control characters out, whitespace folded, at most ``limit`` characters."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text[:limit]  # the common case, without the regular expressions
    return _SPACE.sub(" ", _CTRL.sub(" ", text)).strip()[:limit]


def normalise(text: str) -> str:
    """Text for fingerprints and similarity: accents off, upper case, only letters and
    digits, single spaces."""
    if not text:
        return ""
    t = text
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", t).strip().upper()


def fingerprints(lines: list[BankLine]) -> list[str]:
    """Identity of each line: the bank's id where the format has one, else a hash of
    date, amount, normalised text and the occurrence number of that triple within the day
    (two identical coffees on one day are two lines, and stay two on re-import)."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for ln in lines:
        if ln.bank_id:
            out.append("id:" + ln.bank_id[:180])
            continue
        key = (ln.booking_date.isoformat(), f"{ln.amount:.2f}", normalise(ln.description))
        n = seen.get(key, 0) + 1
        seen[key] = n
        h = hashlib.sha256("|".join((*key, str(n))).encode()).hexdigest()[:40]
        out.append("fp:" + h)
    return out
