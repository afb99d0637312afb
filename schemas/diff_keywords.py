"""Keyword-by-keyword comparison of two schema nodes: type, enum/const, bounds, required,
annotations. Each function returns findings; the walker (`diff_walk`) turns them into
Changes at the right pointer and handles the keywords that hold subschemas.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from embedcheck.schemas.diff_model import Direction, Effect

JSON_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")
LOWER_BOUNDS = (
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
    "minimum",
    "exclusiveMinimum",
)
UPPER_BOUNDS = (
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
    "maximum",
    "exclusiveMaximum",
)
# A lower bound of 0 on a count accepts everything, so it is the same as no bound at all.
VACUOUS_AT_ZERO = frozenset({"minLength", "minItems", "minProperties", "minContains"})
# Assertions we cannot order (two regexes, two formats): any change may go either way.
OPAQUE_ASSERTIONS = ("pattern", "format")
# Keywords holding subschemas or rules this diff does not take apart: adding one can only
# remove instances, dropping one can only add them, changing one may do both.
OPAQUE_APPLICATORS = (
    "patternProperties",
    "additionalItems",
    "contains",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
)
CONDITIONAL = ("if", "then", "else")
WALKED = (
    "properties",
    "additionalProperties",
    "items",
    "prefixItems",
    "oneOf",
    "anyOf",
    "allOf",
    "not",
    "$ref",
    "$defs",
    "definitions",
)
# Every keyword that can change validation; any other key (description, title, examples,
# x-*, upstream's `contentType`...) is an annotation that validators ignore.
VALIDATION_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "multipleOf",
        "uniqueItems",
        "default",  # not validation, but compared on its own (see compare_default)
        *LOWER_BOUNDS,
        *UPPER_BOUNDS,
        *OPAQUE_ASSERTIONS,
        *OPAQUE_APPLICATORS,
        *CONDITIONAL,
        *WALKED,
    }
)
NAMED_ANNOTATIONS = ("title", "description", "examples")
SHOWN_CHARS = 60


@dataclass(frozen=True)
class Finding:
    """One fact about a node: the keyword it sits under (for the pointer), what happened."""

    keyword: str
    kind: str
    effect: Effect
    detail: str


def show(value: Any) -> str:
    """A value as a short sentence fragment: JSON, cut to a readable length."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _normalised(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON Schema: 1.0 and 1 are the same number
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items()}
    return value


def canonical(value: Any) -> str:
    """Equal JSON values (in the JSON Schema sense) give equal strings."""
    return json.dumps(_normalised(value), sort_keys=True, ensure_ascii=False)


def _value_list(values: list[Any]) -> str:
    plain = all(isinstance(v, str) and v and "|" not in v and v.strip() == v for v in values)
    return "|".join(v if plain else show(v) for v in values)


def type_set(schema: dict[str, Any]) -> frozenset[str] | None:
    """The declared types (None: any type). `integer` under `number` adds nothing."""
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list):
        return None
    found = frozenset(t for t in names if t in JSON_TYPES)
    return found - {"integer"} if "number" in found else found


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _types_text(types: frozenset[str] | None) -> str:
    return "any type" if types is None else "|".join(sorted(types)) or "no type"


def compare_types(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = type_set(old), type_set(new)
    if before == after:
        return []
    change = f"type {_types_text(before)} -> {_types_text(after)}"
    if after is None or (before is not None and _covers(after, before)):
        return [Finding("type", "type-widened", "widening", f"{change}: more types accepted")]
    if before is None or _covers(before, after):
        return [Finding("type", "type-narrowed", "narrowing", f"{change}: fewer types accepted")]
    return [Finding("type", "type-changed", "both", f"{change}: some types dropped, some added")]


def _allowed(schema: dict[str, Any]) -> tuple[str, list[Any]] | None:
    """(keyword, values) the schema pins instances to with const or enum; None: any value."""
    if "const" in schema:
        return "const", [schema["const"]]
    if isinstance(schema.get("enum"), list):
        return "enum", list(schema["enum"])
    return None


def compare_values(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """enum and const together: `const: x` is `enum: [x]`, so const -> enum is one change."""
    before, after = _allowed(old), _allowed(new)
    if before is None and after is None:
        return []
    if before is None:
        assert after is not None
        keyword, values = after
        text = f"{keyword} {_value_list(values)} added (was any value)"
        return [Finding(keyword, "enum-added", "narrowing", text)]
    if after is None:
        keyword, values = before
        text = f"{keyword} {_value_list(values)} removed (now any value)"
        return [Finding(keyword, "enum-removed", "widening", text)]
    (_, old_values), (keyword, new_values) = before, after
    old_keys = {canonical(v) for v in old_values}
    new_keys = {canonical(v) for v in new_values}
    lost = [v for v in old_values if canonical(v) not in new_keys]
    gained = [v for v in new_values if canonical(v) not in old_keys]
    was = f"was {_value_list(old_values)}, now {_value_list(new_values)}"
    if lost and gained:
        return [Finding(keyword, "enum-changed", "both", f"{keyword} values changed ({was})")]
    if lost:
        text = f"{keyword} lost {_value_list(lost)} ({was})"
        return [Finding(keyword, "enum-narrowed", "narrowing", text)]
    if gained:
        text = f"{keyword} gained {_value_list(gained)} ({was})"
        return [Finding(keyword, "enum-widened", "widening", text)]
    return []


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def _bound(schema: dict[str, Any], keyword: str) -> Fraction | None:
    value = _number(schema.get(keyword))
    if value == 0 and keyword in VACUOUS_AT_ZERO:
        return None
    return value


def _added_or_removed(keyword: str, before: Any, after: Any) -> list[Finding]:
    """The cases every constraint shares: it appears (None before) or goes (None after)."""
    if before is None:
        text = f"{keyword} {show(after)} added (was unconstrained)"
        return [Finding(keyword, "constraint-added", "narrowing", text)]
    if after is None:
        text = f"{keyword} {show(before)} removed (now unconstrained)"
        return [Finding(keyword, "constraint-removed", "widening", text)]
    return []


def _compare_bound(keyword: str, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = _bound(old, keyword), _bound(new, keyword)
    if before == after:
        return []
    if before is None or after is None:
        shown_old = None if before is None else old[keyword]
        return _added_or_removed(keyword, shown_old, None if after is None else new[keyword])
    moved = "raised" if after > before else "lowered"
    text = f"{keyword} {moved} from {old[keyword]} to {new[keyword]}"
    if (after > before) == (keyword in LOWER_BOUNDS):
        return [Finding(keyword, "constraint-tightened", "narrowing", text)]
    return [Finding(keyword, "constraint-relaxed", "widening", text)]


def _compare_multiple_of(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = _number(old.get("multipleOf")), _number(new.get("multipleOf"))
    if before == after:
        return []
    if before is None or after is None:
        return _added_or_removed("multipleOf", old.get("multipleOf"), new.get("multipleOf"))
    text = f"multipleOf changed from {old['multipleOf']} to {new['multipleOf']}"
    if before and (after / before).denominator == 1:  # every new multiple is an old one
        return [Finding("multipleOf", "constraint-tightened", "narrowing", text)]
    if after and (before / after).denominator == 1:
        return [Finding("multipleOf", "constraint-relaxed", "widening", text)]
    return [Finding("multipleOf", "constraint-changed", "both", text)]


def _compare_opaque(keyword: str, old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """An assertion or applicator judged only by presence: we cannot order two regexes."""
    if keyword == "uniqueItems":  # uniqueItems: false asserts nothing
        before = old.get(keyword) is True or None
        after = new.get(keyword) is True or None
    else:
        before, after = old.get(keyword), new.get(keyword)
    if canonical(before) == canonical(after):
        return []
    if before is None or after is None:
        return _added_or_removed(keyword, before, after)
    text = f"{keyword} changed from {show(before)} to {show(after)}"
    return [Finding(keyword, "constraint-changed", "both", text)]


def _compare_conditional(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before = {k: old[k] for k in CONDITIONAL if k in old}
    after = {k: new[k] for k in CONDITIONAL if k in new}
    if canonical(before) == canonical(after):
        return []
    keyword = "if" if "if" in after else next(iter(after or before))
    if not before:
        return [Finding(keyword, "conditional-added", "narrowing", "if/then/else added")]
    if not after:
        return [Finding(keyword, "conditional-removed", "widening", "if/then/else removed")]
    return [Finding(keyword, "conditional-changed", "both", "if/then/else changed")]


def compare_assertions(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    """Every keyword of one node that asserts something without holding walked subschemas."""
    found = compare_types(old, new) + compare_values(old, new)
    for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        if keyword in old or keyword in new:
            found += _compare_bound(keyword, old, new)
    found += _compare_multiple_of(old, new)
    for keyword in ("uniqueItems", *OPAQUE_ASSERTIONS, *OPAQUE_APPLICATORS):
        found += _compare_opaque(keyword, old, new)
    return found + _compare_conditional(old, new) + compare_required(old, new)


def _required(schema: dict[str, Any]) -> list[str]:
    names = schema.get("required")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def compare_required(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = _required(old), _required(new)
    found = [
        Finding("required", "required-added", "narrowing", f"{name!r} is now required")
        for name in after
        if name not in before
    ]
    found += [
        Finding("required", "required-removed", "widening", f"{name!r} is no longer required")
        for name in before
        if name not in after
    ]
    return found


def compare_default(
    old: dict[str, Any], new: dict[str, Any], direction: Direction
) -> list[Finding]:
    """A default does not change validation. In a request it is what a server does when the
    key is left out, so changing it changes behaviour on both sides (upstream's own `pooling`
    text calls keeping the `mean` default what avoids a breaking change). Adding or removing
    one, or any default in a response, is documentation."""
    if "default" not in old and "default" not in new:
        return []
    before, after = old.get("default"), new.get("default")
    if "default" not in old:
        return [Finding("default", "default-added", "none", f"default {show(after)} added")]
    if "default" not in new:
        return [Finding("default", "default-removed", "none", f"default {show(before)} removed")]
    if canonical(before) == canonical(after):
        return []
    text = f"default changed from {show(before)} to {show(after)}"
    if direction == "request":
        text += ": requests that leave it out now mean something else"
        return [Finding("default", "default-changed", "both", text)]
    return [Finding("default", "default-changed", "none", text)]


def compare_annotations(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    found = []
    keys = [k for k in old if k not in VALIDATION_KEYWORDS]
    keys += [k for k in new if k not in VALIDATION_KEYWORDS and k not in old]
    for key in keys:
        kind = f"{key}-changed" if key in NAMED_ANNOTATIONS else "annotation-changed"
        if key not in old:
            text = f"{key} added: {show(new[key])}"
        elif key not in new:
            text = f"{key} removed (was {show(old[key])})"
        elif canonical(old[key]) != canonical(new[key]):
            text = f"{key} changed from {show(old[key])} to {show(new[key])}"
        else:
            continue
        found.append(Finding(key, kind, "none", text))
    return found


def is_trivially_true(schema: Any) -> bool:
    """Accepts every instance: `true`, `{}`, or annotations only."""
    if schema is True:
        return True
    return isinstance(schema, dict) and not any(k in VALIDATION_KEYWORDS for k in schema)


def is_trivially_false(schema: Any) -> bool:
    return schema is False or (isinstance(schema, dict) and is_trivially_true(schema.get("not")))


def describe(schema: Any) -> str:
    """A few words saying what a subschema accepts: type, values, required keys, limits (its
    name or title is left to the caller, which usually shows it already)."""
    if is_trivially_false(schema):
        return "nothing"
    if not isinstance(schema, dict):
        return "any value"
    types = type_set(schema)
    parts = [] if types is None else [_types_text(types)]
    allowed = _allowed(schema)
    if allowed is not None:
        parts.append(f"{allowed[0]} {_value_list(allowed[1])}")
    required = _required(schema)
    if required:
        parts.append("requires " + ", ".join(required))
    for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        if _bound(schema, keyword) is not None:
            parts.append(f"{keyword} {schema[keyword]}")
    if "default" in schema:
        parts.append(f"default {show(schema['default'])}")
    for keyword in ("oneOf", "anyOf", "allOf"):
        if isinstance(schema.get(keyword), list):
            parts.append(f"{keyword} of {len(schema[keyword])}")
    return ", ".join(parts) or "any value"
