"""Webhook receiver benchmark: N signed Paystack charge.success webhooks sent over one
keep-alive connection to ``payments serve`` on loopback (SQLite), then ``payments
process`` applying them to members' savings. Prints requests per second, the time
to process, and the load average before and after (a shared host scales the figures).

    python benchmarks/payments.py [--events 1000] [--members 50]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import tempfile
import threading
import time
from pathlib import Path


def bench_line(row: str, figure: str, baseline: str = "—", ratio: str = "—") -> str:
    """The machine-readable result line ``benchmarks/run_all.py`` reads."""
    import json

    fields = {"row": row, "figure": figure, "baseline": baseline, "ratio": ratio}
    return "BENCH-RESULT " + json.dumps(fields, ensure_ascii=False)


def _cli(env: dict[str, str], *args: str) -> dict[str, object]:
    from coopctl.cli.main import main

    old = dict(os.environ)
    os.environ.update(env)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main([*args, "--format", "json"])
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert code == 0, (args, code)
    text = out.getvalue()
    return json.loads(text) if text.strip() else {}


def main(argv: list[str] | None = None) -> int:
    import httpx

    from coopctl.core import context
    from coopctl.payments.events import paystack_sign
    from coopctl.payments.server import make_server

    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1000)
    ap.add_argument("--members", type=int, default=50)
    a = ap.parse_args(argv)
    print("load average before:", os.getloadavg())
    tmp = Path(tempfile.mkdtemp(prefix="coop-pay-bench-"))
    env = {
        "COOPCTL_DATABASE_URL": f"sqlite:///{tmp / 'coop.db'}",
        "COOPCTL_DATA_DIR": str(tmp / "data"),
        "COOPCTL_OPERATOR": "admin",
        "COOPCTL_TODAY": "2026-11-28",
    }
    _cli(env, "init", "--name", "Bench", "--admin", "admin")
    accounts = []
    for i in range(a.members):
        m = _cli(
            env,
            "members",
            "add",
            "--first-name",
            ["Ada", "Bola", "Chidi", "Dayo", "Emeka", "Funke"][i % 6],
            "--last-name",
            "Bench",
            "--phone",
            f"0803{1000000 + i:07d}",
        )["member_no"]
        accounts.append(
            str(_cli(env, "accounts", "open", str(m), "--product", "SAV")["account_no"])
        )
    os.environ.update(env)
    ctx = context.build(None)
    key = "sk_bench"
    ctx.settings.values["payments"].update(
        {"paystack_secret_key": key, "rate_limit_per_minute": 10**9}
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server, _ = make_server(ctx, "127.0.0.1", port, operator="admin", worker=False)
    server.config.log_level = "warning"
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    while not server.started:
        time.sleep(0.02)
    bodies = []
    for i in range(a.events):
        data = {
            "id": i + 1,
            "reference": f"BENCH-{i}",
            "amount": 100_00 + i,
            "currency": "NGN",
            "status": "success",
            "metadata": {"account_no": accounts[i % len(accounts)]},
        }
        bodies.append(json.dumps({"event": "charge.success", "data": data}).encode())
    started = time.perf_counter()
    with httpx.Client(timeout=10) as client:
        for b in bodies:
            r = client.post(
                f"http://127.0.0.1:{port}/webhooks/paystack",
                content=b,
                headers={"x-paystack-signature": paystack_sign(b, key)},
            )
            assert r.status_code == 200
    receive = time.perf_counter() - started
    server.should_exit = True
    t.join(10)
    started = time.perf_counter()
    out = _cli(env, "payments", "process")
    process = time.perf_counter() - started
    print(
        f"received {a.events} webhooks in {receive:.2f} s "
        f"({a.events / receive:.0f} requests/s, one connection)"
    )
    print(
        f"processed {out['events']} ({out['applied']} applied) in {process:.2f} s "
        f"({a.events / process:.0f} payments/s)"
    )
    print(bench_line("payments", f"{a.events / receive:.0f} webhooks/s ({a.events} events); "
                                 f"processed at {a.events / process:.0f}/s"))  # fmt: skip
    print("load average after:", os.getloadavg())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
