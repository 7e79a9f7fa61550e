"""The shipped systemd units run real commands, are hardened, and pass
``systemd-analyze verify`` (where the tool exists)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"
HARDENING = (
    "NoNewPrivileges=true",
    "ProtectSystem=strict",
    "ProtectHome=true",
    "PrivateTmp=true",
    "ReadWritePaths=/var/lib/coopctl",
    "UMask=0077",
)


def test_services_are_hardened_and_run_real_commands() -> None:
    daemon = (UNITS / "coopctl-daemon.service").read_text()
    job = (UNITS / "coopctl-job@.service").read_text()
    for text in (daemon, job):
        for line in HARDENING:
            assert line in text.splitlines(), line
    assert "ExecStart=/usr/local/bin/coopctl daemon" in daemon.splitlines()
    assert "ExecStart=/usr/local/bin/coopctl jobs run %i" in job.splitlines()
    from coopctl.cli.main import COMMANDS

    assert {"daemon", "jobs"} <= set(COMMANDS)


def test_timers_match_the_catalogue_jobs() -> None:
    import tomllib

    cat = tomllib.loads((UNITS.parent / "jobs" / "catalogue.toml").read_text())["jobs"]
    for timer in UNITS.glob("coopctl-job@*.timer"):
        name = timer.name.removeprefix("coopctl-job@").removesuffix(".timer")
        assert name in cat, timer.name
        assert "Persistent=true" in timer.read_text()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    exe = shutil.which("coopctl") or shutil.which("true")
    assert exe is not None
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/usr/local/bin/coopctl", exe)
        (tmp_path / unit.name).write_text(text)
    names = [
        str(tmp_path / "coopctl-daemon.service"),
        str(tmp_path / "coopctl-job@nightly.service"),
    ]
    names += [str(p) for p in sorted(tmp_path.glob("*.timer"))]
    # the template is verified through its instance; the instance file is the template
    (tmp_path / "coopctl-job@nightly.service").write_text(
        (tmp_path / "coopctl-job@.service").read_text()
    )
    r = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "coopctl" not in r.stderr, r.stderr  # no warning about our units


def test_alert_rules_use_the_metrics_coopctl_writes() -> None:
    import re

    from coopctl.jobs import metrics

    rules = (UNITS.parent / "deploy" / "prometheus" / "coopctl-alerts.yml").read_text()
    written = set(re.findall(r"\"(coopctl_[a-z_]+)\"", Path(metrics.__file__).read_text()))
    written |= {f"coopctl_step_{f}" for f in ("items", "posted", "skipped", "failed")}
    used = set(re.findall(r"\b(coopctl_[a-z_]+)\b", rules))
    assert used
    assert used <= written, used - written
    for name in (
        "CoopctlJobFailed",
        "CoopctlNightlyLate",
        "CoopctlDaemonDown",
        "CoopctlVerifyFailed",
    ):
        assert f"alert: {name}" in rules
