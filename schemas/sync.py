"""`schemas sync`: compare freshly fetched upstream files with the vendored copies, record
their new provenance, write them (unless it is a dry run), and check the overlays still fit.

A file whose bytes did not change keeps its manifest entry untouched, so a sync that finds
nothing new leaves the tree, manifest.json included, byte-identical. Fetching happens before
planning (see `embedcheck.schemas.sync_sources`), so a failed fetch writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from embedcheck.schemas.diff import (
    Change,
    count_by_class,
    diff_schemas,
    direction_for,
    format_changes,
)
from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.jsonfile import read_json
from embedcheck.schemas.manifest import (
    Manifest,
    ModelRecord,
    SchemaFile,
    parse_manifest,
    replace_files,
    write_manifest,
)
from embedcheck.schemas.overlay import Overlay, apply_overlays, parse_overlay
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.sync_sources import Fetched

MANIFEST_NAME = "manifest.json"
OVERLAY_DIR_NAME = "overlays"
CURRENT = "current"


@dataclass(frozen=True)
class FileSync:
    """One fetched file against its vendored copy."""

    fetched: Fetched
    old: bytes | None  # None: no vendored copy yet
    entry: SchemaFile  # the manifest entry after the sync
    changes: tuple[Change, ...]

    @property
    def path(self) -> str:
        return self.fetched.path

    @property
    def changed(self) -> bool:
        return self.old != self.fetched.content

    def status(self) -> str:
        if self.old is None:
            return "new file"
        if not self.changed:
            return "unchanged"
        if not self.changes:
            return "changed (bytes only, same schema)"
        count = len(self.changes)
        return f"changed ({count} schema change{'s' if count != 1 else ''})"


@dataclass(frozen=True)
class SyncPlan:
    root: Path
    source_label: str
    before: Manifest
    after: Manifest
    files: tuple[FileSync, ...]
    overlay_problems: tuple[str, ...]  # overlays that no longer fit the synced files
    split_drift: tuple[str, ...]  # split files that no longer follow their full schema

    @property
    def changed(self) -> list[FileSync]:
        return [f for f in self.files if f.changed]

    @property
    def manifest_changed(self) -> bool:
        return self.after != self.before


def _decode(content: bytes | None) -> Any:
    if content is None:
        return None
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None  # a vendored file broken by hand: the sync replaces it, nothing to diff


def _new_entry(item: Fetched, today: str) -> SchemaFile:
    return SchemaFile(
        path=item.path,
        subject=item.subject,
        role=item.role,
        version=CURRENT,
        origin=item.origin,
        source_url=item.source_url,
        retrieved=today,
        sha256=hashlib.sha256(item.content).hexdigest(),
        derived_from=item.derived_from,
        note=item.note,
    )


def _compare(item: Fetched, old: bytes | None, entry: SchemaFile | None, today: str) -> FileSync:
    if old == item.content and entry is not None:
        return FileSync(item, old, entry, ())
    old_value = _decode(old)
    direction = direction_for(item.role)
    changes: tuple[Change, ...] = ()
    if old_value is not None and direction is not None and old != item.content:
        changes = tuple(diff_schemas(old_value, _decode(item.content), direction=direction))
    return FileSync(item, old, _new_entry(item, today), changes)


def load_overlays_in(root: Path) -> list[Overlay]:
    return [parse_overlay(p) for p in sorted((root / OVERLAY_DIR_NAME).glob("*.json"))]


def overlay_problems(root: Path, contents: dict[str, bytes]) -> list[str]:
    """One line per overlay target the overlays no longer fit, reading `contents` first and
    the tree under `root` for the rest."""
    overlays = load_overlays_in(root)
    problems = []
    for target in sorted({t for o in overlays for t in o.targets}):
        raw = _decode(contents[target] if target in contents else _read(root / target))
        if raw is None:
            problems.append(f"{target}: missing or not JSON, overlays cannot apply")
            continue
        try:
            apply_overlays(raw, target, [o for o in overlays if target in o.targets])
        except SchemaError as exc:
            problems.append(str(exc))
    return problems


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def split_drift(root: Path, contents: dict[str, bytes], paths: list[str]) -> list[str]:
    """Split files among `paths` that differ from what `embedcheck.schemas.split` derives from their
    model's full schemas (e.g. the docs site changed but the full schemas were not synced)."""
    drift = []
    for path in paths:
        role = PurePosixPath(path).stem
        if role not in SPLIT_ROLES:
            continue
        kind = "input" if role.endswith("input") else "output"
        full_path = str(PurePosixPath(path).with_name(f"{kind}.json"))
        full = _decode(contents.get(full_path, _read(root / full_path)))
        split_file = _decode(contents.get(path, _read(root / path)))
        if not isinstance(full, dict) or split_file is None:
            continue
        derived = split_input(full) if kind == "input" else split_output(full)
        if derived.get(role) != split_file:
            drift.append(f"{path} no longer follows {full_path} by the docs-site split rule")
    return drift


def models_to_sync(root: Path, names: list[str]) -> list[ModelRecord]:
    """The models named (ids or slugs, duplicates dropped), or every Workers AI model."""
    manifest = parse_manifest(read_json(root / MANIFEST_NAME))
    if not names:
        return [m for m in manifest.models if m.provider == "workers-ai"]
    chosen = {manifest.model(name).id: manifest.model(name) for name in names}
    return list(chosen.values())


def plan_sync(root: Path, fetched: list[Fetched], *, today: str, source_label: str) -> SyncPlan:
    """What a sync of `fetched` into the schemas tree at `root` changes; writes nothing."""
    before = parse_manifest(read_json(root / MANIFEST_NAME))
    entries = {e.path: e for e in before.files}
    files = tuple(
        _compare(item, _read(root / item.path), entries.get(item.path), today) for item in fetched
    )
    contents = {f.path: f.fetched.content for f in files}
    return SyncPlan(
        root=root,
        source_label=source_label,
        before=before,
        after=replace_files(before, [f.entry for f in files]),
        files=files,
        overlay_problems=tuple(overlay_problems(root, contents)),
        split_drift=tuple(split_drift(root, contents, list(contents))),
    )


def write_sync(plan: SyncPlan) -> list[str]:
    """Write the changed files, then the manifest; the paths written, relative to the root."""
    written = []
    for item in plan.changed:
        target = plan.root / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(item.fetched.content)
        written.append(item.path)
    if plan.manifest_changed:
        write_manifest(plan.after, plan.root / MANIFEST_NAME)
        written.append(MANIFEST_NAME)
    return written


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines() if line.strip()]


def report_lines(plan: SyncPlan, *, dry_run: bool) -> list[str]:
    """The terminal report: each file with its status and classified diff, then a summary."""
    models = len({f.fetched.subject for f in plan.files})
    lines = [f"fetched {len(plan.files)} files of {models} models from {plan.source_label}"]
    for item in plan.files:
        lines.append(f"{item.path}: {item.status()}")
        if item.changes:
            lines.extend(_indented(format_changes(list(item.changes))))
    lines.extend(f"note: {drift}" for drift in plan.split_drift)
    if plan.split_drift:
        lines.append("note: the full schemas come from the model-schema API (--source api)")
    lines.extend(f"warning: overlay {problem}" for problem in plan.overlay_problems)
    lines.append(_summary(plan, dry_run=dry_run))
    return lines


def _summary(plan: SyncPlan, *, dry_run: bool) -> str:
    changed = plan.changed
    to_write = [f.path for f in changed] + ([MANIFEST_NAME] if plan.manifest_changed else [])
    if not to_write:
        return f"no changes: all {len(plan.files)} files match the vendored copies; nothing written"
    classes = count_by_class([c for f in changed for c in f.changes])
    counted = ", ".join(f"{n} {name}" for name, n in classes.items() if n)
    head = f"{len(changed)} of {len(plan.files)} files changed"
    if counted:
        head += f" ({counted})"
    parts = [f"{len(changed)} files"] if changed else []
    if plan.manifest_changed:
        parts.append(MANIFEST_NAME)
    files = " and ".join(parts)
    if dry_run:
        return f"{head}; dry run: would write {files}, nothing written"
    return f"{head}; wrote {files}"
