"""Delivery: SMTP (smtplib; STARTTLS, implicit TLS or plain on a trusted relay) and
a pluggable SMS hook (a configured command, or an HTTP endpoint). The SMTP password
comes from the environment variable named in ``[notify] smtp_password_env`` and is
never logged or stored."""

from __future__ import annotations

import json
import logging
import mimetypes
import os
import shlex
import smtplib
import ssl
import subprocess
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from coopctl.core.errors import ConfigError

log = logging.getLogger("coopctl.notify")


class SendError(Exception):
    """A message could not be delivered (kept queued for a retry, or failed)."""


class Sender:
    """Holds one SMTP connection for a dispatch; ``close()`` at the end."""

    def __init__(self, settings: Any) -> None:
        self.n = settings["notify"]
        self._smtp: smtplib.SMTP | None = None

    # --- e-mail --------------------------------------------------------------------------
    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        host, port = self.n["smtp_host"], int(self.n["smtp_port"])
        if not host:
            raise SendError("e-mail is not configured ([notify] smtp_host is empty)")
        if not self.n["sender"]:
            raise ConfigError("[notify] sender: a From: address is needed to send e-mail")
        user = self.n["smtp_user"]
        password = os.environ.get(self.n["smtp_password_env"], "") if user else ""
        if user and not password:
            raise SendError(f"SMTP password missing: set ${self.n['smtp_password_env']}")
        tls, timeout = self.n["smtp_tls"], int(self.n["smtp_timeout_seconds"])
        ctx = ssl.create_default_context()
        try:
            if tls == "implicit":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ctx)
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if tls == "starttls":
                    smtp.starttls(context=ctx)
                elif tls != "none":
                    raise ConfigError(
                        f"[notify] smtp_tls: {tls!r} is not starttls, implicit or none"
                    )
            if user:
                smtp.login(user, password)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP {host}:{port}: {type(exc).__name__}: {exc}") from None
        self._smtp = smtp
        return smtp

    def email(self, to: str, subject: str, body: str, attachments: list[str] | None = None) -> None:
        msg = EmailMessage()
        msg["From"] = self.n["sender"]
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = make_msgid(domain=(self.n["sender"].rpartition("@")[2] or None))
        msg.set_content(body)
        for p in attachments or []:
            path = Path(p)
            if not p or not path.is_file():
                continue
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            main, sub = ctype.split("/", 1)
            msg.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
        smtp = self._connect()
        try:
            smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise SendError(f"SMTP send to {to}: {type(exc).__name__}: {exc}") from None

    # --- SMS -----------------------------------------------------------------------------
    def sms(self, to: str, text: str) -> None:
        cmd, url = self.n["sms_command"], self.n["sms_url"]
        if cmd:
            try:
                subprocess.run(
                    [*shlex.split(cmd), to, text], check=True, timeout=60, capture_output=True
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise SendError(f"SMS command failed: {type(exc).__name__}") from None
            return
        if url:
            import urllib.request

            req = urllib.request.Request(
                url,
                data=json.dumps({"to": to, "text": text}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    if resp.status >= 300:
                        raise SendError(f"SMS hook answered HTTP {resp.status}")
            except OSError as exc:
                raise SendError(f"SMS hook: {type(exc).__name__}: {exc}") from None
            return
        raise SendError("SMS is not configured ([notify] sms_command or sms_url)")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None
