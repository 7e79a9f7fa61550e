"""The approvals context: one maker-checker engine for every kind of action.

``service.submit`` stores a pending action, ``service.approve``/``reject``
decide on it, ``service.expire`` ends the ones that waited too long, and each
context registers how to apply an approved payload (``registry.register``).
See docs/approvals.md.
"""
