"""The SMS hook (a configured command) and SMTP credentials handling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coopctl.notify.sender import Sender, SendError


def _settings(**notify: Any) -> dict[str, Any]:
    base = {
        "smtp_host": "", "smtp_port": 587, "smtp_user": "", "sender": "office@example.org",
        "smtp_password_env": "COOPCTL_TEST_SMTP_PASSWORD", "smtp_tls": "starttls",
        "smtp_timeout_seconds": 5, "sms_command": "", "sms_url": "",
    }  # fmt: skip
    base.update(notify)
    return {"notify": base}


def test_sms_command_receives_number_and_text_as_arguments(tmp_path: Path) -> None:
    out = tmp_path / "sms.txt"
    cmd = f'sh -c \'printf "%s|%s" "$0" "$1" > {out}\''
    Sender(_settings(sms_command=cmd)).sms("+2348030000001", "Loan L1: [/bold] $(rm -rf /)")
    assert out.read_text() == "+2348030000001|Loan L1: [/bold] $(rm -rf /)"


def test_failing_sms_command_is_a_send_error() -> None:
    with pytest.raises(SendError, match="SMS command failed"):
        Sender(_settings(sms_command="false")).sms("+2348030000001", "hi")
    with pytest.raises(SendError, match="not configured"):
        Sender(_settings()).sms("+2348030000001", "hi")


def test_missing_smtp_password_names_the_variable_not_a_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COOPCTL_TEST_SMTP_PASSWORD", raising=False)
    s = Sender(_settings(smtp_host="127.0.0.1", smtp_port=1, smtp_user="u", smtp_tls="none"))
    with pytest.raises(SendError) as e:
        s.email("a@example.org", "s", "b")
    assert str(e.value) == "SMTP password missing: set $COOPCTL_TEST_SMTP_PASSWORD"


def test_no_smtp_host_means_email_is_off() -> None:
    with pytest.raises(SendError, match="not configured"):
        Sender(_settings()).email("a@example.org", "s", "b")
