"""Listing and running reports: the built-ins of :mod:`coopctl.reports.registry` and the
custom TOML reports of :mod:`coopctl.reports.builders.custom`.

``run_report(uow, name, params)`` is what the CLI, the month-end pack and the
jobs call. The custom builder reads the registry (to refuse a built-in's name), never
this module, so the two do not import each other.
"""

from __future__ import annotations

from typing import Any

from coopctl.core.db import UnitOfWork
from coopctl.core.errors import NotFoundError, ValidationError
from coopctl.core.security import require
from coopctl.reports.model import Report
from coopctl.reports.registry import BUILT_INS, PACK_ORDER, Params, ReportSpec

__all__ = [
    "BUILT_INS",
    "PACK_ORDER",
    "Params",
    "ReportSpec",
    "check_dates",
    "list_reports",
    "run_report",
]


def list_reports(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Built-ins and custom reports: ``[{name, title, kind, period, source, description}]``."""
    from coopctl.reports.builders.custom import load_definitions

    require(uow.operator, "reports.view")
    out = [
        {
            "name": s.name,
            "title": s.title,
            "kind": "built-in",
            "period": s.period,
            "source": s.source,
            "description": s.description,
        }
        for s in BUILT_INS.values()
    ]
    for d in load_definitions(uow.settings):
        out.append(
            {
                "name": d.name,
                "title": d.title,
                "kind": "custom",
                "period": "as_of",
                "source": str(d.path),
                "description": d.description,
            }
        )
    return out


def run_report(uow: UnitOfWork, name: str, params: Params) -> Report:
    """Build the report ``name`` (built-in or custom)."""
    require(uow.operator, "reports.view")
    spec = BUILT_INS.get(name)
    if spec is not None:
        return spec.builder(uow, params)
    from coopctl.reports.builders.custom import find_definition, run_definition

    definition = find_definition(uow.settings, name)
    if definition is None:
        known = ", ".join(sorted(BUILT_INS))
        raise NotFoundError(f"report {name!r} not found (built-in: {known}; see `reports list`)")
    return run_definition(uow, definition, params)


def check_dates(params: Params) -> None:
    if params.as_of is not None and (params.start is not None or params.end is not None):
        raise ValidationError("--as-of cannot be combined with --from/--to")
