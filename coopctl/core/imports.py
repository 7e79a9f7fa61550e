"""Duplicate guards shared by every importer that carries a bank reference.

An imported file is refused or flagged in three ways, in this order:

1. the same bytes again (SHA-256 of the file): refused;
2. the same **(bank, reference)** again: refused, naming the first import. The
   reference is the bank's id of the receipt, so a file re-saved with other line
   ends, a BOM or other quoting is caught whatever its bytes. References compare
   after :func:`reference_key` (trimmed, inner blanks collapsed, upper case);
3. the same **content** (:func:`content_fingerprint` of the parsed, normalised
   lines) under another reference: allowed — a monthly payroll legitimately repeats —
   but the caller warns and records which import it repeats.

:func:`refuse_repeat` (1 and 2, before parsing) and :func:`same_content` (3, after
parsing) work on any import table with the columns ``id``, ``file_sha256``,
``bank_code``, ``reference_key`` and ``content_sha256`` (check-off imports today; bank
statements may reuse them). The pure helpers import no
SQLAlchemy; the query helper imports it inside.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from coopctl.core.errors import DuplicateImportError

_BLANKS = re.compile(r"\s+")


def reference_key(ref: str) -> str:
    """The comparable form of a bank reference: ``" nov  payroll "`` → ``"NOV PAYROLL"``."""
    return _BLANKS.sub(" ", ref.strip()).upper()


def bank_key(bank: str) -> str:
    return bank.strip().upper()


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return str(int(v.scaleb(2)))  # exact kobo: 12500, 12500.0 and 12,500.00 agree
    return _BLANKS.sub(" ", str(v).strip()).upper()


def content_fingerprint(rows: Iterable[Sequence[object]]) -> str:
    """SHA-256 over the normalised rows, order-free (a file sorted differently is the
    same content). Amounts (Decimal) count as exact kobo; text is trimmed and upper-cased."""
    canon = sorted("\x1f".join(_cell(v) for v in row) for row in rows)
    return hashlib.sha256("\x1e".join(canon).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class DuplicateCheck:
    """What :func:`same_content` found: nothing, or an earlier import with the same
    content under another reference (the import goes ahead with a warning)."""

    same_content_id: int | None = None
    warning: str | None = None


def refuse_repeat(
    uow: Any,
    model: Any,
    *,
    what: str,
    sha256: str,
    bank: str,
    reference: str,
    describe: Callable[[Any], str],
) -> None:
    """Refuse (DuplicateImportError) the same file or the same (bank, reference).
    ``describe(row)`` names an earlier import for the operator (date, file, entry)."""
    from sqlalchemy import select

    s = uow.session
    same_file = s.scalars(select(model).where(model.file_sha256 == sha256)).first()
    if same_file is not None:
        raise DuplicateImportError(
            f"{what}: this file (sha256 {sha256[:12]}…) was already imported as "
            f"{describe(same_file)}; nothing imported"
        )
    same_ref = s.scalars(
        select(model).where(
            model.bank_code == bank_key(bank), model.reference_key == reference_key(reference)
        )
    ).first()
    if same_ref is not None:
        raise DuplicateImportError(
            f"{what}: bank {bank_key(bank)} reference {reference.strip()!r} was already "
            f"imported as {describe(same_ref)}; nothing imported"
        )


def same_content(
    uow: Any,
    model: Any,
    *,
    what: str,
    fingerprint: str,
    reference: str,
    describe: Callable[[Any], str],
) -> DuplicateCheck:
    """An earlier import whose lines equal these (same fingerprint), if any; the caller
    posts anyway, prints the warning and records it."""
    from sqlalchemy import select

    earlier = uow.session.scalars(
        select(model).where(model.content_sha256 == fingerprint).order_by(model.id)
    ).first()
    if earlier is None:
        return DuplicateCheck()
    return DuplicateCheck(
        earlier.id,
        f"warning: the lines of {what} equal those of {describe(earlier)}; "
        f"posted anyway under reference {reference.strip()!r}",
    )
