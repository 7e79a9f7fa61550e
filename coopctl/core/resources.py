"""Where the operator-editable data lives: the shipped ``jobs/`` and ``reports/``.

In a wheel they are the packages ``coopctl.assets.jobs`` / ``coopctl.assets.reports``;
in an editable checkout the same names map to the top-level folders. Config may
point elsewhere (``reports.templates_dir``, ``jobs.catalogue``).
"""

from __future__ import annotations

import importlib
from pathlib import Path


def asset_dir(name: str) -> Path:
    """Folder of the shipped ``jobs`` or ``reports`` data."""
    try:
        mod = importlib.import_module(f"coopctl.assets.{name}")
        if mod.__file__:
            return Path(mod.__file__).parent
        return Path(next(iter(mod.__path__)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / name
