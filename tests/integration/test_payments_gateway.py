"""Payment requests and verification against a loopback server answering as the
providers' documented APIs do (no test reaches the internet); loan repayments by
gateway; amount mismatch and foreign currency to review; the doctor's secret check."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from tests.conftest import Coop
from tests.integration.loans_support import active_loan, cast, gl, show
from tests.integration.payments_support import (
    balance,
    free_port,
    member_account,
    paystack_charge,
    post_paystack,
    receiver,
)

KEY = "sk_test_api"


@contextmanager
def fake_provider(paid: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Paystack's /transaction/initialize and /transaction/verify/:reference and
    Flutterwave's /payments and /transactions/verify_by_reference; the first call answers
    502 once (the client retries). ``paid`` overrides what verify reports."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] = {}

    async def init(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return JSONResponse({"status": False, "message": "Invalid key"}, status_code=401)
        body = await request.json()
        calls.append(body)
        if len(calls) == 1:
            return JSONResponse({"status": False, "message": "bad gateway"}, status_code=502)
        ref = body.get("reference") or body.get("tx_ref")
        seen[ref] = body
        if "tx_ref" in body:
            return JSONResponse(
                {
                    "status": "success",
                    "message": "Hosted Link",
                    "data": {"link": f"https://checkout.flutterwave.com/{ref}"},
                }
            )
        return JSONResponse(
            {
                "status": True,
                "message": "Authorization URL created",
                "data": {
                    "authorization_url": f"https://checkout.paystack.com/{ref}",
                    "access_code": "ac",
                    "reference": ref,
                },
            }
        )

    async def verify_ps(request: Request) -> JSONResponse:
        ref = request.path_params["reference"]
        asked = seen[ref]
        data = {
            "id": 8811,
            "reference": ref,
            "amount": int(asked["amount"]),
            "currency": "NGN",
            "status": "success",
            "paid_at": "2026-11-28T10:00:00Z",
            "metadata": asked["metadata"],
            **paid,
        }
        return JSONResponse({"status": True, "message": "Verification successful", "data": data})

    async def verify_flw(request: Request) -> JSONResponse:
        ref = request.query_params["tx_ref"]
        asked = seen[ref]
        data = {
            "id": 9911,
            "tx_ref": ref,
            "amount": float(asked["amount"]),
            "currency": "NGN",
            "status": "successful",
            "meta": asked["meta"],
            "created_at": "2026-11-28T10:00:00Z",
            **paid,
        }
        return JSONResponse({"status": "success", "message": "Transaction fetched", "data": data})

    app = Starlette(
        routes=[
            Route("/transaction/initialize", init, methods=["POST"]),
            Route("/transaction/verify/{reference}", verify_ps),
            Route("/payments", init, methods=["POST"]),
            Route("/transactions/verify_by_reference", verify_flw),
        ]
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    )
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", calls
    finally:
        server.should_exit = True
        t.join(10)


def _env(base: str) -> dict[str, str]:
    return {
        "COOPCTL_PAYSTACK_SECRET_KEY": KEY,
        "COOPCTL_FLUTTERWAVE_SECRET_KEY": KEY,
        "COOPCTL_PAYMENTS__PAYSTACK_BASE_URL": base,
        "COOPCTL_PAYMENTS__FLUTTERWAVE_BASE_URL": base,
    }


def test_request_then_verify_applies_the_payment(coop: Coop) -> None:
    """request → checkout link (after one retried 502, amount sent in kobo); the member
    pays; verify finds success, agrees on amount and currency, and credits once."""
    acct = member_account(coop)
    member = coop.ok("accounts", "show", acct)["member_no"]
    with fake_provider({}) as (base, calls):
        out = coop.ok(
            "payments", "request", member, "7,500.00", "--provider", "paystack", **_env(base)
        )
        assert out["checkout_url"] == f"https://checkout.paystack.com/{out['reference']}"
        assert out["status"] == "requested" and out["account_no"] == acct
        assert calls[-1]["amount"] == "750000" and len(calls) == 2
        assert calls[-1]["metadata"]["account_no"] == acct
        v = coop.ok("payments", "verify", out["reference"], **_env(base))
        assert (v["agrees"], v["status"], v["provider_amount"]) == (True, "applied", "7500.00")
        assert balance(coop, acct) == "7500.00"
        again = coop.ok("payments", "verify", out["reference"], **_env(base))
        assert again["applied_now"] == "" and balance(coop, acct) == "7500.00"


def test_flutterwave_request_and_amount_mismatch_goes_to_review(coop: Coop) -> None:
    """The provider reports 7,000.00 paid against a request of 7,500.00: the payment
    goes to suspense for review, the member's account is not credited."""
    acct = member_account(coop)
    member = coop.ok("accounts", "show", acct)["member_no"]
    with fake_provider({"amount": 7000}) as (base, _):
        out = coop.ok(
            "payments", "request", member, "7500", "--provider", "flutterwave", **_env(base)
        )
        assert out["checkout_url"].startswith("https://checkout.flutterwave.com/")
        v = coop.ok("payments", "verify", out["reference"], **_env(base))
    assert v["agrees"] is False and any("amount" in p for p in v["problems"])
    assert v["status"] == "suspense" and "amount mismatch" in v["reason"]
    assert balance(coop, acct) == "0.00"
    assert [r["reference"] for r in coop.ok("payments", "list", "--review")] == [out["reference"]]


def test_provider_down_is_a_clean_error(coop: Coop) -> None:
    acct = member_account(coop)
    member = coop.ok("accounts", "show", acct)["member_no"]
    env = {**_env(f"http://127.0.0.1:{free_port()}"), "COOPCTL_PAYMENTS__HTTP_RETRIES": "2"}
    r = coop.cli("payments", "request", member, "100", "--provider", "paystack", **env)
    assert r.exit_code == 5 and "no answer after 2 attempts" in r.stderr
    assert coop.ok("payments", "list") == []


def test_loan_repayment_and_foreign_currency(coop: Coop) -> None:
    """metadata loan_no: repaid through the loans service (Dr clearing); a USD charge
    goes to review without an entry."""
    c = cast(coop)
    loan_no = active_loan(coop, c, "100000", 6, cover=["50000", "50000"])
    before = Decimal(show(coop, loan_no)["outstanding_principal"])
    usd = json.loads(
        paystack_charge("PSK-USD", 100_00, {"account_no": c.borrower.account_no}, tx_id=2)
    )
    usd["data"]["currency"] = "USD"
    with receiver(coop) as (base, _):
        post_paystack(base, paystack_charge("PSK-L", 20_000_00, {"loan_no": loan_no}, tx_id=1))
        post_paystack(base, json.dumps(usd).encode())
    out = coop.ok("payments", "process")
    assert (out["applied"], out["suspense"]) == (1, 1)
    after = Decimal(show(coop, loan_no)["outstanding_principal"])
    assert after < before
    assert gl(coop, "1130") == Decimal("20000.00")
    review = coop.ok("payments", "list", "--review")
    assert [(r["reference"], r["currency"]) for r in review] == [("PSK-USD", "USD")]
    assert "not NGN" in review[0]["reason"]
    assert (
        coop.cli(
            "payments", "assign", review[0]["id"], "--account", c.borrower.account_no
        ).exit_code
        == 5
    )


def test_doctor_checks_secrets_when_enabled(coop: Coop) -> None:
    r = coop.cli("doctor", "--format", "json", COOPCTL_PAYMENTS__ENABLED="true")
    checks = [p["check"] for p in json.loads(r.stdout)["problems"]]
    assert "payments_secrets" in checks
    r = coop.cli(
        "doctor",
        "--format",
        "json",
        COOPCTL_PAYMENTS__ENABLED="true",
        COOPCTL_PAYSTACK_SECRET_KEY="sk_live_x",
        COOPCTL_FLUTTERWAVE_SECRET_HASH="h",
    )
    assert "payments_secrets" not in [p["check"] for p in json.loads(r.stdout)["problems"]]
    assert "sk_live_x" not in r.stdout + r.stderr
