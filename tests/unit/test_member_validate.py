"""Member input validation (pure): every field, every problem named."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coopctl.core.errors import CheckDigitError, ValidationError
from coopctl.core.ids import make
from coopctl.members import validate
from coopctl.members.documents import sniff
from coopctl.members.errors import MemberFieldError
from coopctl.members.pii import mask_digits, mask_dob, mask_phone

TODAY = date(2026, 11, 28)
GOOD = {
    "first_name": "Adaeze",
    "last_name": "Okafor",
    "phone": "08031234821",
    "email": "adaeze@example.com",
    "dob": "1990-02-03",
    "bvn": "22212345678",
    "nin": "70012345678",
    "joined": "2026-01-15",
    "employer": "Federal Ministry of Health",
    "staff_no": "FMH/0042",
}


def run(**overrides: str | None) -> tuple[validate.MemberData | None, list[MemberFieldError]]:
    raw = {**GOOD, **overrides}
    return validate.validate_member(raw, today=TODAY, min_age=18)


def test_a_good_record_is_normalised() -> None:
    data, errors = run(phone="0803 123 4821", email="Adaeze@Example.COM")
    assert errors == []
    assert data is not None
    assert data.phone == "+2348031234821"
    assert data.email == "Adaeze@example.com"  # domain lower-cased, local part kept
    assert data.dob == date(1990, 2, 3)
    assert data.joined == date(2026, 1, 15)
    assert data.bvn == "22212345678"
    assert data.search_name == "adaeze okafor"


def test_join_date_defaults_to_the_business_date() -> None:
    data, _ = run(joined="")
    assert data is not None and data.joined == TODAY


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("bvn", "1234", "exactly 11 digits; got 4 digit(s)"),
        ("bvn", "1234567890a", "got 10 digit(s) and 1 other character(s)"),
        ("bvn", "123456789012", "exactly 11 digits; got 12"),
        ("bvn", "١٢٣٤٥٦٧٨٩٠١", "exactly 11 digits"),  # Arabic-Indic digits are not ASCII
        ("nin", "1234", "exactly 11 digits"),
        ("nin", "7001234567x", "1 other character"),
        ("phone", "12345", "not a valid NG phone number"),
        ("phone", "0803ABC4821", "not a phone number"),
        ("phone", "", "must not be empty"),
        ("email", "x@", "not an e-mail address"),
        ("email", "no-at-sign", "not an e-mail address"),
        ("dob", "2027-01-01", "in the future"),
        ("dob", "2010-05-05", "the minimum age is 18"),
        ("dob", "1890-01-01", "age over 120"),
        ("dob", "03/02/1990", "not a date"),
        ("joined", "2026-11-29", "after the business date"),
        ("joined", "2026-13-01", "not a date"),
        ("first_name", "", "must not be empty"),
        ("first_name", "   ", "must not be empty"),
        ("last_name", "", "must not be empty"),
        ("last_name", "Ok4for", "letters only"),
        ("first_name", "...", "has no letters"),
        ("first_name", "A" * 101, "longer than 100"),
        ("staff_no", "x" * 51, "longer than 50"),
    ],
)
def test_each_malformed_field_is_named(field: str, value: str, reason: str) -> None:
    data, errors = run(**{field: value})
    assert data is None
    assert [e.field for e in errors] == [f"--{field.replace('_', '-')}"]
    assert reason in errors[0].reason


def test_every_problem_of_a_record_is_reported_at_once() -> None:
    data, errors = run(first_name="", phone="12345", bvn="1234", email="x@", dob="2030-01-01")
    assert data is None
    assert {e.field for e in errors} == {"--first-name", "--phone", "--bvn", "--email", "--dob"}


def test_labels_are_the_callers_choice() -> None:
    _, errors = validate.validate_member(
        {**GOOD, "bvn": "1"}, today=TODAY, min_age=18, label=lambda f: f
    )
    assert errors[0].field == "bvn"
    assert str(errors[0]).startswith("bvn: ")


def test_min_age_is_checked_on_the_join_date() -> None:
    # 18 on 2026-03-01; joined the day before → 17 on the join date
    assert run(dob="2008-03-01", joined="2026-02-28")[0] is None
    assert run(dob="2008-03-01", joined="2026-03-01")[0] is not None


def test_empty_optional_fields_are_none() -> None:
    data, errors = run(email="", dob="", bvn=" ", nin="")
    assert errors == []
    assert data is not None
    assert (data.email, data.dob, data.bvn, data.nin) == (None, None, None, None)


def test_foreign_numbers_with_country_code_are_accepted() -> None:
    assert validate.phone("+44 7911 123456", "--phone") == "+447911123456"


def test_names_keep_accents_and_fold_for_search() -> None:
    assert validate.person_name("  Ọlá  Adé-Bámidélé ", "--first-name") == "Ọlá Adé-Bámidélé"
    assert validate.fold("Ọlá O'Brien") == "ola o'brien"


def test_member_number_check_digit() -> None:
    good = make("M", 42)
    assert validate.member_no(good.lower()) == good
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(CheckDigitError, match="invalid check digit"):
        validate.member_no(bad)
    with pytest.raises(ValidationError):
        validate.member_no("A00000428")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 1, 1)), st.integers(0, 40000))
def test_age_on_counts_whole_birthdays(dob: date, days: int) -> None:
    day = dob + timedelta(days=days)
    age = validate.age_on(dob, day)
    assert age >= 0

    # the last birthday is on or before ``day``; the next is after it
    def birthday(year: int) -> date:
        try:
            return dob.replace(year=year)
        except ValueError:  # 29 February in a common year: counts on 1 March
            return date(year, 3, 1)

    assert birthday(dob.year + age) <= day < birthday(dob.year + age + 1)


def test_masks_show_only_the_last_four() -> None:
    assert mask_phone("+2348031234821") == "+234******4821"
    assert mask_phone("+447911123456") == "+44******3456"
    assert mask_digits("5678") == "*******5678"
    assert mask_digits(None) is None
    assert mask_dob(date(1990, 2, 3)) == "1990-**-**"


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"GIF89a", "application/octet-stream"),
        (b"", "application/octet-stream"),
        (b"hello %PDF", "application/octet-stream"),
    ],
)
def test_document_types_are_sniffed_from_magic_bytes(head: bytes, mime: str) -> None:
    assert sniff(head) == mime


def _name_by_characters(value: str | None, field: str, *, required: bool = True) -> str:
    """``person_name`` checked character by character (the reference its letters-only
    shortcut must agree with)."""
    import unicodedata

    v = " ".join((value or "").split())
    if not v:
        if required:
            raise MemberFieldError(field, "must not be empty")
        return ""
    if len(v) > 100:
        raise MemberFieldError(field, "longer than 100 characters")
    bad = sorted({c for c in v if not (c.isalpha() or c in " -'’." or unicodedata.combining(c))})
    if bad:
        raise MemberFieldError(field, f"{v!r} contains {''.join(bad)!r}; names take letters only")
    if not any(c.isalpha() for c in v):
        raise MemberFieldError(field, f"{v!r} has no letters")
    return v


def _text_by_characters(value: str | None, field: str, *, max_len: int) -> str:
    import unicodedata

    v = " ".join((value or "").split())
    if len(v) > max_len:
        raise MemberFieldError(field, f"longer than {max_len} characters")
    if any(unicodedata.category(c).startswith("C") for c in v):
        raise MemberFieldError(field, "contains control characters")
    return v


def _outcome(fn: object, *args: object, **kw: object) -> tuple[str, str]:
    try:
        return "ok", fn(*args, **kw)  # type: ignore[operator]
    except MemberFieldError as exc:
        return "error", str(exc)


@given(st.text(max_size=120))
def test_name_and_text_shortcuts_agree_with_the_character_checks(text: str) -> None:
    """Names of letters only and printable text skip the per-character checks; on any
    text the result (value or error) is the character-by-character one."""
    for required in (True, False):
        assert _outcome(validate.person_name, text, "f", required=required) == _outcome(
            _name_by_characters, text, "f", required=required
        )
    assert _outcome(validate.plain_text, text, "f", max_len=50) == _outcome(
        _text_by_characters, text, "f", max_len=50
    )
