"""What must hold before a schemas tree is rewritten: every overlay still applies to the files
as they will be, and no file gains a oneOf ambiguity that no overlay resolves.

`schemas sync` and `schemas add` plan their writes in memory and ask this module first; a
problem means nothing is written (unless the user forces it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.lint import ambiguities
from embedcheck.schemas.overlay import OVERLAY_DIR_NAME, Overlay, apply_overlays, parse_overlay

Reader = Callable[[str], bytes | None]  # a tree path -> its bytes as they will be (None: absent)


def decode(content: bytes | None) -> Any:
    """The JSON value of a file's bytes; None when absent or not JSON (broken by hand)."""
    if content is None:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None


def overlays_in(root: Path) -> list[Overlay]:
    return [parse_overlay(p) for p in sorted((root / OVERLAY_DIR_NAME).glob("*.json"))]


def tree_reader(root: Path, pending: dict[str, bytes]) -> Reader:
    """Reads `pending` first, then the tree: the files as they will be after the write."""

    def read(path: str) -> bytes | None:
        if path in pending:
            return pending[path]
        target = root / path
        return target.read_bytes() if target.is_file() else None

    return read


def effective(raw: Any, target: str, overlays: list[Overlay]) -> Any:
    return apply_overlays(raw, target, [o for o in overlays if target in o.targets])


def overlay_problems(overlays: list[Overlay], read: Reader) -> list[str]:
    """One line per overlay target the overlays no longer fit, naming the op that failed."""
    problems = []
    for target in sorted({t for o in overlays for t in o.targets}):
        raw = decode(read(target))
        if raw is None:
            problems.append(f"{target}: missing or not JSON, overlays cannot apply")
            continue
        try:
            effective(raw, target, overlays)
        except SchemaError as exc:
            problems.append(str(exc))
    return problems


def _key(line: str) -> str:
    return line.split(" both match ", 1)[0]  # the pair, whatever example the search found


def new_ambiguities(
    changed: dict[str, tuple[bytes | None, bytes]], overlays: list[Overlay]
) -> list[str]:
    """For each changed file (old bytes, new bytes): overlapping variant pairs its new effective
    schema has and its old one did not. Files whose overlays fail are left to
    `overlay_problems`."""
    found: list[str] = []
    for path, (old, new) in sorted(changed.items()):
        try:
            after = ambiguities(effective(decode(new), path, overlays))
        except SchemaError:
            continue
        try:
            before = {_key(line) for line in ambiguities(effective(decode(old), path, overlays))}
        except SchemaError:
            before = set()
        found.extend(f"{path}: {line}" for line in after if _key(line) not in before)
    return found
