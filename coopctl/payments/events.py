"""Pure webhook logic (no database): signatures, the one amount conversion, and the
provider events brought to one shape.

Paystack sends amounts in kobo (integers), Flutterwave in naira (decimal numbers);
:func:`to_naira` is the one conversion both go through.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

PROVIDERS = ("paystack", "flutterwave")
MAX_AMOUNT_KOBO = 10**15  # 10 trillion naira: beyond anything real, refused


class EventError(ValueError):
    """An event body that is JSON but not an event we can read (names the field)."""


def to_naira(value: Any, *, provider: str) -> Decimal:
    """The amount in naira of a provider amount: Paystack kobo (an integer, never a
    fraction of a kobo), Flutterwave naira (at most two decimals). Booleans, floats
    that are not exact, negatives, NaN and absurd sizes are refused."""
    if isinstance(value, bool) or value is None:
        raise EventError(f"amount: {value!r} is not an amount")
    if provider == "paystack":
        if isinstance(value, float):
            if not value.is_integer():
                raise EventError(f"amount: {value!r} kobo is not a whole number")
            value = int(value)
        if isinstance(value, str):
            if not value.strip().isdigit():
                raise EventError(f"amount: {value!r} kobo is not a whole number")
            value = int(value.strip())
        if not isinstance(value, int) or value < 0 or value > MAX_AMOUNT_KOBO:
            raise EventError(f"amount: {value!r} is not a kobo amount")
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    if provider == "flutterwave":
        try:
            d = Decimal(str(value)) if not isinstance(value, Decimal) else value
        except InvalidOperation:
            raise EventError(f"amount: {value!r} is not a naira amount") from None
        if not d.is_finite() or d < 0 or d * 100 > MAX_AMOUNT_KOBO:
            raise EventError(f"amount: {value!r} is not a naira amount")
        if d != d.quantize(Decimal("0.01")):
            raise EventError(f"amount: {value!r} has fractions of a kobo")
        return d.quantize(Decimal("0.01"))
    raise EventError(f"provider: {provider!r} is unknown")


def to_kobo(amount: Decimal) -> int:
    """Naira → kobo for the Paystack API (exact; two decimals at most)."""
    if amount != amount.quantize(Decimal("0.01")):
        raise EventError(f"amount: {amount} has fractions of a kobo")
    return int(amount * 100)


def paystack_signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    """``x-paystack-signature`` is the hex HMAC-SHA512 of the raw body with the secret
    key; compared in constant time."""
    if not header or not secret:
        return False
    want = hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()
    return hmac.compare_digest(want.encode(), header.strip().lower().encode())


def paystack_sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def flutterwave_hash_ok(header: str | None, secret_hash: str) -> bool:
    """``verif-hash`` must equal the configured secret hash (constant time)."""
    if not header or not secret_hash:
        return False
    return hmac.compare_digest(header.encode(), secret_hash.encode())


@dataclass
class Event:
    """A provider event in one shape. ``kind``: charge | refund | other."""

    provider: str
    event_type: str
    event_id: str
    kind: str
    reference: str = ""
    tx_id: str = ""
    amount: Decimal = Decimal("0")
    currency: str = ""
    success: bool = False
    paid_on: date | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    fee: Decimal = Decimal("0")


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a body; anything else is an ``EventError``."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"body: not JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise EventError("body: not a JSON object")
    return data


def _s(value: Any, limit: int = 100) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    text = "".join(ch for ch in str(value) if ch.isprintable())
    return text.strip()[:limit]


def _day(value: Any) -> date | None:
    text = _s(value, 40)
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _meta(raw: Any) -> dict[str, str]:
    """account_no / member_no / loan_no from metadata (top level or Paystack
    custom_fields ``variable_name``)."""
    out: dict[str, str] = {}
    if isinstance(raw, str) and raw.startswith("{") and len(raw) < 10000:
        try:  # some integrations send metadata as a JSON string
            raw = json.loads(raw)
        except ValueError:
            return out
    if not isinstance(raw, dict):
        return out
    for k in ("account_no", "member_no", "loan_no"):
        if _s(raw.get(k)):
            out[k] = _s(raw.get(k), 20).upper()
    fields = raw.get("custom_fields")
    if isinstance(fields, list):
        for f in fields:
            if isinstance(f, dict) and f.get("variable_name") in (
                "account_no",
                "member_no",
                "loan_no",
            ):
                out.setdefault(str(f["variable_name"]), _s(f.get("value"), 20).upper())
    return out


def event_id(provider: str, data: dict[str, Any]) -> str:
    """The dedup key of an event: its type and the provider's transaction (or refund) id,
    else its reference."""
    typ = _s(data.get("event") or data.get("event.type"), 60)
    raw = data.get("data")
    body: dict[str, Any] = raw if isinstance(raw, dict) else {}
    ident = _s(body.get("id"), 60) or _s(body.get("reference") or body.get("tx_ref"), 100)
    if not typ or not ident:
        raise EventError("event: no event type or transaction id")
    return f"{typ}:{ident}"


def normalize(provider: str, data: dict[str, Any]) -> Event:
    """One provider event → :class:`Event` (raises ``EventError`` naming the field)."""
    eid = event_id(provider, data)
    typ = eid.split(":", 1)[0]
    d = data.get("data") if isinstance(data.get("data"), dict) else {}
    assert isinstance(d, dict)
    ev = Event(provider, typ, eid, "other")
    if provider == "paystack":
        if typ == "charge.success":
            ev.kind = "charge"
            ev.reference = _s(d.get("reference"))
            ev.success = _s(d.get("status")) == "success"
            ev.paid_on = _day(d.get("paid_at") or d.get("paidAt") or d.get("created_at"))
            ev.metadata = _meta(d.get("metadata"))
            if isinstance(d.get("fees"), int):
                ev.fee = to_naira(d["fees"], provider=provider)
        elif typ in ("refund.processed", "charge.dispute.resolve"):
            ev.kind = "refund"
            tx = d.get("transaction") if isinstance(d.get("transaction"), dict) else {}
            assert isinstance(tx, dict)
            ev.reference = _s(d.get("transaction_reference") or tx.get("reference"))
            ev.success = True
            ev.paid_on = _day(d.get("updated_at") or d.get("created_at"))
            if typ == "charge.dispute.resolve" and _s(d.get("resolution")) != "merchant-accepted":
                ev.success = False  # lost by the merchant only when accepted or declined
        else:
            return ev
        amount = d.get("refund_amount", d.get("amount")) if ev.kind == "refund" else d.get("amount")
    elif provider == "flutterwave":
        if typ == "charge.completed":
            ev.kind = "charge"
            ev.reference = _s(d.get("tx_ref"))
            ev.success = _s(d.get("status")) == "successful"
            ev.paid_on = _day(d.get("created_at"))
            ev.metadata = _meta(d.get("meta") or data.get("meta_data"))
            if d.get("app_fee") is not None:
                ev.fee = to_naira(d.get("app_fee"), provider=provider)
        elif typ in ("refund.completed", "chargeback.completed"):
            ev.kind = "refund"
            ev.reference = _s(d.get("tx_ref") or d.get("flw_ref"))
            ev.success = True
            ev.paid_on = _day(d.get("created_at"))
        else:
            return ev
        amount = (
            d.get("amount_refunded", d.get("amount")) if ev.kind == "refund" else d.get("amount")
        )
    else:
        raise EventError(f"provider: {provider!r} is unknown")
    if not ev.reference:
        raise EventError("data.reference: missing")
    ev.tx_id = _s(d.get("id"), 60)
    ev.amount = to_naira(amount, provider=provider)
    ev.currency = _s(d.get("currency"), 3).upper()
    return ev
