"""Look schemas up by subject (model id or family), role and version: raw or effective."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from embedcheck.schemas.jsonfile import read_json
from embedcheck.schemas.location import schema_root
from embedcheck.schemas.manifest import ModelRecord, _load_manifest, load_manifest
from embedcheck.schemas.overlay import _load_overlays, apply_overlays

CURRENT = "current"


def model(name: str) -> ModelRecord:
    """A model record by id or slug; UnknownModelError names the known ones."""
    return load_manifest().model(name)


def models() -> tuple[ModelRecord, ...]:
    return load_manifest().models


def subject_id(name: str) -> str:
    """Model slugs stand for their ids (`bge-m3` -> `@cf/baai/bge-m3`); families stay as named."""
    for record in load_manifest().models:
        if name in (record.id, record.slug):
            return record.id
    return name


# Keyed by the schema root too, so a process that switches trees never reads a stale schema.
@cache
def _raw(root: Path, subject: str, role: str, version: str) -> Any:
    return read_json(root / _load_manifest(root).file(subject, role, version).path)


@cache
def _effective(root: Path, subject: str, role: str, version: str) -> Any:
    entry = _load_manifest(root).file(subject, role, version)
    overlays = [o for o in _load_overlays(root) if entry.path in o.targets]
    return apply_overlays(_raw(root, subject, role, version), entry.path, overlays)


def effective_at(root: Path, subject: str, role: str, version: str = CURRENT) -> Any:
    """The effective schema in the tree at `root` (subject given by id). Read-only: shared."""
    return _effective(root, subject, role, version)


def forget_cached() -> None:
    """Drop every cached manifest, overlay and schema: a tree was just rewritten in place."""
    from embedcheck.schemas.validators import _compiled  # imports this module: lazy

    for cached in (_load_manifest, _load_overlays, _raw, _effective, _compiled):
        cached.cache_clear()


def raw_schema(subject: str, role: str, version: str = CURRENT) -> Any:
    """The upstream schema as vendored. Treat the result as read-only: it is shared."""
    return _raw(schema_root(), subject_id(subject), role, version)


def effective_schema(subject: str, role: str, version: str = CURRENT) -> Any:
    """The raw schema with its overlays applied. Treat the result as read-only: it is shared."""
    return _effective(schema_root(), subject_id(subject), role, version)
