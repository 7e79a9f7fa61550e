"""The ``members.erase`` step (registered on import; listed in
:data:`coopctl.jobs.registry.STEP_MODULES`). It belongs to the ``retention`` job of the
catalogue, which ships disabled.

Decision: the step never erases on its own authority. For every member past retention
it submits a ``member_erasure`` approval (maker: the job's operator) that a manager or
admin decides, exactly as if an operator had typed ``members erase``; a member whose
erasure already waits is skipped. Only when ``[approvals.member_erasure] enabled =
false`` (no checker wanted) does it erase directly, as the command would.
"""

from __future__ import annotations

from datetime import date

from coopctl.core.db import UnitOfWork
from coopctl.jobs.registry import register
from coopctl.jobs.runner import Counts


def _erase(uow: UnitOfWork, d: date) -> Counts:
    from coopctl.approvals import service as engine
    from coopctl.core.security import require
    from coopctl.members import erasure

    require(uow.operator, "members.erase")
    submitted = skipped = 0
    for m in erasure.eligible_members(uow):
        if engine.find_pending(uow, erasure.KIND, m.member_no) is not None:
            skipped += 1
            continue
        erasure.request_erasure(uow, m.member_no)
        submitted += 1
    if submitted:
        uow.note(f"{submitted} member erasure(s) submitted for approval or done")
    n = submitted + skipped
    return Counts(items=max(n, 1), posted=submitted, skipped=skipped if n else 1)


register(
    "members.erase",
    _erase,
    "Submit the erasure of members past [members] retention_years (maker-checker)",
)
