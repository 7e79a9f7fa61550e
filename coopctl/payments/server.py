"""``payments serve``: the webhook receiver (Starlette on uvicorn).

Loopback by default, behind the operator's reverse proxy. The request is checked
(size, time, rate, signature, JSON), the event stored raw in the inbox, and the answer
given at once; a worker thread applies the inbox afterwards — never inside the
request. Bodies and secrets are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from coopctl.payments import events

log = logging.getLogger("coopctl.payments")

Send = Callable[[dict[str, Any]], Any]


class Guard:
    """ASGI middleware: per-source rate limit (429), body size limit (413, checked on
    Content-Length and while reading), body time-out (408). The body read here is
    handed on to the application."""

    def __init__(self, app: Any, *, max_body: int, body_timeout: float, per_minute: int) -> None:
        self.app, self.max_body, self.body_timeout = app, max_body, body_timeout
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    async def _reply(self, send: Send, status: int, text: str) -> None:
        body = text.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"text/plain"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _limited(self, source: str) -> bool:
        now = time.monotonic()
        q = self.hits[source]
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= self.per_minute:
            return True
        q.append(now)
        if len(self.hits) > 10000:  # forget idle sources
            for k in [k for k, v in self.hits.items() if not v][:5000]:
                del self.hits[k]
        return False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        source = (scope.get("client") or ("?", 0))[0]
        if self._limited(source):
            log.warning("payments: rate limit for %s on %s", source, scope.get("path"))
            await self._reply(send, 429, "too many requests")
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            await self._reply(send, 400, "bad content-length")
            return
        if declared > self.max_body:
            await self._reply(send, 413, "request body too large")
            return
        chunks: list[bytes] = []
        size = 0
        deadline = time.monotonic() + self.body_timeout
        while True:
            try:
                msg = await asyncio.wait_for(receive(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                log.warning("payments: body time-out from %s on %s", source, scope.get("path"))
                await self._reply(send, 408, "request body time-out")
                return
            if msg["type"] == "http.disconnect":
                return
            size += len(msg.get("body", b""))
            if size > self.max_body:
                await self._reply(send, 413, "request body too large")
                return
            chunks.append(msg.get("body", b""))
            if not msg.get("more_body"):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def build_app(ctx: Any, wake: threading.Event | None = None, operator: str | None = None) -> Any:
    """The ASGI application: POST /webhooks/paystack, /webhooks/flutterwave; GET /healthz."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from coopctl.payments import inbox

    settings = ctx.settings

    def _store(provider: str, eid: str, typ: str, body: bytes) -> bool:
        from coopctl.core.security import load_operator

        u = ctx.uow(as_current=operator is None)
        with u:
            if operator is not None:
                u.operator = load_operator(u.session, operator)
            new = inbox.store(u, provider, eid, typ, body)
            u.commit()
            return new

    async def webhook(request: Request) -> JSONResponse:
        provider = request.path_params["provider"]
        if provider not in events.PROVIDERS:
            return JSONResponse({"error": "not found"}, status_code=404)
        body = await request.body()
        source = request.client.host if request.client else "?"
        if provider == "paystack":
            ok = events.paystack_signature_ok(
                body,
                request.headers.get("x-paystack-signature"),
                inbox.secret(settings, "paystack"),
            )
        else:
            ok = events.flutterwave_hash_ok(
                request.headers.get("verif-hash"), inbox.secret(settings, "flutterwave")
            )
        if not ok:
            log.warning(
                "payments: bad signature from %s on /webhooks/%s (%d bytes)",
                source,
                provider,
                len(body),
            )
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            data = events.parse_body(body)
            eid = events.event_id(provider, data)
        except events.EventError as exc:
            log.warning(
                "payments: malformed event from %s on /webhooks/%s: %s", source, provider, exc
            )
            return JSONResponse({"error": "malformed event"}, status_code=400)
        typ = eid.split(":", 1)[0]
        new = await run_in_threadpool(_store, provider, eid, typ, body)
        if wake is not None and new:
            wake.set()
        log.info("payments: %s event %s from %s", "stored" if new else "duplicate", eid, source)
        return JSONResponse({"status": "stored" if new else "duplicate"})

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            Route("/webhooks/{provider}", webhook, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )
    cfg = settings["payments"]
    return Guard(
        app,
        max_body=int(cfg["max_body_bytes"]),
        body_timeout=float(cfg["body_timeout_seconds"]),
        per_minute=int(cfg["rate_limit_per_minute"]),
    )


def _protocol(header_timeout: float) -> type:
    """uvicorn's h11 protocol with a header time-out: a connection that is not inside a
    request (slow or missing headers) is closed after ``header_timeout`` seconds."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._hdr = self.loop.call_later(header_timeout, self._hdr_check)

        def _hdr_check(self) -> None:
            cycle = getattr(self, "cycle", None)
            idle = cycle is None or getattr(cycle, "response_complete", False)
            if idle and not self.transport.is_closing():
                self.transport.close()
            elif not self.transport.is_closing():
                self._hdr = self.loop.call_later(header_timeout, self._hdr_check)

        def connection_lost(self, exc: Exception | None) -> None:
            self._hdr.cancel()
            super().connection_lost(exc)

    return Protocol


class Worker(threading.Thread):
    """Applies the inbox after each receipt (and every ``poll`` seconds)."""

    def __init__(
        self, ctx: Any, wake: threading.Event, operator: str | None, poll: float = 60.0
    ) -> None:
        super().__init__(daemon=True, name="payments-worker")
        self.ctx, self.wake, self.operator, self.poll = ctx, wake, operator, poll
        self.stopping = threading.Event()

    def run_once(self) -> dict[str, int]:
        from coopctl.core.security import load_operator
        from coopctl.payments.service import process

        u = self.ctx.uow(as_current=self.operator is None)
        with u:
            if self.operator is not None:
                u.operator = load_operator(u.session, self.operator)
            out = process(u)
            u.commit()
            return out

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(self.poll)
            self.wake.clear()
            if self.stopping.is_set():
                return
            try:
                out = self.run_once()
                if out["events"]:
                    log.info("payments: processed %s", out)
            except Exception as exc:  # keep serving; the next receipt retries
                log.error("payments: processing failed: %s", exc.__class__.__name__)


def make_server(
    ctx: Any, host: str, port: int, *, operator: str | None = None, worker: bool = True
) -> tuple[Any, Worker | None]:
    """A uvicorn server (not started) and its worker."""
    import uvicorn

    wake = threading.Event()
    cfg = ctx.settings["payments"]
    app = build_app(ctx, wake if worker else None, operator)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=_protocol(float(cfg["header_timeout_seconds"])),
        timeout_keep_alive=int(cfg["header_timeout_seconds"]),
        h11_max_incomplete_event_size=16384,
        log_level="info",
        access_log=False,
        lifespan="off",
        server_header=False,
    )
    w = Worker(ctx, wake, operator) if worker else None
    return uvicorn.Server(config), w
