"""Per-item transactions: a failing item is rolled back and dead-lettered, the others
are kept; ``jobs retry`` runs only the dead-lettered item again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Coop

STATE = {"fixed": False}


@pytest.fixture
def flaky_step() -> Iterator[str]:
    from coopctl.core.errors import BusinessRuleError
    from coopctl.jobs import registry
    from coopctl.notify.outbox import enqueue

    def step(run: Any) -> None:
        def one(u: Any, item: str) -> str:
            enqueue(u, "email", f"{item}@example.org", "test", f"flaky:{item}", {})
            if item == "bob" and not STATE["fixed"]:
                raise BusinessRuleError("bob's account is frozen")
            return "posted"

        run.each(["ada", "bob", "chi"], one)

    registry.load()
    registry.register("test.flaky", step, "A step whose second item fails", itemised=True)
    STATE["fixed"] = False
    yield "test.flaky"
    registry._STEPS.pop("test.flaky", None)


def _outbox(coop: Coop) -> list[str]:
    return [r[0] for r in coop.sql("SELECT recipient FROM notify_outbox ORDER BY recipient")]


def test_failed_item_is_dead_lettered_and_retried_alone(coop: Coop, flaky_step: str) -> None:
    r = coop.cli(
        "jobs", "run", flaky_step, "--date", "2026-11-27", "--format", "json", operator="system"
    )
    assert r.exit_code == 6, r.stderr
    out = r.json
    assert (out["status"], out["items"], out["posted"], out["failed"]) == ("partial", 3, 2, 1)
    assert _outbox(coop) == ["ada@example.org", "chi@example.org"]  # bob's write rolled back
    dead = coop.ok("jobs", "dead-letters", operator="system")
    assert [(d["step"], d["item"], d["status"]) for d in dead] == [(flaky_step, "bob", "open")]
    assert "frozen" in dead[0]["error"]
    shown = coop.ok("jobs", "show", out["run_id"], operator="system")
    assert shown["dead_letters"][0]["item"] == "bob"

    STATE["fixed"] = True
    again = coop.cli("jobs", "retry", out["run_id"], "--format", "json", operator="system")
    assert again.exit_code == 0, again.stderr
    assert (again.json["items"], again.json["posted"], again.json["failed"]) == (1, 1, 0)
    assert _outbox(coop) == ["ada@example.org", "bob@example.org", "chi@example.org"]
    assert coop.ok("jobs", "dead-letters", operator="system") == []


def test_unknown_job_and_future_date_are_refused(coop: Coop) -> None:
    r = coop.cli("jobs", "run", "no_such_job", operator="system")
    assert r.exit_code == 3 and "no job or step named 'no_such_job'" in r.stderr
    r = coop.cli("jobs", "run", "nightly", "--date", "2026-12-25", operator="system")
    assert r.exit_code == 2 and "after the business date" in r.stderr
    r = coop.cli("jobs", "run", "nightly", "--date", "2026-11-27", operator="teller1")
    assert r.exit_code == 4
    assert int(coop.sql("SELECT COUNT(*) FROM job_runs")[0][0]) == 0
