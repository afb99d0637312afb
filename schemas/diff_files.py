"""`schemas diff` on paths: two schema files, or two directories whose JSON files are paired
by name (input.json with input.json), each with its direction given or guessed from its name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedcheck.schemas.diff import (
    change_as_json,
    count_by_class,
    diff_schemas,
    direction_for,
    format_changes,
    format_summary,
)
from embedcheck.schemas.diff_model import Change, Direction, Party
from embedcheck.schemas.errors import SchemaError, SchemaFileError
from embedcheck.schemas.jsonfile import read_json


class DiffPathError(SchemaError):
    """OLD and NEW cannot be compared as given (a file against a directory...)."""


class DirectionUnknownError(SchemaError):
    """Neither the caller nor the file name says whether a schema is a request or a response."""

    def __init__(self, name: str) -> None:
        super().__init__(f"cannot tell whether {name} is a request or a response schema")
        self.name = name


@dataclass(frozen=True)
class FileDiff:
    old: Path
    new: Path
    direction: Direction
    changes: list[Change]


@dataclass(frozen=True)
class PathsDiff:
    files: list[FileDiff]
    only_old: list[Path] = field(default_factory=list)
    only_new: list[Path] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [c for f in self.files for c in f.changes]

    def breaks(self, party: Party) -> bool:
        return any(c.breaks(party) for c in self.changes)


def _direction(old: Path, new: Path, given: Direction | None) -> Direction:
    if given is not None:
        return given
    guesses = {direction_for(old.name), direction_for(new.name)} - {None}
    if len(guesses) != 1:
        raise DirectionUnknownError(new.name if old.name == new.name else f"{old} / {new}")
    (guess,) = guesses
    assert guess is not None
    return guess


def _diff_file(old: Path, new: Path, direction: Direction | None) -> FileDiff:
    chosen = _direction(old, new, direction)
    changes = diff_schemas(read_json(old), read_json(new), direction=chosen)
    return FileDiff(old, new, chosen, changes)


def _json_files(folder: Path) -> dict[str, Path]:
    return {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix == ".json"}


def diff_paths(old: Path, new: Path, direction: Direction | None = None) -> PathsDiff:
    """Diff two files, or every same-named JSON file of two directories (not recursive)."""
    for path in (old, new):
        if not path.exists():
            raise SchemaFileError(f"{path}: no such file or directory")
    if old.is_dir() != new.is_dir():
        folder, other = (old, new) if old.is_dir() else (new, old)
        raise DiffPathError(f"{folder} is a directory but {other} is not: give two of a kind")
    if not old.is_dir():
        return PathsDiff([_diff_file(old, new, direction)])
    old_files, new_files = _json_files(old), _json_files(new)
    shared = [name for name in old_files if name in new_files]
    if not shared:
        raise DiffPathError(f"{old} and {new} have no JSON file name in common")
    # Guess every direction before reading anything, so one unclear name fails fast.
    for name in shared:
        _direction(old_files[name], new_files[name], direction)
    return PathsDiff(
        [_diff_file(old_files[name], new_files[name], direction) for name in shared],
        [path for name, path in old_files.items() if name not in new_files],
        [path for name, path in new_files.items() if name not in old_files],
    )


def format_paths_diff(result: PathsDiff) -> str:
    """Text report: per file a header when there are several, its changes, a summary line."""
    blocks = []
    several = len(result.files) > 1 or result.only_old or result.only_new
    for entry in result.files:
        lines = []
        if several:
            lines.append(f"== {entry.old} -> {entry.new} ({entry.direction})")
        if entry.changes:
            lines.append(format_changes(entry.changes))
        lines.append(format_summary(entry.changes))
        blocks.append("\n".join(lines))
    lines = [f"only in OLD: {path}" for path in result.only_old]
    lines += [f"only in NEW: {path}" for path in result.only_new]
    if several:
        lines.append(f"total: {format_summary(result.changes)} in {len(result.files)} files")
    if lines:
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def paths_diff_as_json(result: PathsDiff) -> dict[str, Any]:
    return {
        "files": [
            {
                "old": str(entry.old),
                "new": str(entry.new),
                "direction": entry.direction,
                "changes": [change_as_json(c) for c in entry.changes],
                "counts": count_by_class(entry.changes),
            }
            for entry in result.files
        ],
        "only_old": [str(p) for p in result.only_old],
        "only_new": [str(p) for p in result.only_new],
        "counts": count_by_class(result.changes),
    }
