"""The module the deposits context imports to find the loan providers (see
:mod:`coopctl.loans.integration`, which registers them on import)."""

from __future__ import annotations

import coopctl.loans.integration  # noqa: F401  (registers DUE_PROVIDERS / EXIT_OFFSET_PROVIDERS)
