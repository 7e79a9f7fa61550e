"""A payments receiver on a free loopback port, in a thread, for HTTP tests."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from tests.conftest import Coop

PAYSTACK_KEY = "sk_test_3f1c0de5ecret"
FLW_HASH = "flw-hash-9d2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def receiver(coop: Coop, *, worker: bool = False, **payments: Any) -> Iterator[Any]:
    """Start ``payments serve`` (the same server object the command runs) on loopback;
    yields (base URL, worker)."""
    from coopctl.payments.server import make_server

    ctx = coop.context()
    ctx.settings.values["payments"].update(
        {"paystack_secret_key": PAYSTACK_KEY, "flutterwave_secret_hash": FLW_HASH, **payments}
    )
    port = free_port()
    server, w = make_server(ctx, "127.0.0.1", port, operator="admin", worker=worker)
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.02)
    if w is not None:
        w.poll = 0.5
        w.start()
    try:
        yield f"http://127.0.0.1:{port}", w
    finally:
        if w is not None:
            w.stopping.set()
            w.wake.set()
            w.join(5)
        server.should_exit = True
        t.join(10)


def sign(body: bytes, key: str = PAYSTACK_KEY) -> str:
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def paystack_charge(reference: str, kobo: int, metadata: Any, *, tx_id: int = 1) -> bytes:
    return json.dumps(
        {
            "event": "charge.success",
            "data": {
                "id": tx_id,
                "reference": reference,
                "amount": kobo,
                "currency": "NGN",
                "status": "success",
                "paid_at": "2026-03-10T09:00:00.000Z",
                "metadata": metadata,
                "fees": 15000,
            },
        }
    ).encode()


def post_paystack(base: str, body: bytes, signature: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{base}/webhooks/paystack",
        content=body,
        headers={
            "x-paystack-signature": sign(body) if signature is None else signature,
            "content-type": "application/json",
        },
        timeout=10,
    )


def member_account(coop: Coop, first: str = "Adaeze", phone: str = "08031234821") -> str:
    m = coop.ok("members", "add", "--first-name", first, "--last-name", "Okafor", "--phone", phone)[
        "member_no"
    ]
    return str(coop.ok("accounts", "open", m, "--product", "SAV")["account_no"])


def balance(coop: Coop, account_no: str) -> str:
    return str(coop.ok("accounts", "show", account_no)["balance"])
