"""How a journal entry is shown after a posting command (shared by ``postings``, the
teller commands and anything else that posts one entry)."""

from __future__ import annotations

from coopctl.cli.common import emit

LINE_COLS = ["gl_code", "account_no", "debit", "credit", "memo"]


def show_entry(entry: object, fmt: str, *, created: bool = True) -> None:
    from coopctl.ledger.posting import entry_as_dict

    data = entry_as_dict(entry)  # type: ignore[arg-type]
    if not created:
        data["note"] = "already posted under this idempotency key; nothing new"
    emit(data, fmt, rows_key="lines", columns=LINE_COLS)
