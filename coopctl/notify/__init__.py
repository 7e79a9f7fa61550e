"""Notifications: an outbox filled in the event's own transaction, Jinja2 templates,
an SMTP sender and a pluggable SMS hook."""
