"""The inbox: events stored raw, deduplicated by provider and event id."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coopctl.core import clock
from coopctl.core.db import UnitOfWork
from coopctl.payments.models import PaymentEvent

ENV = {
    "paystack": ("COOPCTL_PAYSTACK_SECRET_KEY", "paystack_secret_key"),
    "flutterwave": ("COOPCTL_FLUTTERWAVE_SECRET_HASH", "flutterwave_secret_hash"),
    "flutterwave_api": ("COOPCTL_FLUTTERWAVE_SECRET_KEY", "flutterwave_secret_key"),
}


def secret(settings: Any, name: str) -> str:
    """A secret from the environment (first) or ``[payments]``; never printed."""
    env, key = ENV[name]
    return os.environ.get(env) or str(settings["payments"][key] or "")


def store(
    uow: UnitOfWork,
    provider: str,
    event_id: str,
    event_type: str,
    body: bytes,
    *,
    source: str = "webhook",
) -> bool:
    """Store one event; False when the provider already sent it (nothing written)."""
    s = uow.session
    if (
        s.scalar(
            select(PaymentEvent.id).where(
                PaymentEvent.provider == provider, PaymentEvent.event_id == event_id
            )
        )
        is not None
    ):
        return False
    ev = PaymentEvent(
        provider=provider,
        event_id=event_id[:160],
        event_type=event_type[:60],
        source=source,
        body=body.decode("utf-8", errors="replace"),
        status="new",
        note="",
        received_at=clock.utcnow(),
    )
    try:
        with s.begin_nested():
            s.add(ev)
            s.flush()
    except IntegrityError:  # the same event arriving twice at once
        return False
    return True


def secret_problems(settings: Any) -> list[str]:
    """Doctor: with ``[payments] enabled`` the webhook secrets must be set (their
    values are never shown)."""
    if not settings["payments"]["enabled"]:
        return []
    out = []
    for name in ("paystack", "flutterwave"):
        env, key = ENV[name]
        if not secret(settings, name):
            out.append(f"[payments] enabled but no {name} secret: set ${env} (or payments.{key})")
    return out
