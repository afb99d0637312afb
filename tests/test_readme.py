"""The README's structure survives edits and merges: the Quick start, headings, code fences.

A merge once glued a heading onto a line inside a code block and dropped three sections
without any test noticing until a later option check failed; these catch it at the source.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^(```|~~~)")


def _fenced_lines() -> list[tuple[int, str, bool]]:
    """Each line with its number and whether it sits inside a code block."""
    inside = False
    lines = []
    for number, line in enumerate(README.splitlines(), start=1):
        if FENCE.match(line):
            inside = not inside
            continue
        lines.append((number, line, inside))
    assert not inside, "README.md ends inside a code block: a fence is missing"
    return lines


def test_the_quick_start_is_the_two_commands_ci_runs() -> None:
    quick = README.split("\n## Quick start\n", 1)[1]
    first_block = quick.split("```", 2)[1]
    assert first_block.strip().splitlines() == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "make test"


def test_no_heading_is_swallowed_by_a_code_block_or_glued_to_a_line() -> None:
    swallowed = [
        (n, line) for n, line, inside in _fenced_lines() if inside and re.match(r"^#{2,} \S", line)
    ]
    glued = [(n, line) for n, line, _ in _fenced_lines() if re.search(r"[^\s#`]#{2,} [A-Z]", line)]
    assert (swallowed, glued) == ([], [])


def test_every_section_is_there() -> None:
    headings = [line for _, line, inside in _fenced_lines() if not inside and line.startswith("#")]
    for wanted in (
        "## Quick start",
        "### The pytest plugin",
        "### The example database: `--example-db`",
        "### Tolerances: `--tolerance`, `--determinism-tolerance`",
        "## Networks: proxies and CAs",
        "## Speed",
        "## What embedcheck finds in real servers",
    ):
        assert wanted in headings, (wanted, headings)
