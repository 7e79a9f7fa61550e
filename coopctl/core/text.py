"""Text that is safe to show: stored data is printed, never interpreted.

Pure (no I/O): used by the command-line renderer, the report renderers and the
error printer.
"""

from __future__ import annotations

import re

# Bidirectional formatting characters (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI)
# the invisible marks that can hide or reorder text on screen, and U+2028/U+2029.
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
_BIDI += "\u2028\u2029"  # line and paragraph separators: they would break a row
_UNSAFE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_BIDI}]")
_UNSAFE_KEEP_NL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}]")


_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape_char(m: re.Match[str]) -> str:
    if m.group(0) in _NAMED:
        return _NAMED[m.group(0)]
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every control and bidi character shown as an escape."""
    pattern = _UNSAFE_KEEP_NL if keep_newlines else _UNSAFE
    return pattern.sub(_escape_char, text)
