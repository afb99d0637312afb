"""Hypothesis strategies for instances of a JSON Schema (the subset the vendored schemas use).

Generation follows the schema's structure (type, properties, required, items, enum, const,
length and size limits, oneOf/anyOf) but does not promise validity: `not`, `allOf` and
cross-keyword rules are left to the caller, who validates. `extra_keys` lets objects carry
keys the schema does not declare, which is how a search finds an instance that satisfies two
oneOf variants at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

MAX_ITEMS = 4  # enough to meet every minItems bound we vendor while keeping shrinking cheap

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
any_json: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low = int(schema.get("minLength", 0))
    high = schema.get("maxLength")
    return st.text(min_size=low, max_size=int(high) if high is not None else max(low, 8))


def _array(schema: dict[str, Any], extra_keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    low = int(schema.get("minItems", 0))
    high = schema.get("maxItems")
    # Sizes up to a bound over the limit let a search reach maxItems + 1 when asked.
    size = min(int(high), max(low, MAX_ITEMS)) if high is not None else max(low, MAX_ITEMS)
    items = schema.get("items", {})
    return st.lists(from_schema(items, extra_keys), min_size=low, max_size=size)


def _object(schema: dict[str, Any], extra_keys: tuple[str, ...]) -> st.SearchStrategy[Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = [k for k in schema.get("required", []) if isinstance(k, str)]
    fixed = {k: from_schema(properties.get(k, {}), extra_keys) for k in required}
    optional = {
        k: from_schema(v, extra_keys) for k, v in sorted(properties.items()) if k not in fixed
    }
    for key in extra_keys:
        if key not in fixed and key not in optional:
            optional[key] = any_json
    return st.fixed_dictionaries(fixed, optional=optional)


def _typed(
    kind: str, schema: dict[str, Any], extra_keys: tuple[str, ...]
) -> st.SearchStrategy[Any]:
    if kind == "object":
        return _object(schema, extra_keys)
    if kind == "array":
        return _array(schema, extra_keys)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum"),
            max_value=schema.get("maximum"),
            allow_nan=False,
            allow_infinity=False,
        ) | st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return any_json


def _inferred_types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    # No `type`: the keywords present say what the author had in mind.
    if "properties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema or "maxItems" in schema or "minItems" in schema:
        return ["array"]
    if "minLength" in schema or "maxLength" in schema:
        return ["string"]
    return []


def from_schema(schema: Any, extra_keys: Iterable[str] = ()) -> st.SearchStrategy[Any]:
    """Instances shaped like `schema`; validate them, as `not`/`allOf` are not honoured."""
    extra = tuple(extra_keys)
    if schema is True or schema == {}:
        return any_json
    if schema is False or not isinstance(schema, dict):
        return st.nothing()
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    branches = schema.get("oneOf") or schema.get("anyOf")
    if isinstance(branches, list) and branches:
        base = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        return st.one_of([from_schema({**base, **branch}, extra) for branch in branches])
    kinds = _inferred_types(schema)
    if not kinds:
        return any_json
    return st.one_of([_typed(kind, schema, extra) for kind in kinds])


def keys_mentioned(schema: Any) -> set[str]:
    """Every property name declared or required anywhere in `schema`."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(k for k in schema.get("properties", {}) if isinstance(k, str))
        found.update(k for k in schema.get("required", []) if isinstance(k, str))
        for value in schema.values():
            found |= keys_mentioned(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= keys_mentioned(value)
    return found
