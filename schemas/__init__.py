"""The vendored schemas and the small library that loads, overlays, lints and diffs them."""

from embedcheck.schemas.errors import SchemaError, SchemaFileError, UnknownModelError
from embedcheck.schemas.manifest import Manifest, ModelRecord, SchemaFile, load_manifest
from embedcheck.schemas.store import effective_schema, model, models, raw_schema, subject_id

__all__ = [
    "Manifest",
    "ModelRecord",
    "SchemaError",
    "SchemaFile",
    "SchemaFileError",
    "UnknownModelError",
    "effective_schema",
    "load_manifest",
    "model",
    "models",
    "raw_schema",
    "subject_id",
]
