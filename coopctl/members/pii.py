"""Members' PII at rest: BVN, NIN, phone and date of birth.

Each value is stored only as an AES-GCM ciphertext (``*_enc``) whose
associated data binds it to the member number and the field (a ciphertext
copied onto another row, or into another column, does not decrypt). BVN, NIN
and phone also get an HMAC blind index (``*_hash``) for uniqueness and
look-up, and their last four digits (``*_last4``) for masked display.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from coopctl.members.models import Member

PII_FIELDS = ("phone", "dob", "bvn", "nin")
INDEXED = ("phone", "bvn", "nin")  # blind index + last 4 digits kept


def aad(member_no: str, field: str) -> str:
    """Associated data of one member's field: ``member:M00000013:bvn``."""
    return f"member:{member_no}:{field}"


def blind(cipher: Any, field: str, value: str) -> str:
    """The keyed hash under which ``field`` = ``value`` is indexed."""
    return str(cipher.blind_index(value, kind=field))


def set_field(cipher: Any, member: Member, field: str, value: str | date | None) -> None:
    """Encrypt (and index) one PII field of ``member`` (whose member_no is set)."""
    for key, v in field_values(cipher, member.member_no, field, value).items():
        setattr(member, key, v)


def field_values(
    cipher: Any, member_no: str, field: str, value: str | date | None
) -> dict[str, str | None]:
    """The columns :func:`set_field` sets for one PII field (``phone_enc``, ``phone_hash``,
    ``phone_last4``), as a mapping: bulk imports write them without an ORM object."""
    assert field in PII_FIELDS, field
    text = value.isoformat() if isinstance(value, date) else value
    out = {f"{field}_enc": cipher.encrypt(text, context=aad(member_no, field))}
    if field in INDEXED:
        out[f"{field}_hash"] = blind(cipher, field, text) if text else None
        out[f"{field}_last4"] = text[-4:] if text else None
    return out


def get_field(cipher: Any, member: Member, field: str) -> str | None:
    """Decrypt one PII field (None when not on file)."""
    token = getattr(member, f"{field}_enc")
    return cipher.decrypt(token, context=aad(member.member_no, field)) if token else None


def get_dob(cipher: Any, member: Member) -> date | None:
    text = get_field(cipher, member, "dob")
    return date.fromisoformat(text) if text else None


# --- masking -----------------------------------------------------------------
def mask_digits(last4: str | None, length: int = 11) -> str | None:
    """``*******4821`` for an 11-digit BVN/NIN of which only the last 4 are kept."""
    if not last4:
        return None
    return "*" * (length - len(last4)) + last4


def mask_phone(e164: str | None) -> str | None:
    """``+2348031234821`` → ``+234******4821``: country code and last 4 digits only."""
    if not e164:
        return None
    digits = e164.lstrip("+")
    cc = _country_code(digits)
    hidden = max(len(digits) - len(cc) - 4, 0)
    return f"+{cc}" + "*" * hidden + digits[-4:]


def _country_code(digits: str) -> str:
    if digits.startswith("234"):  # the common case, without loading phonenumbers' tables
        return "234"
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    for n in (1, 2, 3):  # calling codes are prefix-free
        if int(digits[:n]) in COUNTRY_CODE_TO_REGION_CODE:
            return digits[:n]
    return ""


def mask_dob(dob: date | None) -> str | None:
    """Year only: ``1985-**-**``."""
    return f"{dob.year:04d}-**-**" if dob else None


# --- re-encryption (key rotation) ----------------------------------------------
def reencrypt_member(old: Any, new: Any, member: Member) -> None:
    """Decrypt every PII field under ``old`` and store it again (and re-index) under ``new``."""
    values = {f: get_field(old, member, f) for f in PII_FIELDS}
    for f, v in values.items():
        if v is not None or f != "phone":
            set_field(new, member, f, v)
