"""The manifest: every vendored schema file with its provenance and hash, and the model facts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedcheck.schemas.errors import SchemaError, UnknownModelError
from embedcheck.schemas.jsonfile import dump_json, read_json
from embedcheck.schemas.location import PACKAGED_ROOT, schema_root

if TYPE_CHECKING:
    from embedcheck.schemas.capabilities import Capabilities

SCHEMA_ROOT = PACKAGED_ROOT  # the tree shipped with embedcheck; schema_root() is the one in use
MANIFEST_NAME = "manifest.json"
MANIFEST_PATH = SCHEMA_ROOT / MANIFEST_NAME
MANIFEST_FORMAT = 1

# Where a file came from: published upstream (byte-for-byte), derived from such a file by a
# documented rule, or written by us from documented wire facts.
ORIGINS = ("upstream", "derived", "authored")


# What older manifests recorded per model and is now read from the input schema.
LEGACY_FLAGS = ("pooling", "scoring", "batch")


@dataclass(frozen=True)
class ModelRecord:
    """One model's facts: what no schema says. The README's "Adding a model" lists who reads
    each field. `pooling`, `scoring` and `batch` are derived from the effective input schema."""

    id: str  # the model name in the URL, e.g. @cf/baai/bge-m3
    provider: str  # "workers-ai": which profile serves it
    slug: str  # the folder under workers-ai/ and the docs site's name for it
    dims: int  # vector length of every embedding
    max_input_tokens: int  # tokens one input may hold before the model truncates or refuses
    context_window: int | None = None  # the model record's context window, when it gives one
    notes: str = ""
    # Flags an older manifest carried; used only when the input schema cannot be read.
    declared: tuple[tuple[str, bool], ...] = field(default=(), compare=False, repr=False)
    # The schemas tree the record was read from (None: the tree in use).
    root: Path | None = field(default=None, compare=False, repr=False)

    @property
    def capabilities(self) -> Capabilities:
        # Imported here: the store reads manifests, so it cannot be imported at module level.
        from embedcheck.schemas.capabilities import Capabilities, input_capabilities
        from embedcheck.schemas.store import effective_at

        try:
            schema = effective_at(self.root or schema_root(), self.id, "input")
        except SchemaError:
            flags = dict(self.declared)
            return Capabilities(*(flags.get(name, False) for name in LEGACY_FLAGS))
        return input_capabilities(schema)

    @property
    def pooling(self) -> bool:
        """Accepts the `pooling` input."""
        return self.capabilities.pooling

    @property
    def scoring(self) -> bool:
        """Accepts query + contexts and answers with scores."""
        return self.capabilities.scoring

    @property
    def batch(self) -> bool:
        """Accepts `{"requests": [...]}` on the async queue."""
        return self.capabilities.batch

    def as_json(self) -> dict[str, Any]:
        """The record as manifest.json stores it."""
        return {name: getattr(self, name) for name in RECORD_FIELDS}


RECORD_FIELDS = ("id", "provider", "slug", "dims", "max_input_tokens", "context_window", "notes")


def parse_record(data: dict[str, Any], root: Path | None = None) -> ModelRecord:
    """A manifest's model entry; legacy flags are kept aside, unknown keys are an error."""
    if not isinstance(data, dict):
        raise SchemaError(f"a manifest model entry must be an object, got {data!r}")
    unknown = sorted(set(data) - set(RECORD_FIELDS) - set(LEGACY_FLAGS))
    missing = [name for name in RECORD_FIELDS[:5] if name not in data]
    name = data.get("id", "?")
    if unknown or missing:
        problem = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]!r}"
        raise SchemaError(
            f"manifest model {name!r}: {problem} (fields: {', '.join(RECORD_FIELDS)})"
        )
    declared = tuple((flag, bool(data[flag])) for flag in LEGACY_FLAGS if flag in data)
    facts = {k: v for k, v in data.items() if k in RECORD_FIELDS}
    return ModelRecord(**facts, declared=declared, root=root)


@dataclass(frozen=True)
class SchemaFile:
    path: str  # relative to the schema root, with forward slashes
    subject: str  # a model id, or a family such as "openai-embeddings"
    role: str
    version: str
    origin: str
    source_url: str
    retrieved: str
    sha256: str
    extracted_from: str = ""
    derived_from: str = ""
    note: str = ""

    @property
    def absolute(self) -> Path:
        return schema_root() / self.path


@dataclass(frozen=True)
class Manifest:
    models: tuple[ModelRecord, ...]
    files: tuple[SchemaFile, ...]

    def model(self, name: str) -> ModelRecord:
        """Look a model up by id (`@cf/baai/bge-m3`) or by slug (`bge-m3`)."""
        for record in self.models:
            if name in (record.id, record.slug):
                return record
        known = ", ".join(m.id for m in self.models)
        raise UnknownModelError(f"unknown model {name!r} (known: {known})")

    def file(self, subject: str, role: str, version: str = "current") -> SchemaFile:
        for entry in self.files:
            if (entry.subject, entry.role, entry.version) == (subject, role, version):
                return entry
        raise SchemaError(f"no {role!r} schema for {subject!r} at version {version!r}")

    def files_of(self, subject: str, version: str = "current") -> list[SchemaFile]:
        return [f for f in self.files if f.subject == subject and f.version == version]

    def versions(self, subject: str) -> list[str]:
        return sorted({f.version for f in self.files if f.subject == subject})


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_manifest(data: dict[str, Any], root: Path | None = None) -> Manifest:
    """`root`: the tree the manifest belongs to, whose schemas the model records read."""
    try:
        models = tuple(parse_record(m, root) for m in data["models"])
        files = tuple(SchemaFile(**f) for f in data["files"])
    except (KeyError, TypeError) as exc:
        raise SchemaError(f"manifest.json is not a schemas manifest ({exc})") from None
    return Manifest(models=models, files=files)


def read_manifest(root: Path) -> Manifest:
    """The manifest of the schemas tree at `root`, read now (not cached)."""
    return parse_manifest(read_json(root / MANIFEST_NAME), root)


def load_manifest() -> Manifest:
    """The manifest of the schemas tree in use (`location.schema_root`)."""
    return _load_manifest(schema_root())


@cache
def _load_manifest(root: Path) -> Manifest:
    return read_manifest(root)


def hash_mismatches(manifest: Manifest, root: Path | None = None) -> list[str]:
    """One line per file whose bytes are not the bytes the manifest recorded (files read from
    `root`, default the tree in use)."""
    problems = []
    for entry in manifest.files:
        path = entry.absolute if root is None else root / entry.path
        if not path.is_file():
            problems.append(f"{entry.path}: missing")
        elif (actual := sha256_of(path)) != entry.sha256:
            problems.append(f"{entry.path}: sha256 {actual} != manifest {entry.sha256}")
    return problems


def replace_files(manifest: Manifest, entries: Iterable[SchemaFile]) -> Manifest:
    """The manifest with `entries` in place of the entries at the same paths; new paths added."""
    updates = {entry.path: entry for entry in entries}
    kept = tuple(updates.pop(entry.path, entry) for entry in manifest.files)
    return replace(manifest, files=kept + tuple(updates.values()))


def manifest_text(manifest: Manifest) -> str:
    """manifest.json's text: files sorted by path, so an unchanged manifest serialises the same."""
    document = {
        "format": MANIFEST_FORMAT,
        "models": [m.as_json() for m in manifest.models],
        "files": [asdict(e) for e in sorted(manifest.files, key=lambda e: e.path)],
    }
    return dump_json(document)


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write `manifest` exactly as `embedcheck.schemas.seed_import` does: a rewrite of an unchanged
    manifest leaves the file byte-identical."""
    path.write_text(manifest_text(manifest), encoding="utf-8")
