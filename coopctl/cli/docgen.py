"""Generate ``docs/cli-reference.md`` from the commands themselves.

    python -m coopctl.cli.docgen > docs/cli-reference.md

A test fails when a command has no help, no example, or is missing from the
committed reference.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from coopctl.cli.main import COMMANDS, cli


def walk() -> Iterator[tuple[str, click.Command]]:
    """Every leaf command as (full path, command), loading the lazy sub-apps."""
    ctx = click.Context(cli, info_name="coopctl")
    for name in sorted(COMMANDS):
        cmd = cli.get_command(ctx, name)
        if cmd is None:
            continue
        yield from _walk(f"coopctl {name}", cmd, ctx)


def _walk(
    path: str, cmd: click.Command, parent: click.Context
) -> Iterator[tuple[str, click.Command]]:
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd, info_name=path.split()[-1], parent=parent)
        if getattr(cmd, "invoke_without_command", False):
            yield path, cmd
        for sub in sorted(cmd.list_commands(ctx)):
            c = cmd.get_command(ctx, sub)
            if c is not None and not c.hidden:
                yield from _walk(f"{path} {sub}", c, ctx)
    else:
        yield path, cmd


def usage(path: str, cmd: click.Command) -> str:
    ctx = click.Context(cmd, info_name=path)
    pieces = cmd.collect_usage_pieces(ctx)
    return f"{path} {' '.join(pieces)}".strip()


def render() -> str:
    out = [
        "# coopctl command reference",
        "",
        "Generated from the commands' own help by `python -m coopctl.cli.docgen`;",
        "do not edit by hand. Exit codes and JSON keys: see `../shared/CLI.md` and",
        "`docs/architecture.md`.",
        "",
        "Global options: `--config PATH`, `--db URL`, `--read-db URL` (reports read a "
        "replica), `--debug`, `--version`.",
        "",
    ]
    for path, cmd in walk():
        out.append(f"## `{path}`")
        out.append("")
        out.append("```")
        out.append(usage(path, cmd))
        out.append("```")
        out.append("")
        out.append((cmd.help or "").strip())
        out.append("")
        opts = [p for p in cmd.params if isinstance(p, click.Option) and p.help]
        if opts:
            for p in opts:
                out.append(f"- `{' / '.join(p.opts)}`: {p.help}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
