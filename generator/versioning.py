"""The generated distribution's version follows its schemas.

Each generation records the effective schemas it was built from (`schemas.json` in the
package) with their sha256. The next generation compares the schemas it reads with that record
through `embedcheck.schemas.diff`: the same hash keeps the version; a change that breaks the
client's users (a request it used to send is now refused, a reply may hold what its models did
not allow, a schema removed) bumps the major; any other change the minor. The record is read
from the output tree, so `generate --check` computes the same version as the `generate` that
wrote the tree, and regenerating unchanged schemas never bumps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedcheck.generator.errors import GeneratorError
from embedcheck.schemas.diff import diff_schemas, direction_for

JSON = Any
FIRST_VERSION = "1.0.0"
RECORD_FILE = "schemas.json"


@dataclass(frozen=True)
class SchemaRecord:
    """What one generation was built from: "subject role" -> effective schema, and its version."""

    version: str
    schemas: dict[str, JSON]

    @property
    def sha256(self) -> str:
        return schemas_sha256(self.schemas)


@dataclass(frozen=True)
class Bump:
    version: str
    reason: str  # "unchanged", "first generation", or what the diff found


def canonical(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def schemas_sha256(schemas: dict[str, JSON]) -> str:
    return hashlib.sha256(canonical(schemas).encode("utf-8")).hexdigest()


def record_text(record: SchemaRecord, header: str) -> str:
    """The record as the file the package carries (stable bytes: sorted keys, fixed indent)."""
    document = {
        "comment": header,
        "version": record.version,
        "sha256": record.sha256,
        "schemas": record.schemas,
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def record_version(text: str) -> str:
    """The version in a record's text, as `record_text` wrote it."""
    version = json.loads(text)["version"]
    return version if isinstance(version, str) else ""


def read_record(path: Path) -> SchemaRecord | None:
    """The record an earlier generation left at `path`, None when there is none."""
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        version, schemas = document["version"], document["schemas"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GeneratorError(
            f"{path}: not a schema record of a generated package ({exc})"
        ) from None
    if not isinstance(version, str) or not isinstance(schemas, dict):
        raise GeneratorError(f"{path}: not a schema record of a generated package")
    _parse_version(version, path)
    return SchemaRecord(version, schemas)


def _parse_version(version: str, where: Path | str) -> tuple[int, int, int]:
    parts = version.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise GeneratorError(f"{where}: version {version!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in parts)
    return major, minor, patch


def next_version(previous: SchemaRecord | None, schemas: dict[str, JSON]) -> Bump:
    if previous is None:
        return Bump(FIRST_VERSION, "first generation")
    if schemas_sha256(schemas) == previous.sha256:
        return Bump(previous.version, "unchanged")
    major, minor, _ = _parse_version(previous.version, RECORD_FILE)
    breaking = breaking_changes(previous.schemas, schemas)
    if breaking:
        return Bump(f"{major + 1}.0.0", "breaking: " + "; ".join(breaking[:3]))
    return Bump(f"{major}.{minor + 1}.0", "compatible schema changes")


def breaking_changes(old: dict[str, JSON], new: dict[str, JSON]) -> list[str]:
    """What breaks the client's users going from `old` to `new`, one line per change."""
    found = [f"{key}: schema removed" for key in sorted(old.keys() - new.keys())]
    for key in sorted(old.keys() & new.keys()):
        if old[key] == new[key]:
            continue
        role = key.rsplit(" ", 1)[-1]
        direction = direction_for(role) or "response"
        found += [
            f"{key} {change.path or '/'}: {change.kind}"
            for change in diff_schemas(old[key], new[key], direction=direction)
            if change.breaks("client")
        ]
    return found
