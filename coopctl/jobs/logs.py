"""Logging for batch runs: one line per event on stderr.

``text`` (default): ``LEVEL logger: message``; under systemd (``$JOURNAL_STREAM``
set) each line starts with the syslog priority ``<N>`` so journald files it at the
right level. ``json``: one JSON object per line (``ts``, ``level``, ``logger``,
``msg``) for log shippers. Secrets never reach a log: messages carry no passwords,
and PII is masked by the services before it is written anywhere.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

_PRIO = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
FORMATS = ("text", "json")


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage().replace("\n", " ")
        line = f"{record.levelname} {record.name}: {msg}"
        if os.environ.get("JOURNAL_STREAM"):
            return f"<{_PRIO.get(record.levelname, 6)}>{line}"
        return line


class _Json(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
                "level": record.levelname.lower(),
                "logger": record.name,
                "msg": record.getMessage(),
            },
            ensure_ascii=False,
        )


def setup(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send the ``coopctl`` loggers to stderr in ``fmt`` (idempotent)."""
    root = logging.getLogger("coopctl")
    for h in list(root.handlers):
        if getattr(h, "_coopctl", False):
            root.removeHandler(h)
    h = logging.StreamHandler(sys.stderr)
    h._coopctl = True  # type: ignore[attr-defined]
    h.setFormatter(_Json() if fmt == "json" else _Text())
    root.addHandler(h)
    root.setLevel(level)
    root.propagate = False
