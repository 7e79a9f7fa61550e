"""Errors of the backup context, each under the core family that gives its exit code."""

from __future__ import annotations

from coopctl.core.errors import BusinessRuleError, PermissionDeniedError, ReviewNeededError


class BackupKeyError(PermissionDeniedError):
    """A backup is opened only with the key (or passphrase) it was made with (exit 4)."""


class BackupDamagedError(ReviewNeededError):
    """A backup must be complete and unaltered: every chunk authenticates and every part
    has its recorded SHA-256 (exit 6)."""


class BackupVerifyError(ReviewNeededError):
    """A restored backup must pass ledger and audit verify and match its manifest (exit 6)."""


class BackupToolError(BusinessRuleError):
    """PostgreSQL backups need a pg_dump/pg_restore at least as new as the server (exit 5)."""


class BackupConfigError(BusinessRuleError):
    """Backups are encrypted with a key of their own, never the field-encryption key, and
    without one an unencrypted backup must be asked for explicitly (exit 5)."""


class RestoreTargetError(BusinessRuleError):
    """A restore writes only into an empty database and data folder unless --force (exit 5)."""
