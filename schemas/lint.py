"""Find `oneOf` variants that one instance satisfies at once.

Under `oneOf` such an instance is invalid, so for an output schema every real reply that fits
two variants is rejected by a strict validator (the upstream output variants all match `{}`).
For each pair of variants we first try to prove them disjoint from keywords alone (different
types, a key one requires and the other forbids); otherwise Hypothesis searches for an
instance valid against both, and shrinks it so the report shows the smallest one.
An overlap under a schema marked `x-embedcheck-overlap` (by an overlay, with its reason) is
intended: reported as acknowledged, not as a finding.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from embedcheck.schemas.errors import UnknownModelError
from embedcheck.schemas.manifest import SchemaFile, load_manifest
from embedcheck.schemas.overlay import NAME_KEY, OVERLAP_KEY
from embedcheck.schemas.search import common_instance
from embedcheck.schemas.store import effective_schema, raw_schema, subject_id


@dataclass(frozen=True)
class Overlap:
    subject: str
    role: str
    path: str  # the vendored file
    pointer: str  # JSON pointer to the schema holding the oneOf
    first: str
    second: str
    instance: Any
    acknowledged: bool

    def describe(self) -> str:
        where = self.pointer or "/"
        example = json.dumps(self.instance, ensure_ascii=False)
        return (
            f"{self.subject} {self.role} ({self.path}) oneOf at {where}: "
            f"{self.first} and {self.second} both match {example}"
        )


def variant_label(index: int, variant: Any) -> str:
    if isinstance(variant, dict):
        name = variant.get(NAME_KEY) or variant.get("title")
        if name:
            return f"#{index} {name!r}"
    return f"#{index}"


def oneof_holders(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema that has a `oneOf`, with its JSON pointer, outermost first."""
    if isinstance(schema, dict):
        if isinstance(schema.get("oneOf"), list):
            yield pointer, schema
        for key, value in schema.items():
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                if isinstance(value, dict):
                    for name, sub in value.items():
                        yield from oneof_holders(sub, f"{pointer}/{key}/{_escape(name)}")
            elif key in ("oneOf", "anyOf", "allOf", "prefixItems") and isinstance(value, list):
                for index, sub in enumerate(value):
                    yield from oneof_holders(sub, f"{pointer}/{key}/{index}")
            elif key in ("items", "additionalProperties", "not", "contains") and isinstance(
                value, dict
            ):
                yield from oneof_holders(value, f"{pointer}/{key}")


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _types(schema: dict[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if isinstance(declared, str):
        found = {declared}
    elif isinstance(declared, list):
        found = {t for t in declared if isinstance(t, str)}
    else:
        return None
    if "integer" in found:
        found.add("number")  # an integer is a number: never call those disjoint
    return found


def _forbidden_keys(schema: dict[str, Any]) -> set[str]:
    """Keys whose presence `not` rules out: `not: {required: [k]}` or an anyOf of those."""
    negated = schema.get("not")
    if not isinstance(negated, dict):
        return set()
    branches = negated.get("anyOf", [negated]) if len(negated) == 1 else [negated]
    keys: set[str] = set()
    for branch in branches:
        if isinstance(branch, dict) and set(branch) == {"required"}:
            required = branch["required"]
            if len(required) == 1:  # `not: {required: [a, b]}` forbids only both together
                keys.add(required[0])
    return keys


def provably_disjoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    types_a, types_b = _types(a), _types(b)
    if types_a is not None and types_b is not None and not types_a & types_b:
        return True
    required_a, required_b = set(a.get("required", [])), set(b.get("required", []))
    return bool(required_a & _forbidden_keys(b) or required_b & _forbidden_keys(a))


def _context(holder: dict[str, Any]) -> dict[str, Any]:
    """The holder's own keywords besides oneOf, which every instance there also meets."""
    return {k: v for k, v in holder.items() if k != "oneOf"}


def overlaps_in(
    schema: Any, *, acknowledged_too: bool = True
) -> Iterator[tuple[str, str, str, Any, bool]]:
    """(pointer, first label, second label, instance, acknowledged) for each overlapping pair;
    `acknowledged_too=False` skips (and does not search) oneOfs an overlay marks intended."""
    for pointer, holder in oneof_holders(schema):
        context = _context(holder)
        acknowledged = OVERLAP_KEY in holder
        if acknowledged and not acknowledged_too:
            continue
        variants = holder["oneOf"]
        for (i, a), (j, b) in itertools.combinations(enumerate(variants), 2):
            if not (isinstance(a, dict) and isinstance(b, dict)):
                continue
            if provably_disjoint({**context, **a}, {**context, **b}):
                continue
            hit, instance = common_instance([{**context, **a}, {**context, **b}])
            if hit:
                yield pointer, variant_label(i, a), variant_label(j, b), instance, acknowledged


def lint_files(files: list[SchemaFile], *, effective: bool) -> list[Overlap]:
    found = []
    for entry in files:
        loader = effective_schema if effective else raw_schema
        schema = loader(entry.subject, entry.role, entry.version)
        for pointer, first, second, instance, acknowledged in overlaps_in(schema):
            found.append(
                Overlap(
                    entry.subject,
                    entry.role,
                    entry.path,
                    pointer,
                    first,
                    second,
                    instance,
                    acknowledged,
                )
            )
    return found


def files_to_lint(subjects: list[str]) -> list[SchemaFile]:
    """The current files of the named subjects (model ids, slugs or families), or of all."""
    manifest = load_manifest()
    known = sorted({f.subject for f in manifest.files})
    wanted = {subject_id(s) for s in subjects} if subjects else set(known)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise UnknownModelError(f"unknown model {unknown[0]!r} (known: {', '.join(known)})")
    return [f for f in manifest.files if f.subject in wanted and f.version == "current"]


def ambiguities(schema: Any) -> list[str]:
    """One line per overlapping variant pair no overlay acknowledges: what `lint --effective
    --strict` fails on, for a schema held in memory (e.g. one a sync is about to write)."""
    lines = []
    for pointer, first, second, instance, _ in overlaps_in(schema, acknowledged_too=False):
        example = json.dumps(instance, ensure_ascii=False)
        lines.append(f"oneOf at {pointer or '/'}: {first} and {second} both match {example}")
    return lines
