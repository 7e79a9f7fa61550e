"""Pure webhook logic: the one kobo/naira conversion at its edges, signatures and
event shapes (hostile input included)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from coopctl.payments.events import (
    MAX_AMOUNT_KOBO,
    EventError,
    flutterwave_hash_ok,
    normalize,
    parse_body,
    paystack_sign,
    paystack_signature_ok,
    to_kobo,
    to_naira,
)

FIX = Path(__file__).parents[1] / "fixtures" / "payments"


@pytest.mark.parametrize(
    ("value", "naira"),
    [
        (0, "0.00"),
        (1, "0.01"),
        (99, "0.99"),
        (100, "1.00"),
        (1_000_000, "10000.00"),
        (MAX_AMOUNT_KOBO, "10000000000000.00"),
        ("250", "2.50"),
        (150.0, "1.50"),
    ],
)
def test_paystack_kobo(value: object, naira: str) -> None:
    assert to_naira(value, provider="paystack") == Decimal(naira)


@pytest.mark.parametrize(
    "value", [-1, 0.5, 1.25, True, None, "1.5", "", "12a", MAX_AMOUNT_KOBO + 1, [1], float("nan")]
)
def test_paystack_kobo_refused(value: object) -> None:
    with pytest.raises(EventError):
        to_naira(value, provider="paystack")


@pytest.mark.parametrize(
    ("value", "naira"),
    [
        (0, "0.00"),
        (0.01, "0.01"),
        (2500.5, "2500.50"),
        ("10000", "10000.00"),
        (99999.99, "99999.99"),
        ("1e3", "1000.00"),
    ],
)
def test_flutterwave_naira(value: object, naira: str) -> None:
    assert to_naira(value, provider="flutterwave") == Decimal(naira)


@pytest.mark.parametrize(
    "value", [0.001, "1.005", -0.01, "abc", "NaN", "Infinity", True, None, "1e20"]
)
def test_flutterwave_naira_refused(value: object) -> None:
    with pytest.raises(EventError):
        to_naira(value, provider="flutterwave")


def test_round_trip_kobo() -> None:
    for kobo in (0, 1, 99, 100, 123_456_789):
        assert to_kobo(to_naira(kobo, provider="paystack")) == kobo
    with pytest.raises(EventError):
        to_kobo(Decimal("1.001"))


def test_signatures() -> None:
    body = (FIX / "paystack_charge_success.json").read_bytes()
    sig = paystack_sign(body, "sk")
    assert paystack_signature_ok(body, sig, "sk")
    assert paystack_signature_ok(body, sig.upper(), "sk")
    assert not paystack_signature_ok(body + b" ", sig, "sk")
    assert not paystack_signature_ok(body, sig, "other")
    assert not paystack_signature_ok(body, None, "sk")
    assert not paystack_signature_ok(body, sig, "")  # no secret configured: never valid
    assert flutterwave_hash_ok("h", "h") and not flutterwave_hash_ok("h ", "h")
    assert not flutterwave_hash_ok("", "") and not flutterwave_hash_ok(None, "h")


def test_documented_payload() -> None:
    ev = normalize("paystack", parse_body((FIX / "paystack_charge_success.json").read_bytes()))
    assert (ev.kind, ev.reference, ev.amount, ev.currency, ev.success) == (
        "charge",
        "qTPrJoy9Bx",
        Decimal("100.00"),
        "NGN",
        True,
    )
    assert ev.event_id == "charge.success:302961" and ev.metadata == {}
    assert str(ev.paid_on) == "2016-09-30"


def test_hostile_and_malformed() -> None:
    for raw in (b"", b"[]", b"{", b"\xff\xfe", b'"x"'):
        with pytest.raises(EventError):
            parse_body(raw)
    with pytest.raises(EventError):
        normalize("paystack", {"event": "charge.success"})
    body = {
        "event": "charge.success",
        "data": {
            "id": 1,
            "reference": "[/bold]\x1b[31mR",
            "amount": 100,
            "currency": "ngn",
            "metadata": {"account_no": "a1\x00"},
        },
    }
    ev = normalize("paystack", json.loads(json.dumps(body)))
    assert ev.reference == "[/bold][31mR" and ev.metadata == {"account_no": "A1"}
    assert ev.currency == "NGN"
    other = normalize("paystack", {"event": "transfer.success", "data": {"id": 3}})
    assert other.kind == "other"


def test_metadata_as_json_string_and_custom_fields() -> None:
    base = {"id": 5, "reference": "R", "amount": 100, "currency": "NGN", "status": "success"}
    as_text = {**base, "metadata": '{"member_no": "m00000001"}'}
    ev = normalize("paystack", {"event": "charge.success", "data": as_text})
    assert ev.metadata == {"member_no": "M00000001"}
    fields = {
        **base,
        "metadata": {
            "custom_fields": [
                {"display_name": "Loan", "variable_name": "loan_no", "value": "l00000002"}
            ]
        },
    }
    ev = normalize("paystack", {"event": "charge.success", "data": fields})
    assert ev.metadata == {"loan_no": "L00000002"}
    broken = {**base, "metadata": "{not json"}
    assert normalize("paystack", {"event": "charge.success", "data": broken}).metadata == {}
