"""The ``line`` rules over a whole batch, set-based.

:func:`coopctl.ledger.rules.check_line` runs the eight ``line`` rules on one
(GL code, member account, manual) key. A batch of interest entries has one key
per member account — 200,000 keys, eight function calls each. The rules split
cleanly by what they look at:

- the GL account alone (exists, active, not a header, manual journals allowed,
  a control account's lines name a member account): once per distinct GL code;
- the member account against its line's GL (exists, on that control, open):
  one plain pass over the distinct (GL, member account) pairs.

:func:`screen_lines` answers "does every key pass every rule?". When it says no,
the caller runs the rules themselves key by key, in order, so the refusal is the
exact one posting the drafts one by one would meet; like the ``entry`` screen it
errs on the side of saying no. A test keeps :data:`SCREENED_LINE_RULES` equal to
the ``line`` rules of :data:`coopctl.ledger.rules.RULES`: a new rule must be
screened here too, and a test compares the screen with ``check_line`` on random
keys and facts.
"""

from __future__ import annotations

from collections.abc import Iterable

from coopctl.ledger.rules import Facts

#: The ``line`` rules :func:`screen_lines` evaluates, in the order of RULES.
SCREENED_LINE_RULES = (
    "gl_account_exists",
    "member_account_exists",
    "gl_account_active",
    "not_a_header",
    "manual_allowed",
    "control_names_member_account",
    "member_account_on_its_control",
    "member_account_open",
)
OPEN = frozenset(("active", "dormant"))


def screen_lines(
    pairs: Iterable[tuple[str, str | None]], manual_gls: Iterable[str], facts: Facts
) -> bool:
    """True when every line key passes every ``line`` rule.

    ``pairs``: the distinct (GL code, member account or None) of the batch's lines;
    ``manual_gls``: the GL codes named by lines of manual drafts (the only rule that
    looks at ``manual`` looks at the GL alone).
    """
    gls, accounts = facts.gls, facts.accounts
    by_gl: dict[str, list[str]] = {}
    bare: set[str] = set()  # GL codes with a line naming no member account
    for code, no in pairs:
        if no is None or no == "":
            bare.add(code)
        else:
            by_gl.setdefault(code, []).append(no)
    manual = set(manual_gls)
    for code in bare | set(by_gl) | manual:
        gl = gls.get(code)
        if gl is None or not gl.active or gl.is_header:
            return False
        if code in manual and not gl.manual_allowed:
            return False
        if gl.is_control and code in bare:
            return False
    for code, numbers in by_gl.items():
        gid = gls[code].id
        for no in numbers:
            acct = accounts.get(no)
            if acct is None or acct.gl_account_id != gid or acct.status not in OPEN:
                return False
    return True
