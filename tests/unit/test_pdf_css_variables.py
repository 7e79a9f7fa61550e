"""The PDF stylesheet's palette variables are written out before WeasyPrint sees them
(a sixth of the time of a run of member statements), and only when that is exact."""

from __future__ import annotations

from pathlib import Path

from coopctl.reports.render.pdf import resolve_root_variables


def test_root_variables_are_substituted() -> None:
    css = ":root { --ink: #111; --accent: #1f3a5f; }\nh1 { color: var(--accent); }"
    out = resolve_root_variables(css)
    assert "var(" not in out and ":root" not in out
    assert "h1 { color: #1f3a5f; }" in out


def test_left_alone_when_substitution_would_change_the_cascade() -> None:
    redeclared = ":root { --a: red; } p { color: var(--a); } q { --a: blue }"
    fallback = ":root { --a: red; } p { color: var(--a, green); }"
    unknown = ":root { --a: red; } p { color: var(--b); }"
    twice = ":root { --a: red; --a: blue; } p { color: var(--a); }"
    for css in (redeclared, fallback, unknown, twice):
        assert resolve_root_variables(css) == css
    assert resolve_root_variables("p { color: red }") == "p { color: red }"


def test_the_shipped_stylesheet_loses_every_variable() -> None:
    shipped = Path(__file__).resolve().parents[2] / "reports" / "styles" / "report.css"
    css = shipped.read_text(encoding="utf-8")
    assert "var(--" in css
    out = resolve_root_variables(css)
    assert "var(" not in out
    assert "#1f3a5f" in out  # the accent colour, now written where it is used
