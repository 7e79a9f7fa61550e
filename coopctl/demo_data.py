"""Names and a sample KYC image for ``coopctl demo`` (plain data)."""

from __future__ import annotations

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
