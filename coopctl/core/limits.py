"""Input limits: the largest amount, the longest text, the largest import file.

One table, checked in the domain layer before anything is written, identical on
SQLite and PostgreSQL (docs/architecture.md, "Limits"):

- amounts: ``[money] max_amount`` (default 100,000,000,000.00) for every amount an
  operator or a file gives; :func:`coopctl.core.money.parse` refuses more (exit 2);
- text: every option of every command has a maximum length (:data:`OPTION_LIMITS`,
  else :data:`DEFAULT_OPTION_LIMIT`), checked before the command runs; every stored
  text column is checked again at flush (:func:`check_lengths`), so a service or an
  import can never hand the database a value it would truncate (SQLite) or refuse
  with a raw error (PostgreSQL);
- imports: ``[imports] max_file_bytes`` and ``max_errors`` (see coopctl.core.imports).

Pure: no SQLAlchemy import at module level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coopctl.core.errors import ValidationError

DEFAULT_MAX_AMOUNT = Decimal("100000000000.00")
DEFAULT_MAX_FILE_BYTES = 20_000_000
DEFAULT_MAX_ERRORS = 50


@dataclass(frozen=True)
class Limits:
    max_amount: Decimal = DEFAULT_MAX_AMOUNT
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_errors: int = DEFAULT_MAX_ERRORS


_current = Limits()


def current() -> Limits:
    return _current


def configure(**values: Any) -> None:
    """Set the limits in force (config load calls this, as it sets the rounding mode)."""
    global _current
    fields = {k: v for k, v in values.items() if v is not None}
    _current = Limits(**{**_current.__dict__, **fields})


# Longest text accepted per command-line option (characters). The stored column
# is at least this long; free text without a column limit is capped here too.
OPTION_LIMITS: dict[str, int] = {
    "--ref": 100,
    "--reference": 100,
    "--narration": 500,
    "--reason": 500,
    "--comment": 500,
    "--purpose": 500,
    "--memo": 200,
    "--key": 160,
    "--name": 200,
    "--first-name": 100,
    "--last-name": 100,
    "--other-names": 100,
    "--employer": 200,
    "--staff-no": 50,
    "--email": 254,
    "--address": 500,
    "--phone": 32,
    "--title": 200,
    "--search": 100,
    "--admin": 64,
    "--operator": 64,
    "--line": 100,
}
DEFAULT_OPTION_LIMIT = 200
# Positional arguments are identifiers (numbers, codes, user names) unless named here.
ARGUMENT_LIMITS: dict[str, int] = {"name": 200, "code": 20, "user": 64}
DEFAULT_ARGUMENT_LIMIT = 64

# Stored free text kept in unbounded (TEXT) columns: the domain maximum.
TEXT_COLUMN_LIMITS: dict[str, int] = {
    "narration": 500,
    "reason": 500,
    "rejected_reason": 500,
    "comment": 500,
    "purpose": 500,
    "address": 500,
    "kyc_note": 500,
    "decision_note": 500,
}
# Column → the option an operator types it with, to name the field in messages.
FIELD_OPTIONS: dict[str, str] = {
    "reference": "--ref",
    "idempotency_key": "--key",
    "client_key": "--key",
    "full_name": "--name",
    "first_name": "--first-name",
    "last_name": "--last-name",
    "other_names": "--other-names",
    "staff_no": "--staff-no",
}


# Parameters that name files or folders: bounded by the operating system, not here.
PATH_PARAMS = frozenset({"file", "files", "path", "paths", "folder", "dir", "directory", "output"})


def is_path_param(name: str | None) -> bool:
    return (name or "").lower() in PATH_PARAMS or (name or "").lower().endswith(("_file", "_path"))


def option_limit(opt: str, *, argument: bool = False) -> int:
    if argument:
        return ARGUMENT_LIMITS.get(opt, DEFAULT_ARGUMENT_LIMIT)
    return OPTION_LIMITS.get(opt, DEFAULT_OPTION_LIMIT)


def check_text(field: str, value: str | None, limit: int) -> None:
    """Refuse ``value`` longer than ``limit`` characters (exit 2, naming the field)."""
    if value is not None and len(value) > limit:
        raise ValidationError(
            f"{field}: {len(value)} characters; the limit is {limit}",
        )


def _limits_of(cls: type) -> tuple[tuple[str, str, int], ...]:
    """(attribute, column, limit) of every bounded text column of a mapped class
    (worked out once per class: a bulk flush checks tens of thousands of rows)."""
    cached = _LIMITS.get(cls)
    if cached is not None:
        return cached
    from sqlalchemy import String, Text, inspect

    mapper: Any = inspect(cls, raiseerr=False)
    out: list[tuple[str, str, int]] = []
    if mapper is not None:
        for col in mapper.columns:
            typ = col.type
            limit: int | None = None
            if isinstance(typ, String) and not isinstance(typ, Text) and typ.length:
                limit = typ.length
            elif isinstance(typ, Text):
                limit = TEXT_COLUMN_LIMITS.get(col.key)
            if limit is not None:
                out.append((mapper.get_property_by_column(col).key, col.key, limit))
    _LIMITS[cls] = tuple(out)
    return _LIMITS[cls]


_LIMITS: dict[type, tuple[tuple[str, str, int], ...]] = {}


def _too_long(cls: type, key: str, value: str, limit: int) -> ValidationError:
    name = FIELD_OPTIONS.get(key, key)
    return ValidationError(
        f"{name}: {len(value)} characters; the limit is {limit} ({cls.__name__}.{key})"
    )


def check_lengths(obj: Any) -> None:
    """Check every text column of a mapped object against its limit (flush time)."""
    cls = type(obj)
    for attr, key, limit in _limits_of(cls):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and len(value) > limit:
            raise _too_long(cls, key, value, limit)


def check_values(cls: type, values: Any) -> None:
    """:func:`check_lengths` for a row given as a mapping of attribute → value (bulk
    inserts that bypass the ORM's flush)."""
    for attr, key, limit in _limits_of(cls):
        value = values.get(attr)
        if isinstance(value, str) and len(value) > limit:
            raise _too_long(cls, key, value, limit)


def check_rows(cls: type, rows: Sequence[Mapping[str, Any]]) -> None:
    """:func:`check_values` for many rows at once, column by column (a bulk insert of
    200,000 members); on a value too long, the rows are checked one by one so the error
    is the one the first offending row raises."""
    for attr, _key, limit in _limits_of(cls):
        try:  # text or None: the longest, without a Python call per value
            longest = max(map(len, filter(None, [r.get(attr) for r in rows])), default=0)
        except TypeError:  # a value that is not text: check it as the flush would
            longest = limit + 1
        if longest > limit:
            for r in rows:
                check_values(cls, r)
