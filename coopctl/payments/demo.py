"""The demo's gateway side: members pay by card through Paystack; a batch of signed
webhooks (one replayed by the gateway, one for a payer nobody knows) reaches the
receiver on loopback, and the accountant processes the inbox."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

Run = Callable[..., tuple[int, Any, str]]


def webhook_batch(run: Run, env: dict[str, str], accounts: list[str], seed: int) -> dict[str, Any]:
    """Send one charge per account (1,000.00 to 5,000.00), a replay and an unknown payer to a
    receiver started for the purpose, then ``payments process``; returns its counts."""
    import httpx

    from coopctl.core import context
    from coopctl.payments.events import paystack_sign
    from coopctl.payments.server import make_server

    ctx = context.build(None, db_url=env["COOPCTL_DATABASE_URL"])
    ctx.settings.data_dir_override = env["COOPCTL_DATA_DIR"]
    key = "sk_demo_" + secrets.token_hex(8)  # a throw-away key for this run only
    ctx.settings.values["payments"]["paystack_secret_key"] = key
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server, _ = make_server(ctx, "127.0.0.1", port, operator="demo-accountant", worker=False)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    bodies = []
    for i, acct in enumerate(accounts, 1):
        meta: dict[str, Any] = {"account_no": acct}
        bodies.append(_charge(f"DEMO-{seed}-{i}", (i % 5 + 1) * 100_000, meta, seed * 1000 + i))
    bodies.append(_charge(f"DEMO-{seed}-X", 250_000, {}, seed * 1000 + 999))
    try:
        with httpx.Client(timeout=10) as client:
            for body in [*bodies, bodies[0]]:
                client.post(
                    f"http://127.0.0.1:{port}/webhooks/paystack",
                    content=body,
                    headers={"x-paystack-signature": paystack_sign(body, key)},
                )
    finally:
        server.should_exit = True
        thread.join(10)
    return dict(run("demo-accountant", "payments", "process")[1] or {})


def _charge(reference: str, kobo: int, meta: dict[str, Any], tx_id: int) -> bytes:
    data = {
        "id": tx_id,
        "reference": reference,
        "amount": kobo,
        "currency": "NGN",
        "status": "success",
        "channel": "card",
        "metadata": meta,
    }
    return json.dumps({"event": "charge.success", "data": data}).encode()
