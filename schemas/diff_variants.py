"""Pairing the variants of two `oneOf`/`anyOf`/`allOf` lists, and the overlaps a new variant
brings.

Matching, in this order (each variant is used at most once):
1. the same `x-embedcheck-name` (an overlay's stable name): a renamed one is never paired
   with a differently named one by the later steps;
2. the same `title` (upstream titles drift between versions, so a title that changed does
   not stop step 3 from pairing the variants);
3. structure: identical variants first, then a score counting shared required keys (3 each),
   shared property names (2 each), the same type set and the same enum/const values; pairs
   that cannot describe the same thing (disjoint types, or property or required sets with
   nothing in common) score 0 and are never paired. Highest score wins; ties go to the
   closest position, then the lowest index, so the result never depends on dict order.
Whatever is left is an added or a removed variant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from embedcheck.schemas.diff_keywords import canonical, type_set
from embedcheck.schemas.lint import provably_disjoint
from embedcheck.schemas.overlay import NAME_KEY
from embedcheck.schemas.search import common_instance

UNIONS = ("oneOf", "anyOf")
IDENTICAL = 1000


@dataclass(frozen=True)
class Matching:
    old_for_new: dict[int, int]  # new index -> the old index it continues
    added: list[int]  # new indices with no old counterpart
    removed: list[int]  # old indices with no new counterpart


def _label(schema: Any, key: str) -> str | None:
    value = schema.get(key) if isinstance(schema, dict) else None
    return value if isinstance(value, str) else None


def _names(schema: dict[str, Any], key: str) -> set[str]:
    value = schema.get(key)
    if isinstance(value, dict):
        return {k for k in value if isinstance(k, str)}
    if isinstance(value, list):
        return {k for k in value if isinstance(k, str)}
    return set()


def _types_meet(first: frozenset[str], second: frozenset[str]) -> bool:
    def widen(types: frozenset[str]) -> frozenset[str]:
        return types | {"integer"} if "number" in types else types

    return bool(widen(first) & widen(second))


def similarity(old: Any, new: Any) -> int:
    """How likely `new` continues `old`: 0 = never, IDENTICAL = same schema."""
    if canonical(old) == canonical(new):
        return IDENTICAL
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return 0
    old_types, new_types = type_set(old), type_set(new)
    if old_types is not None and new_types is not None and not _types_meet(old_types, new_types):
        return 0
    old_props, new_props = _names(old, "properties"), _names(new, "properties")
    old_required, new_required = _names(old, "required"), _names(new, "required")
    if (old_props and new_props and not old_props & new_props) or (
        old_required and new_required and not old_required & new_required
    ):
        return 0
    score = 1 + 3 * len(old_required & new_required) + 2 * len(old_props & new_props)
    if old_types is not None and old_types == new_types:
        score += 1
    for key in ("enum", "const"):
        if key in old and key in new and canonical(old[key]) == canonical(new[key]):
            score += 2
    return score


def _named_apart(old: Any, new: Any) -> bool:
    first, second = _label(old, NAME_KEY), _label(new, NAME_KEY)
    return first is not None and second is not None and first != second


def match_variants(old: list[Any], new: list[Any]) -> Matching:
    pairs: dict[int, int] = {}
    for key in (NAME_KEY, "title"):
        for j, variant in enumerate(new):
            label = _label(variant, key)
            if j in pairs or label is None:
                continue
            taken = set(pairs.values())
            for i, candidate in enumerate(old):
                if i not in taken and _label(candidate, key) == label:
                    pairs[j] = i
                    break
    ranked = []
    for i, old_variant in enumerate(old):
        for j, new_variant in enumerate(new):
            if i in pairs.values() or j in pairs or _named_apart(old_variant, new_variant):
                continue
            score = similarity(old_variant, new_variant)
            if score > 0:
                ranked.append((-score, abs(i - j), i, j))
    for _, _, i, j in sorted(ranked):
        if j not in pairs and i not in pairs.values():
            pairs[j] = i
    added = [j for j in range(len(new)) if j not in pairs]
    removed = [i for i in range(len(old)) if i not in pairs.values()]
    return Matching(dict(sorted(pairs.items())), added, removed)


def merged_variant(context: dict[str, Any], variant: Any) -> tuple[Any, frozenset[str]]:
    """The variant as it applies where it sits: its holder's other keywords (`context`) and
    its own, with `properties` and `required` joined. Also returns the keys that come from the
    variant ("type", "properties/pooling"...) so a pointer can say where each one lives."""
    if not isinstance(variant, dict):
        return variant, frozenset()
    if clashes(context, variant):
        # Not a plain union of keywords: keep the variant whole beside its holder (exact, but
        # pointers then go no deeper than the holder).
        held = context.get("allOf")
        return {
            **context,
            "allOf": [*(held if isinstance(held, list) else []), variant],
        }, frozenset()
    merged = dict(context)
    from_variant: set[str] = set()
    for key, value in variant.items():
        held = merged.get(key)
        if key == "properties" and isinstance(held, dict) and isinstance(value, dict):
            merged[key] = {**held, **value}
            from_variant.update(f"properties/{name}" for name in value)
        elif key == "required" and isinstance(held, list) and isinstance(value, list):
            merged[key] = held + [name for name in value if name not in held]
            from_variant.add(key)
        else:
            merged[key] = value
            from_variant.add(key)
    return merged, frozenset(from_variant)


_PROPERTY_SCOPED = ("additionalProperties", "patternProperties", "unevaluatedProperties")


def clashes(context: dict[str, Any], variant: dict[str, Any]) -> bool:
    """Whether joining the two keyword sets would change what they accept together: the same
    keyword with two values, or additionalProperties seeing the other side's properties."""
    joinable = ("properties", "required")
    if any(
        key not in joinable and key in context and canonical(context[key]) != canonical(value)
        for key, value in variant.items()
    ):
        return True
    old_props, new_props = context.get("properties"), variant.get("properties")
    if isinstance(old_props, dict) and isinstance(new_props, dict):
        if any(k in context or k in variant for k in _PROPERTY_SCOPED):
            return True
        shared = old_props.keys() & new_props.keys()
        return any(canonical(old_props[k]) != canonical(new_props[k]) for k in shared)
    return False


def variant_context(schema: dict[str, Any], keyword: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != keyword}


def overlap_witness(old: Any, first: Any, second: Any) -> tuple[bool, Any]:
    """An instance OLD accepted that fits both new `oneOf` variants, which makes it invalid
    now. Found by a Hypothesis search (deterministic, shrunk); (False, None) when the variants
    are provably disjoint, none turns up, or a `$ref` would need resolving."""
    if isinstance(first, dict) and isinstance(second, dict) and provably_disjoint(first, second):
        return False, None
    if '"$ref"' in json.dumps([old, first, second]):
        return False, None
    return common_instance([old, first, second], generate_from=[first, second])
