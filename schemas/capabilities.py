"""What a model's input schema says it accepts, read from the schema itself.

The manifest used to repeat these as flags (`pooling`, `scoring`, `batch`); a flag that
disagreed with the schema after a sync went unnoticed. They are now derived from the
effective input schema, so a synced or newly added model needs no flag edits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Capabilities:
    pooling: bool  # some variant declares a `pooling` choice
    scoring: bool  # some variant takes `contexts` (query + contexts scoring)
    batch: bool  # some variant takes `requests` (the async queue)


def _variants(schema: Any) -> Iterator[dict[str, Any]]:
    """The schema and every variant it combines, at the top level (not inside properties)."""
    if not isinstance(schema, dict):
        return
    yield schema
    for keyword in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(keyword, []) if isinstance(schema.get(keyword), list) else []:
            yield from _variants(branch)


def top_level_properties(schema: Any) -> set[str]:
    """Every property name some top-level variant of `schema` declares."""
    names: set[str] = set()
    for variant in _variants(schema):
        properties = variant.get("properties")
        if isinstance(properties, dict):
            names |= set(properties)
    return names


def input_capabilities(schema: Any) -> Capabilities:
    keys = top_level_properties(schema)
    return Capabilities(
        pooling="pooling" in keys, scoring="contexts" in keys, batch="requests" in keys
    )
