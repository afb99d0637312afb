"""Where the generator reads schemas from: the vendored tree, another copy of it, or a function.

The generator only ever asks a source three things: the model records, the effective schema of
a (subject, role), and whether that file was written by us or published upstream (only our own
titles may name classes). Tests point the generator at a temporary copy of `schemas/`, or wrap
a source with a transform, without touching the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from embedcheck.schemas import ModelRecord, effective_schema, load_manifest
from embedcheck.schemas.jsonfile import read_json
from embedcheck.schemas.manifest import Manifest, parse_manifest
from embedcheck.schemas.overlay import apply_overlays, parse_overlay

JSON = Any  # a decoded JSON value

# The subjects the generated package is built from, besides the models.
QUEUE = "workers-ai-queue"
OPENAI = "openai-embeddings"
CLOUDFLARE = "cloudflare-v4"


class SchemaSource(Protocol):
    def models(self) -> tuple[ModelRecord, ...]: ...

    def schema(self, subject: str, role: str) -> JSON:
        """The effective schema (raw + overlays). Callers must not mutate it."""
        ...

    def authored(self, subject: str, role: str) -> bool:
        """True when embedcheck wrote the file itself, so its titles are ours to keep."""
        ...


@dataclass(frozen=True)
class VendoredSource:
    """The schemas shipped in `schemas/`, through the `schemas` package."""

    def models(self) -> tuple[ModelRecord, ...]:
        return load_manifest().models

    def schema(self, subject: str, role: str) -> JSON:
        return effective_schema(subject, role)

    def authored(self, subject: str, role: str) -> bool:
        return load_manifest().file(subject, role).origin == "authored"


@dataclass(frozen=True)
class DirectorySource:
    """A tree laid out like `schemas/` (manifest.json, raw files, overlays/), e.g. a temp copy."""

    root: Path
    _manifest: Manifest = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_manifest", parse_manifest(read_json(self.root / "manifest.json"))
        )

    def models(self) -> tuple[ModelRecord, ...]:
        return self._manifest.models

    def schema(self, subject: str, role: str) -> JSON:
        entry = self._manifest.file(subject, role)
        overlays = [parse_overlay(p) for p in sorted((self.root / "overlays").glob("*.json"))]
        relevant = [o for o in overlays if entry.path in o.targets]
        return apply_overlays(read_json(self.root / entry.path), entry.path, relevant)

    def authored(self, subject: str, role: str) -> bool:
        return self._manifest.file(subject, role).origin == "authored"


Transform = Callable[[str, str, JSON], JSON]


@dataclass(frozen=True)
class TransformedSource:
    """Another source whose schemas pass through `transform(subject, role, schema)` first.

    The transform receives a schema it must not mutate and returns the one to use.
    """

    base: SchemaSource
    transform: Transform

    def models(self) -> tuple[ModelRecord, ...]:
        return self.base.models()

    def schema(self, subject: str, role: str) -> JSON:
        return self.transform(subject, role, self.base.schema(subject, role))

    def authored(self, subject: str, role: str) -> bool:
        return self.base.authored(subject, role)


@dataclass
class RecordingSource:
    """Another source that remembers every effective schema the generator asked it for: the
    schemas a generated package was built from, recorded in it and compared on the next run."""

    base: SchemaSource
    read: dict[str, JSON] = field(default_factory=dict)  # "subject role" -> schema

    def models(self) -> tuple[ModelRecord, ...]:
        return self.base.models()

    def schema(self, subject: str, role: str) -> JSON:
        schema = self.base.schema(subject, role)
        self.read[f"{subject} {role}"] = schema
        return schema

    def authored(self, subject: str, role: str) -> bool:
        return self.base.authored(subject, role)
