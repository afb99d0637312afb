"""`schemas add`: bring a model the manifest does not know into a schemas tree.

The plan holds everything the tree gains, written together or not at all: the raw full
schemas (byte-for-byte as given or served), the split files derived by the docs-site rule, the
overlays the standard upstream ambiguities need (`embedcheck.schemas.overlay_derive`), and the
manifest record with one provenance entry per file. The gate then checks the result as
`schemas lint --effective --strict` would; anything the derivation could not resolve is named,
and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from embedcheck.schemas.errors import SchemaError
from embedcheck.schemas.gate import decode, effective, overlay_problems, overlays_in, tree_reader
from embedcheck.schemas.jsonfile import dump_json
from embedcheck.schemas.lint import ambiguities
from embedcheck.schemas.manifest import (
    MANIFEST_NAME,
    Manifest,
    ModelRecord,
    SchemaFile,
    manifest_text,
    read_manifest,
    replace_files,
)
from embedcheck.schemas.overlay import OVERLAY_DIR_NAME, overlay_from
from embedcheck.schemas.overlay_derive import derive_overlay, overlay_document
from embedcheck.schemas.split import SPLIT_ROLES, split_input, split_output
from embedcheck.schemas.stage import write_tree
from embedcheck.schemas.store import forget_cached
from embedcheck.schemas.sync_sources import SPLIT_NOTE, Fetched, manifest_entry, model_file


@dataclass(frozen=True)
class AddPlan:
    root: Path
    record: ModelRecord
    files: tuple[SchemaFile, ...]
    contents: dict[str, bytes]  # every file written, manifest.json included
    overlays: tuple[str, ...]  # overlay files written (tree paths)
    problems: tuple[str, ...]  # what could not be derived or still fails lint

    def writes(self) -> dict[str, bytes]:
        return dict(self.contents)


def slug_of(model_id: str) -> str:
    """The folder name of a model: the last part of its id (`@cf/acme/embed-x` -> embed-x)."""
    slug = model_id.rstrip("/").rsplit("/", 1)[-1]
    if not slug or slug in (".", "..") or not all(c.isalnum() or c in "-_." for c in slug):
        raise SchemaError(
            f"cannot name a folder after model id {model_id!r}: its last part must be letters, "
            "digits, '-', '_' or '.'"
        )
    return slug


def split_files(record: ModelRecord, full: list[Fetched]) -> list[Fetched]:
    """The split files derived from local full schemas (origin "derived", the full file's URL)."""
    schemas = {f.role: decode(f.content) for f in full}
    urls = {f.role: f.source_url for f in full}
    derived = {**split_input(schemas["input"]), **split_output(schemas["output"])}
    return [
        Fetched(
            model_file(record, role),
            record.id,
            role,
            dump_json(derived[role]).encode("utf-8"),
            "derived",
            urls["input" if role.endswith("input") else "output"],
            derived_from=model_file(record, "input" if role.endswith("input") else "output"),
            note=SPLIT_NOTE,
        )
        for role in SPLIT_ROLES
        if role in derived
    ]


def check_new(manifest: Manifest, record: ModelRecord) -> None:
    for known in manifest.models:
        if record.id == known.id:
            raise SchemaError(
                f"{record.id} is already in the manifest; `embedcheck schemas sync --model "
                f"{record.slug}` updates it"
            )
        if record.slug == known.slug:
            raise SchemaError(f"slug {record.slug!r} is already used by {known.id}")


def plan_add(root: Path, record: ModelRecord, files: list[Fetched], *, today: str) -> AddPlan:
    """Everything `schemas add` writes for `record`, given its files (full schemas first)."""
    manifest = read_manifest(root)
    check_new(manifest, record)
    contents = {f.path: f.content for f in files}
    overlays = overlays_in(root)
    clashing = [f.path for f in files if (root / f.path).exists()]
    if clashing:
        raise SchemaError(f"{clashing[0]} already exists in {root}; remove it or pick another id")
    problems: list[str] = []
    new_overlays: dict[str, bytes] = {}
    for item in files:
        kind = "input" if item.role.endswith("input") else "output"
        derived = derive_overlay(item.path, decode(item.content), kind=kind, name=True)
        problems.extend(derived.problems)
        if not derived.ops:
            continue
        path = f"{OVERLAY_DIR_NAME}/{record.slug}-{item.role}.json"
        if (root / path).exists():
            raise SchemaError(f"{path} already exists in {root}; remove it first")
        new_overlays[path] = dump_json(overlay_document(derived, record.id, today)).encode()
    for path, content in new_overlays.items():
        overlays.append(overlay_from(decode(content), root / path))
    read = tree_reader(root, {**contents, **new_overlays})
    problems.extend(overlay_problems(overlays, read))
    for item in files:
        try:
            schema = effective(decode(item.content), item.path, overlays)
        except SchemaError:
            continue  # already named by overlay_problems
        problems.extend(f"{item.path} (effective): {line}" for line in ambiguities(schema))
    entries = [manifest_entry(f, f.content, today) for f in files]
    after = replace_files(
        Manifest(models=(*manifest.models, record), files=manifest.files), entries
    )
    writes = {**contents, **new_overlays, MANIFEST_NAME: manifest_text(after).encode("utf-8")}
    return AddPlan(
        root, record, tuple(entries), writes, tuple(sorted(new_overlays)), tuple(problems)
    )


def write_add(plan: AddPlan) -> list[str]:
    written = write_tree(plan.root, plan.writes())
    forget_cached()
    return written
