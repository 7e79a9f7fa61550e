"""Provider APIs: initialize a payment (checkout link) and verify one by reference.

httpx with a time-out per attempt and retries on network errors and 5xx answers;
base URLs come from ``[payments]`` (tests point them at a loopback server)."""

from __future__ import annotations

import secrets
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coopctl.core import audit, clock
from coopctl.core.db import UnitOfWork
from coopctl.core.errors import BusinessRuleError, ConfigError, NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.payments import inbox
from coopctl.payments.events import PROVIDERS, to_kobo
from coopctl.payments.models import Payment


class GatewayError(BusinessRuleError):
    """The provider refused or could not be reached: nothing is recorded as paid."""


def _call(settings: Any, provider: str, method: str, path: str, **kw: Any) -> dict[str, Any]:
    import httpx

    cfg = settings["payments"]
    base = str(cfg[f"{provider}_base_url"]).rstrip("/")
    key = inbox.secret(settings, "paystack" if provider == "paystack" else "flutterwave_api")
    if not key:
        raise ConfigError(f"no {provider} API secret key is set (see docs/payments.md)")
    tries = max(1, int(cfg["http_retries"]))
    last = ""
    with httpx.Client(timeout=float(cfg["http_timeout_seconds"])) as client:
        for attempt in range(tries):
            try:
                r = client.request(
                    method, base + path, headers={"Authorization": f"Bearer {key}"}, **kw
                )
            except httpx.HTTPError as exc:
                last = f"{exc.__class__.__name__}"
            else:
                if r.status_code < 500:
                    try:
                        data = r.json()
                    except ValueError:
                        raise GatewayError(
                            f"{provider}: answer is not JSON (HTTP {r.status_code})"
                        ) from None
                    if r.status_code >= 400 or not isinstance(data, dict):
                        msg = str(data.get("message", "")) if isinstance(data, dict) else ""
                        raise GatewayError(f"{provider}: HTTP {r.status_code} {msg[:200]}")
                    return data
                last = f"HTTP {r.status_code}"
            if attempt + 1 < tries:
                time.sleep(min(0.2 * 2**attempt, 2.0))
    raise GatewayError(f"{provider}: no answer after {tries} attempts ({last})")


def request(
    uow: UnitOfWork, member_no: str, amount: Decimal, provider: str, purpose: str = "savings"
) -> dict[str, Any]:
    """Ask the provider for a checkout link for ``amount`` towards the member's savings or
    a loan; the payment is recorded as ``requested`` (its webhook must match it)."""
    from coopctl.deposits.membership import get_member
    from coopctl.loans.common import get_loan
    from coopctl.payments.service import _savings_of, as_dict

    require(uow.operator, "payments.manage")
    if provider not in PROVIDERS:
        raise ValidationError(f"--provider: {provider!r} is not one of {', '.join(PROVIDERS)}")
    if amount <= 0:
        raise ValidationError("AMOUNT: must be more than zero")
    member = get_member(uow, member_no)
    meta = {"member_no": member.member_no}
    account_no = loan_no = None
    if purpose == "savings":
        account_no = _savings_of(uow, member.member_no).account_no
        meta["account_no"] = account_no
    elif purpose.startswith("loan:"):
        loan = get_loan(uow, purpose[5:])
        if loan.member_id != member.id or loan.status != "active":
            raise BusinessRuleError(
                f"--purpose: loan {loan.loan_no} is not an active loan of {member.member_no}"
            )
        loan_no = meta["loan_no"] = loan.loan_no
    else:
        raise ValidationError("--purpose: savings or loan:LOAN_NO")
    reference = f"{member.member_no}-{secrets.token_hex(5).upper()}"
    email = member.email or f"{member.member_no.lower()}@members.invalid"
    callback = str(uow.settings["payments"]["callback_url"])
    if provider == "paystack":
        body: dict[str, Any] = {
            "email": email,
            "amount": str(to_kobo(amount)),
            "reference": reference,
            "currency": "NGN",
            "metadata": meta,
        }
        if callback:
            body["callback_url"] = callback
        data = _call(uow.settings, provider, "POST", "/transaction/initialize", json=body)
        link = str((data.get("data") or {}).get("authorization_url", ""))
    else:
        body = {
            "tx_ref": reference,
            "amount": str(amount),
            "currency": "NGN",
            "redirect_url": callback or "https://example.invalid/done",
            "customer": {"email": email, "name": f"{member.first_name} {member.last_name}"},
            "meta": meta,
        }
        data = _call(uow.settings, provider, "POST", "/payments", json=body)
        link = str((data.get("data") or {}).get("link", ""))
    if not link.startswith("https://") and not link.startswith("http://"):
        raise GatewayError(f"{provider}: no checkout link in the answer")
    p = Payment(
        provider=provider,
        reference=reference,
        tx_id="",
        amount=amount,
        currency="NGN",
        paid_on=uow.today(),
        status="requested",
        account_no=account_no,
        loan_no=loan_no,
        reason="",
        entry_no="",
        refunded=Decimal("0"),
        fee=Decimal("0"),
        created_at=clock.utcnow(),
    )
    uow.session.add(p)
    uow.session.flush()
    audit.record(
        uow,
        "payment.requested",
        "payment",
        str(p.id),
        after={"reference": reference, "amount": amount, "provider": provider},
    )
    return {**as_dict(p), "checkout_url": link}


def verify(uow: UnitOfWork, reference: str) -> dict[str, Any]:
    """Ask the provider about ``reference`` and reconcile: a success we have not applied
    yet is stored and processed as its charge event; differences are reported."""
    import json

    from coopctl.payments.events import normalize
    from coopctl.payments.models import PaymentEvent
    from coopctl.payments.service import as_dict, process_event

    require(uow.operator, "payments.manage")
    p = uow.session.scalar(select(Payment).where(Payment.reference == reference))
    if p is None:
        raise NotFoundError(f"payment {reference} not found")
    if p.provider == "paystack":
        data = _call(uow.settings, "paystack", "GET", f"/transaction/verify/{reference}")
        body = {"event": "charge.success", "data": data.get("data") or {}}
    else:
        data = _call(
            uow.settings,
            "flutterwave",
            "GET",
            "/transactions/verify_by_reference",
            params={"tx_ref": reference},
        )
        body = {"event": "charge.completed", "data": data.get("data") or {}}
    ev = normalize(p.provider, body)
    problems = []
    if ev.reference != p.reference:
        problems.append(f"reference: provider says {ev.reference}")
    if ev.currency != p.currency:
        problems.append(f"currency: provider {ev.currency}, ours {p.currency}")
    if ev.amount != p.amount:
        problems.append(f"amount: provider {ev.amount}, ours {p.amount}")
    if not ev.success:
        problems.append("status: not successful at the provider")
    outcome = ""
    if ev.success and p.status == "requested":
        raw = json.dumps(body, sort_keys=True).encode()
        if inbox.store(
            uow, p.provider, f"verify:{ev.event_id}", ev.event_type, raw, source="verify"
        ):
            stored = uow.session.scalar(
                select(PaymentEvent).where(
                    PaymentEvent.provider == p.provider,
                    PaymentEvent.event_id == f"verify:{ev.event_id}",
                )
            )
            assert stored is not None
            outcome = process_event(uow, stored)
        uow.session.refresh(p)
    return {
        **as_dict(p),
        "provider_status": "success" if ev.success else "failed",
        "provider_amount": ev.amount,
        "provider_currency": ev.currency,
        "agrees": not problems,
        "problems": problems,
        "applied_now": outcome,
    }
