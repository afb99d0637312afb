"""Reading JSON schema files with errors that name the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedcheck.schemas.errors import SchemaFileError

JSON = Any  # a decoded JSON value


def read_json(path: Path) -> JSON:
    """Decode one JSON file; every failure becomes one SchemaFileError line."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise SchemaFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SchemaFileError(f"{path}: is a directory, expected a JSON file") from None
    except OSError as exc:
        raise SchemaFileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return json.loads(text)
    except UnicodeDecodeError:
        raise SchemaFileError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise SchemaFileError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def dump_json(value: JSON) -> str:
    """The one serialisation embedcheck writes: stable, readable, newline-terminated."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
