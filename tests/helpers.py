"""Small helpers shared by the tests."""

from __future__ import annotations

from typing import Any


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON pointer ("" is the document itself)."""
    value = document
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        value = value[int(token)] if isinstance(value, list) else value[token]
    return value
