"""Pure validation of member input: every field checked, every problem named.

No database here. :func:`validate_member` collects *all* problems of one
record (the CLI shows them together; the importer prefixes each with
``file:line``). Field labels are chosen by the caller: ``--bvn`` on the command
line, ``bvn`` in a CSV file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from coopctl.core import ids
from coopctl.members.errors import MemberFieldError

FIELDS = (
    "first_name",
    "last_name",
    "other_names",
    "phone",
    "email",
    "dob",
    "bvn",
    "nin",
    "joined",
    "employer",
    "staff_no",
    "address",
)
MAX_AGE = 120
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]+$")
_ELEVEN_DIGITS = re.compile(r"^[0-9]{11}$")
_NAME_PUNCT = set(" -'’.")


@dataclass(frozen=True)
class MemberData:
    """One member's input after validation (phone in E.164, dates parsed)."""

    first_name: str
    last_name: str
    phone: str
    joined: date
    other_names: str = ""
    email: str | None = None
    dob: date | None = None
    bvn: str | None = None
    nin: str | None = None
    employer: str = ""
    staff_no: str = ""
    address: str = ""

    @property
    def search_name(self) -> str:
        return search_name(self.first_name, self.last_name, self.other_names)


def search_name(first: str, last: str, other: str = "") -> str:
    """Lower-cased, accent-folded ``first last other`` used by ``members list --search``
    (at most 300 characters, the column's size: three names of 100 make 302)."""
    return fold(" ".join(p for p in (first, last, other) if p))[:300]


def fold(text: str) -> str:
    """Case- and accent-insensitive form of a name (``Ọlá`` → ``ola``)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


# --- single fields ------------------------------------------------------------
def person_name(value: str | None, field: str, *, required: bool = True) -> str:
    """Letters, spaces, hyphens, apostrophes and dots; at least one letter; ≤ 100 chars."""
    v = " ".join((value or "").split())
    if not v:
        if required:
            raise MemberFieldError(field, "must not be empty")
        return ""
    if len(v) > 100:
        raise MemberFieldError(field, "longer than 100 characters")
    if v.isalpha():  # letters only (most names): nothing below can refuse it
        return v
    bad = sorted(
        {c for c in v if not (c.isalpha() or c in _NAME_PUNCT or unicodedata.combining(c))}
    )
    if bad:
        raise MemberFieldError(field, f"{v!r} contains {''.join(bad)!r}; names take letters only")
    if not any(c.isalpha() for c in v):
        raise MemberFieldError(field, f"{v!r} has no letters")
    return v


def phone_formats(region: str) -> str:
    """What :func:`phone` accepts, in words, with real examples for ``region``."""
    import phonenumbers

    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if example is None:
        return "give the number in international form, e.g. +234 803 123 4567"
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    intl = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return (
        f"accepted: a {region} number as {national} or {intl}, or any number with its "
        "country code (+…); digits, spaces, '+', '-', '.', '(' and ')' only"
    )


def phone(value: str | None, field: str, *, region: str = "NG") -> str:
    """A valid phone number in E.164 (``08031234821`` → ``+2348031234821``)."""
    import phonenumbers

    v = (value or "").strip()
    if not v:
        raise MemberFieldError(field, "must not be empty")
    # the accepted formats are spelled out only in an error (building them costs more
    # than checking the number: a 50,000-line import checks 50,000 numbers)
    if not _PHONE_CHARS.match(v):
        raise MemberFieldError(field, f"{v!r} is not a phone number; {phone_formats(region)}")
    try:
        num = phonenumbers.parse(v, region)
    except phonenumbers.NumberParseException:
        raise MemberFieldError(
            field, f"{v!r} is not a phone number; {phone_formats(region)}"
        ) from None
    if not phonenumbers.is_valid_number(num):
        raise MemberFieldError(
            field, f"{v!r} is not a valid {region} phone number; {phone_formats(region)}"
        )
    return str(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))


def email(value: str | None, field: str) -> str | None:
    """A syntactically valid e-mail address (normalised), or None when empty."""
    v = (value or "").strip()
    if not v:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(v, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise MemberFieldError(field, f"{v!r} is not an e-mail address ({exc})") from None


def eleven_digits(value: str | None, field: str, what: str) -> str | None:
    """A BVN or NIN: exactly 11 ASCII digits, or None when empty."""
    v = (value or "").strip()
    if not v:
        return None
    if not _ELEVEN_DIGITS.match(v):
        digits = sum(c in "0123456789" for c in v)
        other = len(v) - digits
        got = f"{digits} digit(s)" + (f" and {other} other character(s)" if other else "")
        raise MemberFieldError(field, f"a {what} is exactly 11 digits; got {got}")
    return v


def a_date(value: str | None, field: str) -> date | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        if len(v) != 10:
            raise ValueError
        return date.fromisoformat(v)
    except ValueError:
        raise MemberFieldError(field, f"{v!r} is not a date (YYYY-MM-DD)") from None


def age_on(dob: date, day: date) -> int:
    """Whole years from ``dob`` to ``day`` (a 29 February birthday counts on 1 March)."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def join_date(joined: date, *, today: date, field: str) -> date:
    if joined > today:
        raise MemberFieldError(field, f"{joined} is after the business date {today}")
    return joined


def date_of_birth(dob: date, *, joined: date, today: date, min_age: int, field: str) -> date:
    """Not in the future, at least ``min_age`` on the join date, not implausibly old."""
    if dob > today:
        raise MemberFieldError(field, f"{dob} is in the future")
    age = age_on(dob, joined)
    if age < min_age:
        raise MemberFieldError(
            field,
            f"member is {max(age, 0)} on the join date {joined}; the minimum age is {min_age}",
        )
    if age_on(dob, today) > MAX_AGE:
        raise MemberFieldError(field, f"{dob} means an age over {MAX_AGE}")
    return dob


def plain_text(value: str | None, field: str, *, max_len: int) -> str:
    v = " ".join((value or "").split())
    if len(v) > max_len:
        raise MemberFieldError(field, f"longer than {max_len} characters")
    if v.isprintable():  # no character of a category C* (control, format, unassigned…)
        return v
    if any(unicodedata.category(c).startswith("C") for c in v):
        raise MemberFieldError(field, "contains control characters")
    return v


def member_no(value: str, field: str = "MEMBER_NO") -> str:
    """Normalise a member number and verify its check digit (exit 2 when wrong)."""
    return ids.check(value, "M", field=field)


# --- a whole record ----------------------------------------------------------
def _cli_label(name: str) -> str:
    return "--" + name.replace("_", "-")


def validate_fields(
    raw: Mapping[str, str | None],
    *,
    today: date,
    min_age: int,
    region: str = "NG",
    label: Callable[[str], str] = _cli_label,
) -> tuple[dict[str, Any], list[MemberFieldError]]:
    """Validate each field of a record of raw strings: (the fields that passed, problems)."""
    errors: list[MemberFieldError] = []
    out: dict[str, Any] = {}

    def run(name: str, fn: Callable[[], object]) -> None:
        try:
            out[name] = fn()
        except MemberFieldError as exc:
            errors.append(exc)

    unknown = set(raw) - set(FIELDS)
    if unknown:  # a programming error, not operator input
        raise AssertionError(f"unknown member fields {sorted(unknown)}")
    get = raw.get
    run("first_name", lambda: person_name(get("first_name"), label("first_name")))
    run("last_name", lambda: person_name(get("last_name"), label("last_name")))
    run(
        "other_names",
        lambda: person_name(get("other_names"), label("other_names"), required=False),
    )
    run("phone", lambda: phone(get("phone"), label("phone"), region=region))
    run("email", lambda: email(get("email"), label("email")))
    run("bvn", lambda: eleven_digits(get("bvn"), label("bvn"), "BVN"))
    run("nin", lambda: eleven_digits(get("nin"), label("nin"), "NIN"))
    run("employer", lambda: plain_text(get("employer"), label("employer"), max_len=200))
    run("staff_no", lambda: plain_text(get("staff_no"), label("staff_no"), max_len=50))
    run("address", lambda: plain_text(get("address"), label("address"), max_len=500))

    def _joined() -> date:
        d = a_date(get("joined"), label("joined")) or today
        return join_date(d, today=today, field=label("joined"))

    run("joined", _joined)
    joined = out.get("joined")
    ref = joined if isinstance(joined, date) else today

    def _dob() -> date | None:
        d = a_date(get("dob"), label("dob"))
        if d is None:
            return None
        return date_of_birth(d, joined=ref, today=today, min_age=min_age, field=label("dob"))

    run("dob", _dob)
    return out, errors


def validate_member(
    raw: Mapping[str, str | None],
    *,
    today: date,
    min_age: int,
    region: str = "NG",
    label: Callable[[str], str] = _cli_label,
) -> tuple[MemberData | None, list[MemberFieldError]]:
    """Validate a record of raw strings; returns (data, []) or (None, every problem)."""
    out, errors = validate_fields(raw, today=today, min_age=min_age, region=region, label=label)
    if errors:
        return None, errors
    return MemberData(**out), []
