"""The job catalogue (parsing, business dates owed) and notification templates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from coopctl.core.errors import ConfigError
from coopctl.jobs.catalogue import Job, _parse
from coopctl.notify.templates import render


def test_daily_job_owes_every_missed_date_in_order() -> None:
    j = Job("nightly", "", "0 1 * * *", ("a",))
    assert j.dates_due(date(2026, 3, 1), date(2026, 3, 4)) == [
        date(2026, 3, 2),
        date(2026, 3, 3),
        date(2026, 3, 4),
    ]
    assert j.dates_due(None, date(2026, 3, 4)) == [date(2026, 3, 4)]
    assert j.dates_due(date(2026, 3, 4), date(2026, 3, 4)) == [date(2026, 3, 4)]  # re-run


def test_month_end_job_snaps_to_month_ends() -> None:
    j = Job("month_end", "", "30 2 1 * *", ("a",), calendar="month_end")
    assert j.snap(date(2026, 2, 1)) == date(2026, 1, 31)
    assert j.snap(date(2024, 2, 29)) == date(2024, 2, 29)
    assert j.dates_due(date(2025, 12, 31), date(2026, 4, 2)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ('[jobs.x]\nschedule = "0 1 * *"\nsteps = ["a"]\n', "5-field cron"),
        ('[jobs.x]\nschedule = "0 1 * * *"\nsteps = []\n', "non-empty list"),
        ('[jobs.x]\nschedule = "0 1 * * *"\nsteps = ["a"]\ncalendar = "weekly"\n', "calendar"),
        ('[jobs.x]\nschedule = "0 1 * * *"\nsteps = ["a"]\nretries = -1\n', "retries"),
        ('[jobs.x]\nschedule = "0 1 * * *"\nsteps = ["a"]\ncolour = 1\n', "unknown key"),
        ("[jobs.x\n", "cannot read"),
    ],
)
def test_bad_catalogue_names_file_and_key(tmp_path: Path, body: str, needle: str) -> None:
    f = tmp_path / "cat.toml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        _parse(f)
    assert str(f) in e.value.message and needle in e.value.message


def test_template_renders_hostile_text_verbatim_and_subject_on_one_line() -> None:
    subject, body = render(
        "installment_overdue",
        {
            "loan_no": "L1\r\nBcc: victim@example.org",
            "installment_no": 1,
            "due_date": "2026-12-28",
            "amount": "[/bold]5.00",
            "first_name": "\x1b[31mAda",
            "coop_name": "Unity",
        },
    )
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Loan L1 Bcc: victim@example.org")
    assert "[/bold]5.00" in body


def test_template_override_and_missing_variable(tmp_path: Path) -> None:
    (tmp_path / "test.txt").write_text("Subject: Hi {{ coop_name }}\n\nBody {{ nope }}\n")
    with pytest.raises(ConfigError, match="nope"):
        render("test", {"coop_name": "Unity"}, str(tmp_path))
    (tmp_path / "test.txt").write_text("Subject: Hi {{ coop_name }}\n\nHello\n")
    assert render("test", {"coop_name": "Unity"}, str(tmp_path)) == ("Hi Unity", "Hello\n")
    (tmp_path / "test.txt").write_text("{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(ConfigError):
        render("test", {"coop_name": "Unity"}, str(tmp_path))


def test_metrics_file_is_replaced_atomically(tmp_path: Path) -> None:
    from coopctl.jobs.metrics import write_atomic

    target = tmp_path / "m" / "coopctl.prom"
    write_atomic(target, "a 1\n")
    write_atomic(target, "a 2\n")
    assert target.read_text() == "a 2\n"
    assert [p.name for p in target.parent.iterdir()] == ["coopctl.prom"]
