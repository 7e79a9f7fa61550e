"""The ``standing_orders`` step of the nightly job: one transaction per order."""

from __future__ import annotations

from typing import Any

from coopctl.jobs.registry import register


def standing_orders_step(run: Any) -> None:
    """Pay the standing orders due (and retry the short ones) on the business date."""
    from coopctl.jobs.runner import Counts
    from coopctl.standing_orders.execute import due_orders, run_order

    d = run.business_date
    with run.uow() as u:
        ids = due_orders(u, d)

    def one(u: Any, order_id: int) -> Counts:
        out = run_order(u, order_id, d)
        return Counts(posted=out.posted, skipped=out.skipped)

    run.each(ids, one, key=lambda oid: f"standing-order:{oid}")


register(
    "standing_orders",
    standing_orders_step,
    "Pay the standing orders due, retry the short ones (one transaction per order)",
    itemised=True,
)
