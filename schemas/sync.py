"""`schemas sync`: bring the vendored schemas of some models up to date with upstream, as one
consistent change of the tree, or not at all.

Whatever the source serves, every file downstream reads is planned together: the full
`input.json`/`output.json` (which generate, the mock and the suite read), the four split
files, and their manifest entries with provenance and sha256.
- From the model-schema API (the full schemas), the split files are derived by the docs-site
  rule (`embedcheck.schemas.split`).
- From the docs site (split files only), the full schemas are derived by putting the served
  branches back into the vendored full schemas (`split.merge_input` / `merge_output`), origin
  "derived"; branches the docs site never serves are kept and named in the report.
A file whose content did not change keeps its bytes and manifest entry, so a sync that finds
nothing new leaves the tree byte-identical. Before anything is written the plan must pass the
gate (`embedcheck.schemas.gate`): every overlay still applies and no file gains an ambiguity.
Fetching happens before planning (see `embedcheck.schemas.sync_sources`), so a failed fetch
writes nothing; writing goes through `embedcheck.schemas.stage` (staged, then moved).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from embedcheck.schemas.diff import (
    count_by_class,
    diff_schemas,
    direction_for,
    format_changes,
)
from embedcheck.schemas.diff_model import Change
from embedcheck.schemas.gate import (
    decode,
    new_ambiguities,
    overlay_problems,
    overlays_in,
    tree_reader,
)
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.manifest import (
    MANIFEST_NAME,
    Manifest,
    ModelRecord,
    SchemaFile,
    manifest_text,
    read_manifest,
    replace_files,
)
from embedcheck.schemas.split import (
    SPLIT_ROLES,
    merge_input,
    merge_output,
    split_input,
    split_output,
)
from embedcheck.schemas.stage import write_tree
from embedcheck.schemas.store import forget_cached
from embedcheck.schemas.sync_sources import Fetched, manifest_entry

MERGE_NOTE = (
    "docs-site split files put back into the vendored full schema "
    "(schemas/split.py merge_input/merge_output)"
)


@dataclass(frozen=True)
class FileSync:
    """One file as upstream has it now against its vendored copy."""

    fetched: Fetched
    old: bytes | None  # None: no vendored copy yet
    content: bytes  # what the tree will hold (the old bytes when only our serialisation differs)
    entry: SchemaFile  # the manifest entry after the sync
    changes: tuple[Change, ...]

    @property
    def path(self) -> str:
        return self.fetched.path

    @property
    def changed(self) -> bool:
        return self.old != self.content

    def status(self) -> str:
        derived = ", derived" if self.fetched.origin == "derived" and self.changed else ""
        if self.old is None:
            return f"new file{derived}"
        if not self.changed:
            return "unchanged"
        if not self.changes and decode(self.old) == decode(self.content):
            return f"changed (bytes only, same schema{derived})"
        if not self.changes:
            return f"changed (same instances valid: order or annotations only{derived})"
        count = len(self.changes)
        return f"changed ({count} schema change{'s' if count != 1 else ''}{derived})"


@dataclass(frozen=True)
class SyncPlan:
    root: Path
    source_label: str
    fetched: int  # files the source served (the rest are derived from them)
    before: Manifest
    after: Manifest
    files: tuple[FileSync, ...]
    overlay_problems: tuple[str, ...]  # overlay ops that no longer apply to the new files
    ambiguities: tuple[str, ...]  # oneOf overlaps the new effective schemas gained
    notes: tuple[str, ...]  # what the user should know: branches kept, split drift

    @property
    def changed(self) -> list[FileSync]:
        return [f for f in self.files if f.changed]

    @property
    def manifest_changed(self) -> bool:
        return self.after != self.before

    @property
    def blocked(self) -> bool:
        """The files would break downstream: nothing is written unless forced."""
        return bool(self.overlay_problems or self.ambiguities)

    def writes(self) -> dict[str, bytes]:
        """Every path the sync writes, with its bytes: changed files and the manifest."""
        out = {f.path: f.content for f in self.changed}
        if self.manifest_changed:
            out[MANIFEST_NAME] = manifest_text(self.after).encode("utf-8")
        return out


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _compare(item: Fetched, old: bytes | None, entry: SchemaFile | None, today: str) -> FileSync:
    old_value, new_value = decode(old), decode(item.content)
    same = old == item.content or (
        item.by_value and old_value is not None and old_value == new_value
    )
    if same and old is not None and entry is not None:
        return FileSync(item, old, old, entry, ())
    direction = direction_for(item.role)
    changes: tuple[Change, ...] = ()
    if old_value is not None and direction is not None and old_value != new_value:
        changes = tuple(diff_schemas(old_value, new_value, direction=direction))
    return FileSync(item, old, item.content, manifest_entry(item, item.content, today), changes)


def _folder(path: str) -> str:
    return str(PurePosixPath(path).parent)


def derive_full_files(root: Path, fetched: list[Fetched]) -> tuple[list[Fetched], list[str]]:
    """For each model served as split files only: its full input.json and output.json, put
    together by `split.merge_*` from the served files and the vendored full schemas; and the
    notes saying which vendored branches were kept because the docs site does not serve them."""
    by_folder: dict[str, dict[str, Fetched]] = defaultdict(dict)
    for item in fetched:
        by_folder[_folder(item.path)][item.role] = item
    derived: list[Fetched] = []
    notes: list[str] = []
    for folder, items in by_folder.items():
        if "input" in items or "output" in items or not set(items) <= set(SPLIT_ROLES):
            continue
        served = {role: decode(item.content) for role, item in items.items()}
        sync_out, batch_out = served.get("sync-output"), served.get("batch-output")
        if sync_out is not None and batch_out is not None and sync_out != batch_out:
            notes.append(
                f"{folder}/batch-output.json differs from sync-output.json; the docs site serves "
                "one output branch as both, so output.json follows sync-output.json"
            )
        first = items.get("sync-input", next(iter(items.values())))
        page = first.source_url.rsplit("/", 1)[0] + "/"
        for role in ("input", "output"):
            path = f"{folder}/{role}.json"
            vendored = decode(_read(root / path))
            previous = vendored if isinstance(vendored, dict) else None
            parts = {r: v for r, v in served.items() if r.endswith(role) and isinstance(v, dict)}
            if role == "input":
                full, kept = merge_input(previous, parts)
            else:
                full, kept = merge_output(previous, parts, batch="batch-input" in served)
            sources = ", ".join(f"{folder}/{r}.json" for r in sorted(parts))
            derived.append(
                Fetched(
                    path,
                    first.subject,
                    role,
                    dump_json(full).encode("utf-8"),
                    "derived",
                    page,
                    derived_from=sources,
                    note=MERGE_NOTE + (f"; kept as vendored: {', '.join(kept)}" if kept else ""),
                    by_value=True,
                )
            )
            if kept and previous is not None and full != previous:
                notes.append(
                    f"{path}: {', '.join(kept)} not served by the docs site, kept as vendored "
                    "(--source api fetches the full schema)"
                )
    return derived, notes


def split_drift(read: Any, paths: list[str]) -> list[str]:
    """Split files among `paths` that differ from what `embedcheck.schemas.split` derives from
    their model's full schemas as they will be."""
    drift = []
    for path in paths:
        role = PurePosixPath(path).stem
        if role not in SPLIT_ROLES:
            continue
        kind = "input" if role.endswith("input") else "output"
        full_path = str(PurePosixPath(path).with_name(f"{kind}.json"))
        full, split_file = decode(read(full_path)), decode(read(path))
        if not isinstance(full, dict) or split_file is None:
            continue
        derived = split_input(full) if kind == "input" else split_output(full)
        if derived.get(role) != split_file:
            drift.append(f"{path} does not follow {full_path} by the docs-site split rule")
    return drift


def models_to_sync(root: Path, names: list[str]) -> list[ModelRecord]:
    """The models named (ids or slugs, duplicates dropped), or every Workers AI model."""
    manifest = read_manifest(root)
    if not names:
        return [m for m in manifest.models if m.provider == "workers-ai"]
    chosen = {manifest.model(name).id: manifest.model(name) for name in names}
    return list(chosen.values())


def plan_sync(root: Path, fetched: list[Fetched], *, today: str, source_label: str) -> SyncPlan:
    """What a sync of `fetched` into the schemas tree at `root` changes; writes nothing."""
    before = read_manifest(root)
    derived, notes = derive_full_files(root, fetched)
    entries = {e.path: e for e in before.files}
    files = tuple(
        _compare(item, _read(root / item.path), entries.get(item.path), today)
        for item in [*fetched, *derived]
    )
    pending = {f.path: f.content for f in files if f.changed}
    read = tree_reader(root, pending)
    overlays = overlays_in(root)
    return SyncPlan(
        root=root,
        source_label=source_label,
        fetched=len(fetched),
        before=before,
        after=replace_files(before, [f.entry for f in files]),
        files=files,
        overlay_problems=tuple(overlay_problems(overlays, read)),
        ambiguities=tuple(
            new_ambiguities({f.path: (f.old, f.content) for f in files if f.changed}, overlays)
        ),
        notes=tuple(notes + split_drift(read, [f.path for f in files])),
    )


def write_sync(plan: SyncPlan) -> list[str]:
    """Write the changed files, then the manifest, all or nothing; the paths written."""
    written = write_tree(plan.root, plan.writes())
    forget_cached()  # this process may read the tree again (tests, a mock started after)
    return written


def _indented(text: str) -> list[str]:
    return ["    " + line for line in text.splitlines() if line.strip()]


def report_lines(
    plan: SyncPlan, *, dry_run: bool, force: bool = False, verbose: bool = False
) -> list[str]:
    """The terminal report: each changed file (every file when `verbose`) with its status and
    classified diff, the notes, the problems that stop the write, then a summary."""
    models = len({f.fetched.subject for f in plan.files})
    derived = len(plan.files) - plan.fetched
    lines = [
        f"fetched {plan.fetched} files of {models} models from {plan.source_label}"
        + (f", derived {derived} from them" if derived else "")
    ]
    for item in plan.files:
        if item.changed or verbose:
            lines.append(f"{item.path}: {item.status()}")
        if item.changes:
            lines.extend(_indented(format_changes(list(item.changes))))
    unchanged = len(plan.files) - len(plan.changed)
    if unchanged and not verbose and plan.changed:
        lines.append(f"{unchanged} files unchanged (--verbose lists them)")
    lines.extend(f"note: {note}" for note in plan.notes)
    level = "warning" if force else "error"
    lines.extend(f"{level}: overlay {problem}" for problem in plan.overlay_problems)
    lines.extend(f"{level}: new ambiguity in {line}" for line in plan.ambiguities)
    if dry_run:
        lines.extend(f"would write {path}" for path in plan.writes())
    lines.append(_summary(plan, dry_run=dry_run, force=force))
    return lines


def _summary(plan: SyncPlan, *, dry_run: bool, force: bool) -> str:
    changed = plan.changed
    writes = plan.writes()
    if not writes:
        return f"no changes: all {len(plan.files)} files match the vendored copies; nothing written"
    classes = count_by_class([c for f in changed for c in f.changes])
    counted = ", ".join(f"{n} {name}" for name, n in classes.items() if n)
    head = f"{len(changed)} of {len(plan.files)} files changed"
    if counted:
        head += f" ({counted})"
    parts = [f"{len(changed)} file{'s' if len(changed) != 1 else ''}"] if changed else []
    if plan.manifest_changed:
        parts.append(MANIFEST_NAME)
    files = " and ".join(parts)
    if plan.blocked and not force:
        problems = len(plan.overlay_problems) + len(plan.ambiguities)
        return (
            f"{head}; {problems} problem{'s' if problems != 1 else ''} above: nothing written "
            "(fix or re-pin the overlay named, or pass --force to write anyway)"
        )
    if dry_run:
        return f"{head}; dry run: would write {files}, nothing written"
    return f"{head}; wrote {files}"
