"""JSON Schema validators compiled once per (subject, role), and the oneOf variant an instance fits.

The one validation layer: strategies prove a payload is what it claims before it is sent, checks
judge replies, and the mock judges and routes request bodies (`route`, on a schema it may have
loosened to model a fault). Variants are the top-level `oneOf` branches, named by
`x-embedcheck-name`.

Verdicts come from jsonschema-rs (a 100 x 1024 output in microseconds). python-jsonschema only
explains a refusal (its `best_match` names the most telling error), and judges what jsonschema-rs
cannot take in (strings with lone surrogates). The two agree on every JSON value of our schemas
(tests/conformance/test_validators.py checks it by property) but one: NaN and Infinity, which
are no JSON numbers, so jsonschema-rs refuses them and python-jsonschema accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import compress, filterfalse
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from jsonschema.protocols import Validator

from embedcheck.schemas import effective_schema
from embedcheck.schemas.location import schema_root

NAME = "x-embedcheck-name"
OVERLAP = "x-embedcheck-overlap"
MESSAGE_LIMIT = 400


NOT_JSON_NUMBER = "a number is NaN or Infinity, which JSON numbers cannot be"


@dataclass(frozen=True)
class Judge:
    """One schema compiled twice: `fast` decides, `full` explains (and decides what `fast`
    cannot take in)."""

    fast: jsonschema_rs.Validator
    full: Validator
    compactable: bool = False  # see `compact`: number lists may be cut to one item per kind

    def prepared(self, instance: Any) -> Any:
        return compact(instance) if self.compactable else instance

    def is_valid(self, instance: Any) -> bool:
        try:
            return bool(self.fast.is_valid(instance))
        except (ValueError, TypeError, OverflowError):  # e.g. a lone surrogate in a string
            return bool(self.full.is_valid(self.prepared(instance)))


@dataclass(frozen=True)
class CompiledSchema:
    schema: dict[str, Any]
    judge: Judge
    variants: tuple[tuple[str, Judge], ...]
    rest: Judge | None = None  # the schema without its `oneOf`, when it has one (see `route`)

    @property
    def whole(self) -> Validator:
        """The python-jsonschema validator of the whole schema."""
        return self.judge.full

    @property
    def compactable(self) -> bool:
        return self.judge.compactable

    def is_valid(self, instance: Any) -> bool:
        return self.judge.is_valid(instance)

    def matching(self, instance: Any) -> list[str]:
        """Every variant `instance` satisfies on its own (more than one breaks a oneOf)."""
        return [name for name, v in self.variants if v.is_valid(instance)]

    def problem(self, instance: Any) -> str:
        """'' when valid, else the most telling error with its JSON pointer, clipped."""
        if self.judge.is_valid(instance):
            return ""
        error = best_match(self.whole.iter_errors(self.judge.prepared(instance)))
        if error is None:
            return NOT_JSON_NUMBER  # the one value the two libraries judge apart
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        return clip(f"{error.validator} at {where!r}: {error.message}")

    def route(self, instance: Any) -> int | None:
        """The index of the one variant `instance` fits, None when it is invalid (a schema
        without variants is its own variant 0). Valid exactly when it fits the rest of the
        schema and exactly one variant (what `oneOf` means), so each variant is judged once
        rather than once inside `oneOf` and again to find which one held."""
        if self.rest is None:
            return 0 if self.judge.is_valid(instance) else None
        fits = [i for i, (_, v) in enumerate(self.variants) if v.is_valid(instance)]
        if len(fits) != 1 or not self.rest.is_valid(instance):
            return None
        return fits[0]


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- compaction: validating 100 x 1024 floats one by one costs a second in pure Python -------
#
# Only python-jsonschema's path needs it (explaining a refusal, judging what jsonschema-rs cannot
# take in): a refused 100 x 1024 output is explained in milliseconds instead. A list of numbers
# longer than 3 is replaced by one representative of each kind present (int, integral float,
# other float: the classes `type` can tell apart). That preserves the verdict
# exactly when nothing in the schema looks at list sizes, element values or list equality,
# which `_compaction_exact` proves by walking the schema with a whitelist of keywords.

SAFE_KEYWORDS = frozenset(
    {
        "$schema", "title", "description", "default", "examples", "deprecated", "readOnly",
        "writeOnly", "contentType", "contentEncoding", "contentMediaType", "format", "type",
        "properties", "required", "additionalProperties", "items", "oneOf", "anyOf", "allOf",
        "not", "minLength", "maxLength", "pattern", "enum", "const", "minItems", "maxItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    }
)  # fmt: skip
NUMERIC_KEYWORDS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
)
IN_PLACE = ("oneOf", "anyOf", "allOf")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_kinds(items: list[Any]) -> set[type]:
    """The element types of a list, found at C speed (a bool is its own type, not int)."""
    return set(map(type, items))


def _representatives(items: list[Any]) -> list[Any] | None:
    """One int, one integral float, one other float, as present; None if not all numbers."""
    kinds = number_kinds(items)
    if not kinds or not kinds <= {int, float}:
        return None
    kept: list[Any] = []
    if int in kinds:
        kept.append(next(x for x in items if type(x) is int))
    if float in kinds:
        floats = items if kinds == {float} else [x for x in items if type(x) is float]
        integral = next(compress(floats, map(float.is_integer, floats)), None)
        other = next(filterfalse(float.is_integer, floats), None)
        kept += [x for x in (integral, other) if x is not None]
    return kept


def compact(instance: Any) -> Any:
    if isinstance(instance, dict):
        return {k: compact(v) for k, v in instance.items()}
    if isinstance(instance, list):
        kept = _representatives(instance) if len(instance) > 3 else None
        return kept if kept is not None else [compact(x) for x in instance]
    return instance


def _in_place(schema: Any) -> list[Any]:
    """`schema` and every subschema applied to the same instance (oneOf/anyOf/allOf/not)."""
    found, stack = [], [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(b for key in IN_PLACE for b in node.get(key, []))
            if "not" in node:
                stack.append(node["not"])
    return found


def _compaction_exact(schema: Any) -> bool:
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        keywords = {k for k in node if not k.startswith("x-")}
        if keywords - SAFE_KEYWORDS:
            return False
        # A compacted list keeps 1 to 3 of its more than 3 items: only these bounds agree.
        if int(node.get("minItems", 0)) > 1 or int(node.get("maxItems", 0)) != 0:
            return False
        values = list(node.get("enum", [])) + ([node["const"]] if "const" in node else [])
        if any(_is_number(v) or isinstance(v, list) for v in values):
            return False
        if "items" in node and any(NUMERIC_KEYWORDS & set(s) for s in _in_place(node["items"])):
            return False
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                stack.extend(value.values())
            elif key in ("items", "not", "additionalProperties", *IN_PLACE):
                stack.append(value)
    return True


def fast_validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    # Offline: a `$ref` to a remote schema is an error, never a download at run time.
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False, offline=True)


def compile_schema(schema: dict[str, Any]) -> CompiledSchema:
    whole = Draft202012Validator(schema)
    compactable = _compaction_exact(schema)
    parent_type = schema.get("type")
    variants: list[tuple[str, Judge]] = []
    for index, branch in enumerate(schema.get("oneOf", [])):
        # A branch inherits the parent's `type` when judged alone, and its definitions.
        alone = {"type": parent_type, **branch} if parent_type and "type" not in branch else branch
        if "$defs" in schema and "$defs" not in alone:
            alone = {**alone, "$defs": schema["$defs"]}
        judge = Judge(fast_validator(alone), whole.evolve(schema=alone), compactable)
        variants.append((str(branch.get(NAME, index)), judge))
    rest = None
    if "oneOf" in schema:
        without = {k: v for k, v in schema.items() if k != "oneOf"}
        rest = Judge(fast_validator(without), whole.evolve(schema=without), compactable)
    return CompiledSchema(
        schema, Judge(fast_validator(schema), whole, compactable), tuple(variants), rest
    )


def compiled(subject: str, role: str) -> CompiledSchema:
    """The effective schema of `subject`/`role`, compiled once per schema tree."""
    return _compiled(schema_root(), subject, role)


@cache
def _compiled(root: Path, subject: str, role: str) -> CompiledSchema:
    return compile_schema(effective_schema(subject, role))
