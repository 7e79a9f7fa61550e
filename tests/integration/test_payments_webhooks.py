"""Gateway webhooks through real HTTP requests to the receiver on loopback, on both
databases: signatures, replays, malformed and oversized bodies, slow clients, unknown
payers, refunds — and the issue's "done when"."""

from __future__ import annotations

import json
import logging
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Coop
from tests.integration.payments_support import (
    FLW_HASH,
    PAYSTACK_KEY,
    balance,
    member_account,
    paystack_charge,
    post_paystack,
    receiver,
    sign,
)

FIX = Path(__file__).parents[1] / "fixtures" / "payments"


def test_done_when_paystack_twice_credits_once(coop: Coop) -> None:
    """A charge.success of 1,000,000 kobo naming the member's savings account, sent
    twice with a valid signature, credits 10,000.00 once; a bad signature gets 401 and
    credits nothing."""
    acct = member_account(coop)
    body = paystack_charge("PSK-1001", 1_000_000, {"account_no": acct}, tx_id=9001)
    with receiver(coop) as (base, _):
        first, second = post_paystack(base, body), post_paystack(base, body)
        assert (first.status_code, first.json()) == (200, {"status": "stored"})
        assert (second.status_code, second.json()) == (200, {"status": "duplicate"})
        forged = paystack_charge("PSK-1002", 1_000_000, {"account_no": acct}, tx_id=9002)
        bad = post_paystack(base, forged, signature=sign(forged, "sk_wrong"))
        assert bad.status_code == 401
        assert post_paystack(base, forged, signature="").status_code == 401
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
    assert balance(coop, acct) == "0.00"  # nothing applied inside the request
    out = coop.ok("payments", "process")
    assert (out["events"], out["applied"]) == (1, 1)
    assert balance(coop, acct) == "10000.00"
    again = coop.ok("payments", "process")
    assert again["events"] == 0
    assert balance(coop, acct) == "10000.00"
    rows = coop.ok("payments", "list")
    assert [
        {k: r[k] for k in ("provider", "reference", "amount", "currency", "status", "account_no")}
        for r in rows
    ] == [
        {
            "provider": "paystack",
            "reference": "PSK-1001",
            "amount": "10000.00",
            "currency": "NGN",
            "status": "applied",
            "account_no": acct,
        }
    ]
    shown = coop.ok("payments", "show", rows[0]["id"])
    assert set(shown) >= {
        "id",
        "provider",
        "reference",
        "amount",
        "currency",
        "status",
        "account_no",
    }


def test_done_when_flutterwave_hash(coop: Coop) -> None:
    """charge.completed with the right verif-hash credits once (applied by the worker
    right after receipt); a wrong hash gets 401."""
    acct = member_account(coop)
    body = json.dumps(
        {
            "event": "charge.completed",
            "data": {
                "id": 4455,
                "tx_ref": "FLW-77",
                "amount": 2500.5,
                "currency": "NGN",
                "status": "successful",
                "created_at": "2026-03-10T09:00:00.000Z",
                "meta": {"account_no": acct},
            },
        }
    ).encode()
    url_headers = {"content-type": "application/json"}
    with receiver(coop, worker=True) as (base, _):
        wrong = httpx.post(
            f"{base}/webhooks/flutterwave",
            content=body,
            headers={**url_headers, "verif-hash": FLW_HASH + "x"},
        )
        assert wrong.status_code == 401
        for _ in range(2):
            ok = httpx.post(
                f"{base}/webhooks/flutterwave",
                content=body,
                headers={**url_headers, "verif-hash": FLW_HASH},
            )
            assert ok.status_code == 200
        deadline = time.monotonic() + 15
        while balance(coop, acct) != "2500.50":
            assert time.monotonic() < deadline, "the worker did not apply the payment"
            time.sleep(0.2)
    assert coop.ok("payments", "process")["events"] == 0
    assert balance(coop, acct) == "2500.50"


def test_documented_payload_unknown_payer_goes_to_suspense_and_is_assigned(coop: Coop) -> None:
    """Paystack's documented charge.success (100.00 in kobo, no metadata) signed over its
    exact bytes: stored, processed into suspense, listed for review, then assigned to a
    member's account through the approvals engine (maker admin, checker accountant1)."""
    raw = (FIX / "paystack_charge_success.json").read_bytes()
    acct = member_account(coop)
    with receiver(coop) as (base, _):
        assert post_paystack(base, raw).status_code == 200
    out = coop.ok("payments", "process")
    assert (out["applied"], out["suspense"]) == (0, 1)
    review = coop.ok("payments", "list", "--review")
    assert [(r["reference"], r["amount"], r["status"]) for r in review] == [
        ("qTPrJoy9Bx", "100.00", "suspense")
    ]
    assert "unknown payer" in review[0]["reason"]
    pid = review[0]["id"]
    asked = coop.ok("payments", "assign", pid, "--account", acct)
    assert asked["status"] == "assigning" and asked["approval"]
    assert balance(coop, acct) == "0.00"
    coop.ok("approvals", "approve", asked["approval"], operator="accountant1")
    assert balance(coop, acct) == "100.00"
    assert coop.ok("payments", "list", "--review") == []
    rep = coop.ok("payments", "report", "--from", "2016-09-01", "--to", coop.today)
    assert (rep["received"], rep["applied"], rep["in_suspense"]) == ("100.00", "100.00", "0.00")
    assert rep["outstanding_in_clearing"] == "100.00"


def test_malformed_oversize_and_slow(coop: Coop) -> None:
    """Malformed JSON with a valid signature: 400; a body over the limit: 413; a client
    that stops sending its body: 408 after the body time-out; nothing stored."""
    with receiver(coop, max_body_bytes=2048, body_timeout_seconds=1) as (base, _):
        bad = b'{"event": "charge.success", "data": '
        assert post_paystack(base, bad).status_code == 400
        assert post_paystack(base, b"[1, 2]").status_code == 400
        big = paystack_charge("PSK-BIG", 100, {"pad": "x" * 4000})
        assert post_paystack(base, big).status_code == 413
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(
                b"POST /webhooks/paystack HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n"
                b'x-paystack-signature: 00\r\n\r\n{"event"'
            )
            started = time.monotonic()
            reply = s.recv(200)
            assert reply.startswith(b"HTTP/1.1 408"), reply
            assert time.monotonic() - started < 8
    assert coop.ok("payments", "process")["events"] == 0


def test_refund_posts_contra(coop: Coop) -> None:
    """A refund.processed of an applied charge takes the money back from the account
    and out of clearing (contra entry); a replay of the refund changes nothing."""
    acct = member_account(coop)
    with receiver(coop) as (base, _):
        post_paystack(base, paystack_charge("PSK-R1", 500_000, {"account_no": acct}, tx_id=1))
        coop.ok("payments", "process")
        assert balance(coop, acct) == "5000.00"
        refund = json.dumps(
            {
                "event": "refund.processed",
                "data": {
                    "id": 77,
                    "transaction_reference": "PSK-R1",
                    "amount": 200_000,
                    "currency": "NGN",
                    "status": "processed",
                },
            }
        ).encode()
        assert post_paystack(base, refund).status_code == 200
        assert post_paystack(base, refund).json() == {"status": "duplicate"}
    out = coop.ok("payments", "process")
    assert out["refund"] == 1
    assert balance(coop, acct) == "3000.00"
    rep = coop.ok("payments", "report", "--from", "2026-03-01", "--to", coop.today)
    assert (rep["refunded"], rep["outstanding_in_clearing"]) == ("2000.00", "3000.00")


def test_rate_limit_header_timeout_and_quiet_logs(
    coop: Coop, caplog: pytest.LogCaptureFixture
) -> None:
    """A source over its rate gets 429; a connection that never finishes its headers is
    closed after the header time-out; a bad signature is logged without body or secret."""
    caplog.set_level(logging.INFO, logger="coopctl.payments")
    body = paystack_charge("PSK-SECRET-BODY", 100, {"account_no": "A1"}, tx_id=3)
    with receiver(coop, rate_limit_per_minute=3, header_timeout_seconds=1) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /webhooks/paystack HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            assert s.recv(100) == b""  # closed by the receiver
            assert time.monotonic() - started < 8
        codes = [post_paystack(base, body, signature="0" * 128).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
    logged = caplog.text
    assert "bad signature" in logged and "rate limit" in logged
    assert "PSK-SECRET-BODY" not in logged and PAYSTACK_KEY not in logged


def test_unknown_account_goes_to_suspense_through_the_job_step(coop: Coop) -> None:
    """metadata naming an account that does not exist: the nightly step
    payments.process puts the payment in suspense (Dr 1130 / Cr 2900) with the reason;
    running the step again changes nothing."""
    with receiver(coop) as (base, _):
        body = paystack_charge("PSK-NOACCT", 420_000, {"account_no": "A9999999999"}, tx_id=44)
        assert post_paystack(base, body).status_code == 200
    coop.ok("jobs", "run", "payments.process")
    review = coop.ok("payments", "list", "--review")
    assert [(r["reference"], r["amount"], r["account_no"]) for r in review] == [
        ("PSK-NOACCT", "4200.00", "")
    ]
    assert "A9999999999" in review[0]["reason"]
    coop.ok("jobs", "run", "payments.process")
    assert len(coop.ok("payments", "list")) == 1
    rep = coop.ok("payments", "report", "--from", "2026-03-01", "--to", coop.today)
    assert (rep["in_suspense"], rep["outstanding_in_clearing"]) == ("4200.00", "4200.00")


def test_concurrent_replays_store_one_event_and_credit_once(coop: Coop) -> None:
    """The gateway retrying the same event on several connections at once: one event is
    stored, every request is answered 200, the member is credited once."""
    from concurrent.futures import ThreadPoolExecutor

    acct = member_account(coop)
    body = paystack_charge("PSK-RACE", 123_400, {"account_no": acct}, tx_id=77)
    with receiver(coop) as (base, _), ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: post_paystack(base, body), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert sorted(a.json()["status"] for a in answers).count("stored") == 1
    assert coop.ok("payments", "process")["events"] == 1
    assert balance(coop, acct) == "1234.00"
