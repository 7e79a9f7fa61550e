"""Optional imports of context modules (seeds, checks, hooks, models).

A context that is not installed (its package or module missing) is skipped;
an import error *inside* an existing module is a bug and propagates.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def optional_import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if missing == name or name.startswith(missing + "."):
            return None
        raise
