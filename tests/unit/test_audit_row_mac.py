"""The audit MAC computed with a keyed HMAC made once (``verify_chain`` over many rows)
equals the one made per row, and the payload is ``json.dumps`` of the fields."""

from __future__ import annotations

import hashlib
import hmac
import json

from coopctl.core.audit import KEYED, _payload, row_mac


def test_row_mac_with_a_prepared_key_is_the_same() -> None:
    key = b"k" * 32
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    for seq, fields in enumerate(
        [
            ("0" * 64, "2026-12-01T10:00:00.000000Z", "admin", "loan.repay", "loan", "L1", None,
             '{"amount":"1.00"}'),
            ("a" * 64, "2026-12-01T10:00:01.000001Z", "ọ̀pẹ́", "member.add", "member", "M2",
             '{"x":1}', None),
        ],
        start=1,
    ):  # fmt: skip
        assert row_mac(key, seq, *fields, keyed=keyed) == row_mac(key, seq, *fields)
        expected = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=False).encode()
        assert _payload(*fields) == expected
        msg = f"{KEYED}|{seq}|".encode() + expected
        assert row_mac(key, seq, *fields) == hmac.new(key, msg, hashlib.sha256).hexdigest()


def test_canonical_time_from_sqlite_text_equals_the_datetime_form() -> None:
    from datetime import UTC, datetime

    from coopctl.core.audit import _canonical_at, _canonical_text

    for text in ("2026-12-02 11:17:13.819667", "2026-01-01 00:00:00.000000",
                 "2026-12-02 11:17:13", "2026-12-02 11:17:13.5"):  # fmt: skip
        at = datetime.fromisoformat(text).replace(tzinfo=UTC)
        assert _canonical_text(text) == _canonical_at(at)
