"""The manifest: every vendored schema file with its provenance and hash, and the model facts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from embedcheck.schemas.errors import SchemaError, UnknownModelError
from embedcheck.schemas.jsonfile import dump_json, read_json
from embedcheck.schemas.location import PACKAGED_ROOT, schema_root

SCHEMA_ROOT = PACKAGED_ROOT  # the tree shipped with embedcheck; schema_root() is the one in use
MANIFEST_NAME = "manifest.json"
MANIFEST_PATH = SCHEMA_ROOT / MANIFEST_NAME
MANIFEST_FORMAT = 1

# Where a file came from: published upstream (byte-for-byte), derived from such a file by a
# documented rule, or written by us from documented wire facts.
ORIGINS = ("upstream", "derived", "authored")


@dataclass(frozen=True)
class ModelRecord:
    id: str
    provider: str
    slug: str
    dims: int
    max_input_tokens: int
    context_window: int | None
    pooling: bool  # accepts the `pooling` input
    scoring: bool  # accepts query + contexts and answers with scores
    batch: bool  # accepts `{"requests": [...]}` on the async queue
    notes: str = ""


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


def parse_manifest(data: dict[str, Any]) -> Manifest:
    return Manifest(
        models=tuple(ModelRecord(**m) for m in data["models"]),
        files=tuple(SchemaFile(**f) for f in data["files"]),
    )


def load_manifest() -> Manifest:
    """The manifest of the schemas tree in use (`location.schema_root`)."""
    return _load_manifest(schema_root())


@cache
def _load_manifest(root: Path) -> Manifest:
    return parse_manifest(read_json(root / MANIFEST_NAME))


def hash_mismatches(manifest: Manifest) -> list[str]:
    """One line per file whose bytes are not the bytes the manifest recorded."""
    problems = []
    for entry in manifest.files:
        if not entry.absolute.is_file():
            problems.append(f"{entry.path}: missing")
        elif (actual := sha256_of(entry.absolute)) != entry.sha256:
            problems.append(f"{entry.path}: sha256 {actual} != manifest {entry.sha256}")
    return problems


def replace_files(manifest: Manifest, entries: Iterable[SchemaFile]) -> Manifest:
    """The manifest with `entries` in place of the entries at the same paths; new paths added."""
    updates = {entry.path: entry for entry in entries}
    kept = tuple(updates.pop(entry.path, entry) for entry in manifest.files)
    return replace(manifest, files=kept + tuple(updates.values()))


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write `manifest` exactly as `embedcheck.schemas.seed_import` does: a rewrite of an unchanged
    manifest leaves the file byte-identical."""
    document = {
        "format": MANIFEST_FORMAT,
        "models": [asdict(m) for m in manifest.models],
        "files": [asdict(e) for e in sorted(manifest.files, key=lambda e: e.path)],
    }
    path.write_text(dump_json(document), encoding="utf-8")
