"""Write the overlays a new model's schemas need for the standard upstream ambiguities.

Two ambiguities recur in Workers AI schemas (see the overlays in schemas/overlays/):
- Output variants declare no `required` keys, so `{}` (and every real reply) fits them all.
  Rule: each variant requires its *carrying* properties — every declared property except
  descriptors (an `enum`/`const`, a boolean, or a property with a `default`), or all of them
  when it has nothing else — and forbids (`not: {required: [k]}`) each key another variant
  requires and it does not declare. The variants then exclude each other by keywords alone.
- Input variants overlap when a body carries two variants' required keys (`text` and
  `requests`): under `oneOf` such a body is invalid, and input overlays never change what is
  accepted, so the oneOf is marked `x-embedcheck-overlap: reject`. An input variant with no
  `required` key matches what its siblings match; no overlay may fix that, so it is reported.
Variants of the full schemas get stable `x-embedcheck-name`s from their structure, never from
upstream titles (which change). The shapes Workers AI uses keep the names the vendored models
use (KNOWN_NAMES, keyed on the required keys: `text` -> EmbedInput, `shape`+`data` ->
EmbeddingOutput, `request_id` -> AsyncResponse...), so every generated client reads alike;
any other variant is named by its required keys in PascalCase plus `Input`/`Output`
(`Request` inside a `requests` item), and the forms of one property by the property's name
plus its type (`Text`, `TextBatch`). Every derived op carries its reason, and `test` ops pin the
facts the derivation relied on, so an upstream change makes the overlay fail loudly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from embedcheck.schemas.lint import oneof_holders, overlaps_in, provably_disjoint
from embedcheck.schemas.overlay import NAME_KEY, OVERLAP_KEY

TYPE_SUFFIX = {
    "string": "",
    "array": "Batch",
    "object": "Object",
    "integer": "Int",
    "number": "Number",
    "boolean": "Flag",
}


# (where the oneOf sits, required keys) -> the name the vendored overlays give that shape.
KNOWN_NAMES: dict[tuple[str, frozenset[str]], str] = {
    ("Input", frozenset({"text"})): "EmbedInput",
    ("Input", frozenset({"requests"})): "BatchInput",
    ("Input", frozenset({"contexts"})): "QueryContextsInput",
    ("Request", frozenset({"text"})): "EmbedRequest",
    ("Request", frozenset({"contexts"})): "QueryContextsRequest",
    ("Output", frozenset({"shape", "data"})): "EmbeddingOutput",
    ("Output", frozenset({"request_id"})): "AsyncResponse",
    ("Output", frozenset({"response"})): "QueryScoresOutput",
    ("Output", frozenset({"response", "shape"})): "ContextEmbeddingsOutput",
}


@dataclass
class Derived:
    """The ops for one target file, and what could not be derived (one line each)."""

    target: str
    ops: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def op(self, op: str, path: str, value: Any, reason: str) -> None:
        self.ops.append({"op": op, "path": path, "value": value, "reason": reason})


def _pascal(word: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", word) if part)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _is_descriptor(schema: Any) -> bool:
    """A property that qualifies a reply rather than carrying it (pooling, a flag)."""
    if not isinstance(schema, dict):
        return False
    return (
        "enum" in schema
        or "const" in schema
        or "default" in schema
        or (schema.get("type") == "boolean")
    )


def carrying_keys(variant: dict[str, Any]) -> list[str]:
    """The keys a variant's replies always carry, by the rule in the module docstring."""
    properties = variant.get("properties")
    if not isinstance(properties, dict):
        return []
    carrying = [k for k, v in properties.items() if not _is_descriptor(v)]
    return carrying or list(properties)


def _variant_type(variant: dict[str, Any], context: dict[str, Any]) -> str | None:
    declared = variant.get("type", context.get("type"))
    return declared if isinstance(declared, str) else None


def _pin(derived: Derived, where: str, variant: dict[str, Any], key: str, why: str) -> None:
    """A test op on what property `key` of the variant at `where` is (its type, or itself)."""
    schema = variant["properties"][key]
    path = f"{where}/properties/{_escape(key)}"
    if isinstance(schema, dict) and isinstance(schema.get("type"), str):
        derived.op("test", f"{path}/type", schema["type"], why)
    else:
        derived.op("test", path, schema, why)


def _separate_outputs(
    derived: Derived, pointer: str, holder: dict[str, Any], variants: list[dict[str, Any]]
) -> None:
    context = {k: v for k, v in holder.items() if k != "oneOf"}
    pairs = [
        (i, j)
        for i in range(len(variants))
        for j in range(i + 1, len(variants))
        if not provably_disjoint({**context, **variants[i]}, {**context, **variants[j]})
    ]
    if not pairs:
        return
    required: list[list[str]] = []
    for index, variant in enumerate(variants):
        where = f"{pointer}/oneOf/{index}"
        declared = variant.get("required")
        if isinstance(declared, list) and declared:
            required.append([str(k) for k in declared])
            continue
        keys = carrying_keys(variant)
        if not keys:
            derived.problems.append(
                f"{derived.target} oneOf at {pointer or '/'}: variant #{index} declares no "
                "properties, so no required keys can be derived for it"
            )
            required.append([])
            continue
        for key in keys:
            _pin(
                derived,
                where,
                variant,
                key,
                f"written against upstream where variant #{index} declares {key!r}; "
                "the required keys below are derived from its properties",
            )
        derived.op(
            "add",
            f"{where}/required",
            keys,
            f"upstream declares no required keys, so {{}} matched several variants; a reply "
            f"of variant #{index} carries {', '.join(keys)} (its properties other than "
            "enums, booleans and defaults)",
        )
        required.append(keys)
    for index, variant in enumerate(variants):
        if "not" in variant or not required[index]:
            continue
        own = set(variant.get("properties", {})) | set(required[index])
        foreign: list[str] = []
        for other, keys in enumerate(required):
            foreign += [k for k in keys if other != index and k not in own and k not in foreign]
        if not foreign:
            continue
        clauses = [{"required": [k]} for k in foreign]
        value = clauses[0] if len(clauses) == 1 else {"anyOf": clauses}
        derived.op(
            "add",
            f"{pointer}/oneOf/{index}/not",
            value,
            f"a reply carrying {' or '.join(foreign)} is another variant, never #{index}",
        )


def _mark_input_overlaps(
    derived: Derived, pointer: str, variants: list[dict[str, Any]], overlapping: bool
) -> None:
    if not overlapping:
        return
    bare = [i for i, v in enumerate(variants) if not v.get("required")]
    if bare:
        derived.problems.append(
            f"{derived.target} oneOf at {pointer or '/'}: input variant #{bare[0]} declares no "
            "required keys, so it matches what the others match; an input overlay may not change "
            "what is accepted: write this overlay by hand or fix the schema"
        )
        return
    for index, variant in enumerate(variants):
        derived.op(
            "test",
            f"{pointer}/oneOf/{index}/required",
            variant["required"],
            f"written against upstream where variant #{index} requires "
            f"{', '.join(variant['required'])}",
        )
    derived.op(
        "add",
        f"{pointer}/{OVERLAP_KEY}",
        "reject",
        "a body carrying the required keys of two variants fits both; under oneOf it is invalid "
        "and must be rejected (a negative case for the conformance suite). Input overlays may not "
        "change what is accepted, so the overlap stays",
    )


def _name(pointer: str, variant: dict[str, Any], context: dict[str, Any], suffix: str) -> str:
    keys = variant.get("required")
    if isinstance(keys, list) and keys:
        known = KNOWN_NAMES.get((suffix, frozenset(str(k) for k in keys)))
        return known or "".join(_pascal(str(k)) for k in keys) + suffix
    property_name = pointer.rsplit("/", 1)[-1] if "/properties/" in pointer else ""
    kind = _variant_type(variant, context)
    if property_name and kind is not None:
        return _pascal(property_name) + TYPE_SUFFIX.get(kind, _pascal(kind))
    return ""


def _suffix(pointer: str, kind: str) -> str:
    if pointer.endswith("/properties/requests/items"):
        return "Request"
    return "Input" if kind == "input" else "Output"


def _name_variants(
    derived: Derived,
    pointer: str,
    holder: dict[str, Any],
    variants: list[dict[str, Any]],
    required: list[list[str]],
    kind: str,
) -> None:
    context = {k: v for k, v in holder.items() if k != "oneOf"}
    names = []
    for index, variant in enumerate(variants):
        shaped = {**variant, "required": required[index]} if required[index] else variant
        names.append(_name(pointer, shaped, context, _suffix(pointer, kind)))
    for index, name in enumerate(names):
        where = f"{pointer}/oneOf/{index}"
        if NAME_KEY in variants[index]:
            continue
        if not name or names.count(name) > 1:
            derived.problems.append(
                f"{derived.target} oneOf at {pointer or '/'}: no unique name derivable for "
                f"variant #{index} (required keys and type do not tell it apart); add "
                f"{NAME_KEY} by hand"
            )
            continue
        kind_of = _variant_type(variants[index], context)
        if not required[index] and kind_of is not None and "type" in variants[index]:
            derived.op(
                "test",
                f"{where}/type",
                kind_of,
                f"written against upstream where variant #{index} is the {kind_of} form",
            )
        derived.op(
            "add",
            f"{where}/{NAME_KEY}",
            name,
            "stable name derived from the variant's structure (required keys or type); "
            "upstream titles change between versions",
        )


def _required_after(
    ops: list[dict[str, Any]], pointer: str, variants: list[Any]
) -> list[list[str]]:
    added = {op["path"]: op["value"] for op in ops if op["op"] == "add"}
    out: list[list[str]] = []
    for index, variant in enumerate(variants):
        declared = variant.get("required") if isinstance(variant, dict) else None
        keys = added.get(f"{pointer}/oneOf/{index}/required", declared) or []
        out.append([str(k) for k in keys])
    return out


def derive_overlay(target: str, schema: Any, *, kind: str, name: bool) -> Derived:
    """The overlay ops `schema` (the raw file at `target`, an input or output) needs."""
    derived = Derived(target)
    overlapping = {pointer for pointer, *_ in overlaps_in(schema)} if kind == "input" else set()
    for pointer, holder in oneof_holders(schema):
        variants = [v for v in holder["oneOf"] if isinstance(v, dict)]
        if len(variants) != len(holder["oneOf"]):
            derived.problems.append(
                f"{target} oneOf at {pointer or '/'}: a variant is not an object"
            )
            continue
        if OVERLAP_KEY in holder:
            continue
        if kind == "output":
            _separate_outputs(derived, pointer, holder, variants)
        else:
            _mark_input_overlaps(derived, pointer, variants, pointer in overlapping)
        if name:
            required = _required_after(derived.ops, pointer, variants)
            _name_variants(derived, pointer, holder, variants, required, kind)
    return derived


def overlay_document(derived: Derived, model_id: str, today: str) -> dict[str, Any]:
    """The overlay file for `derived`, in the style of the hand-written ones: the `test` ops
    first (they read only raw paths, which the added keys never touch), each once."""
    tests: list[dict[str, Any]] = []
    for op in derived.ops:
        if op["op"] == "test" and all(
            (t["path"], t["value"]) != (op["path"], op["value"]) for t in tests
        ):
            tests.append(op)
    ops = tests + [op for op in derived.ops if op["op"] != "test"]
    return {
        "description": (
            f"Derived by `embedcheck schemas add` for {model_id} on {today} (rules: "
            "schemas/overlay_derive.py): output variants made mutually exclusive by the keys "
            "they carry, input overlaps marked as rejected, variants named from their structure. "
            "Review before committing; accepts exactly the inputs upstream accepts."
        ),
        "targets": [derived.target],
        "ops": ops,
    }
