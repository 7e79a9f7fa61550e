"""The README's "First steps" is real output: this test runs the transcript and fails
when the text differs. ``COOPCTL_UPDATE_README=1 pytest tests/cli/test_readme.py``
rewrites the block from a fresh run.

Transcript rules: ``$ `` starts a command (``\\`` continues it); leading
``NAME=value`` words are environment; ``> /dev/null`` drops stdout; ``; echo "exit $?"``
prints the exit code. Commands without ``COOPCTL_OPERATOR=`` run as the OS login,
here pinned to ``admin``. stderr is shown before stdout (messages come first);
trailing blanks at line ends are dropped.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from tests.conftest import run_cli

README = Path(__file__).resolve().parents[2] / "README.md"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _block(text: str) -> tuple[int, int]:
    start = text.index("```console", text.index("## First steps")) + len("```console\n")
    return start, text.index("```", start)


def _run(cmd: str) -> str:
    exit_note = False
    if cmd.endswith('; echo "exit $?"'):
        cmd, exit_note = cmd[: -len('; echo "exit $?"')], True
    if "  #" in cmd:  # a trailing comment for the reader
        cmd = cmd.split("  #", 1)[0]
    quiet = False
    if cmd.rstrip().endswith("> /dev/null"):
        cmd, quiet = cmd.rstrip()[: -len("> /dev/null")], True
    words = shlex.split(cmd)
    env = {"COOPCTL_OPERATOR": "admin"}
    while words and re.match(r"^[A-Z_]+=", words[0]):
        k, v = words.pop(0).split("=", 1)
        env[k] = v
    assert words[0] == "coopctl", cmd
    r = run_cli(words[1:], env)
    out = r.stderr + ("" if quiet else r.stdout)
    if exit_note:
        out += f"exit {r.exit_code}\n"
    elif r.exit_code != 0:
        raise AssertionError(f"{cmd!r} exited {r.exit_code}: {r.stderr}")
    return out


def test_readme_first_steps_is_real_output(isolated: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start, end = _block(text)
    block = text[start:end]
    (isolated / "id.png").write_bytes(PNG)
    (isolated / "photo.png").write_bytes(PNG + b"\x00")
    os.environ.pop("COOPCTL_WIDTH", None)
    produced: list[str] = []
    lines = block.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("$ "):
            shown = [lines[i]]
            while shown[-1].endswith("\\"):
                i += 1
                shown.append(lines[i])
            produced.extend(shown)
            cmd = " ".join(s.rstrip("\\").strip() for s in shown)[2:]
            out = _run(cmd)
            # trailing blanks (report tables pad their rows) are not kept in the README
            produced.extend(ln.rstrip() for ln in out.rstrip("\n").split("\n") if out.strip())
        i += 1
    generated = "\n".join(produced) + "\n"
    if os.environ.get("COOPCTL_UPDATE_README") == "1":
        README.write_text(text[:start] + generated + text[end:], encoding="utf-8")
        return
    assert block == generated, (
        "README 'First steps' differs from a real run; regenerate with "
        "COOPCTL_UPDATE_README=1 pytest tests/cli/test_readme.py"
    )
