"""Backups and disaster recovery: create, verify, restore, retention (see docs/backup.md)."""
