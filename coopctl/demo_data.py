"""Names, a sample KYC image and small date and number helpers for ``coopctl demo``."""

from __future__ import annotations

import calendar
import random
from datetime import date

FIRST = [
    "Adaeze",
    "Babatunde",
    "Chinedu",
    "Damilola",
    "Emeka",
    "Funmilayo",
    "Garba",
    "Halima",
    "Ifeoma",
    "Jide",
    "Kemi",
    "Lanre",
    "Musa",
    "Ngozi",
    "Olumide",
    "Patience",
    "Rukayat",
    "Segun",
    "Tochukwu",
    "Uche",
    "Yetunde",
    "Zainab",
    "Bola",
    "Efe",
    "Hauwa",
    "Obinna",
]
LAST = [
    "Okafor",
    "Adeyemi",
    "Bello",
    "Eze",
    "Ibrahim",
    "Nwosu",
    "Ogunleye",
    "Abubakar",
    "Okonkwo",
    "Balogun",
    "Danjuma",
    "Oyelaran",
    "Uzor",
    "Akande",
    "Lawal",
    "Obi",
]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


def _month_starts(first: date, months: int) -> list[date]:
    out = []
    y, m = first.year, first.month
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _end_of_month(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _phone(rng: random.Random) -> str:
    return "080" + "".join(rng.choice("0123456789") for _ in range(8))


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))
